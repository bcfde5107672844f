// Version 2, 4 and 6 layouts into one model; every offset and count checked
// against the section before it is followed.
#include "downlevel/apiset/reader.hpp"

#include <fmt/format.h>

#include "downlevel/pe/image.hpp"
#include "downlevel/support/little_endian.hpp"
#include "downlevel/support/utf16.hpp"

namespace downlevel::apiset {

namespace {

// The section's bytes with checked access; errors carry file offsets.
class SchemaBytes {
 public:
  SchemaBytes(std::span<const std::byte> bytes, std::uint64_t file_offset)
      : bytes_(bytes), file_offset_(file_offset) {}

  std::size_t size() const { return bytes_.size(); }
  std::uint64_t file_offset(std::uint64_t at) const { return file_offset_ + at; }

  bool fits(std::uint64_t at, std::uint64_t length) const {
    return at <= bytes_.size() && length <= bytes_.size() - at;
  }

  Result<std::uint32_t> u32(std::uint64_t at, const std::string& what) const {
    if (!fits(at, 4)) return error(what, at, fmt::format("4 bytes at {:#x} run past the schema's {:#x} bytes", at, size()));
    return le32(bytes_, at);
  }

  // A UTF-16LE string of `length` bytes at `at` (offsets from the schema start).
  Result<std::u16string> string(std::uint64_t at, std::uint32_t length, const std::string& what,
                                std::uint64_t field_at) const {
    if (length % 2 != 0) return error(what, field_at, fmt::format("odd byte length {}", length));
    if (!fits(at, length)) {
      return error(what, field_at,
                   fmt::format("string at {:#x} of {} bytes runs past the schema's {:#x} bytes", at, length, size()));
    }
    std::u16string text(length / 2, u'\0');
    for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char16_t>(le16(bytes_, at + 2 * i));
    return text;
  }

  Error error(const std::string& what, std::uint64_t at, std::string message) const {
    return make_error("API set schema: " + what, file_offset(at), std::move(message));
  }

 private:
  std::span<const std::byte> bytes_;
  std::uint64_t file_offset_;
};

// Field positions of one version's structures.
struct Layout {
  std::uint32_t entry_size;
  std::uint32_t entry_name_offset, entry_name_length, entry_data;
  std::uint32_t value_size;
  std::uint32_t value_importer_offset;  // importer length +4, host offset +8, host length +12
  std::uint32_t value_flags;            // or UINT32_MAX when absent
};
constexpr Layout kLayout2{12, 0, 4, 8, 16, 0, UINT32_MAX};
constexpr Layout kLayout4{24, 4, 8, 20, 20, 4, 0};
constexpr Layout kLayout6{0x18, 4, 8, 0x10, 0x14, 4, 0};

Result<Value> read_value(const SchemaBytes& in, const Layout& layout, std::uint64_t at, const std::string& what) {
  if (!in.fits(at, layout.value_size)) {
    return in.error(what, at, fmt::format("{}-byte value runs past the schema's {:#x} bytes", layout.value_size, in.size()));
  }
  Value value;
  auto importer_offset = in.u32(at + layout.value_importer_offset, what);
  auto importer_length = in.u32(at + layout.value_importer_offset + 4, what);
  auto host_offset = in.u32(at + layout.value_importer_offset + 8, what);
  auto host_length = in.u32(at + layout.value_importer_offset + 12, what);
  auto importer = in.string(*importer_offset, *importer_length, what + " importer", at);
  if (!importer) return importer.error();
  auto host = in.string(*host_offset, *host_length, what + " host", at);
  if (!host) return host.error();
  value.importer = std::move(*importer);
  value.host = std::move(*host);
  if (layout.value_flags != UINT32_MAX) value.flags = *in.u32(at + layout.value_flags, what);
  return value;
}

Status read_values(const SchemaBytes& in, const Layout& layout, std::uint64_t first, std::uint32_t count,
                   ApiSet& set, const std::string& what) {
  if (count > kMaxValuesPerSet) {
    return in.error(what, first, fmt::format("{} values exceed the limit of {}", count, kMaxValuesPerSet));
  }
  for (std::uint32_t v = 0; v < count; ++v) {
    auto value = read_value(in, layout, first + std::uint64_t{v} * layout.value_size, fmt::format("{} value {}", what, v));
    if (!value) return value.error();
    set.values.push_back(std::move(*value));
  }
  return Status::ok();
}

bool less_folded(std::u16string_view a, std::u16string_view b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (fold_ascii(a[i]) != fold_ascii(b[i])) return fold_ascii(a[i]) < fold_ascii(b[i]);
  }
  return a.size() < b.size();
}

// Versions 2 and 4: a sorted entry array, each pointing at a value array.
Result<Schema> parse_sorted(const SchemaBytes& in, Schema schema) {
  const bool v4 = schema.version == 4;
  const Layout& layout = v4 ? kLayout4 : kLayout2;
  const std::uint64_t entries_at = v4 ? 16 : 8;
  auto count = in.u32(v4 ? 12 : 4, "header");
  if (!count) return count.error();
  if (v4) schema.flags = *in.u32(8, "header");
  if (*count > kMaxSets) return in.error("header", v4 ? 12 : 4, fmt::format("{} sets exceed the limit of {}", *count, kMaxSets));
  if (!in.fits(entries_at, std::uint64_t{*count} * layout.entry_size)) {
    return in.error("header", v4 ? 12 : 4,
                    fmt::format("{} entries of {} bytes run past the schema's {:#x} bytes", *count, layout.entry_size, in.size()));
  }
  for (std::uint32_t i = 0; i < *count; ++i) {
    const std::uint64_t at = entries_at + std::uint64_t{i} * layout.entry_size;
    const std::string what = fmt::format("set {}", i);
    ApiSet set;
    auto name = in.string(*in.u32(at + layout.entry_name_offset, what), *in.u32(at + layout.entry_name_length, what),
                          what + " name", at);
    if (!name) return name.error();
    set.name = std::move(*name);
    if (v4) {
      set.flags = *in.u32(at, what);
      auto alias = in.string(*in.u32(at + 12, what), *in.u32(at + 16, what), what + " alias", at);
      if (!alias) return alias.error();
      set.alias = std::move(*alias);
    }
    const std::uint64_t data = *in.u32(at + layout.entry_data, what);
    auto value_count = in.u32(data + (v4 ? 4 : 0), what + " value array");
    if (!value_count) return value_count.error();
    if (auto values = read_values(in, layout, data + (v4 ? 8 : 4), *value_count, set, what); !values) {
      return values.error();
    }
    if (!schema.sets.empty() && !less_folded(schema.sets.back().name, set.name)) {
      return in.error(what, at, "entries are not sorted by name, so the loader's binary search would miss sets");
    }
    schema.sets.push_back(std::move(set));
  }
  return schema;
}

// Version 6: entries, a hash table sorted by hash, value arrays.
Result<Schema> parse_hashed(const SchemaBytes& in, Schema schema) {
  if (!in.fits(0, 0x1C)) return in.error("header", 0, fmt::format("a version-6 header needs 28 bytes, the schema has {}", in.size()));
  schema.flags = *in.u32(8, "header");
  const std::uint32_t count = *in.u32(0xC, "header");
  const std::uint32_t entry_offset = *in.u32(0x10, "header");
  const std::uint32_t hash_offset = *in.u32(0x14, "header");
  schema.hash_factor = *in.u32(0x18, "header");
  if (schema.hash_factor == 0) return in.error("header", 0x18, "HashFactor is zero");
  if (count > kMaxSets) return in.error("header", 0xC, fmt::format("{} sets exceed the limit of {}", count, kMaxSets));
  if (!in.fits(entry_offset, std::uint64_t{count} * kLayout6.entry_size)) {
    return in.error("header", 0x10,
                    fmt::format("{} entries at {:#x} run past the schema's {:#x} bytes", count, entry_offset, in.size()));
  }
  if (!in.fits(hash_offset, std::uint64_t{count} * 8)) {
    return in.error("header", 0x14,
                    fmt::format("{} hash entries at {:#x} run past the schema's {:#x} bytes", count, hash_offset, in.size()));
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint64_t at = entry_offset + std::uint64_t{i} * kLayout6.entry_size;
    const std::string what = fmt::format("set {}", i);
    ApiSet set;
    set.flags = *in.u32(at, what);
    const std::uint32_t name_length = *in.u32(at + 8, what);
    auto name = in.string(*in.u32(at + 4, what), name_length, what + " name", at);
    if (!name) return name.error();
    set.name = std::move(*name);
    set.hashed_length = *in.u32(at + 0xC, what);
    if (set.hashed_length > name_length || set.hashed_length % 2 != 0) {
      return in.error(what, at, fmt::format("HashedLength {} does not fit the {}-byte name", set.hashed_length, name_length));
    }
    if (auto values = read_values(in, kLayout6, *in.u32(at + 0x10, what), *in.u32(at + 0x14, what), set, what); !values) {
      return values.error();
    }
    schema.sets.push_back(std::move(set));
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint64_t at = hash_offset + std::uint64_t{i} * 8;
    HashEntry entry{*in.u32(at, "hash table"), *in.u32(at + 4, "hash table")};
    const std::string what = fmt::format("hash entry {}", i);
    if (entry.index >= count) return in.error(what, at, fmt::format("index {} is not below the {} sets", entry.index, count));
    if (!schema.hash_table.empty() && schema.hash_table.back().hash > entry.hash) {
      return in.error(what, at, "hash table is not sorted by hash, so the loader's binary search would miss sets");
    }
    schema.hash_table.push_back(entry);
  }
  return schema;
}

}  // namespace

std::string Schema::full_name(const ApiSet& set) const {
  return (version == 6 ? "" : "api-") + to_utf8(set.name) + ".dll";
}

const char* windows_for_version(std::uint32_t version) {
  switch (version) {
    case 2: return "Windows 7 / 8.0";
    case 4: return "Windows 8.1";
    case 6: return "Windows 10 / 11";
    default: return "no shipped Windows";
  }
}

Result<Schema> parse_schema(std::span<const std::byte> section, bool version2_ext_prefix, std::uint64_t file_offset) {
  const SchemaBytes in(section, file_offset);
  auto version = in.u32(0, "header");
  if (!version) return version.error();
  Schema schema;
  schema.version = *version;
  switch (*version) {
    case 2:
      schema.ext_prefix = version2_ext_prefix;
      return parse_sorted(in, std::move(schema));
    case 4:
      return parse_sorted(in, std::move(schema));
    case 6:
      return parse_hashed(in, std::move(schema));
    case 3:
      return in.error("header", 0, "version 3 was never shipped by Windows and is not supported");
    default:
      return in.error("header", 0, fmt::format("unknown schema version {} (supported: 2, 4, 6)", *version));
  }
}

namespace {

struct LocatedSchema {
  std::span<const std::byte> bytes;
  std::uint64_t file_offset = 0;
  bool windows8_or_later = false;
};

Result<LocatedSchema> locate(ByteSource& source) {
  auto magic = source.read(0, std::min<std::uint64_t>(2, source.size()), "file");
  if (!magic) return magic.error();
  if (magic->size() < 2 || (*magic)[0] != std::byte{'M'} || (*magic)[1] != std::byte{'Z'}) {
    auto all = source.read(0, source.size(), "schema");
    if (!all) return all.error();
    return LocatedSchema{*all, 0, false};
  }
  auto image = pe::PeImage::parse(source);
  if (!image) return image.error();
  for (std::size_t i = 0; i < image->section_count(); ++i) {
    const auto section = image->section(i);
    if (section.name() != ".apiset") continue;
    auto bytes = image->bytes_from(section.virtual_address());
    if (!bytes) return make_error(".apiset section", image->section_table_offset() + i * pe::kSectionHeaderSize, bytes.error().message);
    const bool windows8 = image->major_os_version() > 6 || (image->major_os_version() == 6 && image->minor_os_version() >= 2);
    return LocatedSchema{*bytes, *image->offset_of(section.virtual_address()), windows8};
  }
  return make_error("section table", image->section_table_offset(), "no .apiset section: not an API set schema DLL");
}

}  // namespace

Result<std::span<const std::byte>> locate_schema(ByteSource& source) {
  auto located = locate(source);
  if (!located) return located.error();
  return located->bytes;
}

Result<Schema> read_schema(ByteSource& source) {
  auto located = locate(source);
  if (!located) return located.error();
  return parse_schema(located->bytes, located->windows8_or_later, located->file_offset);
}

}  // namespace downlevel::apiset
