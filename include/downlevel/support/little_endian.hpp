// Loads of little-endian integers from byte views.
//
// PE and API-set structures are little-endian and unaligned in general, so
// fields are read with memcpy (defined behaviour, compiles to one load on
// x86) instead of casting the bytes to a struct.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace downlevel {

template <class T>
constexpr T byte_swap(T value) noexcept {
  T swapped = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    swapped = static_cast<T>((swapped << 8) | ((value >> (8 * i)) & 0xFF));
  }
  return swapped;
}

// Caller guarantees offset + sizeof(T) <= bytes.size(); views check their
// extent once when they are created, so field access needs no further test.
template <class T>
inline T load_le(std::span<const std::byte> bytes, std::size_t offset) noexcept {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  if constexpr (std::endian::native == std::endian::big) value = byte_swap(value);
  return value;
}

inline std::uint16_t le16(std::span<const std::byte> b, std::size_t off) noexcept {
  return load_le<std::uint16_t>(b, off);
}
inline std::uint32_t le32(std::span<const std::byte> b, std::size_t off) noexcept {
  return load_le<std::uint32_t>(b, off);
}
inline std::uint64_t le64(std::span<const std::byte> b, std::size_t off) noexcept {
  return load_le<std::uint64_t>(b, off);
}

template <class T>
inline void store_le(std::span<std::byte> bytes, std::size_t offset, T value) noexcept {
  if constexpr (std::endian::native == std::endian::big) value = byte_swap(value);
  std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

}  // namespace downlevel
