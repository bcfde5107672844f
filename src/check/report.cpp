#include "downlevel/check/report.hpp"

#include <map>

namespace downlevel::check {

const char* problem_kind_name(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::missing_dll: return "missing DLL";
    case ProblemKind::unhosted_api_set: return "API set not hosted";
    case ProblemKind::architecture_mismatch: return "architecture mismatch";
    case ProblemKind::unreadable_dll: return "unreadable DLL";
    case ProblemKind::missing_function: return "missing function";
    case ProblemKind::unknown_function: return "unknown";
  }
  return "?";
}

bool is_missing(ProblemKind kind) { return kind != ProblemKind::unknown_function; }

const char* origin_name(Origin origin) {
  switch (origin) {
    case Origin::app_folder: return "application folder";
    case Origin::target: return "target";
    case Origin::nowhere: return "nowhere";
  }
  return "?";
}

void summarize(Report& report) {
  std::map<std::string, HostSummary> hosts;
  Totals totals;
  for (const FileReport& file : report.files) {
    ++totals.files;
    if (file.error) {
      ++totals.unusable_files;
      continue;
    }
    totals.functions_checked += file.functions_checked;
    bool missing = false;
    for (const Problem& p : file.problems) {
      const std::string host = p.host.empty() ? p.dll : p.host;
      HostSummary& summary = hosts[host];
      summary.host = host;
      if (p.kind == ProblemKind::unknown_function) {
        ++summary.unknown;
        ++totals.unknown;
        continue;
      }
      missing = true;
      if (p.function.empty()) {
        ++totals.missing_dlls;
      } else if (p.delay) {
        ++totals.missing_functions_delay;
      } else {
        ++totals.missing_functions_static;
      }
      ++(p.delay ? summary.missing_delay : summary.missing_static);
    }
    if (missing) ++totals.files_with_missing;
  }
  report.by_host.clear();
  for (auto& [name, summary] : hosts) report.by_host.push_back(summary);
  report.totals = totals;
}

int Report::exit_code() const {
  if (totals.unusable_files > 0) return 2;
  return totals.files_with_missing > 0 ? 1 : 0;
}

}  // namespace downlevel::check
