// `downlevel pe headers|sections|imports|exports FILE...`
//
// Each view builds one JSON document per file (the model); `--json` prints
// the documents, the default text form is rendered from the same documents,
// so the two formats cannot disagree.
#include "pe_command.hpp"

#include <iostream>
#include <vector>

#include <fmt/format.h>

#include "common.hpp"
#include "downlevel/pe/bound_imports.hpp"
#include "downlevel/pe/exports.hpp"
#include "downlevel/pe/imports.hpp"

namespace downlevel::cli {

namespace {

using nlohmann::json;
using pe::PeImage;

std::string version(std::uint16_t major, std::uint16_t minor) { return fmt::format("{}.{}", major, minor); }

Result<json> headers_model(const PeImage& image) {
  json directories = json::array();
  for (unsigned i = 0; i < image.directory_count(); ++i) {
    auto d = image.directory(static_cast<pe::Directory>(i));
    if (d.rva == 0 && d.size == 0) continue;
    directories.push_back({{"name", pe::directory_name(static_cast<pe::Directory>(i))},
                           {"rva", d.rva},
                           {"size", d.size}});
  }
  return json{
      {"format", image.is_pe32_plus() ? "PE32+" : "PE32"},
      {"machine", pe::machine_name(image.machine())},
      {"machine_id", image.machine()},
      {"dll", image.is_dll()},
      {"characteristics", image.characteristics()},
      {"time_date_stamp", image.time_date_stamp()},
      {"section_count", image.section_count()},
      {"linker_version", version(image.major_linker_version(), image.minor_linker_version())},
      {"entry_point", image.address_of_entry_point()},
      {"image_base", image.image_base()},
      {"section_alignment", image.section_alignment()},
      {"file_alignment", image.file_alignment()},
      {"os_version", version(image.major_os_version(), image.minor_os_version())},
      {"image_version", version(image.major_image_version(), image.minor_image_version())},
      {"subsystem_version", version(image.major_subsystem_version(), image.minor_subsystem_version())},
      {"subsystem", image.subsystem()},
      {"dll_characteristics", image.dll_characteristics()},
      {"size_of_image", image.size_of_image()},
      {"size_of_headers", image.size_of_headers()},
      {"checksum", image.checksum()},
      {"data_directories", directories},
  };
}

void headers_text(const json& m) {
  fmt::print("  format             {} ({}){}\n", text_of(m["format"]), text_of(m["machine"]),
             m["dll"].get<bool>() ? ", DLL" : "");
  fmt::print("  characteristics    {:#06x}\n", m["characteristics"].get<unsigned>());
  fmt::print("  time stamp         {:#010x}\n", m["time_date_stamp"].get<std::uint32_t>());
  fmt::print("  linker version     {}\n", text_of(m["linker_version"]));
  fmt::print("  entry point        {:#x}\n", m["entry_point"].get<std::uint32_t>());
  fmt::print("  image base         {:#x}\n", m["image_base"].get<std::uint64_t>());
  fmt::print("  alignment          section {:#x}, file {:#x}\n", m["section_alignment"].get<std::uint32_t>(),
             m["file_alignment"].get<std::uint32_t>());
  fmt::print("  OS version         {}\n", text_of(m["os_version"]));
  fmt::print("  image version      {}\n", text_of(m["image_version"]));
  fmt::print("  subsystem          {} (version {})\n", m["subsystem"].get<unsigned>(),
             text_of(m["subsystem_version"]));
  fmt::print("  DLL characteristics {:#06x}\n", m["dll_characteristics"].get<unsigned>());
  fmt::print("  size of image      {:#x}\n", m["size_of_image"].get<std::uint32_t>());
  fmt::print("  size of headers    {:#x}\n", m["size_of_headers"].get<std::uint32_t>());
  fmt::print("  checksum           {:#x}\n", m["checksum"].get<std::uint32_t>());
  fmt::print("  sections           {}\n", m["section_count"].get<unsigned>());
  for (const auto& d : m["data_directories"]) {
    fmt::print("  directory {:<13}rva {:#010x} size {:#x}\n", text_of(d["name"]),
               d["rva"].get<std::uint32_t>(), d["size"].get<std::uint32_t>());
  }
}

Result<json> sections_model(const PeImage& image) {
  json sections = json::array();
  for (std::size_t i = 0; i < image.section_count(); ++i) {
    const auto s = image.section(i);
    sections.push_back({{"name", s.name()},
                        {"virtual_address", s.virtual_address()},
                        {"virtual_size", s.virtual_size()},
                        {"raw_offset", s.pointer_to_raw_data()},
                        {"raw_size", s.size_of_raw_data()},
                        {"characteristics", s.characteristics()}});
  }
  return json{{"sections", sections}};
}

void sections_text(const json& m) {
  fmt::print("  {:<9}{:>10} {:>10} {:>10} {:>10}  {}\n", "name", "vaddr", "vsize", "raw off", "raw size", "flags");
  for (const auto& s : m["sections"]) {
    fmt::print("  {:<9}{:>#10x} {:>#10x} {:>#10x} {:>#10x}  {:#010x}\n", text_of(s["name"]),
               s["virtual_address"].get<std::uint32_t>(), s["virtual_size"].get<std::uint32_t>(),
               s["raw_offset"].get<std::uint32_t>(), s["raw_size"].get<std::uint32_t>(),
               s["characteristics"].get<std::uint32_t>());
  }
}

json function_model(const pe::ImportedFunction& f) {
  if (f.by_ordinal) return {{"ordinal", f.ordinal}};
  return {{"name", f.name}, {"hint", f.hint}};
}

Result<json> imports_model(const PeImage& image) {
  auto modules = pe::read_all_imports(image);
  if (!modules) return modules.error();
  auto bound = pe::read_bound_imports(image);
  if (!bound) return bound.error();
  json dlls = json::array();
  for (const auto& module : *modules) {
    json functions = json::array();
    for (const auto& f : module.functions) functions.push_back(function_model(f));
    json entry{{"dll", module.dll},
               {"delay", module.kind == pe::ImportKind::delay},
               {"functions", functions}};
    if (module.uses_virtual_addresses) entry["va_form"] = true;
    dlls.push_back(std::move(entry));
  }
  json bound_model = json::array();
  for (const auto& b : *bound) {
    json refs = json::array();
    for (const auto& r : b.forwarder_refs) refs.push_back({{"dll", r.dll}, {"time_date_stamp", r.time_date_stamp}});
    bound_model.push_back({{"dll", b.dll}, {"time_date_stamp", b.time_date_stamp}, {"forwarder_refs", refs}});
  }
  return json{{"imports", dlls}, {"bound_imports", bound_model}};
}

void imports_text(const json& m) {
  for (const auto& dll : m["imports"]) {
    fmt::print("  {}{}\n", text_of(dll["dll"]), dll["delay"].get<bool>() ? "  (delay-load)" : "");
    for (const auto& f : dll["functions"]) {
      if (f.contains("ordinal")) {
        fmt::print("    #{}\n", f["ordinal"].get<unsigned>());
      } else {
        fmt::print("    {}  (hint {})\n", text_of(f["name"]), f["hint"].get<unsigned>());
      }
    }
  }
  for (const auto& b : m["bound_imports"]) {
    fmt::print("  bound: {} at {:#010x}\n", text_of(b["dll"]), b["time_date_stamp"].get<std::uint32_t>());
  }
}

Result<json> exports_model(const PeImage& image) {
  auto table = pe::read_exports(image);
  if (!table) return table.error();
  if (!table->has_value()) return json{{"exports", nullptr}};
  const pe::ExportTable& t = **table;
  json symbols = json::array();
  for (const auto& s : t.symbols) {
    json symbol{{"ordinal", s.ordinal}, {"rva", s.rva}};
    if (!s.name.empty()) symbol["name"] = s.name;
    if (!s.forwarder.empty()) symbol["forwarder"] = s.forwarder;
    symbols.push_back(std::move(symbol));
  }
  return json{{"exports",
               {{"dll_name", t.dll_name},
                {"ordinal_base", t.ordinal_base},
                {"function_count", t.function_count},
                {"name_count", t.name_count},
                {"symbols", symbols}}}};
}

void exports_text(const json& m) {
  const auto& e = m["exports"];
  if (e.is_null()) {
    fmt::print("  no export directory\n");
    return;
  }
  fmt::print("  {} (ordinal base {}, {} slots, {} names)\n", text_of(e["dll_name"]),
             e["ordinal_base"].get<std::uint32_t>(), e["function_count"].get<std::uint32_t>(),
             e["name_count"].get<std::uint32_t>());
  for (const auto& s : e["symbols"]) {
    std::string name = s.contains("name") ? text_of(s["name"]) : "(no name)";
    if (s.contains("forwarder")) {
      fmt::print("  {:>6}  {} -> {}\n", s["ordinal"].get<std::uint32_t>(), name, text_of(s["forwarder"]));
    } else {
      fmt::print("  {:>6}  {}  {:#x}\n", s["ordinal"].get<std::uint32_t>(), name, s["rva"].get<std::uint32_t>());
    }
  }
}

struct View {
  const char* name;
  const char* help;
  Result<json> (*model)(const PeImage&);
  void (*text)(const json&);
};

constexpr View kViews[] = {
    {"headers", "DOS/NT headers, optional header and data directories", headers_model, headers_text},
    {"sections", "the section table", sections_model, sections_text},
    {"imports", "imported DLLs and functions, delay-load and bound imports", imports_model, imports_text},
    {"exports", "exported ordinals, names and forwarders", exports_model, exports_text},
};

struct PeOptions {
  std::vector<std::string> files;
  bool json = false;
  std::string read_mode = "pread";
  bool io_stats = false;
};

int run_view(const View& view, const PeOptions& options) {
  const ReadMode mode = options.read_mode == "mmap" ? ReadMode::mmap : ReadMode::pread;
  int status = kExitOk;
  json documents = json::array();
  std::uint64_t bytes_fetched = 0, bytes_in_files = 0;
  for (const auto& file : options.files) {
    Result<json> model = [&]() -> Result<json> {
      auto opened = open_image(file, mode);
      if (!opened) return opened.error();
      auto document = view.model(*opened->image);
      bytes_fetched += opened->source->bytes_fetched();
      bytes_in_files += opened->source->size();
      return document;
    }();
    if (!model) {
      report_error(file, model.error());
      status = kExitBadInput;
      if (options.json) documents.push_back({{"file", file}, {"error", format_error(file, model.error())}});
      continue;
    }
    (*model)["file"] = file;
    if (options.json) {
      documents.push_back(std::move(*model));
    } else {
      fmt::print("{}\n", file);
      view.text(*model);
    }
  }
  if (options.json) print_json(documents);
  std::fflush(stdout);
  if (options.io_stats) {
    fmt::print(stderr, "io: read {} of {} bytes ({:.1f} %) in {} files, {} mode\n", bytes_fetched, bytes_in_files,
               bytes_in_files ? 100.0 * static_cast<double>(bytes_fetched) / static_cast<double>(bytes_in_files) : 0.0,
               options.files.size(), options.read_mode);
  }
  return status;
}

}  // namespace

void register_pe_command(CLI::App& app, int& exit_code) {
  auto* pe = app.add_subcommand("pe", "Show the structures of PE files");
  pe->require_subcommand(1);
  auto options = std::make_shared<PeOptions>();
  for (const View& view : kViews) {
    auto* sub = pe->add_subcommand(view.name, view.help);
    sub->add_option("files", options->files, "PE files")->required();
    sub->add_flag("--json", options->json, "print JSON (one array of per-file objects)");
    sub->add_option("--read-mode", options->read_mode, "how bytes are read: pread (default) or mmap")
        ->check(CLI::IsMember({"pread", "mmap"}));
    sub->add_flag("--io-stats", options->io_stats, "report on stderr how many bytes were read");
    sub->callback([&view, options, &exit_code] { exit_code = run_view(view, *options); });
  }
}

}  // namespace downlevel::cli
