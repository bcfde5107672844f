// Imported DLLs and functions: the import directory and the delay-load
// import directory, read into one model.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "downlevel/pe/image.hpp"
#include "downlevel/support/result.hpp"

namespace downlevel::pe {

enum class ImportKind {
  normal,  // resolved by the loader before the program starts
  delay,   // resolved by the delay-load helper at the first call
};

struct ImportedFunction {
  std::string_view name;  // empty when imported by ordinal
  std::uint16_t hint = 0;
  std::uint16_t ordinal = 0;
  bool by_ordinal = false;
};

struct ImportedModule {
  std::string_view dll;
  ImportKind kind = ImportKind::normal;
  std::uint64_t descriptor_offset = 0;
  // Normal imports: 0xFFFFFFFF means bound (new style), see bound_imports.hpp.
  std::uint32_t time_date_stamp = 0;
  // Delay imports: the descriptor holds VAs, not RVAs (Visual C++ 6 era).
  bool uses_virtual_addresses = false;
  std::vector<ImportedFunction> functions;
};

// The string views point into the image's byte source and live as long as it.
Result<std::vector<ImportedModule>> read_imports(const PeImage& image);
Result<std::vector<ImportedModule>> read_delay_imports(const PeImage& image);

// Both directories, normal imports first.
Result<std::vector<ImportedModule>> read_all_imports(const PeImage& image);

// Hostile-input limits: more than this many thunks in one table, or a name
// longer than this, is reported as corrupt instead of being walked.
inline constexpr std::size_t kMaxThunksPerModule = 1 << 16;
inline constexpr std::size_t kMaxNameLength = 4096;

}  // namespace downlevel::pe
