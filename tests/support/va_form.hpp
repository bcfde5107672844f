// Rewrites a PE32 image's delay-import descriptors into the old VA form.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "downlevel/pe/image.hpp"
#include "downlevel/support/little_endian.hpp"

namespace downlevel::testing {

// The Visual C++ 6 delay-load descriptor: Attributes 0, every field a VA,
// and the name table's thunks VAs of hint/name entries. Rewrites the
// fixture's RVA-form descriptors into that form; the reader must report
// the same imports.
inline std::vector<std::byte> with_va_form_delay_descriptors(std::vector<std::byte> bytes) {
  MemorySource source(bytes);
  auto image = pe::PeImage::parse(source);
  EXPECT_TRUE(image);
  const std::uint64_t base = image->image_base();
  std::span<std::byte> file(bytes);
  const auto directory = image->directory(pe::Directory::delay_imports);
  std::uint64_t at = *image->offset_of(directory.rva);
  for (; le32(file, at + 4) != 0; at += 32) {
    const std::uint32_t name_table_rva = le32(file, at + 16);
    store_le<std::uint32_t>(file, at, 0);
    for (std::size_t field = 4; field < 28; field += 4) {
      const std::uint32_t value = le32(file, at + field);
      if (value != 0) store_le<std::uint32_t>(file, at + field, static_cast<std::uint32_t>(value + base));
    }
    for (std::uint64_t thunk = *image->offset_of(name_table_rva); le32(file, thunk) != 0; thunk += 4) {
      const std::uint32_t value = le32(file, thunk);
      if ((value & 0x80000000u) == 0) store_le<std::uint32_t>(file, thunk, static_cast<std::uint32_t>(value + base));
    }
  }
  return bytes;
}

}  // namespace downlevel::testing
