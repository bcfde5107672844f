// The shim plan and its rendering: provisions decided by the target and the
// runtime, ordinals kept, hostile names rejected and never written.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "downlevel/shim/plan.hpp"
#include "downlevel/shim/render.hpp"
#include "downlevel/shim/runtime.hpp"

namespace downlevel::shim {
namespace {

using target::Export;
using target::ExportSet;

const Runtime& runtime() {
  static const Runtime builtin = *Runtime::builtin();
  return builtin;
}

ExportSet old_kernel32() {
  return ExportSet("kernel32.dll", 0x14C, false,
                   std::vector<Export>{{1, "GetTickCount", ""}, {2, "CloseHandle", ""}, {3, "", ""}});
}

TEST(ShimRuntime, CatalogueNamesEveryRequiredFunction) {
  for (const char* name : {"GetTickCount64", "GetFinalPathNameByHandleW", "GetFinalPathNameByHandleA",
                           "InitializeProcThreadAttributeList", "UpdateProcThreadAttribute",
                           "DeleteProcThreadAttributeList", "InitializeSRWLock", "AcquireSRWLockExclusive",
                           "AcquireSRWLockShared", "ReleaseSRWLockExclusive", "ReleaseSRWLockShared",
                           "TryAcquireSRWLockExclusive", "TryAcquireSRWLockShared", "InitializeConditionVariable",
                           "SleepConditionVariableCS", "SleepConditionVariableSRW", "WakeConditionVariable",
                           "WakeAllConditionVariable", "InitOnceExecuteOnce"}) {
    const RuntimeFunction* f = runtime().find("KERNEL32", name);
    ASSERT_NE(f, nullptr) << name;
    for (const auto& source : f->sources) EXPECT_NE(runtime().file(source), nullptr) << source;
    // The implementation symbol is defined in its first source file.
    EXPECT_NE(runtime().file(f->sources.front())->text.find(f->implementation + "("), std::string_view::npos) << name;
  }
  EXPECT_NE(runtime().find("ws2_32.dll", "inet_pton"), nullptr);
  EXPECT_NE(runtime().find("ws2_32.dll", "inet_ntop"), nullptr);
  EXPECT_EQ(runtime().find("kernel32.dll", "inet_pton"), nullptr);
}

TEST(ShimRuntime, BrokenCatalogueIsAnError) {
  const RuntimeFile files[] = {{"catalogue.csv", "dll,function,implementation,sources\nkernel32.dll,F,dl_F,missing.c\n"},
                               {"downlevel_runtime.h", ""},
                               {"shim_entry.c", ""}};
  auto broken = Runtime::from_files(files);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().to_string().find("missing.c"), std::string::npos);
}

TEST(ShimPlan, ForwardsWhatTheTargetHasAndImplementsTheRest) {
  const ExportSet target = old_kernel32();
  const std::vector<WantedExport> wanted{{"GetTickCount", 10}, {"GetTickCount64", 11}, {"CreateFile2", 12}, {"", 3}};
  auto plan = plan_shim("KERNEL32.dll", "xernel32", wanted, &target, runtime());
  ASSERT_TRUE(plan) << plan.error().to_string();
  EXPECT_EQ(plan->file_name, "xernel32.dll");
  EXPECT_EQ(plan->names_with(Provision::forwarded), (std::vector<std::string>{"GetTickCount", "#3"}));
  EXPECT_EQ(plan->names_with(Provision::implemented), std::vector<std::string>{"GetTickCount64"});
  EXPECT_EQ(plan->names_with(Provision::unprovided), std::vector<std::string>{"CreateFile2"});
  EXPECT_EQ(plan->sources, (std::vector<std::string>{"downlevel_runtime.h", "shim_entry.c", "tick_count.c"}));

  const std::string def = render_def(*plan);
  EXPECT_NE(def.find("LIBRARY \"xernel32.dll\""), std::string::npos);
  EXPECT_NE(def.find("\"GetTickCount\" = \"kernel32.GetTickCount\" @10\n"), std::string::npos) << def;
  EXPECT_NE(def.find("\"GetTickCount64\" = \"dl_GetTickCount64\" @11\n"), std::string::npos) << def;
  EXPECT_NE(def.find("\"ordinal3\" = \"kernel32.#3\" @3 NONAME\n"), std::string::npos) << def;
  EXPECT_NE(def.find("; not in the target, no runtime implementation: forwarded anyway\n  \"CreateFile2\""),
            std::string::npos) << def;
  const std::string msvc = render_msvc_directives(*plan);
  EXPECT_NE(msvc.find("#pragma comment(linker, \"/export:GetTickCount=kernel32.GetTickCount,@10\")  // in target"),
            std::string::npos) << msvc;
  EXPECT_NE(msvc.find("/export:ordinal3=kernel32.#3,@3,NONAME"), std::string::npos);
  EXPECT_NE(msvc.find("// implemented: runtime/tick_count.c"), std::string::npos);
}

TEST(ShimPlan, MangledNamesForwardUnchanged) {
  const std::vector<WantedExport> wanted{{"??0Foo@@QAE@XZ", 1}, {"_Name@8", 2}, {"?bar@@YAHH@Z", 3}};
  auto plan = plan_shim("msvcp.dll", "xsvcp.dll", wanted, nullptr, runtime());
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->rejected.empty());
  const std::string def = render_def(*plan);
  EXPECT_NE(def.find("\"??0Foo@@QAE@XZ\" = \"msvcp.??0Foo@@QAE@XZ\" @1"), std::string::npos) << def;
  EXPECT_NE(def.find("\"_Name@8\" = \"msvcp._Name@8\" @2"), std::string::npos) << def;
}

TEST(ShimPlan, HostileNamesAreRejectedNeverWritten) {
  const std::vector<std::string> hostile{
      "a\"b", "line\nbreak", "tab\tname", "semi;colon", "com,ma", "eq=ual", "back\\slash", "dot.name",
      "#12", std::string("nul\0byte", 8), "quote'", "space name", "dir/name", "c:name", "\x7f", "caf\xc3\xa9", std::string(2000, 'A')};
  std::vector<WantedExport> wanted{{"GetTickCount", 1}};
  for (const auto& name : hostile) wanted.push_back({name, target::kUnknownOrdinal});
  const ExportSet target = old_kernel32();
  auto plan = plan_shim("kernel32.dll", "xernel32.dll", wanted, &target, runtime());
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->rejected.size(), hostile.size());
  EXPECT_EQ(plan->exports.size(), 1u);
  // The manifest lists them, escaped, as JSON strings; the linker inputs never see them.
  const std::string written = render_def(*plan) + render_msvc_directives(*plan);
  for (const auto& name : hostile) {
    if (name.size() < 1000) EXPECT_EQ(written.find(name), std::string::npos) << name;
    EXPECT_FALSE(unsafe_export_name_reason(name).empty()) << name;
  }
  // The printable form escapes what it cannot show.
  EXPECT_EQ(plan->rejected[1].name, "line\\x0abreak");
  EXPECT_NE(plan->rejected[0].reason.find("quoting"), std::string::npos);
}

TEST(ShimPlan, UnsafeShimOrOriginalNamesAreErrors) {
  const std::vector<WantedExport> none;
  EXPECT_FALSE(plan_shim("kernel32.dll", "kernel32.dll", none, nullptr, runtime()));
  EXPECT_FALSE(plan_shim("kernel32.dll", "../evil.dll", none, nullptr, runtime()));
  EXPECT_FALSE(plan_shim("kernel32.dll", "a\"b.dll", none, nullptr, runtime()));
  EXPECT_FALSE(plan_shim("ker.nel32.dll", "x.dll", none, nullptr, runtime()));
}

TEST(ShimPlan, DefaultNameKeepsTheLength) {
  EXPECT_EQ(default_shim_name("KERNEL32.dll"), "xernel32.dll");
  EXPECT_EQ(default_shim_name("ws2_32"), "xs2_32.dll");
  EXPECT_EQ(default_shim_name("xinput1_3.dll"), "yinput1_3.dll");
}

}  // namespace
}  // namespace downlevel::shim
