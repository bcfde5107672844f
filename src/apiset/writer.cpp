#include "downlevel/apiset/writer.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "downlevel/pe/checksum.hpp"
#include "downlevel/support/little_endian.hpp"

namespace downlevel::apiset {

namespace {

// Appends bytes; strings are pooled so each distinct one is stored once.
class SectionWriter {
 public:
  std::size_t size() const { return bytes_.size(); }
  void grow_to(std::size_t size) { bytes_.resize(std::max(bytes_.size(), size)); }
  void u32(std::size_t at, std::uint32_t value) {
    grow_to(at + 4);
    store_le<std::uint32_t>(std::span(bytes_), at, value);
  }
  // Writes offset and byte length of `text` at `at` and `at + 4`.
  void string_ref(std::size_t at, const std::u16string& text) {
    if (text.empty()) {
      u32(at, 0);
      u32(at + 4, 0);
      return;
    }
    auto [it, added] = pool_.try_emplace(text, 0);
    if (added) {
      it->second = static_cast<std::uint32_t>(bytes_.size());
      for (char16_t c : text) {
        bytes_.push_back(static_cast<std::byte>(c & 0xFF));
        bytes_.push_back(static_cast<std::byte>(c >> 8));
      }
    }
    u32(at, it->second);
    u32(at + 4, static_cast<std::uint32_t>(text.size() * 2));
  }
  std::vector<std::byte> take() { return std::move(bytes_); }

 private:
  std::vector<std::byte> bytes_;
  std::map<std::u16string, std::uint32_t> pool_;
};

std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

}  // namespace

std::pair<std::uint16_t, std::uint16_t> default_os_version(std::uint32_t schema_version) {
  switch (schema_version) {
    case 2: return {6, 1};
    case 4: return {6, 3};
    default: return {10, 0};
  }
}

Result<std::vector<std::byte>> serialize(const Schema& schema) {
  const std::uint32_t version = schema.version;
  if (version != 2 && version != 4 && version != 6) {
    return make_error("API set schema", 0, fmt::format("cannot write schema version {}", version));
  }
  if (version == 6 && schema.hash_table.size() != schema.sets.size()) {
    return make_error("API set schema", 0, "the hash table must have one entry per set");
  }
  const std::size_t count = schema.sets.size();
  const std::size_t header = version == 6 ? 0x1C : version == 4 ? 16 : 8;
  const std::size_t entry_size = version == 6 ? 0x18 : version == 4 ? 24 : 12;
  const std::size_t value_size = version == 6 ? 0x14 : version == 4 ? 20 : 16;
  const std::size_t array_header = version == 6 ? 0 : version == 4 ? 8 : 4;
  const std::size_t entries_at = header;
  const std::size_t hashes_at = entries_at + count * entry_size;
  std::size_t values_at = align4(hashes_at + (version == 6 ? count * 8 : 0));

  // Fixed parts and value arrays first, strings after them.
  std::vector<std::size_t> array_offsets;
  for (const ApiSet& set : schema.sets) {
    array_offsets.push_back(values_at);
    values_at = align4(values_at + array_header + set.values.size() * value_size);
  }
  SectionWriter out;
  out.grow_to(values_at);
  out.u32(0, version);
  if (version == 2) {
    out.u32(4, static_cast<std::uint32_t>(count));
  } else {
    out.u32(8, schema.flags);
    out.u32(12, static_cast<std::uint32_t>(count));
  }
  if (version == 6) {
    out.u32(0x10, static_cast<std::uint32_t>(entries_at));
    out.u32(0x14, static_cast<std::uint32_t>(hashes_at));
    out.u32(0x18, schema.hash_factor);
    for (std::size_t i = 0; i < count; ++i) {
      out.u32(hashes_at + i * 8, schema.hash_table[i].hash);
      out.u32(hashes_at + i * 8 + 4, schema.hash_table[i].index);
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    const ApiSet& set = schema.sets[i];
    const std::size_t at = entries_at + i * entry_size;
    const std::size_t array = array_offsets[i];
    switch (version) {
      case 2:
        out.string_ref(at, set.name);
        out.u32(at + 8, static_cast<std::uint32_t>(array));
        out.u32(array, static_cast<std::uint32_t>(set.values.size()));
        break;
      case 4:
        out.u32(at, set.flags);
        out.string_ref(at + 4, set.name);
        out.string_ref(at + 12, set.alias);
        out.u32(at + 20, static_cast<std::uint32_t>(array));
        out.u32(array + 4, static_cast<std::uint32_t>(set.values.size()));
        break;
      default:
        out.u32(at, set.flags);
        out.string_ref(at + 4, set.name);
        out.u32(at + 0xC, set.hashed_length);
        out.u32(at + 0x10, static_cast<std::uint32_t>(array));
        out.u32(at + 0x14, static_cast<std::uint32_t>(set.values.size()));
        break;
    }
    for (std::size_t v = 0; v < set.values.size(); ++v) {
      const std::size_t value_at = array + array_header + v * value_size;
      const std::size_t fields = version == 2 ? value_at : value_at + 4;
      if (version != 2) out.u32(value_at, set.values[v].flags);
      out.string_ref(fields, set.values[v].importer);
      out.string_ref(fields + 8, set.values[v].host);
    }
  }
  out.grow_to(align4(out.size()));
  if (version != 2) out.u32(4, static_cast<std::uint32_t>(out.size()));
  return out.take();
}

std::vector<std::byte> wrap_in_dll(std::span<const std::byte> section, pe::Machine machine, std::uint16_t os_major,
                                   std::uint16_t os_minor) {
  // Headers in the first 0x200 bytes, the section at RVA 0x10000 (the kernel
  // maps the schema from a 64 KiB-aligned section) and file offset 0x200.
  constexpr std::uint32_t kSectionAlignment = 0x10000, kFileAlignment = 0x200, kHeaders = 0x200;
  const bool wide = machine != pe::Machine::i386 && machine != pe::Machine::arm && machine != pe::Machine::armnt;
  const std::uint32_t raw_size = static_cast<std::uint32_t>((section.size() + kFileAlignment - 1) & ~std::size_t{kFileAlignment - 1});
  const std::uint32_t virtual_size = static_cast<std::uint32_t>(section.size());
  std::vector<std::byte> file(kHeaders + raw_size);
  std::span<std::byte> out(file);
  constexpr std::size_t nt = 0x40, file_header = nt + 4, optional = file_header + 20;
  const std::uint16_t optional_size = wide ? 240 : 224;
  const std::size_t section_table = optional + optional_size;

  store_le<std::uint16_t>(out, 0, 0x5A4D);
  store_le<std::uint32_t>(out, 0x3C, nt);
  out[nt] = std::byte{'P'};
  out[nt + 1] = std::byte{'E'};
  store_le<std::uint16_t>(out, file_header, static_cast<std::uint16_t>(machine));
  store_le<std::uint16_t>(out, file_header + 2, 1);
  store_le<std::uint16_t>(out, file_header + 16, optional_size);
  // executable image, DLL; 32-bit machine or large-address aware
  store_le<std::uint16_t>(out, file_header + 18, static_cast<std::uint16_t>(0x2002 | (wide ? 0x0020 : 0x0100)));
  store_le<std::uint16_t>(out, optional, wide ? pe::kPe32PlusMagic : pe::kPe32Magic);
  out[optional + 2] = std::byte{14};  // linker version, informational
  store_le<std::uint32_t>(out, optional + 8, raw_size);  // SizeOfInitializedData
  if (wide) {
    store_le<std::uint64_t>(out, optional + 24, 0x180000000);
  } else {
    store_le<std::uint32_t>(out, optional + 28, 0x10000000);
  }
  store_le<std::uint32_t>(out, optional + 32, kSectionAlignment);
  store_le<std::uint32_t>(out, optional + 36, kFileAlignment);
  for (std::size_t field : {40, 48}) {  // OS version, subsystem version
    store_le<std::uint16_t>(out, optional + field, os_major);
    store_le<std::uint16_t>(out, optional + field + 2, os_minor);
  }
  const std::uint32_t image_size = kSectionAlignment + ((virtual_size + kSectionAlignment - 1) & ~(kSectionAlignment - 1));
  store_le<std::uint32_t>(out, optional + 56, image_size);
  store_le<std::uint32_t>(out, optional + 60, kHeaders);
  store_le<std::uint16_t>(out, optional + 68, 3);  // console subsystem, as the shipped DLL
  store_le<std::uint16_t>(out, optional + 70, 0x0140);  // dynamic base, NX compatible
  const std::size_t stack = optional + (wide ? 72 : 72);
  if (wide) {
    store_le<std::uint64_t>(out, stack, 0x40000);
    store_le<std::uint64_t>(out, stack + 8, 0x1000);
    store_le<std::uint64_t>(out, stack + 16, 0x100000);
    store_le<std::uint64_t>(out, stack + 24, 0x1000);
  } else {
    store_le<std::uint32_t>(out, stack, 0x40000);
    store_le<std::uint32_t>(out, stack + 4, 0x1000);
    store_le<std::uint32_t>(out, stack + 8, 0x100000);
    store_le<std::uint32_t>(out, stack + 12, 0x1000);
  }
  store_le<std::uint32_t>(out, optional + (wide ? 108 : 92), pe::kDirectoryCount);

  const char name[8] = {'.', 'a', 'p', 'i', 's', 'e', 't', 0};
  for (int i = 0; i < 8; ++i) out[section_table + i] = static_cast<std::byte>(name[i]);
  store_le<std::uint32_t>(out, section_table + 8, virtual_size);
  store_le<std::uint32_t>(out, section_table + 12, kSectionAlignment);
  store_le<std::uint32_t>(out, section_table + 16, raw_size);
  store_le<std::uint32_t>(out, section_table + 20, kHeaders);
  store_le<std::uint32_t>(out, section_table + 36, 0x40000040);  // initialized data, readable
  std::copy(section.begin(), section.end(), file.begin() + kHeaders);
  store_le<std::uint32_t>(out, optional + 64, pe::compute_checksum(file, optional + 64));
  return file;
}

}  // namespace downlevel::apiset
