// The delay-load import directory: an array of 32-byte
// IMAGE_DELAYLOAD_DESCRIPTORs.
//
// Attributes bit 0 (dlattrRva) says the descriptor holds RVAs. Without it the
// descriptor is the Visual C++ 6 form, whose fields and name-table thunks are
// VAs. That form only exists for 32-bit images: a 64-bit VA does not fit the
// descriptor's 32-bit fields, so a PE32+ descriptor is always read as RVAs.
#include <fmt/format.h>

#include "downlevel/pe/imports.hpp"
#include "thunk_table.hpp"

namespace downlevel::pe {

namespace {

constexpr std::size_t kDescriptorSize = 32;
constexpr std::uint32_t kAttributeRva = 1;

// Some linkers (older GNU dlltool among them) write RVAs but leave the
// attribute clear. A field below the image base cannot be a VA, so only
// fields that lie inside the image's VA range are read as VAs.
bool holds_virtual_addresses(const PeImage& image, std::uint32_t attributes, std::uint32_t name_field) {
  if (image.is_pe32_plus() || (attributes & kAttributeRva) != 0) return false;
  const std::uint64_t base = image.image_base();
  return name_field >= base && name_field < base + image.size_of_image();
}

}  // namespace

Result<std::vector<ImportedModule>> read_delay_imports(const PeImage& image) {
  std::vector<ImportedModule> modules;
  const DataDirectory directory = image.directory(Directory::delay_imports);
  if (directory.rva == 0) return modules;

  auto table = image.bytes_from(directory.rva);
  auto table_offset = image.offset_of(directory.rva);
  if (!table || !table_offset) {
    return make_error("delay import directory", image.directory_entry_offset(Directory::delay_imports),
                      (table ? table_offset.error() : table.error()).message);
  }
  for (std::size_t index = 0;; ++index) {
    const std::uint64_t offset = *table_offset + index * kDescriptorSize;
    detail::DescriptorLabel label{"delay import descriptor", index, {}};
    if ((index + 1) * kDescriptorSize > table->size()) {
      return make_error(label.text(), offset,
                        "delay import directory has no terminating descriptor before the end of its section");
    }
    const auto descriptor = table->subspan(index * kDescriptorSize, kDescriptorSize);
    const std::uint32_t attributes = le32(descriptor, 0);
    const std::uint32_t name_field = le32(descriptor, 4);
    const std::uint32_t name_table_field = le32(descriptor, 16);
    // The delay-load helper walks descriptors until one has no DLL name.
    if (name_field == 0) return modules;

    const bool virtual_addresses = holds_virtual_addresses(image, attributes, name_field);
    const std::uint64_t bias = virtual_addresses ? image.image_base() : 0;
    if (name_table_field < bias) {
      return make_error(label.text(), offset,
                        fmt::format("import name table VA {:#x} is below the image base {:#x}",
                                    name_table_field, bias));
    }
    auto name = detail::read_name(image, static_cast<std::uint32_t>(name_field - bias));
    if (!name) return make_error(label.text(), offset, "name " + name.error().message);
    if (name->empty()) return make_error(label.text(), offset, fmt::format("name at RVA {:#x} is empty", name_field - bias));
    label.dll = *name;
    if (name_table_field == 0) {
      return make_error(label.text(), offset, "import name table RVA is zero");
    }

    ImportedModule module;
    module.dll = *name;
    module.kind = ImportKind::delay;
    module.descriptor_offset = offset;
    module.time_date_stamp = le32(descriptor, 28);
    module.uses_virtual_addresses = virtual_addresses;
    detail::ThunkTableRef thunks{static_cast<std::uint32_t>(name_table_field - bias), bias, label, offset};
    if (auto walked = detail::read_thunk_table(image, thunks, module.functions); !walked) {
      return walked.error();
    }
    modules.push_back(std::move(module));
  }
}

}  // namespace downlevel::pe
