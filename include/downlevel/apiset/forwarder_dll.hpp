// API-set DLL files shipped as real files (the Universal CRT's
// api-ms-win-crt-*.dll, Windows' downlevel\ folder): which host DLLs their
// export forwarders point at.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "downlevel/pe/image.hpp"
#include "downlevel/support/result.hpp"

namespace downlevel::apiset {

struct ForwarderDllSummary {
  std::size_t exports = 0;
  std::size_t own_exports = 0;                 // exports with code, not forwarded
  std::size_t malformed_forwarders = 0;        // forwarder strings without "module.function"
  std::map<std::string, std::size_t> targets;  // forwarder module (lower case, with .dll) -> count
};

Result<ForwarderDllSummary> summarize_forwarder_dll(const pe::PeImage& image);

// "api-ms-*.dll" or "ext-ms-*.dll", any case.
bool is_api_set_file_name(std::string_view file_name);

}  // namespace downlevel::apiset
