#include "downlevel/patch/patch.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "downlevel/pe/checksum.hpp"
#include "downlevel/pe/image.hpp"
#include "downlevel/pe/imports.hpp"
#include "downlevel/support/little_endian.hpp"

namespace downlevel::patch {

namespace {

using pe::PeImage;

// In-place renames may use zero padding after the old name, but never more
// than this: zero bytes further on may belong to data we do not know.
constexpr std::size_t kMaxPadding = 16;
constexpr std::uint32_t kNewSectionCharacteristics = 0x40000040;  // initialized data, readable
// New names take a few hundred bytes; more growth than this means a hostile
// header (a section "at" 4 GiB) and is refused rather than allocated.
constexpr std::uint64_t kMaxGrowth = 1 << 20;

std::uint64_t align_up(std::uint64_t value, std::uint64_t alignment) {
  return alignment == 0 ? value : (value + alignment - 1) / alignment * alignment;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return out;
}

std::string version_text(std::uint16_t major, std::uint16_t minor) { return fmt::format("{}.{}", major, minor); }

// File ranges of the import structures the loader reads, so that a rename
// never writes over one of them.
struct UsedRanges {
  struct Range {
    std::uint64_t start, end;
    std::uint64_t name_at;  // for DLL name strings: their offset; otherwise kNotAName
  };
  static constexpr std::uint64_t kNotAName = ~std::uint64_t{0};
  std::vector<Range> ranges;
  void add(std::uint64_t start, std::uint64_t length, std::uint64_t name_at = kNotAName) {
    ranges.push_back({start, start + length, name_at});
  }
  bool contains(std::uint64_t at) const {
    return std::any_of(ranges.begin(), ranges.end(), [&](const Range& r) { return at >= r.start && at < r.end; });
  }
  // Does [start, end) touch anything but the name string at `name_at`?
  bool overlaps_other_than(std::uint64_t start, std::uint64_t end, std::uint64_t name_at) const {
    return std::any_of(ranges.begin(), ranges.end(),
                       [&](const Range& r) { return r.name_at != name_at && r.start < end && start < r.end; });
  }
};

// One DLL name string and the descriptors that point at it.
struct NameSite {
  std::uint64_t offset = 0;  // file offset of the string
  std::string old_name;
  std::string new_name;
  struct Field {
    std::uint64_t offset;  // file offset of the descriptor's name field
    bool virtual_address;  // delay descriptors of the VA form hold VAs
    std::uint64_t timestamp_offset;  // import descriptors: TimeDateStamp; 0 for delay
  };
  std::vector<Field> fields;
};

class Patcher {
 public:
  Patcher(std::span<const std::byte> input, const PeImage& image) : input_(input), image_(image), out_(input.begin(), input.end()) {}

  Status set_version(std::optional<Version> version, std::uint64_t field, const char* name) {
    if (!version) return Status::ok();
    const std::uint16_t old_major = le16(out_, field), old_minor = le16(out_, field + 2);
    if (old_major == version->major && old_minor == version->minor) return Status::ok();
    store_le<std::uint16_t>(std::span(out_), field, version->major);
    store_le<std::uint16_t>(std::span(out_), field + 2, version->minor);
    changes_.push_back({name, version_text(old_major, old_minor), version_text(version->major, version->minor)});
    return Status::ok();
  }

  Status strip_signature(bool allowed) {
    const auto security = image_.directory(pe::Directory::security);
    if (security.size == 0) return Status::ok();
    const std::uint64_t entry = image_.directory_entry_offset(pe::Directory::security);
    if (!allowed) {
      return make_error("security directory", entry,
                        "the file is Authenticode-signed and the signature would no longer match; pass "
                        "--strip-signature to remove it");
    }
    // The certificate table is addressed by file offset and normally ends the file.
    if (std::uint64_t{security.rva} + security.size == out_.size()) out_.resize(security.rva);
    store_le<std::uint32_t>(std::span(out_), entry, 0);
    store_le<std::uint32_t>(std::span(out_), entry + 4, 0);
    changes_.push_back({"certificate table", fmt::format("{} bytes at {:#x}", security.size, security.rva), "removed"});
    return Status::ok();
  }

  Status rename_imports(const std::vector<std::pair<std::string, std::string>>& renames) {
    if (renames.empty()) return Status::ok();
    auto normal = pe::read_imports(image_);
    if (!normal) return normal.error();
    auto delayed = pe::read_delay_imports(image_);
    if (!delayed) return delayed.error();
    collect_used(*normal, *delayed);

    std::map<std::uint64_t, NameSite> sites;
    for (const auto& [old_name, new_name] : renames) {
      if (auto valid = validate_dll_name(new_name); !valid) return valid.error();
      bool found = false;
      for (const auto* list : {&*normal, &*delayed}) {
        for (const auto& module : *list) {
          if (lower(module.dll) != lower(old_name)) continue;
          found = true;
          const std::uint64_t at = offset_in_input(module.dll);
          NameSite& site = sites[at];
          site.offset = at;
          site.old_name = std::string(module.dll);
          site.new_name = new_name;
          const bool delay = module.kind == pe::ImportKind::delay;
          site.fields.push_back({module.descriptor_offset + (delay ? 4 : 12), module.uses_virtual_addresses,
                                 delay ? 0 : module.descriptor_offset + 4});
        }
      }
      if (!found) return make_error("import directory", 0, fmt::format("{} is not imported (neither normally nor delay-loaded)", old_name));
    }

    std::vector<NameSite*> relocated;
    for (auto& [offset, site] : sites) {
      if (site.new_name.size() <= capacity(site)) {
        write_in_place(site);
      } else {
        relocated.push_back(&site);
      }
      for (const auto& field : site.fields) clear_binding(field);
    }
    if (!relocated.empty()) return append_names_section(relocated);
    return Status::ok();
  }

  void update_checksum() {
    if (changes_.empty()) return;
    const std::uint64_t field = image_.checksum_offset();
    const std::uint32_t old_sum = le32(out_, field);
    const std::uint32_t new_sum = pe::compute_checksum(out_, field);
    store_le<std::uint32_t>(std::span(out_), field, new_sum);
    if (old_sum != new_sum) changes_.push_back({"CheckSum", fmt::format("{:#x}", old_sum), fmt::format("{:#x}", new_sum)});
  }

  Patched take() { return {std::move(out_), std::move(changes_)}; }

 private:
  std::uint64_t offset_in_input(std::string_view view) const {
    return static_cast<std::uint64_t>(reinterpret_cast<const std::byte*>(view.data()) - input_.data());
  }

  void collect_used(const std::vector<pe::ImportedModule>& normal, const std::vector<pe::ImportedModule>& delayed) {
    const std::uint64_t thunk = image_.is_pe32_plus() ? 8 : 4;
    auto add_rva = [&](std::uint64_t value, std::uint64_t bias, std::uint64_t length) {
      if (value == 0 || value < bias) return;
      if (auto at = image_.offset_of(static_cast<std::uint32_t>(value - bias))) used_.add(*at, length);
    };
    for (const auto* list : {&normal, &delayed}) {
      const bool delay = list == &delayed;
      const std::uint64_t size = delay ? 32 : 20;
      for (const auto& m : *list) {
        used_.add(m.descriptor_offset, 2 * size);  // the descriptor and the one after it (maybe the terminator)
        used_.add(offset_in_input(m.dll), m.dll.size() + 1, offset_in_input(m.dll));
        const std::uint64_t bias = m.uses_virtual_addresses ? image_.image_base() : 0;
        const std::uint64_t tables = (m.functions.size() + 1) * thunk;
        if (delay) {
          for (std::size_t field : {12u, 16u, 20u, 24u}) add_rva(le32(input_, m.descriptor_offset + field), bias, tables);
          add_rva(le32(input_, m.descriptor_offset + 8), bias, thunk);  // module handle
        } else {
          add_rva(le32(input_, m.descriptor_offset), 0, tables);
          add_rva(le32(input_, m.descriptor_offset + 16), 0, tables);
        }
        for (const auto& f : m.functions) {
          if (!f.by_ordinal) used_.add(offset_in_input(f.name) - 2, f.name.size() + 3);  // hint, name, NUL
        }
      }
    }
    const auto exports = image_.directory(pe::Directory::exports);
    if (exports.rva != 0) {
      if (auto at = image_.offset_of(exports.rva)) used_.add(*at, exports.size);
    }
  }

  // The longest name that fits where the old one is: its bytes plus the zero
  // padding after its NUL, up to the next byte in use.
  std::size_t capacity(const NameSite& site) const {
    std::uint64_t end = site.offset + site.old_name.size() + 1;
    // Hostile images may overlap a name with other import structures: then
    // the string cannot be rewritten without changing them too.
    if (used_.overlaps_other_than(site.offset, end, site.offset)) return 0;
    std::size_t padding = 0;
    while (end < out_.size() && padding < kMaxPadding && out_[end] == std::byte{0} && !used_.contains(end)) {
      ++end;
      ++padding;
    }
    return site.old_name.size() + padding;
  }

  void write_in_place(const NameSite& site) {
    const std::size_t extent = site.old_name.size() + 1;
    for (std::size_t i = 0; i < std::max(extent, site.new_name.size() + 1); ++i) {
      out_[site.offset + i] = i < site.new_name.size() ? static_cast<std::byte>(site.new_name[i]) : std::byte{0};
    }
    changes_.push_back({fmt::format("import name at {:#x} (in place)", site.offset), site.old_name, site.new_name});
  }

  // A bound import's pre-resolved addresses belong to the old DLL.
  void clear_binding(const NameSite::Field& field) {
    if (field.timestamp_offset == 0) return;
    if (le32(out_, field.timestamp_offset) != 0) {
      store_le<std::uint32_t>(std::span(out_), field.timestamp_offset, 0);
      changes_.push_back({fmt::format("import descriptor TimeDateStamp at {:#x}", field.timestamp_offset), "bound", "0 (unbound)"});
    }
    const std::uint64_t entry = image_.directory_entry_offset(pe::Directory::bound_imports);
    if (image_.directory_count() > static_cast<unsigned>(pe::Directory::bound_imports) && le32(out_, entry) != 0) {
      const auto bound = image_.directory(pe::Directory::bound_imports);
      if (auto at = image_.offset_of(bound.rva); at && *at + bound.size <= out_.size()) {
        std::fill(out_.begin() + static_cast<std::ptrdiff_t>(*at), out_.begin() + static_cast<std::ptrdiff_t>(*at + bound.size), std::byte{0});
      }
      store_le<std::uint64_t>(std::span(out_), entry, 0);
      changes_.push_back({"bound import directory", fmt::format("{} bytes", bound.size), "removed (stale after a rename)"});
    }
  }

  Status append_names_section(const std::vector<NameSite*>& sites) {
    const std::uint16_t count = image_.section_count();
    const std::uint64_t header_at = image_.section_table_offset() + std::uint64_t{count} * pe::kSectionHeaderSize;
    std::uint64_t first_raw = image_.size_of_headers();
    std::uint64_t virtual_end = 0, raw_end = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const auto s = image_.section(i);
      if (s.size_of_raw_data() != 0) first_raw = std::min<std::uint64_t>(first_raw, s.pointer_to_raw_data());
      virtual_end = std::max<std::uint64_t>(virtual_end, std::uint64_t{s.virtual_address()} + s.mapped_size());
      raw_end = std::max<std::uint64_t>(raw_end, std::uint64_t{s.pointer_to_raw_data()} + s.size_of_raw_data());
    }
    if (raw_end > input_.size() + kMaxGrowth) {
      return make_error("section table", image_.section_table_offset(),
                        fmt::format("a section's file data claims to end at {:#x}, past the end of the {:#x}-byte file; "
                                    "new names cannot be placed after it",
                                    raw_end, input_.size()));
    }
    const bool header_room =
        // SizeOfHeaders may claim more than the file holds; the slot must exist.
        count < 0xFFFF && header_at + pe::kSectionHeaderSize <= std::min<std::uint64_t>(first_raw, out_.size()) &&
        std::all_of(out_.begin() + static_cast<std::ptrdiff_t>(header_at),
                    out_.begin() + static_cast<std::ptrdiff_t>(header_at + pe::kSectionHeaderSize),
                    [](std::byte b) { return b == std::byte{0}; });
    if (!header_room) return extend_last_section(sites, header_at);
    std::vector<std::uint32_t> offsets;
    const std::vector<std::byte> names = pack_names(sites, offsets);
    const std::uint64_t section_alignment = image_.section_alignment();
    const std::uint64_t file_alignment = std::max<std::uint32_t>(image_.file_alignment(), 1);
    const std::uint64_t rva = align_up(virtual_end, section_alignment);
    const std::uint64_t raw_offset = align_up(std::max<std::uint64_t>(raw_end, out_.size()), file_alignment);
    const std::uint64_t raw_size = align_up(names.size(), file_alignment);
    if (rva + names.size() > 0xFFFFFFFFu || raw_offset + raw_size > input_.size() + kMaxGrowth) {
      return make_error("section table", header_at, "the image has no room left for a new section");
    }
    out_.resize(raw_offset, std::byte{0});
    out_.insert(out_.end(), names.begin(), names.end());
    out_.resize(raw_offset + raw_size, std::byte{0});

    std::span<std::byte> header(out_.data() + header_at, pe::kSectionHeaderSize);
    std::copy(std::begin(kNamesSection), std::end(kNamesSection), reinterpret_cast<char*>(header.data()));
    store_le<std::uint32_t>(header, 8, static_cast<std::uint32_t>(names.size()));
    store_le<std::uint32_t>(header, 12, static_cast<std::uint32_t>(rva));
    store_le<std::uint32_t>(header, 16, static_cast<std::uint32_t>(raw_size));
    store_le<std::uint32_t>(header, 20, static_cast<std::uint32_t>(raw_offset));
    store_le<std::uint32_t>(header, 36, kNewSectionCharacteristics);

    const std::uint64_t file_header = image_.nt_headers_offset() + 4;
    const std::uint64_t optional = image_.optional_header_offset();
    store_le<std::uint16_t>(std::span(out_), file_header + 2, static_cast<std::uint16_t>(count + 1));
    const std::uint32_t old_image_size = image_.size_of_image();
    const auto new_image_size = static_cast<std::uint32_t>(align_up(rva + names.size(), section_alignment));
    store_le<std::uint32_t>(std::span(out_), optional + 56, new_image_size);
    store_le<std::uint32_t>(std::span(out_), optional + 8, static_cast<std::uint32_t>(le32(out_, optional + 8) + raw_size));
    changes_.push_back({"NumberOfSections", std::to_string(count), std::to_string(count + 1)});
    changes_.push_back({"SizeOfImage", fmt::format("{:#x}", old_image_size), fmt::format("{:#x}", new_image_size)});

    repoint(sites, offsets, rva, "new section .dlname");
    return Status::ok();
  }

  // The names, each NUL-terminated and 2-byte aligned; `offsets` receives
  // where each starts.
  static std::vector<std::byte> pack_names(const std::vector<NameSite*>& sites, std::vector<std::uint32_t>& offsets) {
    std::vector<std::byte> names;
    for (const NameSite* site : sites) {
      offsets.push_back(static_cast<std::uint32_t>(names.size()));
      for (char c : site->new_name) names.push_back(static_cast<std::byte>(c));
      names.resize(align_up(names.size() + 1, 2));
    }
    return names;
  }

  void repoint(const std::vector<NameSite*>& sites, const std::vector<std::uint32_t>& offsets, std::uint64_t rva,
               const char* where) {
    for (std::size_t i = 0; i < sites.size(); ++i) {
      const NameSite& site = *sites[i];
      const std::uint64_t name_rva = rva + offsets[i];
      for (const auto& field : site.fields) {
        const std::uint64_t value = field.virtual_address ? image_.image_base() + name_rva : name_rva;
        store_le<std::uint32_t>(std::span(out_), field.offset, static_cast<std::uint32_t>(value));
      }
      changes_.push_back({fmt::format("import name (moved to {} at RVA {:#x})", where, name_rva), site.old_name, site.new_name});
    }
  }

  // No room for a section header (linkers such as lld fill the header
  // area): grow the last section instead, when it is last both in memory and
  // in the file and nothing (an overlay) follows it.
  Status extend_last_section(const std::vector<NameSite*>& sites, std::uint64_t header_at) {
    const std::uint16_t count = image_.section_count();
    auto refuse = [&](const std::string& why) {
      return make_error("section table", header_at,
                        "no room for another section header, and " + why + "; use a new name no longer than the old one");
    };
    if (count == 0) return refuse("no section to extend");
    std::size_t last = 0;
    for (std::size_t i = 1; i < count; ++i) {
      if (image_.section(i).virtual_address() > image_.section(last).virtual_address()) last = i;
    }
    const auto s = image_.section(last);
    const std::uint64_t raw_end = std::uint64_t{s.pointer_to_raw_data()} + s.size_of_raw_data();
    for (std::size_t i = 0; i < count; ++i) {
      const auto other = image_.section(i);
      if (i != last && std::uint64_t{other.pointer_to_raw_data()} + other.size_of_raw_data() > raw_end) {
        return refuse("the last section in memory is not the last in the file");
      }
    }
    // The only data after the last section that can move is a COFF symbol
    // table (mingw/lld images keep long section names in its string table):
    // its contents do not depend on where it sits.
    const std::uint64_t file_header = image_.nt_headers_offset() + 4;
    const std::uint32_t symbol_table = le32(input_, file_header + 8);
    const bool movable_tail = raw_end < input_.size() && symbol_table == raw_end;
    if (s.pointer_to_raw_data() == 0 || (raw_end != input_.size() && !movable_tail)) {
      return refuse("data other than a COFF symbol table follows the last section (an overlay)");
    }
    const std::vector<std::byte> tail(input_.begin() + static_cast<std::ptrdiff_t>(raw_end), input_.end());
    if ((s.characteristics() & 0x40000000) == 0) return refuse("the last section is not readable");

    std::vector<std::uint32_t> offsets;
    const std::vector<std::byte> names = pack_names(sites, offsets);
    const std::uint64_t start = align_up(std::max<std::uint64_t>(s.virtual_size(), s.size_of_raw_data()), 2);
    const std::uint64_t new_virtual = start + names.size();
    const std::uint64_t new_raw = align_up(new_virtual, std::max<std::uint32_t>(image_.file_alignment(), 1));
    const std::uint64_t rva = std::uint64_t{s.virtual_address()} + start;
    if (rva + names.size() > 0xFFFFFFFFu || s.pointer_to_raw_data() + new_raw > input_.size() + kMaxGrowth) {
      return refuse("the image has no room left to grow it");
    }
    out_.resize(raw_end);
    out_.resize(s.pointer_to_raw_data() + new_raw, std::byte{0});
    std::copy(names.begin(), names.end(), out_.begin() + static_cast<std::ptrdiff_t>(s.pointer_to_raw_data() + start));
    if (movable_tail) {
      const auto moved_to = static_cast<std::uint32_t>(out_.size());
      out_.insert(out_.end(), tail.begin(), tail.end());
      store_le<std::uint32_t>(std::span(out_), file_header + 8, moved_to);
      changes_.push_back({"PointerToSymbolTable", fmt::format("{:#x}", symbol_table), fmt::format("{:#x}", moved_to)});
    }

    const std::uint64_t header = image_.section_table_offset() + last * pe::kSectionHeaderSize;
    store_le<std::uint32_t>(std::span(out_), header + 8, static_cast<std::uint32_t>(new_virtual));
    store_le<std::uint32_t>(std::span(out_), header + 16, static_cast<std::uint32_t>(new_raw));
    const std::uint64_t optional = image_.optional_header_offset();
    const std::uint32_t old_image_size = image_.size_of_image();
    const auto new_image_size = static_cast<std::uint32_t>(
        std::max<std::uint64_t>(old_image_size, align_up(s.virtual_address() + new_virtual, image_.section_alignment())));
    store_le<std::uint32_t>(std::span(out_), optional + 56, new_image_size);
    changes_.push_back({fmt::format("section {} size", s.name()), fmt::format("{:#x}", s.virtual_size()), fmt::format("{:#x}", new_virtual)});
    if (new_image_size != old_image_size) {
      changes_.push_back({"SizeOfImage", fmt::format("{:#x}", old_image_size), fmt::format("{:#x}", new_image_size)});
    }
    repoint(sites, offsets, rva, fmt::format("extended section {}", s.name()).c_str());
    return Status::ok();
  }

  std::span<const std::byte> input_;
  const PeImage& image_;
  std::vector<std::byte> out_;
  std::vector<Change> changes_;
  UsedRanges used_;
};

bool same_imports_but_renamed(const std::vector<pe::ImportedModule>& before, const std::vector<pe::ImportedModule>& after,
                              const std::vector<std::pair<std::string, std::string>>& renames) {
  if (before.size() != after.size()) return false;
  for (std::size_t i = 0; i < before.size(); ++i) {
    std::string expected(before[i].dll);
    for (const auto& [old_name, new_name] : renames) {
      if (lower(before[i].dll) == lower(old_name)) expected = new_name;
    }
    if (after[i].dll != expected || after[i].kind != before[i].kind || after[i].functions.size() != before[i].functions.size()) {
      return false;
    }
    for (std::size_t f = 0; f < before[i].functions.size(); ++f) {
      const auto& a = before[i].functions[f];
      const auto& b = after[i].functions[f];
      if (a.by_ordinal != b.by_ordinal || a.ordinal != b.ordinal || a.name != b.name) return false;
    }
  }
  return true;
}

}  // namespace

std::optional<Version> parse_version(std::string_view text) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size()) return std::nullopt;
  unsigned major = 0, minor = 0;
  for (char c : text.substr(0, dot)) {
    if (c < '0' || c > '9' || (major = major * 10 + static_cast<unsigned>(c - '0')) > 0xFFFF) return std::nullopt;
  }
  for (char c : text.substr(dot + 1)) {
    if (c < '0' || c > '9' || (minor = minor * 10 + static_cast<unsigned>(c - '0')) > 0xFFFF) return std::nullopt;
  }
  return Version{static_cast<std::uint16_t>(major), static_cast<std::uint16_t>(minor)};
}

Status validate_dll_name(std::string_view name) {
  if (name.empty() || name.size() > 255) return make_error("", 0, fmt::format("DLL name of {} characters: must be 1 to 255", name.size()));
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7E || c == '/' || c == '\\' || c == ':' || c == '"' || c == '\'' || c == '*' || c == '?' ||
        c == '<' || c == '>' || c == '|') {
      return make_error("", 0, fmt::format("DLL name \"{}\" holds a character a DLL file name cannot carry", name));
    }
  }
  return Status::ok();
}

Result<Patched> apply(std::span<const std::byte> input, const Request& request) {
  MemorySource source(input);
  auto image = PeImage::parse(source);
  if (!image) return image.error();
  Patcher patcher(input, *image);
  const std::uint64_t optional = image->optional_header_offset();
  if (auto s = patcher.strip_signature(request.strip_signature); !s) return s.error();
  if (auto s = patcher.set_version(request.os_version, optional + 40, "OperatingSystemVersion"); !s) return s.error();
  if (auto s = patcher.set_version(request.subsystem_version, optional + 48, "SubsystemVersion"); !s) return s.error();
  if (auto s = patcher.rename_imports(request.renames); !s) return s.error();
  patcher.update_checksum();
  Patched patched = patcher.take();

  // Never hand back bytes our own reader cannot read the same way: the same
  // modules and functions, with exactly the requested names changed.
  MemorySource check(patched.bytes);
  auto reparsed = PeImage::parse(check);
  if (!reparsed) return make_error("patched image", 0, "does not parse: " + reparsed.error().to_string());
  auto after = pe::read_all_imports(*reparsed);
  if (!after) return make_error("patched image", 0, "imports do not parse: " + after.error().to_string());
  auto before = pe::read_all_imports(*image);
  if (!before) return before.error();
  if (!same_imports_but_renamed(*before, *after, request.renames)) {
    return make_error("import directory", 0,
                      "its structures overlap so that a rename would change other imports; refused");
  }
  return patched;
}

}  // namespace downlevel::patch
