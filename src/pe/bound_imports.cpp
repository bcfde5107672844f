// IMAGE_BOUND_IMPORT_DESCRIPTOR (8 bytes), each followed by its
// IMAGE_BOUND_FORWARDER_REFs (8 bytes); names are offsets from the start of
// the directory. The directory usually sits in the headers, after the
// section table, where RVA and file offset coincide.
#include "downlevel/pe/bound_imports.hpp"

#include <fmt/format.h>

#include "thunk_table.hpp"

namespace downlevel::pe {

namespace {
constexpr std::size_t kEntrySize = 8;
}  // namespace

Result<std::vector<BoundImport>> read_bound_imports(const PeImage& image) {
  std::vector<BoundImport> bound;
  const DataDirectory directory = image.directory(Directory::bound_imports);
  if (directory.rva == 0) return bound;

  auto table = image.bytes_from(directory.rva);
  if (!table) {
    return make_error("bound import directory", image.directory_entry_offset(Directory::bound_imports),
                      table.error().message);
  }
  const std::uint64_t base_offset = *image.offset_of(directory.rva);
  auto name_at = [&](std::uint16_t name_offset) { return detail::read_name(image, directory.rva + name_offset); };

  std::size_t position = 0;
  for (std::size_t index = 0;; ++index) {
    const std::string label = fmt::format("bound import descriptor {}", index);
    if (position + kEntrySize > table->size()) {
      return make_error(label, base_offset + position,
                        "bound import directory has no terminating entry before the end of its data");
    }
    const auto entry = table->subspan(position, kEntrySize);
    position += kEntrySize;
    BoundImport import;
    import.time_date_stamp = le32(entry, 0);
    const std::uint16_t name_offset = le16(entry, 4);
    const std::uint16_t ref_count = le16(entry, 6);
    if (import.time_date_stamp == 0 && name_offset == 0) return bound;
    auto name = name_at(name_offset);
    if (!name) return make_error(label, base_offset + position - kEntrySize, "name " + name.error().message);
    import.dll = *name;
    for (std::uint16_t r = 0; r < ref_count; ++r) {
      if (position + kEntrySize > table->size()) {
        return make_error(label, base_offset + position,
                          fmt::format("forwarder ref {} runs past the end of the directory's data", r));
      }
      const auto ref = table->subspan(position, kEntrySize);
      position += kEntrySize;
      auto ref_name = name_at(le16(ref, 4));
      if (!ref_name) {
        return make_error(label, base_offset + position - kEntrySize,
                          fmt::format("forwarder ref {}: name {}", r, ref_name.error().message));
      }
      import.forwarder_refs.push_back({*ref_name, le32(ref, 0)});
    }
    bound.push_back(std::move(import));
  }
}

}  // namespace downlevel::pe
