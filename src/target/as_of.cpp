#include "downlevel/target/as_of.hpp"

#include <fmt/format.h>

#include "downlevel/target/first_version.hpp"

namespace downlevel::target {

AsOf as_of(const Target& newer, const WindowsVersion& version) {
  AsOf result;
  result.target.description = fmt::format("{} as of {} (exports dated later by the first-version data removed)",
                                          newer.description, version.name());
  result.target.warnings = newer.warnings;
  if (version >= WindowsVersion{6, 1, 0, 0}) result.target.schema = newer.schema;
  for (const auto& [name, dll] : newer.dlls()) {
    std::vector<Export> kept;
    for (const Export& e : dll.exports()) {
      const FirstVersion* first = e.name.empty() ? nullptr : find_first_version(name, e.name);
      const auto introduced = first ? WindowsVersion::parse(first->first_windows) : std::nullopt;
      if (introduced && *introduced > version) {
        ++result.dropped;
        continue;
      }
      kept.push_back(e);
    }
    result.target.add(ExportSet(dll.file_name(), dll.machine(), dll.pe32_plus(), std::move(kept)));
  }
  return result;
}

}  // namespace downlevel::target
