#include "downlevel/target/builtin.hpp"

#include <algorithm>

#include "downlevel/target/first_version.hpp"
#include "downlevel/target/snapshot.hpp"

namespace downlevel::target {

namespace generated {
// Both produced at build time by tools/make_builtin_data.
std::span<const std::byte> xp_sp3_x86();
std::span<const FirstVersion> first_versions();
}  // namespace generated

std::span<const BuiltinTarget> builtin_targets() {
  static const BuiltinTarget kTargets[] = {
      {"xp", "Windows XP SP3, 32-bit (x86)",
       "exports of 28 system DLLs from ReactOS .spec files read for NT 5.1, cross-checked with YY-Thunks "
       "(data/targets/README.md)",
       "models XP SP3, not RTM; not verified against real XP files; ordinals known for some DLLs only; a real "
       "system32 or a snapshot of one is always better",
       generated::xp_sp3_x86()},
  };
  return kTargets;
}

const BuiltinTarget* find_builtin_target(std::string_view name) {
  for (const BuiltinTarget& target : builtin_targets()) {
    if (target.name == name) return &target;
  }
  return nullptr;
}

Result<Target> load_builtin_target(const BuiltinTarget& builtin) { return read_snapshot(builtin.snapshot); }

std::span<const FirstVersion> first_versions() { return generated::first_versions(); }

const FirstVersion* find_first_version(std::string_view dll, std::string_view function) {
  const auto rows = first_versions();
  auto it = std::lower_bound(rows.begin(), rows.end(), std::pair{dll, function}, [](const FirstVersion& row, const auto& key) {
    return std::pair{row.dll, row.function} < key;
  });
  if (it == rows.end() || it->dll != dll || it->function != function) return nullptr;
  return &*it;
}

}  // namespace downlevel::target
