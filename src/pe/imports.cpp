// The import directory: an array of 20-byte IMAGE_IMPORT_DESCRIPTORs.
#include "downlevel/pe/imports.hpp"

#include <fmt/format.h>

#include "thunk_table.hpp"

namespace downlevel::pe {

namespace {

constexpr std::size_t kDescriptorSize = 20;

}  // namespace

Result<std::vector<ImportedModule>> read_imports(const PeImage& image) {
  std::vector<ImportedModule> modules;
  const DataDirectory directory = image.directory(Directory::imports);
  if (directory.rva == 0) return modules;

  auto table = image.bytes_from(directory.rva);
  auto table_offset = image.offset_of(directory.rva);
  if (!table || !table_offset) {
    return make_error("import directory", image.directory_entry_offset(Directory::imports),
                      (table ? table_offset.error() : table.error()).message);
  }
  for (std::size_t index = 0;; ++index) {
    const std::uint64_t offset = *table_offset + index * kDescriptorSize;
    detail::DescriptorLabel label{"import descriptor", index, {}};
    if ((index + 1) * kDescriptorSize > table->size()) {
      return make_error(label.text(), offset,
                        "import directory has no terminating descriptor before the end of its section");
    }
    const auto descriptor = table->subspan(index * kDescriptorSize, kDescriptorSize);
    const std::uint32_t original_first_thunk = le32(descriptor, 0);
    const std::uint32_t name_rva = le32(descriptor, 12);
    const std::uint32_t first_thunk = le32(descriptor, 16);
    // The loader stops at the first descriptor lacking a name or an IAT, not
    // only at an all-zero one.
    if (name_rva == 0 || first_thunk == 0) return modules;

    auto name = detail::read_name(image, name_rva);
    if (!name) return make_error(label.text(), offset, "name " + name.error().message);
    if (name->empty()) return make_error(label.text(), offset, fmt::format("name at RVA {:#x} is empty", name_rva));
    label.dll = *name;

    ImportedModule module;
    module.dll = *name;
    module.kind = ImportKind::normal;
    module.descriptor_offset = offset;
    module.time_date_stamp = le32(descriptor, 4);
    // Borland-style images have no import name table; the IAT holds the names.
    detail::ThunkTableRef thunks{original_first_thunk != 0 ? original_first_thunk : first_thunk, 0, label,
                                 offset};
    if (auto walked = detail::read_thunk_table(image, thunks, module.functions); !walked) {
      return walked.error();
    }
    modules.push_back(std::move(module));
  }
}

Result<std::vector<ImportedModule>> read_all_imports(const PeImage& image) {
  auto modules = read_imports(image);
  if (!modules) return modules;
  auto delayed = read_delay_imports(image);
  if (!delayed) return delayed;
  for (auto& module : *delayed) modules->push_back(std::move(module));
  return modules;
}

}  // namespace downlevel::pe
