// Writing schemas: the model to the bytes of an .apiset section, and those
// bytes to a minimal apisetschema.dll. (From JSON to the model: spec.hpp.)
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "downlevel/apiset/schema.hpp"
#include "downlevel/pe/image.hpp"
#include "downlevel/support/result.hpp"

namespace downlevel::apiset {

// The bytes of an .apiset section holding `schema` in its version's layout.
Result<std::vector<std::byte>> serialize(const Schema& schema);

// A minimal valid DLL with one .apiset section at a 64 KiB-aligned RVA,
// OS/subsystem version `os_major.os_minor` and a correct checksum.
std::vector<std::byte> wrap_in_dll(std::span<const std::byte> section, pe::Machine machine, std::uint16_t os_major,
                                   std::uint16_t os_minor);

// The OS version that shipped each schema version (2 -> 6.1, 4 -> 6.3, 6 -> 10.0).
std::pair<std::uint16_t, std::uint16_t> default_os_version(std::uint32_t schema_version);

}  // namespace downlevel::apiset
