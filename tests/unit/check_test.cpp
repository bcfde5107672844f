// `check` on the synthetic old system (tests/fixtures/check): exact missing
// lists against a target without a schema, with Wine's real schema, and with
// a schema that has an importer exception; snapshots equal to folders; the
// architecture mismatch; unusable targets.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "downlevel/check/checker.hpp"
#include "downlevel/target/builtin.hpp"
#include "downlevel/target/snapshot.hpp"

namespace downlevel {
namespace {

const std::string kCheck = std::string(DOWNLEVEL_FIXTURE_DIR) + "/check";

target::Target load(const std::string& folder) {
  auto target = target::load_target_folder(kCheck + "/" + folder);
  EXPECT_TRUE(target) << (target ? "" : target.error().to_string());
  return target ? std::move(*target) : target::Target{};
}

// "error|importer|dll!function->host|kind" lines, sorted.
std::vector<std::string> sorted(std::vector<std::string> lines) {
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::vector<std::string> problems(const check::FileReport& report) {
  std::vector<std::string> lines;
  for (const auto& p : report.problems) {
    lines.push_back(fmt::format("{}|{}|{}{}{}|{}", p.kind == check::ProblemKind::unknown_function ? "unknown" : p.delay ? "warning" : "error",
                                p.importer, p.dll, p.function.empty() ? "" : "!" + p.function,
                                p.host.empty() || p.host == p.dll ? "" : "->" + p.host, check::problem_kind_name(p.kind)));
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

check::FileReport check_app(const target::Target& target, const std::string& app = "app/app.exe") {
  check::Checker checker(target);
  auto report = checker.check_file(kCheck + "/" + app);
  EXPECT_FALSE(report.error) << report.error->to_string();
  return report;
}

TEST(Check, OldSystemWithoutSchema) {
  const auto report = check_app(load("old-system"));
  EXPECT_EQ(problems(report), sorted({
                                  "error|app.exe|api-ms-win-core-synch-l1-2-0.dll|missing DLL",
                                  "error|app.exe|api-ms-win-crt-runtime-l1-1-0.dll!_crt_new_thing|missing function",
                                  "error|app.exe|api-ms-win-deprecated-apis-legacy-l1-1-0.dll|missing DLL",
                                  "error|app.exe|helper.dll!helper_missing|missing function",
                                  "error|app.exe|kernel32.dll!CycleA|missing function",
                                  "error|app.exe|kernel32.dll!GetTickCount64|missing function",
                                  "error|app.exe|kernel32.dll!InitializeSRWLock|missing function",
                                  "error|app.exe|ws2_32.dll!#500|missing function",
                                  "error|app.exe|ws2_32.dll!inet_pton|missing function",
                                  "error|helper.dll|api-ms-win-core-synch-l1-2-0.dll|missing DLL",
                                  "error|helper.dll|kernel32.dll!GetTickCount64|missing function",
                                  "warning|app.exe|user32.dll!SetProcessDpiAwarenessContext|missing function",
                              }));
  auto reason_of = [&](const std::string& function) {
    for (const auto& p : report.problems)
      if (p.function == function) return p.reason;
    return std::string("(none)");
  };
  EXPECT_EQ(reason_of("InitializeSRWLock"),
            "kernel32.dll!InitializeSRWLock -> ntdll.RtlInitializeSRWLock: RtlInitializeSRWLock not exported by ntdll.dll");
  EXPECT_EQ(reason_of("CycleA"), "kernel32.dll!CycleA -> kernelbase.CycleB -> kernel32.CycleA: forwarder cycle");
  EXPECT_EQ(reason_of("_crt_new_thing"),
            "api-ms-win-crt-runtime-l1-1-0.dll!_crt_new_thing -> ucrtbase._crt_new_thing: _crt_new_thing not exported by "
            "ucrtbase.dll");
  // app.exe: 6 from kernel32, 3 from ws2_32, 2 each from user32, helper.dll
  // and the CRT forwarder; helper.dll: 1 from kernel32. DLLs that are not
  // found have no functions to check.
  EXPECT_EQ(report.functions_checked, 16u);

  std::vector<std::string> closure;
  for (const auto& c : report.closure) closure.push_back(fmt::format("{}:{}{}", c.dll, check::origin_name(c.origin), c.delay ? "*" : ""));
  std::sort(closure.begin(), closure.end());
  EXPECT_EQ(closure, (std::vector<std::string>{
                         "api-ms-win-core-synch-l1-2-0.dll:nowhere",
                         "api-ms-win-crt-runtime-l1-1-0.dll:application folder",
                         "api-ms-win-deprecated-apis-legacy-l1-1-0.dll:nowhere",
                         "helper.dll:application folder",
                         "kernel32.dll:target",
                         "kernelbase.dll:target",
                         "ntdll.dll:target",
                         "ucrtbase.dll:application folder",
                         "user32.dll:target*",
                         "ws2_32.dll:target",
                     }));
}

TEST(Check, WineSchemaResolvesApiSetsAndReportsUnhostedSets) {
  const auto report = check_app(load("modern-system"));
  EXPECT_EQ(problems(report), sorted({
                                  // Wine's schema sends the CRT set to ucrtbase.dll, found in the app folder.
                                  "error|app.exe|api-ms-win-crt-runtime-l1-1-0.dll!_crt_new_thing->ucrtbase.dll|missing function",
                                  "error|app.exe|api-ms-win-deprecated-apis-legacy-l1-1-0.dll|API set not hosted",
                                  "error|app.exe|api-ms-win-core-synch-l1-2-0.dll!SleepConditionVariableSRW->kernelbase.dll|missing function",
                                  "error|app.exe|helper.dll!helper_missing|missing function",
                                  "error|app.exe|kernel32.dll!CycleA|missing function",
                                  "error|app.exe|kernel32.dll!GetTickCount64|missing function",
                                  "error|app.exe|kernel32.dll!InitializeSRWLock|missing function",
                                  "error|app.exe|ws2_32.dll!#500|missing function",
                                  "error|app.exe|ws2_32.dll!inet_pton|missing function",
                                  "error|helper.dll|api-ms-win-core-synch-l1-2-0.dll!SleepConditionVariableSRW->kernelbase.dll|missing function",
                                  "error|helper.dll|kernel32.dll!GetTickCount64|missing function",
                                  "warning|app.exe|user32.dll!SetProcessDpiAwarenessContext|missing function",
                              }));
}

TEST(Check, ImporterExceptionChoosesTheHost) {
  // The schema sends the synch set to kernel32.dll, except for helper.dll,
  // which gets kernelbase.dll.
  const auto report = check_app(load("exception-system"));
  const auto lines = problems(report);
  EXPECT_NE(std::find(lines.begin(), lines.end(),
                      "error|app.exe|api-ms-win-core-synch-l1-2-0.dll!SleepConditionVariableSRW->kernel32.dll|missing function"),
            lines.end());
  EXPECT_NE(std::find(lines.begin(), lines.end(),
                      "error|helper.dll|api-ms-win-core-synch-l1-2-0.dll!SleepConditionVariableSRW->kernelbase.dll|missing function"),
            lines.end());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "error|app.exe|api-ms-win-deprecated-apis-legacy-l1-1-0.dll|API set not hosted"),
            lines.end());
}

TEST(Check, SnapshotGivesTheSameReportAsTheFolder) {
  for (const char* folder : {"old-system", "modern-system", "exception-system"}) {
    const auto from_folder = load(folder);
    auto bytes = target::write_snapshot(from_folder);
    ASSERT_TRUE(bytes) << bytes.error().to_string();
    auto from_snapshot = target::read_snapshot(*bytes);
    ASSERT_TRUE(from_snapshot) << from_snapshot.error().to_string();
    EXPECT_EQ(from_snapshot->schema.has_value(), from_folder.schema.has_value());
    const auto a = check_app(from_folder);
    const auto b = check_app(*from_snapshot);
    EXPECT_EQ(problems(a), problems(b)) << folder;
    EXPECT_EQ(a.functions_checked, b.functions_checked) << folder;
  }
}

TEST(Check, ArchitectureMismatchIsReportedNotMixed) {
  const auto report = check_app(load("old-system"), "app32/app.exe");
  EXPECT_FALSE(report.pe32_plus);
  std::size_t mismatches = 0;
  for (const auto& p : report.problems) {
    if (p.kind == check::ProblemKind::architecture_mismatch) {
      ++mismatches;
      EXPECT_EQ(p.reason, "the target's copy is PE32+, the program is PE32") << p.dll;
    }
    EXPECT_NE(p.kind, check::ProblemKind::missing_function) << "no function is checked against the wrong architecture";
  }
  EXPECT_EQ(mismatches, 3u);  // kernel32, ws2_32, user32 (delay)
}

TEST(Check, BuiltinXpTarget) {
  const auto* xp = target::find_builtin_target("xp");
  ASSERT_NE(xp, nullptr);
  auto target = target::load_builtin_target(*xp);
  ASSERT_TRUE(target) << target.error().to_string();
  EXPECT_EQ(target->dlls().size(), 28u);
  EXPECT_FALSE(target->schema);
  const auto* kernel32 = target->find("KERNEL32");
  ASSERT_NE(kernel32, nullptr);
  EXPECT_NE(kernel32->find("CreateFileW"), nullptr);
  EXPECT_EQ(kernel32->find("GetTickCount64"), nullptr);
  EXPECT_FALSE(kernel32->ordinals_complete());
  const auto* ws2 = target->find("ws2_32.dll");
  ASSERT_NE(ws2, nullptr);
  ASSERT_NE(ws2->find(std::uint32_t{23}), nullptr);
  EXPECT_EQ(ws2->find(std::uint32_t{23})->name, "socket");
}

TEST(Check, UnusableInputs) {
  namespace fs = std::filesystem;
  const fs::path tmp = fs::temp_directory_path() / fmt::format("downlevel-check-{}", ::getpid());
  fs::create_directories(tmp / "empty-target");
  std::ofstream(tmp / "empty-target" / "readme.txt") << "no DLLs here";
  auto empty = target::load_target_folder((tmp / "empty-target").string());
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().to_string().find("the target folder holds no readable DLL"), std::string::npos);

  auto corrupt = target::read_snapshot(std::as_bytes(std::span("DLSNAP01\x01\0\0\0\xff\xff\xff\xff", 16)));
  ASSERT_FALSE(corrupt);
  EXPECT_EQ(corrupt.error().to_string(), "target snapshot at offset 0xc: description: length 4294967295 exceeds the limit of 65536");

  // A truncated snapshot of a real target fails at every cut, never crashes.
  auto bytes = target::write_snapshot(load("modern-system"));
  ASSERT_TRUE(bytes);
  for (std::size_t cut = 0; cut < bytes->size(); cut += 97) {
    EXPECT_FALSE(target::read_snapshot(std::span(*bytes).first(cut))) << cut;
  }

  // A broken file among the app's files is one unusable report; the rest are checked.
  std::ofstream(tmp / "broken.exe") << "MZ this is not a program" << std::string(100, ' ');
  const auto target = load("old-system");
  check::Checker checker(target);
  auto broken = checker.check_file((tmp / "broken.exe").string());
  ASSERT_TRUE(broken.error);
  EXPECT_NE(broken.error->to_string().find("e_lfanew"), std::string::npos);
  EXPECT_FALSE(checker.check_file(kCheck + "/app/app.exe").error);
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace downlevel
