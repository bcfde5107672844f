#include "downlevel/target/snapshot.hpp"

#include <cstring>

#include <fmt/format.h>

#include "downlevel/apiset/reader.hpp"
#include "downlevel/apiset/writer.hpp"
#include "downlevel/support/byte_reader.hpp"

namespace downlevel::target {

namespace {

constexpr char kMagic[8] = {'D', 'L', 'S', 'N', 'A', 'P', '0', '1'};
constexpr std::uint32_t kFormat = 1;

class SnapshotWriter {
 public:
  void u8(std::uint8_t v) { bytes_.push_back(static_cast<std::byte>(v)); }
  void u16(std::uint16_t v) { put(v); }
  void u32(std::uint32_t v) { put(v); }
  void raw(std::span<const std::byte> data) { bytes_.insert(bytes_.end(), data.begin(), data.end()); }
  void string(std::string_view text) {
    u32(static_cast<std::uint32_t>(text.size()));
    raw(std::as_bytes(std::span(text.data(), text.size())));
  }
  std::vector<std::byte> take() { return std::move(bytes_); }

 private:
  template <class T>
  void put(T value) {
    for (std::size_t i = 0; i < sizeof(T); ++i) bytes_.push_back(static_cast<std::byte>((value >> (8 * i)) & 0xFF));
  }
  std::vector<std::byte> bytes_;
};

}  // namespace

bool is_snapshot(std::span<const std::byte> head) {
  return head.size() >= sizeof kMagic && std::memcmp(head.data(), kMagic, sizeof kMagic) == 0;
}

Result<std::vector<std::byte>> write_snapshot(const Target& target) {
  SnapshotWriter out;
  out.raw(std::as_bytes(std::span(kMagic)));
  out.u32(kFormat);
  out.string(target.description);
  out.u8(target.schema ? 1 : 0);
  if (target.schema) {
    auto section = apiset::serialize(*target.schema);
    if (!section) return section.error();
    out.u8(target.schema->ext_prefix ? 1 : 0);
    out.u32(static_cast<std::uint32_t>(section->size()));
    out.raw(*section);
  }
  out.u32(static_cast<std::uint32_t>(target.dlls().size()));
  for (const auto& [key, dll] : target.dlls()) {
    out.string(dll.file_name());
    out.u16(dll.machine());
    out.u8(dll.pe32_plus() ? 1 : 0);
    out.u32(static_cast<std::uint32_t>(dll.exports().size()));
    for (const Export& e : dll.exports()) {
      out.u32(e.ordinal);
      out.string(e.name);
      out.string(e.forwarder);
    }
  }
  return out.take();
}

Result<Target> read_snapshot(std::span<const std::byte> bytes) {
  ByteReader in(bytes, "target snapshot");
  auto magic = in.bytes(sizeof kMagic, "magic");
  if (!magic || !is_snapshot(*magic)) return make_error("target snapshot", 0, "no DLSNAP01 magic");
  auto format = in.u32("format version");
  if (!format) return format.error();
  if (*format != kFormat) return in.error("format version", fmt::format("{} is not supported (this program reads {})", *format, kFormat));

  Target target;
  auto description = in.string("description", kMaxSnapshotString);
  if (!description) return description.error();
  target.description = std::string(*description);
  auto has_schema = in.u8("schema flag");
  if (!has_schema) return has_schema.error();
  if (*has_schema > 1) return in.error("schema flag", fmt::format("{} is neither 0 nor 1", *has_schema));
  if (*has_schema == 1) {
    auto ext_prefix = in.u8("schema ext- flag");
    if (!ext_prefix) return ext_prefix.error();
    auto length = in.u32("schema length");
    if (!length) return length.error();
    if (*length > kMaxSnapshotSchema) return in.error("schema length", fmt::format("{} bytes exceed the limit", *length));
    const std::uint64_t schema_offset = in.position();
    auto section = in.bytes(*length, "schema");
    if (!section) return section.error();
    auto schema = apiset::parse_schema(*section, *ext_prefix != 0, schema_offset);
    if (!schema) return schema.error();
    target.schema = std::move(*schema);
  }
  auto dll_count = in.u32("DLL count");
  if (!dll_count) return dll_count.error();
  if (*dll_count > kMaxSnapshotDlls) return in.error("DLL count", fmt::format("{} exceeds the limit of {}", *dll_count, kMaxSnapshotDlls));
  for (std::uint32_t d = 0; d < *dll_count; ++d) {
    auto name = in.string("DLL name", kMaxSnapshotString);
    if (!name) return name.error();
    if (name->empty()) return in.error("DLL name", "empty");
    auto machine = in.u16("machine");
    if (!machine) return machine.error();
    auto wide = in.u8("PE32+ flag");
    if (!wide) return wide.error();
    auto count = in.u32("export count");
    if (!count) return count.error();
    if (*count > kMaxSnapshotExportsPerDll) return in.error("export count", fmt::format("{} exceeds the limit", *count));
    // Each export takes at least 12 bytes: a count beyond what is left is corrupt.
    if (std::uint64_t{*count} * 12 > bytes.size() - in.position()) {
      return in.error("export count", fmt::format("{} exports cannot fit in the {} bytes left", *count, bytes.size() - in.position()));
    }
    std::vector<Export> exports;
    exports.reserve(*count);
    for (std::uint32_t e = 0; e < *count; ++e) {
      auto ordinal = in.u32("ordinal");
      if (!ordinal) return ordinal.error();
      auto export_name = in.string("export name", kMaxSnapshotString);
      if (!export_name) return export_name.error();
      auto forwarder = in.string("forwarder", kMaxSnapshotString);
      if (!forwarder) return forwarder.error();
      exports.push_back({*ordinal, std::string(*export_name), std::string(*forwarder)});
    }
    target.add(ExportSet(std::string(*name), *machine, *wide != 0, std::move(exports)));
  }
  if (!in.at_end()) return in.error("end", "trailing bytes after the last DLL");
  return target;
}

}  // namespace downlevel::target
