// Reading a schema from an apisetschema.dll (its .apiset section) or from a
// raw dump of that section.
#pragma once

#include <cstddef>
#include <span>

#include "downlevel/apiset/schema.hpp"
#include "downlevel/support/byte_source.hpp"
#include "downlevel/support/result.hpp"

namespace downlevel::apiset {

// Parses the schema bytes themselves (a section's contents). For version 2,
// `version2_ext_prefix` is whether the loader of the Windows it came from
// accepts "ext-" names. `file_offset` (where the section starts in its file)
// makes error offsets file offsets.
Result<Schema> parse_schema(std::span<const std::byte> section, bool version2_ext_prefix = false,
                            std::uint64_t file_offset = 0);

// The .apiset section of a PE file, or the whole input when it does not start
// with "MZ" (a raw dump). The view lives as long as `source`.
Result<std::span<const std::byte>> locate_schema(ByteSource& source);

// locate_schema + parse_schema. A v2 schema inside a DLL whose OS version is
// 6.2 or later (Windows 8) accepts "ext-" names; a raw v2 dump is taken as
// Windows 7's.
Result<Schema> read_schema(ByteSource& source);

// Hostile-input limits.
inline constexpr std::uint32_t kMaxSets = 1 << 16;
inline constexpr std::uint32_t kMaxValuesPerSet = 256;

}  // namespace downlevel::apiset
