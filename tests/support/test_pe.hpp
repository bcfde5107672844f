// Builds small PE images in memory for hostile-input tests: a DOS header,
// NT headers, and one section (".data", RVA 0x1000, file offset 0x200) whose
// contents the test writes directly.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "downlevel/pe/image.hpp"
#include "downlevel/support/little_endian.hpp"

namespace downlevel::testing {

class TestPe {
 public:
  static constexpr std::uint32_t kSectionRva = 0x1000;
  static constexpr std::uint32_t kSectionOffset = 0x200;
  static constexpr std::uint64_t kImageBase32 = 0x400000;

  explicit TestPe(bool pe32_plus = false, std::size_t section_size = 0x400)
      : pe32_plus_(pe32_plus), section_(section_size) {}

  std::uint32_t rva(std::size_t section_offset) const {
    return kSectionRva + static_cast<std::uint32_t>(section_offset);
  }
  void put16(std::size_t at, std::uint16_t v) { store_le(std::span(section_), at, v); }
  void put32(std::size_t at, std::uint32_t v) { store_le(std::span(section_), at, v); }
  void put64(std::size_t at, std::uint64_t v) { store_le(std::span(section_), at, v); }
  void put_string(std::size_t at, std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) section_[at + i] = static_cast<std::byte>(s[i]);
    section_[at + s.size()] = std::byte{0};
  }
  void fill(std::size_t from, std::size_t to, std::byte value) {
    for (std::size_t i = from; i < to; ++i) section_[i] = value;
  }
  void set_directory(pe::Directory d, std::uint32_t rva, std::uint32_t size) {
    directories_[static_cast<unsigned>(d)] = {rva, size};
  }
  std::size_t section_size() const { return section_.size(); }

  std::vector<std::byte> build() const;

  // Offsets of header fields in the built file, for tests that corrupt them.
  static constexpr std::size_t kLfanew = 0x40;
  static constexpr std::size_t kFileHeader = kLfanew + 4;
  std::size_t optional_header() const { return kFileHeader + 20; }
  std::size_t section_table() const { return optional_header() + (pe32_plus_ ? 240 : 224); }

 private:
  bool pe32_plus_;
  std::vector<std::byte> section_;
  std::array<pe::DataDirectory, pe::kDirectoryCount> directories_{};
};

inline std::vector<std::byte> TestPe::build() const {
  const std::size_t raw_size = (section_.size() + 0x1FF) & ~std::size_t{0x1FF};
  std::vector<std::byte> file(kSectionOffset + raw_size);
  std::span<std::byte> out(file);
  store_le<std::uint16_t>(out, 0, 0x5A4D);
  store_le<std::uint32_t>(out, 0x3C, kLfanew);
  out[kLfanew] = std::byte{'P'};
  out[kLfanew + 1] = std::byte{'E'};
  store_le<std::uint16_t>(out, kFileHeader, pe32_plus_ ? 0x8664 : 0x14c);
  store_le<std::uint16_t>(out, kFileHeader + 2, 1);
  store_le<std::uint16_t>(out, kFileHeader + 16, pe32_plus_ ? 240 : 224);
  store_le<std::uint16_t>(out, kFileHeader + 18, 0x2102);  // executable, 32-bit, DLL
  const std::size_t opt = optional_header();
  store_le<std::uint16_t>(out, opt, pe32_plus_ ? pe::kPe32PlusMagic : pe::kPe32Magic);
  if (pe32_plus_) {
    store_le<std::uint64_t>(out, opt + 24, 0x180000000);
  } else {
    store_le<std::uint32_t>(out, opt + 28, kImageBase32);
  }
  store_le<std::uint32_t>(out, opt + 32, 0x1000);  // SectionAlignment
  store_le<std::uint32_t>(out, opt + 36, 0x200);   // FileAlignment
  store_le<std::uint16_t>(out, opt + 40, 6);       // OS version 6.0
  store_le<std::uint16_t>(out, opt + 48, 6);       // subsystem version 6.0
  store_le<std::uint32_t>(out, opt + 56, kSectionRva + ((static_cast<std::uint32_t>(section_.size()) + 0xFFF) & ~0xFFFu));
  store_le<std::uint32_t>(out, opt + 60, kSectionOffset);  // SizeOfHeaders
  store_le<std::uint16_t>(out, opt + 68, 3);               // console
  const std::size_t count_at = opt + (pe32_plus_ ? 108 : 92);
  store_le<std::uint32_t>(out, count_at, pe::kDirectoryCount);
  for (unsigned i = 0; i < pe::kDirectoryCount; ++i) {
    store_le<std::uint32_t>(out, count_at + 4 + 8 * i, directories_[i].rva);
    store_le<std::uint32_t>(out, count_at + 8 + 8 * i, directories_[i].size);
  }
  const std::size_t sec = section_table();
  const char name[8] = {'.', 'd', 'a', 't', 'a', 0, 0, 0};
  for (int i = 0; i < 8; ++i) out[sec + i] = static_cast<std::byte>(name[i]);
  store_le<std::uint32_t>(out, sec + 8, static_cast<std::uint32_t>(section_.size()));
  store_le<std::uint32_t>(out, sec + 12, kSectionRva);
  store_le<std::uint32_t>(out, sec + 16, static_cast<std::uint32_t>(raw_size));
  store_le<std::uint32_t>(out, sec + 20, kSectionOffset);
  store_le<std::uint32_t>(out, sec + 36, 0xC0000040);
  for (std::size_t i = 0; i < section_.size(); ++i) file[kSectionOffset + i] = section_[i];
  return file;
}

// One import descriptor at section offset 0 for "a.dll", its name table at
// 0x40 with `GetTickCount` at 0x80.
inline TestPe one_import(bool pe32_plus = false) {
  TestPe pe(pe32_plus);
  pe.put32(0, pe.rva(0x40));        // OriginalFirstThunk
  pe.put32(12, pe.rva(0x100));      // Name
  pe.put32(16, pe.rva(0x40));       // FirstThunk
  if (pe32_plus) {
    pe.put64(0x40, pe.rva(0x80));
  } else {
    pe.put32(0x40, pe.rva(0x80));
  }
  pe.put16(0x80, 7);
  pe.put_string(0x82, "GetTickCount");
  pe.put_string(0x100, "a.dll");
  pe.set_directory(pe::Directory::imports, pe.rva(0), 40);
  return pe;
}

}  // namespace downlevel::testing
