// The patcher's paths that real fixtures do not reach: signatures, the VA
// form of delay descriptors, no room for new names, atomic writes.
#include <gtest/gtest.h>

#include <fstream>

#include "downlevel/patch/patch.hpp"
#include "downlevel/pe/checksum.hpp"
#include "downlevel/pe/imports.hpp"
#include "downlevel/support/file_output.hpp"
#include "test_pe.hpp"
#include "va_form.hpp"

namespace downlevel {
namespace {

using testing::one_import;
using testing::TestPe;

std::vector<std::string> dll_names(const std::vector<std::byte>& bytes) {
  MemorySource source(bytes);
  auto image = pe::PeImage::parse(source);
  EXPECT_TRUE(image);
  auto imports = pe::read_all_imports(*image);
  EXPECT_TRUE(imports) << imports.error().to_string();
  std::vector<std::string> names;
  for (const auto& m : *imports) names.emplace_back(m.dll);
  return names;
}

TEST(Patch, RenameInPlaceUsesOnlyThePadding) {
  const auto input = one_import().build();
  patch::Request request;
  request.renames = {{"A.DLL", "bb.dll"}};  // one byte longer: fits the zero padding
  auto patched = patch::apply(input, request);
  ASSERT_TRUE(patched) << patched.error().to_string();
  EXPECT_EQ(dll_names(patched->bytes), (std::vector<std::string>{"bb.dll"}));
  EXPECT_EQ(patched->bytes.size(), input.size());
  EXPECT_EQ(patched->changes.front().field, "import name at 0x300 (in place)");
}

TEST(Patch, LongerNameGoesToANewSection) {
  const auto input = one_import().build();
  patch::Request request;
  request.renames = {{"a.dll", "a-much-longer-name-than-before.dll"}};
  auto patched = patch::apply(input, request);
  ASSERT_TRUE(patched) << patched.error().to_string();
  EXPECT_EQ(dll_names(patched->bytes), (std::vector<std::string>{"a-much-longer-name-than-before.dll"}));
  MemorySource source(patched->bytes);
  auto image = pe::PeImage::parse(source);
  ASSERT_EQ(image->section_count(), 2);
  EXPECT_EQ(image->section(1).name(), ".dlname");
  EXPECT_EQ(image->section(1).virtual_address() % image->section_alignment(), 0u);
  EXPECT_EQ(image->checksum(), pe::compute_checksum(patched->bytes, image->checksum_offset()));
}

TEST(Patch, NoRoomAnywhereIsAClearError) {
  auto input = one_import().build();
  TestPe layout;
  // The header area after the section table is in use, and data that is not
  // a symbol table follows the last section.
  for (std::size_t at = layout.section_table() + 40; at < TestPe::kSectionOffset; ++at) input[at] = std::byte{0xCC};
  input.insert(input.end(), 64, std::byte{0xEE});
  const auto before = input;
  patch::Request request;
  request.renames = {{"a.dll", "a-much-longer-name-than-before.dll"}};
  auto patched = patch::apply(input, request);
  ASSERT_FALSE(patched);
  EXPECT_EQ(patched.error().to_string(),
            "section table at offset 0x160: no room for another section header, and data other than a COFF symbol "
            "table follows the last section (an overlay); use a new name no longer than the old one");
  EXPECT_EQ(input, before);
}

TEST(Patch, SignedFilesAreRefusedUnlessStripped) {
  auto input = one_import().build();
  const auto certificate_at = static_cast<std::uint32_t>(input.size());
  input.insert(input.end(), 0x80, std::byte{0x30});
  TestPe layout;
  const std::size_t entry = layout.optional_header() + 96 + 8 * 4;
  store_le<std::uint32_t>(std::span(input), entry, certificate_at);
  store_le<std::uint32_t>(std::span(input), entry + 4, 0x80);

  patch::Request request;
  request.os_version = patch::Version{5, 0};
  auto refused = patch::apply(input, request);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().to_string().find("Authenticode-signed"), std::string::npos);

  request.strip_signature = true;
  auto stripped = patch::apply(input, request);
  ASSERT_TRUE(stripped) << stripped.error().to_string();
  EXPECT_EQ(stripped->bytes.size(), certificate_at);
  EXPECT_EQ(le32(stripped->bytes, entry), 0u);
}

TEST(Patch, DelayDescriptorsOfTheVaFormGetVas) {
  auto bytes = read_whole_file(std::string(DOWNLEVEL_FIXTURE_DIR) + "/i686/importer.exe");
  ASSERT_TRUE(bytes);
  const auto va_form = testing::with_va_form_delay_descriptors(*bytes);
  patch::Request request;
  request.renames = {{"fixture_delayed.dll", "fixture_delayed_renamed_v2.dll"}};
  auto patched = patch::apply(va_form, request);
  ASSERT_TRUE(patched) << patched.error().to_string();
  MemorySource source(patched->bytes);
  auto image = pe::PeImage::parse(source);
  auto delayed = pe::read_delay_imports(*image);
  ASSERT_TRUE(delayed) << delayed.error().to_string();
  EXPECT_EQ((*delayed)[0].dll, "fixture_delayed_renamed_v2.dll");
  EXPECT_TRUE((*delayed)[0].uses_virtual_addresses);
}

TEST(Patch, NamesAndVersions) {
  EXPECT_TRUE(patch::validate_dll_name("msvcrt.dll"));
  EXPECT_TRUE(patch::validate_dll_name("api-ms-win-core-synch-l1-2-0.dll"));
  for (const char* bad : {"", "a\\b.dll", "../x.dll", "q\"uote.dll", "new\nline.dll", "sp ace.dll", "\xc3\xa9.dll"}) {
    EXPECT_FALSE(patch::validate_dll_name(bad)) << bad;
  }
  EXPECT_FALSE(patch::validate_dll_name(std::string(256, 'a')));
  ASSERT_TRUE(patch::parse_version("10.0"));
  EXPECT_EQ(patch::parse_version("6.1")->minor, 1);
  for (const char* bad : {"", "5", "5.", ".1", "5.x", "70000.0", "-1.0"}) EXPECT_FALSE(patch::parse_version(bad)) << bad;
}

TEST(Patch, AtomicWriteFailsCleanly) {
  const std::byte data[4] = {};
  auto status = write_file_atomically("/nonexistent-folder/out.exe", data);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().to_string().find("cannot create a temporary file beside"), std::string::npos);
}

}  // namespace
}  // namespace downlevel
