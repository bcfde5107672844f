// Target snapshots: one compact file with the exports (names, ordinals,
// forwarders) of every DLL of a target and its API set schema, so a target
// can be shared without copying Windows' DLLs.
//
// Layout (little-endian; str = u32 length + bytes):
//   "DLSNAP01"  u32 format(1)  str description
//   u8 has_schema [u8 ext_prefix, u32 length, .apiset section bytes]
//   u32 dll_count, per DLL: str file_name, u16 machine, u8 pe32_plus,
//     u32 export_count, per export: u32 ordinal, str name, str forwarder
#pragma once

#include <span>
#include <string>
#include <vector>

#include "downlevel/target/target.hpp"

namespace downlevel::target {

Result<std::vector<std::byte>> write_snapshot(const Target& target);
Result<Target> read_snapshot(std::span<const std::byte> bytes);

// Does this look like a snapshot (the magic)?
bool is_snapshot(std::span<const std::byte> head);

// Hostile-input limits.
inline constexpr std::uint32_t kMaxSnapshotDlls = 1 << 16;
inline constexpr std::uint32_t kMaxSnapshotExportsPerDll = 1 << 20;
inline constexpr std::uint32_t kMaxSnapshotString = 1 << 16;
inline constexpr std::uint32_t kMaxSnapshotSchema = 64 << 20;

}  // namespace downlevel::target
