// A view of one 40-byte IMAGE_SECTION_HEADER.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "downlevel/support/little_endian.hpp"

namespace downlevel::pe {

inline constexpr std::size_t kSectionHeaderSize = 40;

class SectionHeader {
 public:
  explicit SectionHeader(std::span<const std::byte> raw) : raw_(raw) {}

  // The 8-byte name without trailing NULs (long "/123" names are left as is).
  std::string_view name() const {
    const char* chars = reinterpret_cast<const char*>(raw_.data());
    std::size_t length = 0;
    while (length < 8 && chars[length] != '\0') ++length;
    return {chars, length};
  }
  std::uint32_t virtual_size() const { return le32(raw_, 8); }
  std::uint32_t virtual_address() const { return le32(raw_, 12); }
  std::uint32_t size_of_raw_data() const { return le32(raw_, 16); }
  std::uint32_t pointer_to_raw_data() const { return le32(raw_, 20); }
  std::uint32_t characteristics() const { return le32(raw_, 36); }

  // The extent the loader maps: VirtualSize, or SizeOfRawData when a linker
  // left VirtualSize zero.
  std::uint32_t mapped_size() const {
    return virtual_size() != 0 ? virtual_size() : size_of_raw_data();
  }

  std::span<const std::byte> raw() const { return raw_; }

 private:
  std::span<const std::byte> raw_;
};

}  // namespace downlevel::pe
