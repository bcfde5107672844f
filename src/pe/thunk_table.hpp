// Walks an import name table (an array of thunks ending in zero), shared by
// the import and delay-import directories.
#pragma once

#include <string>
#include <vector>

#include "downlevel/pe/image.hpp"
#include "downlevel/pe/imports.hpp"

namespace downlevel::pe::detail {

struct ThunkTableRef {
  std::uint32_t rva = 0;
  // Delay imports of the VA form store VAs in their thunks too.
  std::uint64_t address_bias = 0;
  // "import descriptor 3 (KERNEL32.dll)": used to label errors.
  const std::string* owner = nullptr;
  std::uint64_t owner_offset = 0;
};

Status read_thunk_table(const PeImage& image, const ThunkTableRef& table,
                        std::vector<ImportedFunction>& out);

// A name string at `rva`, at most kMaxNameLength bytes, NUL-terminated.
Result<std::string_view> read_name(const PeImage& image, std::uint32_t rva);

}  // namespace downlevel::pe::detail
