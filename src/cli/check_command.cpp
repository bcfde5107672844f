// `downlevel check APP... --target TARGET`
#include "check_command.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "common.hpp"
#include "downlevel/check/checker.hpp"
#include "downlevel/support/file_output.hpp"
#include "downlevel/target/target.hpp"

namespace downlevel::cli {

namespace {

using nlohmann::json;

struct CheckOptions {
  std::vector<std::string> apps;
  std::string target;
  std::string output;
  bool json = false;
  bool only_missing = false;
};

// Files that claim to be programs by their name; a non-PE among them in a
// folder is worth a message, any other non-PE file is simply not a program.
bool has_program_extension(const std::filesystem::path& path) {
  static const std::set<std::string> kExtensions = {".exe", ".dll", ".sys", ".ocx", ".cpl", ".drv",
                                                    ".scr", ".efi", ".acm", ".ax",  ".ds",  ".tlb"};
  return kExtensions.contains(target::lower_ascii(path.extension().string()));
}

// The PE files named or found (recursively) under the arguments; others
// become file reports with an error so that they are reported, not lost.
std::vector<check::FileReport> collect(const std::vector<std::string>& apps, std::vector<std::string>& pe_files) {
  namespace fs = std::filesystem;
  std::vector<check::FileReport> unusable;
  auto reject = [&](const std::string& path, std::string why) {
    check::FileReport report;
    report.path = path;
    report.error = make_error("", 0, std::move(why));
    unusable.push_back(std::move(report));
  };
  for (const auto& app : apps) {
    std::error_code ec;
    if (fs::is_directory(app, ec)) {
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator it(app, fs::directory_options::skip_permission_denied, ec), end; it != end;
           it.increment(ec)) {
        if (ec) break;
        if (!it->is_regular_file(ec)) continue;
        const std::string path = it->path().string();
        if (target::has_pe_signature(path)) {
          found.push_back(path);
        } else if (has_program_extension(it->path())) {
          reject(path, "not a PE file (no MZ/PE signature)");
        }
      }
      if (ec) reject(app, "cannot read the folder: " + ec.message());
      std::sort(found.begin(), found.end());
      pe_files.insert(pe_files.end(), found.begin(), found.end());
    } else if (fs::exists(app, ec)) {
      pe_files.push_back(app);  // named explicitly: parsed, and any fault reported
    } else {
      reject(app, "no such file or folder");
    }
  }
  return unusable;
}

const char* severity(const check::Problem& p) {
  if (p.kind == check::ProblemKind::unknown_function) return "unknown";
  return p.delay ? "warning" : "error";
}

json report_model(const check::Report& report, bool only_missing) {
  json files = json::array();
  for (const auto& file : report.files) {
    if (only_missing && !file.error && file.problems.empty()) continue;
    json entry{{"file", file.path}};
    if (file.error) {
      entry["error"] = format_error(file.path, *file.error);
      files.push_back(std::move(entry));
      continue;
    }
    entry["format"] = file.pe32_plus ? "PE32+" : "PE32";
    entry["machine"] = pe::machine_name(file.machine);
    entry["functions_checked"] = file.functions_checked;
    json problems = json::array();
    for (const auto& p : file.problems) {
      json problem{{"kind", check::problem_kind_name(p.kind)}, {"severity", severity(p)}, {"delay", p.delay},
                   {"importer", p.importer}, {"dll", p.dll}, {"reason", p.reason}};
      if (!p.host.empty()) problem["host"] = p.host;
      if (!p.function.empty()) problem["function"] = p.function;
      problems.push_back(std::move(problem));
    }
    entry["problems"] = std::move(problems);
    if (!only_missing) {
      json closure = json::array();
      for (const auto& c : file.closure) {
        closure.push_back({{"dll", c.dll}, {"origin", check::origin_name(c.origin)}, {"delay", c.delay}});
      }
      entry["closure"] = std::move(closure);
    }
    files.push_back(std::move(entry));
  }
  json hosts = json::array();
  for (const auto& h : report.by_host) {
    hosts.push_back({{"host", h.host}, {"missing_static", h.missing_static}, {"missing_delay", h.missing_delay}, {"unknown", h.unknown}});
  }
  const auto& t = report.totals;
  return json{{"target", report.target},
              {"files", std::move(files)},
              {"by_host", std::move(hosts)},
              {"totals",
               {{"files", t.files},
                {"unusable_files", t.unusable_files},
                {"files_with_missing", t.files_with_missing},
                {"functions_checked", t.functions_checked},
                {"missing_dlls", t.missing_dlls},
                {"missing_functions_static", t.missing_functions_static},
                {"missing_functions_delay", t.missing_functions_delay},
                {"unknown", t.unknown}}},
              {"exit_code", report.exit_code()}};
}

bool has_delay_only_dlls(const json& m) {
  for (const auto& f : m["files"]) {
    if (!f.contains("closure")) continue;
    for (const auto& c : f["closure"]) {
      if (c["delay"].get<bool>()) return true;
    }
  }
  return false;
}

std::string report_text(const json& m) {
  std::ostringstream out;
  out << "target: " << text_of(m["target"]) << '\n';
  for (const auto& f : m["files"]) {
    const std::string file = text_of(f["file"]);
    if (f.contains("error")) {
      out << file << ": unusable: " << text_of(f["error"]) << '\n';
      continue;
    }
    const std::string base = std::filesystem::path(file).filename().string();
    out << fmt::format("{} ({}, {}): {} functions checked, {}\n", file, text_of(f["format"]),
                       text_of(f["machine"]), f["functions_checked"].get<std::size_t>(),
                       f["problems"].empty() ? "nothing missing" : fmt::format("{} problems", f["problems"].size()));
    for (const auto& p : f["problems"]) {
      std::string what = text_of(p["dll"]);
      if (p.contains("function")) what += "!" + text_of(p["function"]);
      if (p.contains("host") && target::lower_ascii(text_of(p["host"])) != target::lower_ascii(text_of(p["dll"]))) {
        what += " (-> " + text_of(p["host"]) + ")";
      }
      std::string line = fmt::format("  {:<8}{}{}: {}: {}", text_of(p["severity"]), what,
                                     p["delay"].get<bool>() ? " [delay-load]" : "", text_of(p["kind"]),
                                     text_of(p["reason"]));
      if (text_of(p["importer"]) != base) line += "  [needed by " + text_of(p["importer"]) + "]";
      out << line << '\n';
    }
    if (f.contains("closure")) {
      std::map<std::string, std::vector<std::string>> by_origin;
      for (const auto& c : f["closure"]) {
        by_origin[text_of(c["origin"])].push_back(text_of(c["dll"]) + (c["delay"].get<bool>() ? "*" : ""));
      }
      for (const auto& [origin, dlls] : by_origin) out << fmt::format("  from {}: {}\n", origin, fmt::join(dlls, " "));
    }
  }
  if (!m["by_host"].empty()) {
    out << "summary by DLL:\n";
    for (const auto& h : m["by_host"]) {
      out << fmt::format("  {:<40} {:>5} missing ({} static, {} delay-load){}\n", text_of(h["host"]),
                         h["missing_static"].get<std::size_t>() + h["missing_delay"].get<std::size_t>(),
                         h["missing_static"].get<std::size_t>(), h["missing_delay"].get<std::size_t>(),
                         h["unknown"].get<std::size_t>() ? fmt::format(", {} unknown", h["unknown"].get<std::size_t>()) : "");
    }
  }
  const auto& t = m["totals"];
  out << fmt::format(
      "total: {} files ({} unusable), {} with something missing; {} functions checked: {} missing DLLs, {} missing "
      "functions ({} static, {} delay-load), {} unknown\n",
      t["files"].get<std::size_t>(), t["unusable_files"].get<std::size_t>(), t["files_with_missing"].get<std::size_t>(),
      t["functions_checked"].get<std::size_t>(), t["missing_dlls"].get<std::size_t>(),
      t["missing_functions_static"].get<std::size_t>() + t["missing_functions_delay"].get<std::size_t>(),
      t["missing_functions_static"].get<std::size_t>(), t["missing_functions_delay"].get<std::size_t>(),
      t["unknown"].get<std::size_t>());
  if (has_delay_only_dlls(m)) out << "(* only reached through delay-load imports)\n";
  return out.str();
}

int run_check(const CheckOptions& o) {
  auto target = target::open_target(o.target);
  if (!target) {
    std::fputs(("downlevel check: target " + target.error().to_string() + "\n").c_str(), stderr);
    return kExitBadInput;
  }
  for (const auto& warning : target->warnings) std::fputs(("warning: target: " + warning + "\n").c_str(), stderr);

  std::vector<std::string> pe_files;
  check::Report report;
  report.target = target->description;
  report.files = collect(o.apps, pe_files);
  check::Checker checker(*target);
  for (const auto& file : pe_files) report.files.push_back(checker.check_file(file));
  std::stable_sort(report.files.begin(), report.files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  for (const auto& file : report.files) {
    if (file.error) report_error(file.path, *file.error);
  }
  check::summarize(report);

  const json model = report_model(report, o.only_missing);
  const std::string text = o.json ? model.dump(2, ' ', false, json::error_handler_t::replace) + "\n" : report_text(model);
  if (o.output.empty()) {
    std::cout << text;
  } else if (auto written = write_file_atomically(o.output, std::as_bytes(std::span(text.data(), text.size()))); !written) {
    report_error(o.output, written.error());
    return kExitBadInput;
  }
  return report.exit_code();
}

}  // namespace

void register_check_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<CheckOptions>();
  auto* check = app.add_subcommand("check", "Check programs' imports against a target Windows (exit 0 all present, 1 missing, 2 unusable)");
  check->add_option("apps", o->apps, "program files or folders (searched recursively, PE files found by signature)")->required();
  check->add_option("-t,--target", o->target, "a system32-like folder, a snapshot file, or a built-in target (see `target list`)")->required();
  check->add_flag("--json", o->json, "print JSON");
  check->add_flag("--only-missing", o->only_missing, "list only files with problems, without the DLL closure");
  check->add_option("-o,--output", o->output, "write the report to this file instead of standard output");
  check->callback([o, &exit_code] { exit_code = run_check(*o); });
}

}  // namespace downlevel::cli
