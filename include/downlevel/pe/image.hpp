// A parsed PE image: headers, section table and RVA -> file translation.
//
// PeImage holds views into a ByteSource, never copies of fields. It reads the
// headers when parsed and a section's bytes only when a walker first asks for
// an RVA inside it, so a reader of the import and export directories touches
// the headers plus the one or two sections that hold them.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "downlevel/pe/section.hpp"
#include "downlevel/support/byte_source.hpp"
#include "downlevel/support/result.hpp"

namespace downlevel::pe {

enum class Machine : std::uint16_t {
  i386 = 0x014c,
  amd64 = 0x8664,
  arm = 0x01c0,
  armnt = 0x01c4,
  arm64 = 0xaa64,
};
std::string_view machine_name(std::uint16_t machine);

enum class Directory : unsigned {
  exports = 0,
  imports = 1,
  resources = 2,
  exceptions = 3,
  security = 4,
  base_relocations = 5,
  debug = 6,
  architecture = 7,
  global_pointer = 8,
  tls = 9,
  load_config = 10,
  bound_imports = 11,
  import_address_table = 12,
  delay_imports = 13,
  clr_runtime = 14,
  reserved = 15,
};
inline constexpr unsigned kDirectoryCount = 16;
std::string_view directory_name(Directory directory);

struct DataDirectory {
  std::uint32_t rva = 0;
  std::uint32_t size = 0;
};

inline constexpr std::uint16_t kPe32Magic = 0x10b;
inline constexpr std::uint16_t kPe32PlusMagic = 0x20b;

class PeImage {
 public:
  // Reads and validates the DOS header, NT headers and section table.
  static Result<PeImage> parse(ByteSource& source);

  ByteSource& source() const { return *source_; }

  // --- File header ---------------------------------------------------------
  std::uint16_t machine() const { return le16(file_header_, 0); }
  std::uint16_t section_count() const { return le16(file_header_, 2); }
  std::uint32_t time_date_stamp() const { return le32(file_header_, 4); }
  std::uint16_t size_of_optional_header() const { return le16(file_header_, 16); }
  std::uint16_t characteristics() const { return le16(file_header_, 18); }
  bool is_dll() const { return (characteristics() & 0x2000) != 0; }

  // --- Optional header -----------------------------------------------------
  std::uint16_t magic() const { return le16(optional_header_, 0); }
  bool is_pe32_plus() const { return magic() == kPe32PlusMagic; }
  std::uint8_t major_linker_version() const { return std::to_integer<std::uint8_t>(optional_header_[2]); }
  std::uint8_t minor_linker_version() const { return std::to_integer<std::uint8_t>(optional_header_[3]); }
  std::uint32_t address_of_entry_point() const { return le32(optional_header_, 16); }
  std::uint64_t image_base() const {
    return is_pe32_plus() ? le64(optional_header_, 24) : le32(optional_header_, 28);
  }
  std::uint32_t section_alignment() const { return le32(optional_header_, 32); }
  std::uint32_t file_alignment() const { return le32(optional_header_, 36); }
  std::uint16_t major_os_version() const { return le16(optional_header_, 40); }
  std::uint16_t minor_os_version() const { return le16(optional_header_, 42); }
  std::uint16_t major_image_version() const { return le16(optional_header_, 44); }
  std::uint16_t minor_image_version() const { return le16(optional_header_, 46); }
  std::uint16_t major_subsystem_version() const { return le16(optional_header_, 48); }
  std::uint16_t minor_subsystem_version() const { return le16(optional_header_, 50); }
  std::uint32_t size_of_image() const { return le32(optional_header_, 56); }
  std::uint32_t size_of_headers() const { return le32(optional_header_, 60); }
  std::uint32_t checksum() const { return le32(optional_header_, 64); }
  std::uint16_t subsystem() const { return le16(optional_header_, 68); }
  std::uint16_t dll_characteristics() const { return le16(optional_header_, 70); }
  std::uint32_t number_of_rva_and_sizes() const {
    return le32(optional_header_, is_pe32_plus() ? 108 : 92);
  }

  // File offsets of the header parts, for tools that rewrite them.
  std::uint32_t nt_headers_offset() const { return nt_offset_; }
  std::uint64_t optional_header_offset() const { return nt_offset_ + 24; }
  std::uint64_t section_table_offset() const { return optional_header_offset() + size_of_optional_header(); }
  // Offset of the CheckSum field, which the checksum algorithm skips.
  std::uint64_t checksum_offset() const { return optional_header_offset() + 64; }

  // --- Data directories and sections ----------------------------------------
  // Number of directory entries actually present (at most 16, and no more
  // than fit in SizeOfOptionalHeader).
  unsigned directory_count() const { return directory_count_; }
  DataDirectory directory(Directory which) const;
  std::uint64_t directory_entry_offset(Directory which) const;

  SectionHeader section(std::size_t index) const {
    return SectionHeader(section_table_.subspan(index * kSectionHeaderSize, kSectionHeaderSize));
  }
  // Index of the section whose mapped extent holds `rva`, or -1.
  int section_index_of(std::uint32_t rva) const;

  // --- Reading by RVA ------------------------------------------------------
  // Errors from these carry only a message ("RVA 0x7fff0000 outside the
  // image"); the walker that asked adds which structure and field it was.
  Result<std::uint64_t> offset_of(std::uint32_t rva) const;
  Result<std::span<const std::byte>> bytes_at(std::uint32_t rva, std::uint64_t length) const;
  // From `rva` to the end of the file data backing its section (or headers):
  // walkers scan this for terminators, so every loop is bounded by it.
  Result<std::span<const std::byte>> bytes_from(std::uint32_t rva) const;
  // A NUL-terminated string; the NUL must lie inside the same region.
  Result<std::string_view> string_at(std::uint32_t rva) const;

  std::uint64_t file_size() const { return source_->size(); }

  // Fetches the sections holding these directories ahead of the walkers, with
  // one read for sections that lie side by side in the file (linkers put
  // .edata and .idata next to each other): one system call fewer per file
  // for a scan. Only a hint: a failed read is left for the walker to report.
  void prefetch(std::span<const Directory> directories) const;

 private:
  struct FileRange {
    std::uint64_t offset;
    std::uint64_t length;
  };
  PeImage() = default;
  Result<std::span<const std::byte>> section_data(int index) const;
  FileRange section_file_range(int index) const;

  ByteSource* source_ = nullptr;
  std::uint32_t nt_offset_ = 0;
  std::span<const std::byte> file_header_;
  std::span<const std::byte> optional_header_;
  std::span<const std::byte> section_table_;
  unsigned directory_count_ = 0;
  // Sections' bytes, fetched from the source on first use.
  mutable std::vector<std::span<const std::byte>> section_bytes_;
  mutable std::vector<std::uint8_t> section_loaded_;  // not vector<bool>: tested for every name read
  // Walkers read many names from the same section: remember the last hit,
  // and the file data of the last section read by RVA.
  mutable int last_section_ = -1;
  mutable std::uint32_t last_data_rva_ = 0;
  mutable std::span<const std::byte> last_data_;
  bool sections_overlap_ = false;  // then the first match must be searched for
};

}  // namespace downlevel::pe
