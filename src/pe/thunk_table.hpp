// Walks an import name table (an array of thunks ending in zero), shared by
// the import and delay-import directories.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "downlevel/pe/image.hpp"
#include "downlevel/pe/imports.hpp"

namespace downlevel::pe::detail {

// Names the descriptor that owns a name table, in errors only: the text
// ("import descriptor 3 (KERNEL32.dll)") is formatted when an error is made,
// not for each of the thousands of descriptors that parse.
struct DescriptorLabel {
  const char* kind = "";  // "import descriptor", "delay import descriptor"
  std::size_t index = 0;
  std::string_view dll;   // empty until the descriptor's name has been read
  std::string text() const;
};

struct ThunkTableRef {
  std::uint32_t rva = 0;
  // Delay imports of the VA form store VAs in their thunks too.
  std::uint64_t address_bias = 0;
  DescriptorLabel owner;
  std::uint64_t owner_offset = 0;
};

Status read_thunk_table(const PeImage& image, const ThunkTableRef& table,
                        std::vector<ImportedFunction>& out);

// A name string at `rva`, at most kMaxNameLength bytes, NUL-terminated.
Result<std::string_view> read_name(const PeImage& image, std::uint32_t rva);

}  // namespace downlevel::pe::detail
