#include "downlevel/pe/checksum.hpp"

#include "downlevel/support/little_endian.hpp"

namespace downlevel::pe {

std::uint32_t compute_checksum(std::span<const std::byte> file, std::uint64_t checksum_field_offset) {
  std::uint64_t sum = 0;
  const std::size_t words = file.size() / 2;
  for (std::size_t i = 0; i < words; ++i) {
    const std::uint64_t at = std::uint64_t{i} * 2;
    if (at >= checksum_field_offset && at < checksum_field_offset + 4) continue;
    sum += le16(file, at);
    sum = (sum & 0xFFFF) + (sum >> 16);
  }
  if (file.size() % 2 != 0) {
    sum += std::to_integer<std::uint8_t>(file.back());
    sum = (sum & 0xFFFF) + (sum >> 16);
  }
  sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint32_t>(sum + file.size());
}

}  // namespace downlevel::pe
