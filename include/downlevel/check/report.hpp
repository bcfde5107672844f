// What `check` found: per application file, each missing DLL and function
// with the module that imports it and the host it resolved to; the DLL
// closure; and a summary per host DLL. Text and JSON both render this.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "downlevel/support/result.hpp"

namespace downlevel::check {

enum class ProblemKind {
  missing_dll,            // no such DLL in the app folder or the target
  unhosted_api_set,       // the target's schema has the set, with no host
  architecture_mismatch,  // a PE32 program would load a PE32+ DLL, or the reverse
  unreadable_dll,         // the app folder's DLL exists but cannot be parsed
  missing_function,       // the DLL lacks the name or ordinal (or a forwarder ends nowhere)
  unknown_function,       // the target's data cannot tell (built-in target without that ordinal)
};
const char* problem_kind_name(ProblemKind kind);
bool is_missing(ProblemKind kind);  // everything but unknown_function

struct Problem {
  ProblemKind kind = ProblemKind::missing_function;
  bool delay = false;    // reached through a delay-load import: fails at first call, not at start
  std::string importer;  // file name of the module whose import table (or forwarder) needs it
  std::string dll;       // the DLL name as imported
  std::string host;      // the DLL it resolved to; empty when none
  std::string function;  // "GetTickCount64" or "#12"; empty for DLL-level problems
  std::string reason;
};

enum class Origin { app_folder, target, nowhere };
const char* origin_name(Origin origin);

struct ClosureEntry {
  std::string dll;    // file name as loaded (host for API sets)
  Origin origin = Origin::nowhere;
  bool delay = false;  // only reached through delay-load imports
};

struct FileReport {
  std::string path;
  std::optional<Error> error;  // unusable input: nothing else is valid
  bool pe32_plus = false;
  std::uint16_t machine = 0;
  std::size_t functions_checked = 0;
  std::vector<Problem> problems;
  std::vector<ClosureEntry> closure;
};

struct HostSummary {
  std::string host;  // the resolved host, or the imported name when nothing resolved
  std::size_t missing_static = 0;
  std::size_t missing_delay = 0;
  std::size_t unknown = 0;
};

struct Totals {
  std::size_t files = 0, unusable_files = 0, files_with_missing = 0;
  std::size_t functions_checked = 0;
  std::size_t missing_dlls = 0, missing_functions_static = 0, missing_functions_delay = 0, unknown = 0;
};

struct Report {
  std::string target;
  std::vector<FileReport> files;
  std::vector<HostSummary> by_host;  // sorted by host
  Totals totals;
  // 0 all present, 1 something missing, 2 unusable input.
  int exit_code() const;
};

// Fills by_host and totals from the files.
void summarize(Report& report);

}  // namespace downlevel::check
