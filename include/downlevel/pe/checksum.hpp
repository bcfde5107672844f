// The PE image checksum (the algorithm of imagehlp's CheckSumMappedFile):
// a 16-bit one's-complement-style sum of the file with the CheckSum field
// taken as zero, plus the file length.
#pragma once

#include <cstdint>
#include <span>

namespace downlevel::pe {

std::uint32_t compute_checksum(std::span<const std::byte> file, std::uint64_t checksum_field_offset);

}  // namespace downlevel::pe
