// Choosing a target by what the user typed: a built-in name, a folder, or
// a snapshot file.
#include <filesystem>

#include <fmt/format.h>

#include "downlevel/target/builtin.hpp"
#include "downlevel/target/snapshot.hpp"
#include "downlevel/target/target.hpp"

namespace downlevel::target {

Result<Target> open_target(const std::string& what) {
  if (const BuiltinTarget* builtin = find_builtin_target(what)) return load_builtin_target(*builtin);
  std::error_code ec;
  if (std::filesystem::is_directory(what, ec)) return load_target_folder(what);
  auto bytes = read_whole_file(what);
  if (!bytes) {
    return make_error("", 0, fmt::format("{}: not a folder, a snapshot file or a built-in target ({})", what,
                                         bytes.error().to_string()));
  }
  if (!is_snapshot(*bytes)) return make_error("", 0, fmt::format("{}: not a target snapshot (no DLSNAP01 magic)", what));
  auto target = read_snapshot(*bytes);
  if (!target) return make_error("", 0, fmt::format("{}: {}", what, target.error().to_string()));
  return target;
}

}  // namespace downlevel::target
