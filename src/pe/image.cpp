#include "downlevel/pe/image.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace downlevel::pe {

namespace {

constexpr std::uint64_t kDosHeaderSize = 64;
constexpr std::uint64_t kFileHeaderSize = 20;
// Fixed part of the optional header, up to and including NumberOfRvaAndSizes.
constexpr std::uint64_t kPe32FixedSize = 96;
constexpr std::uint64_t kPe32PlusFixedSize = 112;
// The first read takes the page that almost always holds every header, so
// the section table and optional header come from the same system call.
constexpr std::uint64_t kHeaderProbe = 4096;

// The Windows loader ignores the low 9 bits of PointerToRawData whatever
// FileAlignment says; reading from the rounded offset matches what it maps.
std::uint64_t raw_data_offset(const SectionHeader& section, std::uint32_t file_alignment) {
  if (file_alignment < 0x200) return section.pointer_to_raw_data();
  return section.pointer_to_raw_data() & ~std::uint64_t{0x1ff};
}

}  // namespace

std::string_view machine_name(std::uint16_t machine) {
  switch (static_cast<Machine>(machine)) {
    case Machine::i386: return "i386";
    case Machine::amd64: return "amd64";
    case Machine::arm: return "arm";
    case Machine::armnt: return "armnt";
    case Machine::arm64: return "arm64";
  }
  return "unknown";
}

std::string_view directory_name(Directory directory) {
  static constexpr std::string_view kNames[kDirectoryCount] = {
      "export",      "import",   "resource",      "exception", "security",     "basereloc",
      "debug",       "architecture", "globalptr", "tls",       "load_config",  "bound_import",
      "iat",         "delay_import", "clr_runtime", "reserved"};
  auto index = static_cast<unsigned>(directory);
  return index < kDirectoryCount ? kNames[index] : "unknown";
}

Result<PeImage> PeImage::parse(ByteSource& source) {
  PeImage image;
  image.source_ = &source;
  // The probe is short only when the file is: then its length is the size.
  auto probe = source.read_at_most(0, kHeaderProbe, "headers");
  if (!probe) return probe.error();
  if (probe->size() < kDosHeaderSize) {
    return make_error("DOS header", 0,
                      fmt::format("file is {} bytes, smaller than the 64-byte DOS header", probe->size()));
  }
  auto dos = probe->first(kDosHeaderSize);
  if (le16(dos, 0) != 0x5A4D) {
    return make_error("DOS header", 0, fmt::format("signature {:#06x} is not 'MZ'", le16(dos, 0)));
  }
  const std::uint32_t nt_offset = le32(dos, 0x3C);
  image.nt_offset_ = nt_offset;

  auto nt = source.read(nt_offset, 4 + kFileHeaderSize, "NT headers");
  if (!nt) {
    return make_error("NT headers", 0x3C,
                      fmt::format("e_lfanew {:#x} points past the end of the file (size {:#x})",
                                  nt_offset, source.size()));
  }
  if (std::memcmp(nt->data(), "PE\0\0", 4) != 0) {
    return make_error("NT headers", nt_offset, "signature is not 'PE\\0\\0'");
  }
  image.file_header_ = nt->subspan(4, kFileHeaderSize);

  const std::uint64_t optional_offset = image.optional_header_offset();
  const std::uint16_t optional_size = image.size_of_optional_header();
  auto optional = source.read(optional_offset, optional_size, "optional header");
  if (!optional) {
    return make_error("optional header", optional_offset,
                      fmt::format("SizeOfOptionalHeader {} runs past the end of the file (size {:#x})",
                                  optional_size, source.size()));
  }
  if (optional_size < 2) {
    return make_error("optional header", optional_offset,
                      fmt::format("SizeOfOptionalHeader {} is too small to hold Magic", optional_size));
  }
  image.optional_header_ = *optional;
  const std::uint16_t magic = image.magic();
  if (magic != kPe32Magic && magic != kPe32PlusMagic) {
    return make_error("optional header", optional_offset,
                      fmt::format("Magic {:#x} is neither PE32 (0x10b) nor PE32+ (0x20b)", magic));
  }
  const std::uint64_t fixed = magic == kPe32PlusMagic ? kPe32PlusFixedSize : kPe32FixedSize;
  if (optional_size < fixed) {
    return make_error("optional header", optional_offset,
                      fmt::format("SizeOfOptionalHeader {} is smaller than the {} bytes a {} header needs",
                                  optional_size, fixed, magic == kPe32PlusMagic ? "PE32+" : "PE32"));
  }
  const std::uint64_t directories_fit = (optional_size - fixed) / 8;
  image.directory_count_ = static_cast<unsigned>(
      std::min<std::uint64_t>({image.number_of_rva_and_sizes(), kDirectoryCount, directories_fit}));

  const std::uint64_t table_offset = image.section_table_offset();
  const std::uint64_t table_size = std::uint64_t{image.section_count()} * kSectionHeaderSize;
  auto table = source.read(table_offset, table_size, "section table");
  if (!table) {
    return make_error("section table", table_offset,
                      fmt::format("{} section headers ({} bytes) run past the end of the file (size {:#x})",
                                  image.section_count(), table_size, source.size()));
  }
  image.section_table_ = *table;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> extents;
  for (std::size_t i = 0; i < image.section_count(); ++i) {
    const SectionHeader s = image.section(i);
    extents.emplace_back(s.virtual_address(), std::uint64_t{s.virtual_address()} + s.mapped_size());
  }
  std::sort(extents.begin(), extents.end());
  for (std::size_t i = 1; i < extents.size(); ++i) {
    if (extents[i].first < extents[i - 1].second) image.sections_overlap_ = true;
  }
  image.section_bytes_.assign(image.section_count(), {});
  image.section_loaded_.assign(image.section_count(), false);
  return image;
}

DataDirectory PeImage::directory(Directory which) const {
  auto index = static_cast<unsigned>(which);
  if (index >= directory_count_) return {};
  auto at = directory_entry_offset(which) - optional_header_offset();
  return {le32(optional_header_, at), le32(optional_header_, at + 4)};
}

std::uint64_t PeImage::directory_entry_offset(Directory which) const {
  const std::uint64_t fixed = is_pe32_plus() ? kPe32PlusFixedSize : kPe32FixedSize;
  return optional_header_offset() + fixed + 8 * static_cast<unsigned>(which);
}

int PeImage::section_index_of(std::uint32_t rva) const {
  auto holds = [&](std::size_t i) {
    const SectionHeader s = section(i);
    const std::uint64_t start = s.virtual_address();
    return rva >= start && rva < start + s.mapped_size();
  };
  // Overlapping sections (hostile files) resolve to the first match, so
  // the cache is only used when no two sections overlap.
  if (!sections_overlap_ && last_section_ >= 0 && holds(last_section_)) return last_section_;
  for (std::size_t i = 0; i < section_count(); ++i) {
    if (holds(i)) return last_section_ = static_cast<int>(i);
  }
  return -1;
}

// The bytes of the file that back a section: its raw data, cut at the
// mapped size. The end of the file may cut it further: it is read with
// read_at_most, which keeps what is there.
PeImage::FileRange PeImage::section_file_range(int index) const {
  const SectionHeader s = section(index);
  return {raw_data_offset(s, file_alignment()), std::min<std::uint64_t>(s.size_of_raw_data(), s.mapped_size())};
}

Result<std::span<const std::byte>> PeImage::section_data(int index) const {
  if (section_loaded_[index]) return section_bytes_[index];
  const FileRange range = section_file_range(index);
  auto read = source_->read_at_most(range.offset, range.length, "section data");
  if (!read) return read.error();
  section_bytes_[index] = *read;
  section_loaded_[index] = true;
  return *read;
}

void PeImage::prefetch(std::span<const Directory> directories) const {
  // Sections still to be read, in file order; reading one run of them is
  // worth it when the gaps between them are smaller than a page.
  constexpr std::uint64_t kMaxGap = 4096;
  std::vector<std::pair<FileRange, int>> wanted;
  for (const Directory directory : directories) {
    const DataDirectory entry = this->directory(directory);
    if (entry.rva == 0) continue;
    const int index = section_index_of(entry.rva);
    if (index < 0 || section_loaded_[index]) continue;
    const FileRange range = section_file_range(index);
    if (range.length == 0) continue;
    if (std::none_of(wanted.begin(), wanted.end(), [&](const auto& w) { return w.second == index; })) {
      wanted.emplace_back(range, index);
    }
  }
  std::sort(wanted.begin(), wanted.end(), [](const auto& a, const auto& b) { return a.first.offset < b.first.offset; });
  for (std::size_t first = 0; first < wanted.size();) {
    std::uint64_t end = wanted[first].first.offset + wanted[first].first.length;
    std::size_t last = first + 1;
    while (last < wanted.size() && wanted[last].first.offset <= end + kMaxGap) {
      end = std::max(end, wanted[last].first.offset + wanted[last].first.length);
      ++last;
    }
    if (last - first > 1) {
      const std::uint64_t start = wanted[first].first.offset;
      if (auto run = source_->read_at_most(start, end - start, "section data")) {
        for (std::size_t i = first; i < last; ++i) {  // each cut where the file ends, as section_data does
          const auto& [range, index] = wanted[i];
          const std::uint64_t from = std::min<std::uint64_t>(range.offset - start, run->size());
          section_bytes_[index] = run->subspan(from, std::min(range.length, run->size() - from));
          section_loaded_[index] = true;
        }
      }
    }
    first = last;
  }
}

Result<std::uint64_t> PeImage::offset_of(std::uint32_t rva) const {
  int index = section_index_of(rva);
  if (index >= 0) {
    const SectionHeader s = section(index);
    return raw_data_offset(s, file_alignment()) + (rva - s.virtual_address());
  }
  if (rva < size_of_headers() && rva < file_size()) return rva;
  return make_error("", 0, fmt::format("RVA {:#x} outside the image", rva));
}

Result<std::span<const std::byte>> PeImage::bytes_from(std::uint32_t rva) const {
  // Most calls read a name from the section the previous call read from.
  // (Compared without wrapping: a section may start at 0xFFFFFFFF.)
  if (!sections_overlap_ && rva >= last_data_rva_ && rva - last_data_rva_ < last_data_.size()) {
    return last_data_.subspan(rva - last_data_rva_);
  }
  int index = section_index_of(rva);
  if (index >= 0) {
    auto data = section_data(index);
    if (!data) return data.error();
    const SectionHeader s = section(index);
    last_data_rva_ = s.virtual_address();
    last_data_ = *data;
    const std::uint64_t within = rva - s.virtual_address();
    if (within >= data->size()) {
      return make_error("", 0,
                        fmt::format("RVA {:#x} lies in section {} beyond its {:#x} bytes of file data",
                                    rva, s.name(), data->size()));
    }
    return data->subspan(within);
  }
  const std::uint64_t headers_end = std::min<std::uint64_t>(size_of_headers(), file_size());
  if (rva < headers_end) return source_->read(rva, headers_end - rva, "headers");
  return make_error("", 0, fmt::format("RVA {:#x} outside the image", rva));
}

Result<std::span<const std::byte>> PeImage::bytes_at(std::uint32_t rva, std::uint64_t length) const {
  auto rest = bytes_from(rva);
  if (!rest) return rest.error();
  if (rest->size() < length) {
    return make_error("", 0,
                      fmt::format("{} bytes at RVA {:#x} run past the end of their section's data", length,
                                  rva));
  }
  return rest->first(length);
}

Result<std::string_view> PeImage::string_at(std::uint32_t rva) const {
  auto rest = bytes_from(rva);
  if (!rest) return rest.error();
  const char* chars = reinterpret_cast<const char*>(rest->data());
  const void* nul = std::memchr(chars, 0, rest->size());
  if (nul == nullptr) {
    return make_error("", 0, fmt::format("string at RVA {:#x} has no terminating NUL", rva));
  }
  return std::string_view(chars, static_cast<const char*>(nul) - chars);
}

}  // namespace downlevel::pe
