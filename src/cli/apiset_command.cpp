// `downlevel apiset dump|resolve|extract|hash|diff|build|scan`
//
// As with `pe`, each subcommand builds a JSON document (the model) and the
// text form is rendered from it.
#include "apiset_command.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common.hpp"
#include "downlevel/apiset/diff.hpp"
#include "downlevel/apiset/forwarder_dll.hpp"
#include "downlevel/apiset/reader.hpp"
#include "downlevel/apiset/resolver.hpp"
#include "downlevel/apiset/spec.hpp"
#include "downlevel/apiset/writer.hpp"
#include "downlevel/support/file_output.hpp"
#include "downlevel/support/utf16.hpp"

namespace downlevel::cli {

namespace {

using nlohmann::json;

struct ApisetOptions {
  std::vector<std::string> files;
  std::vector<std::string> names;
  std::string schema;
  std::string importer;
  std::string output;
  std::string machine;
  std::string os_version;
  std::uint32_t version = 6;
  std::uint32_t factor = 31;
  bool json = false;
  bool explain = false;
};

// A schema with its source kept alive (names in the model are copies, but
// extract needs the section view).
struct LoadedSchema {
  std::unique_ptr<ByteSource> source;
  apiset::Schema schema;
};

Result<LoadedSchema> load_schema(const std::string& path) {
  auto source = open_file(path, ReadMode::pread);
  if (!source) return source.error();
  auto schema = apiset::read_schema(**source);
  if (!schema) return schema.error();
  return LoadedSchema{std::move(*source), std::move(*schema)};
}

void emit(const json& model, bool as_json, void (*text)(const json&)) {
  if (as_json) {
    print_json(model);
  } else {
    text(model);
  }
}

int fail(const std::string& file, const Error& error) {
  report_error(file, error);
  return kExitBadInput;
}

// --- dump ---------------------------------------------------------------
void dump_text(const json& m) {
  fmt::print("{}: schema version {} ({}), {} sets{}\n", text_of(m["file"]), m["schema_version"].get<unsigned>(),
             apiset::windows_for_version(m["schema_version"].get<unsigned>()), m["namespaces_count"].get<std::size_t>(),
             m.contains("hash_factor") ? fmt::format(", hash factor {}", m["hash_factor"].get<unsigned>()) : "");
  std::size_t n = 0;
  for (const auto& set : m["namespaces"]) {
    std::string host = text_of(set["host"]);
    std::string line = fmt::format("{}) {} -> {}", ++n, text_of(set["name"]), host.empty() ? "(not hosted)" : host);
    if (set.contains("exceptions")) {
      std::vector<std::string> parts;
      for (const auto& e : set["exceptions"]) {
        parts.push_back(text_of(e["importer"]) + ":" + text_of(e["host"]));
      }
      line += fmt::format(" [{}]", fmt::join(parts, " "));
    }
    fmt::print("{}\n", line);
  }
}

int run_dump(const ApisetOptions& o) {
  int status = kExitOk;
  for (const auto& file : o.files) {
    auto loaded = load_schema(file);
    if (!loaded) {
      status = fail(file, loaded.error());
      continue;
    }
    json model = apiset::to_spec(loaded->schema);
    model["file"] = file;
    emit(model, o.json, dump_text);
  }
  return status;
}

// --- resolve ------------------------------------------------------------
json resolution_model(const apiset::Schema& schema, const std::string& name, const std::string& importer, bool explain) {
  apiset::Explanation steps;
  const auto result = apiset::resolve(schema, name, importer, explain ? &steps : nullptr);
  json model{{"name", name}, {"outcome", apiset::outcome_name(result.outcome)}};
  if (!importer.empty()) model["importer"] = importer;
  if (result.outcome == apiset::Outcome::resolved || result.outcome == apiset::Outcome::unhosted) {
    model["set"] = schema.full_name(schema.sets[result.set_index]);
  }
  if (result.outcome == apiset::Outcome::resolved) {
    model["host"] = to_utf8(result.host);
    model["exception"] = result.value_index > 0;
  }
  if (explain) {
    json e{{"searched", steps.searched}};
    if (schema.version == 6 && result.outcome != apiset::Outcome::not_an_api_set) {
      e["hashed_length"] = steps.hashed_length;
      e["hash"] = fmt::format("{:#010x}", steps.hash);
      e["hash_factor"] = schema.hash_factor;
      if (steps.hash_slot) e["hash_slot"] = *steps.hash_slot;
    }
    if (result.outcome == apiset::Outcome::resolved || result.outcome == apiset::Outcome::unhosted) {
      e["set_index"] = result.set_index;
      e["value_index"] = result.value_index;
    }
    if (!steps.stopped_because.empty()) e["stopped_because"] = steps.stopped_because;
    model["explain"] = std::move(e);
  }
  return model;
}

void resolve_text(const json& m) {
  for (const auto& r : m["resolutions"]) {
    const std::string outcome = text_of(r["outcome"]);
    std::string line = text_of(r["name"]) + " -> ";
    if (outcome == "resolved") {
      line += text_of(r["host"]) + (r["exception"].get<bool>() ? "  (exception for " + text_of(r["importer"]) + ")" : "");
    } else if (outcome == "in schema, not hosted") {
      line += "in schema (" + text_of(r["set"]) + "), not hosted: the DLL is treated as absent";
    } else {
      line += outcome + ": ordinary DLL search of the file name";
    }
    fmt::print("{}\n", line);
    if (!r.contains("explain")) continue;
    const auto& e = r["explain"];
    if (!text_of(e["searched"]).empty()) fmt::print("    searched       {}\n", text_of(e["searched"]));
    if (e.contains("hash")) {
      fmt::print("    hashed length  {} characters\n    hash           {} (factor {})\n", e["hashed_length"].get<unsigned>(),
                 text_of(e["hash"]), e["hash_factor"].get<unsigned>());
      if (e.contains("hash_slot")) fmt::print("    hash slot      {}\n", e["hash_slot"].get<std::size_t>());
    }
    if (e.contains("set_index")) {
      fmt::print("    set            #{} {}\n    value          #{}{}\n", e["set_index"].get<std::size_t>(),
                 text_of(r["set"]), e["value_index"].get<std::size_t>(),
                 e["value_index"].get<std::size_t>() == 0 ? " (default)" : " (importer exception)");
    }
    if (e.contains("stopped_because")) fmt::print("    stopped        {}\n", text_of(e["stopped_because"]));
  }
}

int run_resolve(const ApisetOptions& o) {
  auto loaded = load_schema(o.schema);
  if (!loaded) return fail(o.schema, loaded.error());
  json resolutions = json::array();
  for (const auto& name : o.names) resolutions.push_back(resolution_model(loaded->schema, name, o.importer, o.explain));
  emit(json{{"schema", o.schema}, {"resolutions", resolutions}}, o.json, resolve_text);
  return kExitOk;
}

// --- extract ------------------------------------------------------------
int run_extract(const ApisetOptions& o) {
  const std::string& file = o.files.front();
  if (same_file(file, o.output)) return fail(o.output, make_error("", 0, "refusing to overwrite the input file"));
  auto source = open_file(file, ReadMode::pread);
  if (!source) return fail(file, source.error());
  auto section = apiset::locate_schema(**source);
  if (!section) return fail(file, section.error());
  // Only a section that parses as a schema is worth extracting.
  if (auto schema = apiset::parse_schema(*section); !schema) return fail(file, schema.error());
  if (auto written = write_file_atomically(o.output, *section); !written) return fail(o.output, written.error());
  fmt::print("{}: wrote {} bytes of .apiset data to {}\n", file, section->size(), o.output);
  return kExitOk;
}

// --- hash ---------------------------------------------------------------
void hash_text(const json& m) {
  for (const auto& h : m["hashes"]) {
    fmt::print("{}: hashed \"{}\" ({} characters), factor {}: {}\n", text_of(h["name"]),
               text_of(h["hashed"]), h["hashed_length"].get<std::size_t>(), h["factor"].get<unsigned>(),
               text_of(h["hash"]));
  }
}

int run_hash(const ApisetOptions& o) {
  json hashes = json::array();
  for (const auto& name : o.names) {
    const std::size_t length = apiset::hashed_length(name);
    hashes.push_back({{"name", name},
                      {"hashed", name.substr(0, length)},
                      {"hashed_length", length},
                      {"factor", o.factor},
                      {"hash", fmt::format("{:#010x}", apiset::hash_name(std::string_view(name).substr(0, length), o.factor))}});
  }
  emit(json{{"hashes", hashes}}, o.json, hash_text);
  return kExitOk;
}

// --- diff ---------------------------------------------------------------
void diff_text(const json& m) {
  fmt::print("{} -> {}: {} added, {} removed, {} re-hosted\n", text_of(m["a"]), text_of(m["b"]),
             m["added"].size(), m["removed"].size(), m["rehosted"].size());
  for (const auto& name : m["added"]) fmt::print("+ {}\n", name.get<std::string>());
  for (const auto& name : m["removed"]) fmt::print("- {}\n", name.get<std::string>());
  for (const auto& r : m["rehosted"]) {
    fmt::print("~ {}: {} -> {}\n", text_of(r["name"]), text_of(r["old"]), text_of(r["new"]));
  }
}

int run_diff(const ApisetOptions& o) {
  auto a = load_schema(o.files[0]);
  if (!a) return fail(o.files[0], a.error());
  auto b = load_schema(o.files[1]);
  if (!b) return fail(o.files[1], b.error());
  const auto diff = apiset::diff_schemas(a->schema, b->schema);
  json rehosted = json::array();
  for (const auto& r : diff.rehosted) rehosted.push_back({{"name", r.name}, {"old", r.old_hosts}, {"new", r.new_hosts}});
  emit(json{{"a", o.files[0]}, {"b", o.files[1]}, {"added", diff.added}, {"removed", diff.removed}, {"rehosted", rehosted}},
       o.json, diff_text);
  return diff.empty() ? kExitOk : kExitFindings;
}

// --- build --------------------------------------------------------------
int run_build(const ApisetOptions& o) {
  const std::string& spec_path = o.files.front();
  std::ifstream in(spec_path, std::ios::binary);
  if (!in) return fail(spec_path, make_error("", 0, "cannot open the spec file"));
  std::stringstream text;
  text << in.rdbuf();
  apiset::SpecInfo info;
  auto schema = apiset::schema_from_spec(text.str(), o.version, &info);
  if (!schema) return fail(spec_path, schema.error());
  auto section = apiset::serialize(*schema);
  if (!section) return fail(spec_path, section.error());
  pe::Machine machine = info.machine;
  if (o.machine == "i386") machine = pe::Machine::i386;
  if (o.machine == "amd64") machine = pe::Machine::amd64;
  auto [major, minor] = apiset::default_os_version(o.version);
  if (info.os_major != 0) std::tie(major, minor) = std::pair{info.os_major, info.os_minor};
  if (!o.os_version.empty()) {
    unsigned a = 0, b = 0;
    char dot = 0;
    std::istringstream parse(o.os_version);
    if (!(parse >> a >> dot >> b) || dot != '.' || a > 0xFFFF || b > 0xFFFF) {
      return fail(o.os_version, make_error("", 0, "--os-version must look like 6.1"));
    }
    major = static_cast<std::uint16_t>(a);
    minor = static_cast<std::uint16_t>(b);
  }
  const auto dll = apiset::wrap_in_dll(*section, machine, major, minor);
  if (same_file(spec_path, o.output)) return fail(o.output, make_error("", 0, "refusing to overwrite the input file"));
  if (auto written = write_file_atomically(o.output, dll); !written) return fail(o.output, written.error());
  fmt::print("{}: schema version {} with {} sets, {} bytes, OS version {}.{}\n", o.output, o.version, schema->sets.size(),
             dll.size(), major, minor);
  return kExitOk;
}

// --- scan ---------------------------------------------------------------
void scan_text(const json& m) {
  for (const auto& f : m["files"]) {
    if (f.contains("error")) continue;
    std::vector<std::string> targets;
    for (const auto& [module, count] : f["targets"].items()) targets.push_back(fmt::format("{} ({})", module, count.get<std::size_t>()));
    fmt::print("{}: {} exports -> {}{}\n", text_of(f["file"]), f["exports"].get<std::size_t>(),
               targets.empty() ? "no forwarders" : fmt::format("{}", fmt::join(targets, ", ")),
               f["own_exports"].get<std::size_t>() ? fmt::format("; {} implemented here", f["own_exports"].get<std::size_t>()) : "");
  }
  fmt::print("{} API-set DLL files\n", m["files"].size());
}

int run_scan(const ApisetOptions& o) {
  int status = kExitOk;
  std::vector<std::string> found;
  for (const auto& root : o.files) {
    std::error_code ec;
    std::filesystem::recursive_directory_iterator it(root, std::filesystem::directory_options::skip_permission_denied, ec);
    if (ec) {
      status = fail(root, make_error("", 0, "cannot read the folder: " + ec.message()));
      continue;
    }
    for (const auto& entry : it) {
      if (entry.is_regular_file(ec) && apiset::is_api_set_file_name(entry.path().filename().string())) {
        found.push_back(entry.path().string());
      }
    }
  }
  std::sort(found.begin(), found.end());
  json files = json::array();
  for (const auto& file : found) {
    auto opened = open_image(file, ReadMode::pread);
    Result<apiset::ForwarderDllSummary> summary =
        opened ? apiset::summarize_forwarder_dll(*opened->image) : Result<apiset::ForwarderDllSummary>(opened.error());
    if (!summary) {
      status = fail(file, summary.error());
      files.push_back({{"file", file}, {"error", format_error(file, summary.error())}});
      continue;
    }
    files.push_back({{"file", file},
                     {"exports", summary->exports},
                     {"own_exports", summary->own_exports},
                     {"malformed_forwarders", summary->malformed_forwarders},
                     {"targets", summary->targets}});
  }
  emit(json{{"files", files}}, o.json, scan_text);
  return status;
}

}  // namespace

void register_apiset_command(CLI::App& app, int& exit_code) {
  auto* apiset = app.add_subcommand("apiset", "Read, resolve, compare and build API Set Schemas");
  apiset->require_subcommand(1);
  auto o = std::make_shared<ApisetOptions>();
  auto json_flag = [&](CLI::App* sub) { sub->add_flag("--json", o->json, "print JSON"); };
  auto bind = [&](CLI::App* sub, int (*run)(const ApisetOptions&)) {
    sub->callback([o, run, &exit_code] { exit_code = run(*o); });
  };

  auto* dump = apiset->add_subcommand("dump", "List every set: N) name -> host [importer:host ...]");
  dump->add_option("files", o->files, "apisetschema.dll or raw .apiset dumps")->required();
  json_flag(dump);
  bind(dump, run_dump);

  auto* resolve = apiset->add_subcommand("resolve", "Resolve DLL names as the loader of the schema's Windows does");
  resolve->add_option("names", o->names, "imported DLL names")->required();
  resolve->add_option("--schema", o->schema, "apisetschema.dll or raw dump")->required();
  resolve->add_option("--importer", o->importer, "base name of the importing module (selects exceptions)");
  resolve->add_flag("--explain", o->explain, "print each step of the lookup");
  json_flag(resolve);
  bind(resolve, run_resolve);

  auto* extract = apiset->add_subcommand("extract", "Write the .apiset section's bytes to a file");
  extract->add_option("file", o->files, "apisetschema.dll")->required()->expected(1);
  extract->add_option("-o,--output", o->output, "output file")->required();
  bind(extract, run_extract);

  auto* hash = apiset->add_subcommand("hash", "The loader's hash of a name (v6)");
  hash->add_option("names", o->names, "DLL names")->required();
  hash->add_option("--factor", o->factor, "HashFactor (31 in every shipped schema)");
  json_flag(hash);
  bind(hash, run_hash);

  auto* diff = apiset->add_subcommand("diff", "Sets added, removed and re-hosted from A to B (exit 1 when they differ)");
  diff->add_option("files", o->files, "A B")->required()->expected(2);
  json_flag(diff);
  bind(diff, run_diff);

  auto* build = apiset->add_subcommand("build", "Build an apisetschema.dll from a JSON spec");
  build->add_option("spec", o->files, "JSON spec (the format of dump --json)")->required()->expected(1);
  build->add_option("--version", o->version, "schema version: 2, 4 or 6")->required()->check(CLI::IsMember({2, 4, 6}));
  build->add_option("-o,--output", o->output, "output DLL")->required();
  build->add_option("--machine", o->machine, "amd64 or i386 (default: the spec's PE.Machine)")->check(CLI::IsMember({"amd64", "i386"}));
  build->add_option("--os-version", o->os_version, "OS version in the DLL's headers (default: the spec's, or the schema version's Windows)");
  bind(build, run_build);

  auto* scan = apiset->add_subcommand("scan", "Find api-ms-*/ext-ms-* DLL files and the hosts their forwarders name");
  scan->add_option("folders", o->files, "folders to search")->required();
  json_flag(scan);
  bind(scan, run_scan);
}

}  // namespace downlevel::cli
