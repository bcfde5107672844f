// `downlevel target snapshot DIR -o FILE | list | show TARGET [DLL]`
#include "target_command.hpp"

#include <iostream>

#include <fmt/format.h>

#include "common.hpp"
#include "downlevel/apiset/schema.hpp"
#include "downlevel/support/file_output.hpp"
#include "downlevel/target/as_of.hpp"
#include "downlevel/target/builtin.hpp"
#include "downlevel/target/snapshot.hpp"

namespace downlevel::cli {

namespace {

using nlohmann::json;

struct TargetOptions {
  std::string folder;
  std::string output;
  std::string target;
  std::string dll;
  std::string as_of;
  bool json = false;
};

int run_snapshot(const TargetOptions& o) {
  auto target = target::load_target_folder(o.folder);
  if (!target) {
    std::fputs((target.error().to_string() + "\n").c_str(), stderr);
    return kExitBadInput;
  }
  for (const auto& warning : target->warnings) std::fputs(("warning: " + warning + "\n").c_str(), stderr);
  if (!o.as_of.empty()) {
    const auto version = target::WindowsVersion::parse(o.as_of);
    if (!version) {
      report_error(o.folder, make_error("", 0, fmt::format("--as-of \"{}\" is not a Windows version like 6.0", o.as_of)));
      return kExitBadInput;
    }
    auto older = target::as_of(*target, *version);
    fmt::print("{}: {} exports dated after {} removed\n", o.folder, older.dropped, version->name());
    *target = std::move(older.target);
  }
  auto bytes = target::write_snapshot(*target);
  if (!bytes) {
    report_error(o.folder, bytes.error());
    return kExitBadInput;
  }
  if (auto written = write_file_atomically(o.output, *bytes); !written) {
    report_error(o.output, written.error());
    return kExitBadInput;
  }
  std::size_t exports = 0;
  for (const auto& [name, dll] : target->dlls()) exports += dll.exports().size();
  fmt::print("{}: {} DLLs, {} exports, {}; {} bytes\n", o.output, target->dlls().size(), exports,
             target->schema ? fmt::format("API set schema version {} with {} sets", target->schema->version, target->schema->sets.size())
                            : std::string("no API set schema"),
             bytes->size());
  return kExitOk;
}

int run_list(const TargetOptions& o) {
  json targets = json::array();
  for (const auto& builtin : target::builtin_targets()) {
    auto loaded = target::load_builtin_target(builtin);
    targets.push_back({{"name", builtin.name},
                       {"title", builtin.title},
                       {"dlls", loaded ? loaded->dlls().size() : 0},
                       {"source", builtin.source},
                       {"accuracy", builtin.accuracy}});
  }
  if (o.json) {
    print_json(targets);
    return kExitOk;
  }
  for (const auto& t : targets) {
    fmt::print("{:<6} {} ({} DLLs)\n       source:   {}\n       accuracy: {}\n", text_of(t["name"]),
               text_of(t["title"]), t["dlls"].get<std::size_t>(), text_of(t["source"]),
               text_of(t["accuracy"]));
  }
  fmt::print("A target can also be a folder shaped like system32, or a file made by `downlevel target snapshot`.\n");
  return kExitOk;
}

int run_show(const TargetOptions& o) {
  auto target = target::open_target(o.target);
  if (!target) {
    std::fputs((target.error().to_string() + "\n").c_str(), stderr);
    return kExitBadInput;
  }
  json model{{"target", target->description}};
  if (o.dll.empty()) {
    json dlls = json::array();
    for (const auto& [key, dll] : target->dlls()) {
      dlls.push_back({{"dll", dll.file_name()}, {"exports", dll.exports().size()}, {"format", dll.pe32_plus() ? "PE32+" : "PE32"}});
    }
    model["dlls"] = std::move(dlls);
    model["schema"] = target->schema ? json{{"version", target->schema->version}, {"sets", target->schema->sets.size()}} : json();
  } else {
    const target::ExportSet* dll = target->find(o.dll);
    if (dll == nullptr) {
      std::fputs(fmt::format("{}: the target has no {}\n", o.target, o.dll).c_str(), stderr);
      return kExitBadInput;
    }
    json exports = json::array();
    for (const auto& e : dll->exports()) {
      json entry{{"name", e.name}};
      if (e.ordinal != target::kUnknownOrdinal) entry["ordinal"] = e.ordinal;
      if (!e.forwarder.empty()) entry["forwarder"] = e.forwarder;
      exports.push_back(std::move(entry));
    }
    model["dll"] = dll->file_name();
    model["exports"] = std::move(exports);
  }
  if (o.json) {
    print_json(model);
    return kExitOk;
  }
  fmt::print("target: {}\n", text_of(model["target"]));
  if (model.contains("dlls")) {
    for (const auto& d : model["dlls"]) {
      fmt::print("  {:<32} {:>6} exports  {}\n", text_of(d["dll"]), d["exports"].get<std::size_t>(), text_of(d["format"]));
    }
    if (!model["schema"].is_null()) {
      fmt::print("  API set schema version {}, {} sets\n", model["schema"]["version"].get<unsigned>(), model["schema"]["sets"].get<std::size_t>());
    }
    return kExitOk;
  }
  for (const auto& e : model["exports"]) {
    const std::string ordinal = e.contains("ordinal") ? fmt::format("{}", e["ordinal"].get<std::uint32_t>()) : "?";
    const std::string name = text_of(e["name"]).empty() ? "(no name)" : text_of(e["name"]);
    fmt::print("  {:>6}  {}{}\n", ordinal, name, e.contains("forwarder") ? " -> " + text_of(e["forwarder"]) : "");
  }
  return kExitOk;
}

}  // namespace

void register_target_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<TargetOptions>();
  auto* target = app.add_subcommand("target", "Make, list and inspect targets");
  target->require_subcommand(1);

  auto* snapshot = target->add_subcommand("snapshot", "Write the exports and API set schema of a system32-like folder to one file");
  snapshot->add_option("folder", o->folder, "folder of DLLs")->required();
  snapshot->add_option("-o,--output", o->output, "snapshot file")->required();
  snapshot->add_option("--as-of", o->as_of,
                       "approximate an older Windows (e.g. 5.2): drop exports the first-version data dates later");
  snapshot->callback([o, &exit_code] { exit_code = run_snapshot(*o); });

  auto* list = target->add_subcommand("list", "The built-in targets, their sources and accuracy");
  list->add_flag("--json", o->json, "print JSON");
  list->callback([o, &exit_code] { exit_code = run_list(*o); });

  auto* show = target->add_subcommand("show", "A target's DLLs, or one DLL's exports");
  show->add_option("target", o->target, "built-in name, folder or snapshot")->required();
  show->add_option("dll", o->dll, "a DLL of the target");
  show->add_flag("--json", o->json, "print JSON");
  show->callback([o, &exit_code] { exit_code = run_show(*o); });
}

}  // namespace downlevel::cli
