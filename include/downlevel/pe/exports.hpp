// The export directory: ordinals, names and forwarders.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "downlevel/pe/image.hpp"
#include "downlevel/support/result.hpp"

namespace downlevel::pe {

struct ExportedSymbol {
  std::uint32_t ordinal = 0;      // biased by the directory's ordinal base
  std::uint32_t rva = 0;          // of the code/data, or of the forwarder string
  std::string_view name;          // empty for ordinal-only exports
  std::string_view forwarder;     // "NTDLL.RtlAllocateHeap"; empty if not forwarded
};

struct ExportTable {
  std::string_view dll_name;  // the Name field (what the linker called the DLL)
  std::uint32_t ordinal_base = 0;
  std::uint32_t time_date_stamp = 0;
  std::uint32_t function_count = 0;
  std::uint32_t name_count = 0;
  // One entry per name (a slot exported under two names appears twice), then
  // one per unnamed, non-empty slot in ordinal order.
  std::vector<ExportedSymbol> symbols;
};

// No export directory: std::nullopt.
Result<std::optional<ExportTable>> read_exports(const PeImage& image);

// A forwarder string split at its last '.': "api-ms-win-core-heap-l1-1-0.HeapAlloc"
// -> module "api-ms-win-core-heap-l1-1-0", name "HeapAlloc"; "MSVCRT.#12" ->
// ordinal 12. Returns nullopt when the string has no '.' or an empty part.
struct ForwarderTarget {
  std::string_view module;  // without ".dll"
  std::string_view name;    // empty when by ordinal
  std::optional<std::uint16_t> ordinal;
};
std::optional<ForwarderTarget> parse_forwarder(std::string_view forwarder);

// Hostile-input limit on NumberOfFunctions / NumberOfNames.
inline constexpr std::uint32_t kMaxExports = 1 << 20;

}  // namespace downlevel::pe
