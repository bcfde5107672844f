// `downlevel minver APP...`: the lowest Windows version every static import
// needs, with the functions responsible for each step up.
#include "minver_command.hpp"

#include <map>

#include <fmt/format.h>

#include "common.hpp"
#include "downlevel/check/minver.hpp"

namespace downlevel::cli {

namespace {

using nlohmann::json;

struct MinverOptions {
  std::vector<std::string> files;
  bool json = false;
};

json steps_model(const std::vector<check::VersionedFunction>& functions) {
  // One step per version, ascending; XP-level functions only counted.
  std::map<target::WindowsVersion, std::vector<std::string>> steps;
  for (const auto& f : functions) steps[f.version].push_back(fmt::format("{}!{}", f.dll.substr(0, f.dll.rfind('.')), f.function));
  json model = json::array();
  for (const auto& [version, names] : steps) {
    model.push_back({{"version", version.code()}, {"windows", version.name()}, {"count", names.size()},
                     {"functions", version == target::kWindowsXp ? json::array() : json(names)}});
  }
  return model;
}

json report_model(const check::MinverReport& r) {
  json model{{"file", r.path}};
  if (r.error) {
    model["error"] = format_error(r.path, *r.error);
    return model;
  }
  model["minimum"] = r.minimum ? json{{"version", r.minimum->code()}, {"windows", r.minimum->name()}} : json();
  model["steps"] = steps_model(r.known);
  model["unknown"] = r.unknown;
  model["delay_load"] = {{"steps", steps_model(r.delay_known)}, {"unknown", r.delay_unknown}};
  json lookups = json::array();
  for (const auto& l : r.runtime_lookups) {
    lookups.push_back({{"function", l.function}, {"dll", l.dll}, {"version", l.version.code()}, {"windows", l.version.name()}});
  }
  model["runtime_lookups"] = std::move(lookups);
  return model;
}

void print_steps(const json& steps, const char* indent) {
  for (const auto& s : steps) {
    const std::string head = fmt::format("{}{} ({}):", indent, text_of(s["windows"]), text_of(s["version"]));
    if (s["functions"].empty()) {
      fmt::print("{} {} functions\n", head, s["count"].get<std::size_t>());
    } else {
      fmt::print("{} {}\n", head, fmt::join(s["functions"].get<std::vector<std::string>>(), ", "));
    }
  }
}

void print_text(const json& m) {
  const std::string file = text_of(m["file"]);
  if (m.contains("error")) return;
  if (m["minimum"].is_null()) {
    fmt::print("{}: unknown: no static import is covered by the built-in knowledge\n", file);
  } else {
    fmt::print("{}: {} ({}){}\n", file, text_of(m["minimum"]["windows"]), text_of(m["minimum"]["version"]),
               m["unknown"].empty() ? "" : fmt::format(", if the {} unknown functions allow it", m["unknown"].size()));
  }
  print_steps(m["steps"], "  ");
  if (!m["unknown"].empty()) {
    fmt::print("  unknown (not in the built-in knowledge): {}\n", fmt::join(m["unknown"].get<std::vector<std::string>>(), ", "));
  }
  const auto& delay = m["delay_load"];
  if (!delay["steps"].empty() || !delay["unknown"].empty()) {
    fmt::print("  delay-load imports (needed at first call, not counted above):\n");
    print_steps(delay["steps"], "    ");
    if (!delay["unknown"].empty()) {
      fmt::print("    unknown: {}\n", fmt::join(delay["unknown"].get<std::vector<std::string>>(), ", "));
    }
  }
  for (const auto& l : m["runtime_lookups"]) {
    fmt::print("  resolved at run time, verify the program falls back: {} ({}, {} {})\n", text_of(l["function"]),
               text_of(l["dll"]), text_of(l["windows"]), text_of(l["version"]));
  }
}

int run_minver(const MinverOptions& o) {
  auto knowledge = check::Knowledge::builtin();
  if (!knowledge) {
    report_error("downlevel", knowledge.error());
    return kExitBadInput;
  }
  int status = kExitOk;
  json documents = json::array();
  for (const auto& file : o.files) {
    const auto report = check::minimum_version(file, *knowledge);
    if (report.error) {
      report_error(file, *report.error);
      status = kExitBadInput;
    }
    json model = report_model(report);
    if (o.json) {
      documents.push_back(std::move(model));
    } else {
      print_text(model);
    }
  }
  if (o.json) print_json(documents);
  return status;
}

}  // namespace

void register_minver_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<MinverOptions>();
  auto* minver = app.add_subcommand("minver", "The lowest Windows version every static import needs (built-in knowledge)");
  minver->add_option("files", o->files, "PE files")->required();
  minver->add_flag("--json", o->json, "print JSON");
  minver->callback([o, &exit_code] { exit_code = run_minver(*o); });
}

}  // namespace downlevel::cli
