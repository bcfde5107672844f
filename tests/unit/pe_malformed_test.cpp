// Malformed and hostile PE files: each gets its own specific error value,
// never a crash or an out-of-range read (the suite also runs under ASan and
// UBSan), and never a partial list presented as complete.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "downlevel/pe/bound_imports.hpp"
#include "downlevel/pe/exports.hpp"
#include "downlevel/pe/imports.hpp"
#include "test_pe.hpp"

namespace downlevel {
namespace {

using testing::one_import;
using testing::TestPe;

std::string parse_error(const std::vector<std::byte>& bytes) {
  MemorySource source(bytes);
  auto image = pe::PeImage::parse(source);
  return image ? std::string("parsed") : image.error().to_string();
}

template <class Reader>
std::string read_error(const std::vector<std::byte>& bytes, Reader reader) {
  MemorySource source(bytes);
  auto image = pe::PeImage::parse(source);
  if (!image) return "header error: " + image.error().to_string();
  auto result = reader(*image);
  return result ? std::string("ok") : result.error().to_string();
}

auto imports = [](const pe::PeImage& image) { return pe::read_all_imports(image); };
auto exports = [](const pe::PeImage& image) { return pe::read_exports(image); };

void corrupt32(std::vector<std::byte>& file, std::size_t at, std::uint32_t value) {
  store_le<std::uint32_t>(std::span(file), at, value);
}

TEST(Malformed, ValidTestImageParses) {
  for (bool wide : {false, true}) {
    auto file = one_import(wide).build();
    MemorySource source(file);
    auto image = pe::PeImage::parse(source);
    ASSERT_TRUE(image) << image.error().to_string();
    auto list = pe::read_imports(*image);
    ASSERT_TRUE(list) << list.error().to_string();
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ((*list)[0].dll, "a.dll");
    ASSERT_EQ((*list)[0].functions.size(), 1u);
    EXPECT_EQ((*list)[0].functions[0].name, "GetTickCount");
    EXPECT_EQ((*list)[0].functions[0].hint, 7);
  }
}

TEST(Malformed, EmptyFile) {
  EXPECT_EQ(parse_error({}), "DOS header at offset 0x0: file is 0 bytes, smaller than the 64-byte DOS header");
}

TEST(Malformed, NotMz) {
  auto file = one_import().build();
  file[0] = std::byte{'Z'};
  EXPECT_EQ(parse_error(file), "DOS header at offset 0x0: signature 0x5a5a is not 'MZ'");
}

TEST(Malformed, TruncatedHeaders) {
  auto file = one_import().build();
  file.resize(0x50);  // inside the file header
  EXPECT_EQ(parse_error(file),
            "NT headers at offset 0x3c: e_lfanew 0x40 points past the end of the file (size 0x50)");
}

TEST(Malformed, LfanewPastTheEnd) {
  auto file = one_import().build();
  corrupt32(file, 0x3C, 0x7FFFFFF0);
  EXPECT_EQ(parse_error(file), "NT headers at offset 0x3c: e_lfanew 0x7ffffff0 points past the end of the file "
                               "(size 0x600)");
}

TEST(Malformed, NotPe) {
  auto file = one_import().build();
  file[TestPe::kLfanew] = std::byte{'N'};
  EXPECT_EQ(parse_error(file), "NT headers at offset 0x40: signature is not 'PE\\0\\0'");
}

TEST(Malformed, BadOptionalHeaderMagic) {
  TestPe pe;
  auto file = pe.build();
  store_le<std::uint16_t>(std::span(file), pe.optional_header(), 0x107);
  EXPECT_EQ(parse_error(file), "optional header at offset 0x58: Magic 0x107 is neither PE32 (0x10b) nor PE32+ (0x20b)");
}

TEST(Malformed, OptionalHeaderTooSmall) {
  auto file = TestPe(true).build();
  store_le<std::uint16_t>(std::span(file), TestPe::kFileHeader + 16, 100);
  EXPECT_EQ(parse_error(file),
            "optional header at offset 0x58: SizeOfOptionalHeader 100 is smaller than the 112 bytes a PE32+ header needs");
}

TEST(Malformed, SectionTablePastTheEnd) {
  auto file = TestPe().build();
  store_le<std::uint16_t>(std::span(file), TestPe::kFileHeader + 2, 1000);
  EXPECT_EQ(parse_error(file), "section table at offset 0x138: 1000 section headers (40000 bytes) run past the end "
                               "of the file (size 0x600)");
}

TEST(Malformed, ImportNameOutsideTheImage) {
  TestPe pe = one_import();
  pe.put32(12, 0x7FFF0000);
  EXPECT_EQ(read_error(pe.build(), imports),
            "import descriptor 0 at offset 0x200: name RVA 0x7fff0000 outside the image");
}

TEST(Malformed, ImportThunkArrayWithoutTerminator) {
  for (bool wide : {false, true}) {
    TestPe pe(wide);
    pe.put16(0x20, 1);
    pe.put_string(0x22, "GetTickCount");
    pe.put_string(0x30, "a.dll");
    pe.put32(0, pe.rva(0x40));
    pe.put32(12, pe.rva(0x30));
    pe.put32(16, pe.rva(0x40));
    pe.set_directory(pe::Directory::imports, pe.rva(0), 40);
    // Every slot from the name table to the end of the section is a by-name thunk.
    const std::size_t step = wide ? 8 : 4;
    for (std::size_t at = 0x40; at + step <= pe.section_size(); at += step) {
      if (wide) pe.put64(at, pe.rva(0x20)); else pe.put32(at, pe.rva(0x20));
    }
    EXPECT_EQ(read_error(pe.build(), imports),
              "import descriptor 0 (a.dll) at offset 0x200: import name table at RVA 0x1040 has no "
              "terminating zero thunk before the end of its section")
        << wide;
  }
}

TEST(Malformed, EmptyDllName) {
  TestPe pe = one_import();
  pe.put_string(0x100, "");
  EXPECT_EQ(read_error(pe.build(), imports), "import descriptor 0 at offset 0x200: name at RVA 0x1100 is empty");
}

TEST(Malformed, ImportDescriptorsOfGarbage) {
  TestPe pe(false, 0x200);
  pe.fill(0, 0x200, std::byte{0x11});
  pe.set_directory(pe::Directory::imports, pe.rva(0), 20);
  EXPECT_EQ(read_error(pe.build(), imports),
            "import descriptor 0 at offset 0x200: name RVA 0x11111111 outside the image");
}

TEST(Malformed, ImportTableRunningOffTheSectionEnd) {
  TestPe pe(false, 0x200);
  // A single non-zero descriptor whose successor would lie past the section.
  pe.put16(0x20, 0);
  pe.put_string(0x22, "F");
  pe.put_string(0x30, "c.dll");
  pe.put32(0x40, pe.rva(0x20));
  const std::size_t last = 0x200 - 20;
  pe.put32(last + 12, pe.rva(0x30));
  pe.put32(last + 16, pe.rva(0x40));
  pe.set_directory(pe::Directory::imports, pe.rva(last), 20);
  EXPECT_EQ(read_error(pe.build(), imports),
            "import descriptor 1 at offset 0x400: import directory has no terminating descriptor before the end "
            "of its section");
}

TEST(Malformed, EmptyImportNameIsRejected) {
  TestPe pe = one_import();
  pe.put_string(0x82, "");
  EXPECT_EQ(read_error(pe.build(), imports),
            "import descriptor 0 (a.dll) at offset 0x200: thunk 0: empty function name at RVA 0x1082");
}

TEST(Malformed, NameTableOverlappingTheDescriptors) {
  // The name table is the descriptor array itself: its first "thunk" is the
  // descriptor's OriginalFirstThunk, pointing back at itself; the bytes there
  // read as hint 0x1000 and an empty name.
  TestPe pe = one_import();
  pe.put32(0, pe.rva(0));
  EXPECT_EQ(read_error(pe.build(), imports),
            "import descriptor 0 (a.dll) at offset 0x200: thunk 0: empty function name at RVA 0x1002");
}

TEST(Malformed, SectionDataBeyondTheFile) {
  TestPe pe = one_import();
  auto file = pe.build();
  corrupt32(file, pe.section_table() + 20, 0x10000);  // PointerToRawData past the end
  EXPECT_EQ(read_error(file, imports),
            "import directory at offset 0xc0: RVA 0x1000 lies in section .data beyond its 0x0 bytes of file data");
}

// Export directory at 0, functions at 0x40, names at 0x60, ordinals at 0x80,
// strings from 0xA0.
TestPe one_export() {
  TestPe pe;
  pe.put32(12, pe.rva(0xA0));   // Name
  pe.put32(16, 1);              // Base
  pe.put32(20, 2);              // NumberOfFunctions
  pe.put32(24, 1);              // NumberOfNames
  pe.put32(28, pe.rva(0x40));
  pe.put32(32, pe.rva(0x60));
  pe.put32(36, pe.rva(0x80));
  pe.put32(0x40, pe.rva(0x300));  // slot 0: code
  pe.put32(0x44, pe.rva(0xC0));   // slot 1: forwarder (inside the directory)
  pe.put32(0x60, pe.rva(0xB0));
  pe.put16(0x80, 0);
  pe.put_string(0xA0, "x.dll");
  pe.put_string(0xB0, "Named");
  pe.put_string(0xC0, "NTDLL.RtlFoo");
  pe.set_directory(pe::Directory::exports, pe.rva(0), 0x100);
  return pe;
}

TEST(Malformed, ValidExportTable) {
  auto file = one_export().build();
  MemorySource source(file);
  auto image = pe::PeImage::parse(source);
  ASSERT_TRUE(image);
  auto table = pe::read_exports(*image);
  ASSERT_TRUE(table && table->has_value());
  ASSERT_EQ((*table)->symbols.size(), 2u);
  EXPECT_EQ((*table)->symbols[0].name, "Named");
  EXPECT_EQ((*table)->symbols[0].ordinal, 1u);
  EXPECT_EQ((*table)->symbols[1].ordinal, 2u);
  EXPECT_EQ((*table)->symbols[1].forwarder, "NTDLL.RtlFoo");
}

TEST(Malformed, ExportNamePointerOutOfRange) {
  TestPe pe = one_export();
  pe.put32(0x60, 0x40000000);
  EXPECT_EQ(read_error(pe.build(), exports),
            "export directory at offset 0x200: name 0: RVA 0x40000000 outside the image");
}

TEST(Malformed, ExportNameOrdinalBeyondFunctions) {
  TestPe pe = one_export();
  pe.put16(0x80, 5);
  EXPECT_EQ(read_error(pe.build(), exports),
            "export directory at offset 0x200: name 0: ordinal index 5 is not below NumberOfFunctions 2");
}

TEST(Malformed, ExportFunctionTableBeyondItsSection) {
  TestPe pe = one_export();
  pe.put32(20, 0x10000);  // 256 KiB of slots in a 1 KiB section
  EXPECT_EQ(read_error(pe.build(), exports),
            "export directory at offset 0x200: AddressOfFunctions: 262144 bytes at RVA 0x1040 run past the end "
            "of their section's data");
}

TEST(Malformed, ExportCountsBeyondTheLimit) {
  TestPe pe = one_export();
  pe.put32(24, 0xFFFFFFFF);
  EXPECT_EQ(read_error(pe.build(), exports),
            "export directory at offset 0x200: NumberOfFunctions 2 / NumberOfNames 4294967295 exceed the limit of "
            "1048576");
}

TEST(Malformed, ExportTablesPointingIntoEachOther) {
  // AddressOfNames is the function table: the "name" is slot 0's RVA, which
  // points at code bytes holding no NUL before the section's end.
  TestPe pe = one_export();
  pe.put32(32, pe.rva(0x40));
  pe.fill(0x300, pe.section_size(), std::byte{'A'});
  EXPECT_EQ(read_error(pe.build(), exports),
            "export directory at offset 0x200: name 0: name at RVA 0x1300 has no terminating NUL");
}

TEST(Malformed, ForwarderWithoutTerminator) {
  TestPe pe = one_export();
  pe.fill(0xC0, pe.section_size(), std::byte{'F'});
  EXPECT_EQ(read_error(pe.build(), exports),
            "export directory at offset 0x200: ordinal 2: forwarder name at RVA 0x10c0 has no terminating NUL");
}

TEST(Malformed, BoundImportNameOutsideItsDirectory) {
  TestPe pe;
  pe.put32(0, 0x12345678);
  pe.put16(4, 0x8000);  // name offset far past the section
  pe.set_directory(pe::Directory::bound_imports, pe.rva(0), 16);
  auto bound = [](const pe::PeImage& image) { return pe::read_bound_imports(image); };
  EXPECT_EQ(read_error(pe.build(), bound),
            "bound import descriptor 0 at offset 0x200: name RVA 0x9000 outside the image");
}

}  // namespace
}  // namespace downlevel

namespace downlevel {
namespace {

// SizeOfImage 0xFFFFFFFF and a section claiming nearly 4 GiB of address
// space: nothing may be sized by the claim, only by the file.
TEST(Malformed, FourGibSizeOfImage) {
  TestPe pe = testing::one_import();
  auto file = pe.build();
  corrupt32(file, pe.optional_header() + 56, 0xFFFFFFFF);  // SizeOfImage
  corrupt32(file, pe.section_table() + 8, 0xFFFFEFFF);     // VirtualSize
  EXPECT_EQ(read_error(file, imports), "ok");
  // A name inside the section's address range but past its file data.
  corrupt32(file, TestPe::kSectionOffset + 12, 0xFFFFE000);
  EXPECT_NE(read_error(file, imports).find("beyond its 0x400 bytes of file data"), std::string::npos)
      << read_error(file, imports);
}

// A section at the top of the 32-bit address space: RVAs just above zero
// must not wrap into it (found by fuzzing a shortcut for repeated reads).
TEST(Malformed, SectionAtTheTopOfTheAddressSpace) {
  TestPe pe = testing::one_import();
  auto file = pe.build();
  corrupt32(file, pe.section_table() + 8, 0xFFFFFFFF);   // VirtualSize
  corrupt32(file, pe.section_table() + 12, 0xFFFFFFFF);  // VirtualAddress
  MemorySource source(file);
  auto image = pe::PeImage::parse(source);
  ASSERT_TRUE(image) << image.error().to_string();
  auto top = image->bytes_from(0xFFFFFFFF);
  ASSERT_TRUE(top) << top.error().to_string();
  EXPECT_EQ(top->data(), file.data() + TestPe::kSectionOffset);
  auto low = image->bytes_from(0x10);  // in the headers, not 0x11 bytes into the section
  ASSERT_TRUE(low) << low.error().to_string();
  EXPECT_EQ(low->data(), file.data() + 0x10);
}

// 2,000 sections (Windows allows up to 65,535 since Vista): the table fills
// the headers and the import data sits in the first section, found by RVA.
TEST(Malformed, ManySections) {
  constexpr std::uint32_t kSections = 2000;
  TestPe pe = testing::one_import();
  const auto small = pe.build();
  const std::size_t table = pe.section_table();
  const std::size_t data_at = (table + kSections * 40 + 0x1FF) & ~std::size_t{0x1FF};
  std::vector<std::byte> file(data_at + (small.size() - TestPe::kSectionOffset));
  std::copy(small.begin(), small.begin() + static_cast<std::ptrdiff_t>(table + 40), file.begin());
  std::copy(small.begin() + TestPe::kSectionOffset, small.end(), file.begin() + static_cast<std::ptrdiff_t>(data_at));
  store_le<std::uint16_t>(std::span(file), TestPe::kFileHeader + 2, static_cast<std::uint16_t>(kSections));
  store_le<std::uint32_t>(std::span(file), pe.optional_header() + 60, static_cast<std::uint32_t>(data_at));
  store_le<std::uint32_t>(std::span(file), table + 20, static_cast<std::uint32_t>(data_at));
  for (std::uint32_t i = 1; i < kSections; ++i) {  // empty sections above the first
    const std::size_t header = table + i * 40;
    file[header] = std::byte{'.'};
    store_le<std::uint32_t>(std::span(file), header + 8, 0x1000);
    store_le<std::uint32_t>(std::span(file), header + 12, 0x1000 + i * 0x1000);
  }
  store_le<std::uint32_t>(std::span(file), pe.optional_header() + 56, 0x1000 + kSections * 0x1000);
  MemorySource source(file);
  auto image = pe::PeImage::parse(source);
  ASSERT_TRUE(image) << image.error().to_string();
  EXPECT_EQ(image->section_count(), kSections);
  auto modules = pe::read_all_imports(*image);
  ASSERT_TRUE(modules) << modules.error().to_string();
  ASSERT_EQ(modules->size(), 1u);
  EXPECT_EQ((*modules)[0].functions[0].name, "GetTickCount");
  EXPECT_EQ(image->section_index_of(0x1000 + (kSections - 1) * 0x1000 + 5), kSections - 1);
}

}  // namespace
}  // namespace downlevel
