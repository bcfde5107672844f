// The bound import directory: which DLL versions (by timestamp) the
// program's IAT was pre-resolved against by BIND.EXE or the linker.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "downlevel/pe/image.hpp"
#include "downlevel/support/result.hpp"

namespace downlevel::pe {

struct BoundForwarderRef {
  std::string_view dll;
  std::uint32_t time_date_stamp = 0;
};

struct BoundImport {
  std::string_view dll;
  std::uint32_t time_date_stamp = 0;
  std::vector<BoundForwarderRef> forwarder_refs;
};

Result<std::vector<BoundImport>> read_bound_imports(const PeImage& image);

}  // namespace downlevel::pe
