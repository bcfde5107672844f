// Every input the fuzzers found (tests/data/fuzz/<target>/) replayed through
// the same checks as the fuzz targets, which abort on a broken invariant.
// Under the sanitizer build this is also where a memory error would show.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

extern "C" int fuzz_pe(const std::uint8_t* data, std::size_t size);
extern "C" int fuzz_apiset(const std::uint8_t* data, std::size_t size);
extern "C" int fuzz_snapshot(const std::uint8_t* data, std::size_t size);
extern "C" int fuzz_patch(const std::uint8_t* data, std::size_t size);
extern "C" int fuzz_shim(const std::uint8_t* data, std::size_t size);

namespace {

using Harness = int (*)(const std::uint8_t*, std::size_t);

std::size_t replay(const std::string& target, Harness harness) {
  const std::filesystem::path folder = std::filesystem::path(DOWNLEVEL_SOURCE_DIR) / "tests/data/fuzz" / target;
  std::size_t count = 0;
  if (!std::filesystem::exists(folder)) return 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    harness(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    ++count;
  }
  return count;
}

TEST(FuzzRegressions, Replay) {
  EXPECT_GE(replay("patch", fuzz_patch), 3u);
  EXPECT_GE(replay("pe", fuzz_pe), 1u);
  replay("apiset", fuzz_apiset);
  replay("snapshot", fuzz_snapshot);
  replay("shim", fuzz_shim);
}

}  // namespace
