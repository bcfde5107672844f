// `minver` and the built-in XP target on the spot-check programs of
// tests/fixtures/minver, and on every PE file of Wine's folders.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "downlevel/check/checker.hpp"
#include "downlevel/check/minver.hpp"
#include "downlevel/target/builtin.hpp"
#include "downlevel/target/first_version.hpp"

namespace downlevel {
namespace {

const std::string kMinver = std::string(DOWNLEVEL_FIXTURE_DIR) + "/minver/";

const check::Knowledge& knowledge() {
  static const check::Knowledge loaded = *check::Knowledge::builtin();
  return loaded;
}

std::vector<std::string> names(const std::vector<check::VersionedFunction>& functions, const target::WindowsVersion& at) {
  std::vector<std::string> out;
  for (const auto& f : functions)
    if (f.version == at) out.push_back(f.dll + "!" + f.function);
  return out;
}

TEST(WindowsVersion, ParsesOrdersAndNames) {
  const auto xp = *target::WindowsVersion::parse("5.1");
  const auto sp2 = *target::WindowsVersion::parse("5.1.SP2");
  const auto vista = *target::WindowsVersion::parse("6.0");
  const auto rs1 = *target::WindowsVersion::parse("10.0.14393");
  EXPECT_LT(xp, sp2);
  EXPECT_LT(sp2, vista);
  EXPECT_LT(*target::WindowsVersion::parse("10.0"), rs1);
  EXPECT_EQ(sp2.name(), "Windows XP SP2");
  EXPECT_EQ(rs1.code(), "10.0.14393");
  EXPECT_FALSE(target::WindowsVersion::parse("6"));
  EXPECT_FALSE(target::WindowsVersion::parse("6.0.SPx"));
  for (const auto& row : target::first_versions()) EXPECT_TRUE(target::WindowsVersion::parse(row.first_windows)) << row.function;
}

TEST(Minver, VistaProgram) {
  const auto report = check::minimum_version(kMinver + "vista.exe", knowledge());
  ASSERT_FALSE(report.error) << report.error->to_string();
  ASSERT_TRUE(report.minimum);
  EXPECT_EQ(report.minimum->code(), "6.0");
  EXPECT_EQ(names(report.known, *report.minimum),
            (std::vector<std::string>{"kernel32.dll!GetFinalPathNameByHandleW", "kernel32.dll!GetTickCount64",
                                      "kernel32.dll!InitializeSRWLock", "ws2_32.dll!inet_pton"}));
  const auto xp_level = names(report.known, target::kWindowsXp);
  for (const char* f : {"kernel32.dll!CreateFileW", "kernel32.dll!GetTickCount", "kernel32.dll!GetModuleHandleExW"}) {
    EXPECT_NE(std::find(xp_level.begin(), xp_level.end(), f), xp_level.end()) << f;
  }
  EXPECT_TRUE(report.unknown.empty());
  EXPECT_TRUE(report.runtime_lookups.empty());
}

TEST(Minver, XpAndWindows8Programs) {
  const auto xp = check::minimum_version(kMinver + "xp.exe", knowledge());
  ASSERT_TRUE(xp.minimum);
  EXPECT_EQ(*xp.minimum, target::kWindowsXp);
  const auto win8 = check::minimum_version(kMinver + "win8.exe", knowledge());
  ASSERT_TRUE(win8.minimum);
  EXPECT_EQ(win8.minimum->code(), "6.2");
  EXPECT_EQ(names(win8.known, *win8.minimum), (std::vector<std::string>{"kernel32.dll!GetSystemTimePreciseAsFileTime"}));
}

TEST(Minver, RuntimeLookupIsInformationNotMissing) {
  const auto report = check::minimum_version(kMinver + "runtime_lookup.exe", knowledge());
  ASSERT_TRUE(report.minimum);
  EXPECT_EQ(*report.minimum, target::kWindowsXp);
  ASSERT_EQ(report.runtime_lookups.size(), 1u);
  EXPECT_EQ(report.runtime_lookups[0].function, "GetTickCount64");
  EXPECT_EQ(report.runtime_lookups[0].version.code(), "6.0");

  auto xp = target::load_builtin_target(*target::find_builtin_target("xp"));
  check::Checker checker(*xp);
  const auto checked = checker.check_file(kMinver + "runtime_lookup.exe");
  EXPECT_TRUE(checked.problems.empty());
}

TEST(Minver, CheckAgainstBuiltinXpNamesExactlyTheFour) {
  auto xp = target::load_builtin_target(*target::find_builtin_target("xp"));
  ASSERT_TRUE(xp);
  check::Checker checker(*xp);
  const auto report = checker.check_file(kMinver + "vista.exe");
  ASSERT_FALSE(report.error);
  std::vector<std::string> missing;
  for (const auto& p : report.problems) missing.push_back(target::lower_ascii(p.dll) + "!" + p.function);
  std::sort(missing.begin(), missing.end());
  EXPECT_EQ(missing, (std::vector<std::string>{"kernel32.dll!GetFinalPathNameByHandleW", "kernel32.dll!GetTickCount64",
                                               "kernel32.dll!InitializeSRWLock", "ws2_32.dll!inet_pton"}));
  EXPECT_TRUE(checker.check_file(kMinver + "xp.exe").problems.empty());
}

// Every PE of Wine's folders gets a verdict without error; the distribution
// is printed as a sanity figure.
class WineMinver : public ::testing::TestWithParam<std::string> {};

TEST_P(WineMinver, EveryFileGetsAVerdict) {
  std::map<std::string, std::size_t> verdicts;
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(GetParam())) {
    if (!target::has_pe_signature(entry.path().string())) continue;
    ++files;
    const auto report = check::minimum_version(entry.path().string(), knowledge());
    ASSERT_FALSE(report.error) << entry.path() << ": " << report.error->to_string();
    ++verdicts[report.minimum ? report.minimum->code() + " " + report.minimum->name() : std::string("unknown")];
  }
  EXPECT_GT(files, 600u);
  std::cout << GetParam() << ": " << files << " files\n";
  for (const auto& [verdict, count] : verdicts) std::cout << fmt::format("  {:>5}  {}\n", count, verdict);
}

INSTANTIATE_TEST_SUITE_P(Folders, WineMinver, ::testing::Values(DOWNLEVEL_WINE_X64_DIR, DOWNLEVEL_WINE_I386_DIR));

}  // namespace
}  // namespace downlevel
