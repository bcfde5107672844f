// Byte sources: the pread source learns the file's size from short reads
// instead of asking for it, so its errors and its reads at the end of a file
// must stay exactly those of the memory and mmap sources.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "downlevel/pe/open.hpp"
#include "downlevel/support/byte_source.hpp"
#include "pe_summary.hpp"

namespace downlevel {
namespace {

namespace fs = std::filesystem;

class TempFile {
 public:
  explicit TempFile(const std::vector<std::byte>& bytes) {
    path_ = (fs::temp_directory_path() / fmt::format("downlevel-bytes-{}-{}", ::getpid(), counter_++)).string();
    std::ofstream(path_, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                 static_cast<std::streamsize>(bytes.size()));
  }
  ~TempFile() { fs::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

std::vector<std::byte> counting_bytes(std::size_t n) {
  std::vector<std::byte> bytes(n);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::byte>(i * 7 + 1);
  return bytes;
}

// What a read gives, as one comparable line.
std::string outcome(const Result<std::span<const std::byte>>& read) {
  if (!read) return "error: " + read.error().to_string();
  std::string line = fmt::format("{} bytes:", read->size());
  for (const std::byte b : *read) line += fmt::format(" {:02x}", std::to_integer<unsigned>(b));
  return line;
}

struct Request {
  std::uint64_t offset;
  std::uint64_t length;
};

// Fresh sources for every request: a pread source that has not yet met the
// end of the file must answer like one that has.
void expect_same_answers(const std::vector<std::byte>& bytes, const std::vector<Request>& requests) {
  const TempFile file(bytes);
  for (const auto& [offset, length] : requests) {
    MemorySource memory(bytes);
    const std::string expected_read = outcome(memory.read(offset, length, "thing"));
    const std::string expected_most = outcome(memory.read_at_most(offset, length, "thing"));
    for (ReadMode mode : {ReadMode::pread, ReadMode::mmap}) {
      auto a = open_file(file.path(), mode);
      auto b = open_file(file.path(), mode);
      ASSERT_TRUE(a && b);
      EXPECT_EQ(outcome((*a)->read(offset, length, "thing")), expected_read)
          << "read " << offset << "+" << length << " mode " << static_cast<int>(mode);
      EXPECT_EQ(outcome((*b)->read_at_most(offset, length, "thing")), expected_most)
          << "read_at_most " << offset << "+" << length << " mode " << static_cast<int>(mode);
      EXPECT_EQ((*a)->size(), bytes.size());
      EXPECT_EQ((*b)->size(), bytes.size());
    }
  }
}

TEST(ByteSource, ReadsAtTheEndOfTheFileAnswerAlikeFromEverySource) {
  const auto bytes = counting_bytes(100);
  expect_same_answers(bytes, {{0, 100}, {0, 101}, {90, 10}, {90, 11}, {97, 50}, {100, 0}, {100, 1},
                              {101, 0}, {150, 4}, {0, 0}, {99, 1}, {4096, 4096}});
}

TEST(ByteSource, ReadAtMostKeepsWhatTheFileHas) {
  const auto bytes = counting_bytes(5000);
  const TempFile file(bytes);
  for (ReadMode mode : {ReadMode::pread, ReadMode::mmap}) {
    auto source = open_file(file.path(), mode);
    ASSERT_TRUE(source);
    auto tail = (*source)->read_at_most(4000, 4096, "tail");
    ASSERT_TRUE(tail);
    ASSERT_EQ(tail->size(), 1000u);
    EXPECT_TRUE(std::equal(tail->begin(), tail->end(), bytes.begin() + 4000));
    auto past = (*source)->read_at_most(6000, 10, "past");
    ASSERT_TRUE(past);
    EXPECT_TRUE(past->empty());
    // A later exact read inside what was fetched is served from it.
    auto inside = (*source)->read(4500, 100, "inside");
    ASSERT_TRUE(inside);
    EXPECT_TRUE(std::equal(inside->begin(), inside->end(), bytes.begin() + 4500));
  }
}

// A header may claim any length; the pread source must not allocate it
// before knowing the file holds it (an allocation of 2^62 bytes throws).
TEST(ByteSource, HugeClaimsCostOnlyWhatTheFileHolds) {
  const auto bytes = counting_bytes(300);
  const TempFile file(bytes);
  constexpr std::uint64_t kClaim = std::uint64_t{1} << 62;
  for (ReadMode mode : {ReadMode::pread, ReadMode::mmap}) {
    auto source = open_file(file.path(), mode);
    ASSERT_TRUE(source);
    auto most = (*source)->read_at_most(10, kClaim, "section data");
    ASSERT_TRUE(most);
    EXPECT_EQ(most->size(), 290u);
    auto exact = (*source)->read(10, kClaim, "section data");
    ASSERT_FALSE(exact);
    EXPECT_NE(exact.error().message.find("file ends at 0x12c"), std::string::npos) << exact.error().to_string();
  }
}

// Images cut at many points parse to the same result, or the same error,
// whichever source reads them.
TEST(ByteSource, TruncatedImagesParseAlikeFromEverySource) {
  auto whole = read_whole_file(std::string(DOWNLEVEL_FIXTURE_DIR) + "/x86_64/importer.exe");
  ASSERT_TRUE(whole) << whole.error().to_string();
  int parsed = 0, failed = 0;
  for (std::size_t cut : {std::size_t{0}, std::size_t{63}, std::size_t{64}, std::size_t{200}, std::size_t{1000},
                          std::size_t{4095}, std::size_t{4096}, whole->size() / 3, whole->size() / 2,
                          whole->size() - 1}) {
    const std::vector<std::byte> bytes(whole->begin(), whole->begin() + static_cast<std::ptrdiff_t>(cut));
    const TempFile file(bytes);
    MemorySource memory(bytes);
    const auto expected = testing::summarize(memory);
    for (ReadMode mode : {ReadMode::pread, ReadMode::mmap}) {
      auto source = open_file(file.path(), mode);
      ASSERT_TRUE(source) << source.error().to_string();
      EXPECT_EQ(testing::summarize(**source), expected) << "cut at " << cut;
    }
    (expected.front().starts_with("error:") ? failed : parsed) += 1;
  }
  // The comparison covered both kinds of outcome.
  EXPECT_GT(parsed, 0);
  EXPECT_GT(failed, 0);
}

TEST(ByteSource, AFolderIsOneClearError) {
  const std::string folder = fs::temp_directory_path().string();
  auto opened = pe::open_image(folder, ReadMode::pread);
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().to_string().find("Is a directory"), std::string::npos) << opened.error().to_string();
  auto mapped = pe::open_image(folder, ReadMode::mmap);
  ASSERT_FALSE(mapped);
  EXPECT_NE(mapped.error().to_string().find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace downlevel
