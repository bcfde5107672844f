// `port`: an application made to run on an older Windows, in a copy.
//
// The copy is checked against the target; for each target DLL whose missing
// functions the runtime implements, a shim is generated and built beside the
// program; the importers are renamed to the shims (normal and delay-load
// imports), version fields lowered to what the target's loader accepts, and
// the copy checked again. The application folder itself is only read.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "downlevel/check/report.hpp"
#include "downlevel/patch/patch.hpp"
#include "downlevel/shim/runtime.hpp"
#include "downlevel/support/result.hpp"
#include "downlevel/target/target.hpp"

namespace downlevel::shim {

struct PortRequest {
  std::string app_folder;
  std::string output_folder;  // must not exist, or be empty
  // OS and subsystem version to lower the fields to; default 5.1 for PE32,
  // 5.2 for PE32+ (the first Windows of each, XP and XP x64).
  std::optional<patch::Version> os_version;
  std::string compiler_x86, compiler_x64;  // empty: the mingw-w64 defaults
};

struct PortedShim {
  std::string original;  // "kernel32.dll"
  std::string shim;      // "xernel32.dll"
  std::string folder;    // its generated sources
  std::vector<std::string> implemented;  // the missing functions it implements
};

struct PortedFile {
  std::string path;
  std::vector<patch::Change> changes;
};

struct PortReport {
  check::Report before;
  check::Report after;
  std::vector<PortedShim> shims;
  std::vector<PortedFile> patched;
  // Redistributable DLLs the target lacks (the Universal CRT, the VC++
  // runtime): ship them beside the program.
  std::vector<std::string> ship_beside;
  // What is still missing after the port, the redistributables aside.
  std::vector<check::Problem> remaining;

  // 0 nothing missing, 1 something remains, 2 an unusable file.
  int exit_code() const { return after.totals.unusable_files ? 2 : remaining.empty() ? 0 : 1; }
};

// True for ucrtbase.dll, api-ms-win-crt-*.dll, vcruntime140*.dll, msvcp140*.dll, ...
bool is_redistributable(std::string_view dll);

Result<PortReport> port(const PortRequest& request, const target::Target& target, const Runtime& runtime);

}  // namespace downlevel::shim
