// The PE reader on fixtures built by mingw-w64 from tests/fixtures/src:
// exact import and export lists, identical results from every byte source,
// and the old VA form of delay-import descriptors.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "downlevel/pe/exports.hpp"
#include "downlevel/pe/imports.hpp"
#include "pe_summary.hpp"
#include "va_form.hpp"

namespace downlevel {
namespace {

using testing::export_lines;
using testing::import_lines;
using testing::summarize;

std::string fixture(const std::string& arch, const std::string& name) {
  return std::string(DOWNLEVEL_FIXTURE_DIR) + "/" + arch + "/" + name;
}

std::vector<std::byte> load(const std::string& path) {
  auto bytes = read_whole_file(path);
  EXPECT_TRUE(bytes) << (bytes ? "" : bytes.error().to_string());
  return bytes ? *bytes : std::vector<std::byte>{};
}

std::vector<std::string> lines_for(const std::vector<std::string>& all, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& line : all)
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  return out;
}

class Fixture : public ::testing::TestWithParam<std::string> {};

TEST_P(Fixture, ImporterImportsExactly) {
  auto bytes = load(fixture(GetParam(), "importer.exe"));
  MemorySource source(bytes);
  auto image = pe::PeImage::parse(source);
  ASSERT_TRUE(image) << image.error().to_string();
  EXPECT_EQ(image->is_pe32_plus(), GetParam() == "x86_64");
  auto imports = pe::read_all_imports(*image);
  ASSERT_TRUE(imports) << imports.error().to_string();
  const auto lines = import_lines(*imports);

  EXPECT_EQ(lines_for(lines, "fixture_exporter.dll!"),
            (std::vector<std::string>{"fixture_exporter.dll!fixture_add", "fixture_exporter.dll!#7"}));
  EXPECT_EQ(lines_for(lines, "api-ms-win-core-synch-l1-2-0.dll!"),
            (std::vector<std::string>{"api-ms-win-core-synch-l1-2-0.dll!AcquireSRWLockExclusive",
                                      "api-ms-win-core-synch-l1-2-0.dll!InitializeSRWLock",
                                      "api-ms-win-core-synch-l1-2-0.dll!ReleaseSRWLockExclusive"}));
  EXPECT_EQ(lines_for(lines, "delay "),
            (std::vector<std::string>{"delay fixture_delayed.dll!delayed_multiply", "delay fixture_delayed.dll!#2",
                                      "delay USER32.dll!MessageBeep"}));
  EXPECT_NE(std::find(lines.begin(), lines.end(), "KERNEL32.dll!GetTickCount"), lines.end());
  // USER32 is only delay-loaded; SRW functions come only from the API set.
  EXPECT_TRUE(lines_for(lines, "USER32.dll!").empty());
  EXPECT_EQ(std::find(lines.begin(), lines.end(), "KERNEL32.dll!InitializeSRWLock"), lines.end());

  for (const auto& module : *imports) {
    EXPECT_FALSE(module.uses_virtual_addresses) << module.dll;
    EXPECT_FALSE(module.functions.empty()) << module.dll;
  }
}

TEST_P(Fixture, ExporterExportsExactly) {
  auto bytes = load(fixture(GetParam(), "fixture_exporter.dll"));
  MemorySource source(bytes);
  auto image = pe::PeImage::parse(source);
  ASSERT_TRUE(image) << image.error().to_string();
  EXPECT_TRUE(image->is_dll());
  auto table = pe::read_exports(*image);
  ASSERT_TRUE(table) << table.error().to_string();
  ASSERT_TRUE(table->has_value());
  EXPECT_EQ((*table)->dll_name, "fixture_exporter.dll");
  EXPECT_EQ((*table)->ordinal_base, 1u);
  EXPECT_EQ((*table)->function_count, 9u);
  EXPECT_EQ((*table)->name_count, 4u);
  auto lines = export_lines(*table);
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "1 fixture_add",
                       "3 fixture_data",
                       "4 FixtureHeapAlloc -> kernel32.HeapAlloc",
                       "5 FixtureApiSetAlloc -> api-ms-win-core-heap-l1-1-0.HeapAlloc",
                       "7 (no name)",
                       "9 (no name) -> ntdll.RtlAllocateHeap",
                   }));
}

TEST_P(Fixture, DelayedDllExportsNamedAndOrdinalOnly) {
  auto bytes = load(fixture(GetParam(), "fixture_delayed.dll"));
  MemorySource source(bytes);
  auto image = pe::PeImage::parse(source);
  ASSERT_TRUE(image);
  auto table = pe::read_exports(*image);
  ASSERT_TRUE(table && table->has_value());
  EXPECT_EQ(export_lines(*table), (std::vector<std::string>{"1 delayed_multiply", "2 (no name)"}));
}

TEST_P(Fixture, EveryByteSourceGivesTheSameResult) {
  for (const char* name : {"importer.exe", "fixture_exporter.dll", "fixture_delayed.dll"}) {
    const std::string path = fixture(GetParam(), name);
    auto bytes = load(path);
    MemorySource memory(bytes);
    const auto expected = summarize(memory);
    ASSERT_GT(expected.size(), 1u) << expected.front();
    for (ReadMode mode : {ReadMode::pread, ReadMode::mmap}) {
      auto source = open_file(path, mode);
      ASSERT_TRUE(source) << source.error().to_string();
      EXPECT_EQ(summarize(**source), expected) << name;
      // pread brings in only what the walkers needed, never the whole file
      // twice over; mmap hands out views of what was asked for.
      EXPECT_LE((*source)->bytes_fetched(), (*source)->size()) << name;
    }
  }
}

// Counts the read requests that reach the bytes.
class CountingSource final : public ByteSource {
 public:
  explicit CountingSource(std::span<const std::byte> bytes) : inner_(bytes) {}
  std::uint64_t size() const noexcept override { return inner_.size(); }
  Result<std::span<const std::byte>> read(std::uint64_t offset, std::uint64_t length, const char* what) override {
    ++reads;
    return inner_.read(offset, length, what);
  }
  std::uint64_t bytes_fetched() const noexcept override { return inner_.bytes_fetched(); }
  int reads = 0;

 private:
  MemorySource inner_;
};

struct Walked {
  std::vector<std::string> lines;
  int reads = 0;
};

Walked walk(std::span<const std::byte> bytes, bool prefetch) {
  CountingSource source(bytes);
  auto image = pe::PeImage::parse(source);
  if (!image) return {{image.error().to_string()}, 0};
  if (prefetch) {
    const pe::Directory walked[] = {pe::Directory::exports, pe::Directory::imports, pe::Directory::delay_imports};
    image->prefetch(walked);
  }
  Walked result;
  auto imports = pe::read_all_imports(*image);
  auto exports = pe::read_exports(*image);
  if (!imports || !exports) return {{"walk failed"}, 0};
  result.lines = import_lines(*imports);
  if (exports->has_value()) {
    for (auto& line : export_lines(*exports)) result.lines.push_back(std::move(line));
  }
  result.reads = source.reads;
  return result;
}

TEST_P(Fixture, PrefetchReadsNeighbouringSectionsOnceWithTheSameResult) {
  auto bytes = load(fixture(GetParam(), "fixture_exporter.dll"));
  MemorySource source(bytes);
  auto image = pe::PeImage::parse(source);
  ASSERT_TRUE(image);
  const int edata = image->section_index_of(image->directory(pe::Directory::exports).rva);
  const int idata = image->section_index_of(image->directory(pe::Directory::imports).rva);
  ASSERT_TRUE(edata >= 0 && idata >= 0 && edata != idata) << "the fixture should have .edata and .idata";
  const auto first = image->section(std::min(edata, idata)), second = image->section(std::max(edata, idata));
  ASSERT_LE(second.pointer_to_raw_data(), first.pointer_to_raw_data() + first.size_of_raw_data() + 4096)
      << "the fixture's .edata and .idata should be neighbours";

  const Walked plain = walk(bytes, false), prefetched = walk(bytes, true);
  ASSERT_GT(plain.lines.size(), 3u) << plain.lines.front();
  EXPECT_EQ(prefetched.lines, plain.lines);
  EXPECT_EQ(prefetched.reads, plain.reads - 1);
}

TEST(DelayImports, VirtualAddressFormReadsLikeRvaForm) {
  auto original = load(fixture("i686", "importer.exe"));
  auto rewritten = testing::with_va_form_delay_descriptors(original);
  ASSERT_NE(original, rewritten);
  MemorySource rva_source(original), va_source(rewritten);
  EXPECT_EQ(summarize(va_source), summarize(rva_source));

  auto image = pe::PeImage::parse(va_source);
  ASSERT_TRUE(image);
  auto delayed = pe::read_delay_imports(*image);
  ASSERT_TRUE(delayed) << delayed.error().to_string();
  ASSERT_EQ(delayed->size(), 2u);
  for (const auto& module : *delayed) EXPECT_TRUE(module.uses_virtual_addresses) << module.dll;
}

INSTANTIATE_TEST_SUITE_P(Arch, Fixture, ::testing::Values("i686", "x86_64"));

TEST(Forwarders, SplitAtTheLastDot) {
  auto named = pe::parse_forwarder("api-ms-win-core-heap-l1-1-0.HeapAlloc");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->module, "api-ms-win-core-heap-l1-1-0");
  EXPECT_EQ(named->name, "HeapAlloc");
  EXPECT_FALSE(named->ordinal);

  auto by_ordinal = pe::parse_forwarder("MSVCRT.#12");
  ASSERT_TRUE(by_ordinal);
  EXPECT_EQ(by_ordinal->module, "MSVCRT");
  EXPECT_EQ(by_ordinal->ordinal, 12);

  auto dotted = pe::parse_forwarder("kernel.appcore.AppPolicyGetThreadInitializationType");
  ASSERT_TRUE(dotted);
  EXPECT_EQ(dotted->module, "kernel.appcore");

  for (const char* bad : {"", "NoDot", ".Name", "Module.", "M.#", "M.#70000", "M.#12x"}) {
    EXPECT_FALSE(pe::parse_forwarder(bad)) << bad;
  }
}

}  // namespace
}  // namespace downlevel
