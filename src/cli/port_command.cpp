// `downlevel port APP_DIR --target TARGET -o OUT_DIR [--os-version X.Y] [--json]`
#include "port_command.hpp"

#include <fmt/format.h>

#include "common.hpp"
#include "shim_command.hpp"
#include "downlevel/shim/port.hpp"
#include "downlevel/target/target.hpp"

namespace downlevel::cli {
namespace {

using nlohmann::json;

struct PortOptions {
  std::string app, target, output, os_version, cc_x86, cc_x64;
  bool json = false;
};

std::string problem_text(const check::Problem& p) {
  const std::string what = p.function.empty() ? p.dll : fmt::format("{}!{}", p.host.empty() ? p.dll : p.host, p.function);
  return fmt::format("{} ({}{}, needed by {})", what, check::problem_kind_name(p.kind), p.delay ? ", delay-load" : "",
                     p.importer);
}

json port_model(const shim::PortReport& r, const std::string& app, const std::string& output) {
  json shims = json::array();
  for (const auto& s : r.shims) {
    shims.push_back({{"original", s.original}, {"shim", s.shim}, {"sources", s.folder}, {"implemented", s.implemented}});
  }
  json patched = json::array();
  for (const auto& f : r.patched) {
    json changes = json::array();
    for (const auto& c : f.changes) changes.push_back({{"field", c.field}, {"old", c.old_value}, {"new", c.new_value}});
    patched.push_back({{"file", f.path}, {"changes", changes}});
  }
  json remaining = json::array();
  for (const auto& p : r.remaining) {
    remaining.push_back({{"kind", check::problem_kind_name(p.kind)}, {"importer", p.importer}, {"dll", p.dll},
                         {"host", p.host}, {"function", p.function}, {"delay", p.delay}, {"text", problem_text(p)}});
  }
  const auto missing = [](const check::Report& report) {
    return report.totals.missing_dlls + report.totals.missing_functions_static + report.totals.missing_functions_delay;
  };
  return {{"app", app},
          {"output", output},
          {"target", r.before.target},
          {"missing_before", missing(r.before)},
          {"missing_after", missing(r.after)},
          {"shims", shims},
          {"patched", patched},
          {"ship_beside", r.ship_beside},
          {"remaining", remaining}};
}

void print_port_text(const json& m) {
  fmt::print("{} -> {} for {}\n", text_of(m["app"]), text_of(m["output"]),
             text_of(m["target"]));
  fmt::print("before: {} missing\n", m["missing_before"].get<std::size_t>());
  for (const auto& s : m["shims"]) {
    std::string names;
    for (const auto& n : s["implemented"]) names += (names.empty() ? "" : ", ") + n.get<std::string>();
    fmt::print("shim {} for {}: implements {}\n", text_of(s["shim"]), text_of(s["original"]), names);
  }
  for (const auto& f : m["patched"]) {
    std::string changes;
    for (const auto& c : f["changes"]) {
      changes += fmt::format("{}{}: {} -> {}", changes.empty() ? "" : "; ", text_of(c["field"]),
                             text_of(c["old"]), text_of(c["new"]));
    }
    fmt::print("patched {}: {}\n", text_of(f["file"]), changes);
  }
  for (const auto& dll : m["ship_beside"]) {
    fmt::print("ship beside the program: {} (redistributable)\n", dll.get<std::string>());
  }
  if (m["remaining"].empty()) {
    fmt::print("after: nothing missing\n");
    return;
  }
  fmt::print("after: {} still missing, no implementation available:\n", m["remaining"].size());
  for (const auto& p : m["remaining"]) fmt::print("  {}\n", text_of(p["text"]));
}

int run_port(const PortOptions& o) {
  shim::PortRequest request{o.app, o.output, std::nullopt, o.cc_x86, o.cc_x64};
  if (!o.os_version.empty()) {
    request.os_version = patch::parse_version(o.os_version);
    if (!request.os_version) {
      report_error(o.app, make_error("", 0, fmt::format("--os-version \"{}\" must look like 5.1", o.os_version)));
      return kExitBadInput;
    }
  }
  auto inputs = open_shim_inputs(o.target);
  if (!inputs) return kExitBadInput;
  auto report = shim::port(request, inputs->target, inputs->runtime);
  if (!report) {
    report_error(o.app, report.error());
    return kExitBadInput;
  }
  for (const auto& file : report->after.files) {
    if (file.error) report_error(file.path, *file.error);
  }
  const json model = port_model(*report, o.app, o.output);
  if (o.json) print_json(model);
  else print_port_text(model);
  return report->exit_code();
}

}  // namespace

void register_port_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<PortOptions>();
  auto* port = app.add_subcommand("port", "Copy an application and make it run on an older Windows with shims");
  port->add_option("app", o->app, "the application's folder (only read)")->required();
  port->add_option("--target", o->target, "the old system: folder, snapshot or built-in name")->required();
  port->add_option("-o,--output", o->output, "new folder for the ported copy")->required();
  port->add_option("--os-version", o->os_version, "lower OS/subsystem versions to this (default 5.1 PE32, 5.2 PE32+)");
  port->add_option("--cc-x86", o->cc_x86, "the i686 cross compiler");
  port->add_option("--cc-x64", o->cc_x64, "the x86_64 cross compiler");
  port->add_flag("--json", o->json, "print the report as JSON");
  port->callback([o, &exit_code] { exit_code = run_port(*o); });
}

}  // namespace downlevel::cli
