// `downlevel patch FILE -o OUT | --in-place [--os-version X.Y]
//  [--subsystem-version X.Y] [--rename-import OLD=NEW]... [--strip-signature]`
#include "patch_command.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

#include "common.hpp"
#include "downlevel/patch/patch.hpp"
#include "downlevel/support/file_output.hpp"

namespace downlevel::cli {

namespace {

using nlohmann::json;

struct PatchOptions {
  std::string file;
  std::string output;
  bool in_place = false;
  std::string os_version;
  std::string subsystem_version;
  std::vector<std::string> renames;
  bool strip_signature = false;
  bool json = false;
};

int fail(const std::string& file, const std::string& message) {
  report_error(file, make_error("", 0, message));
  return kExitBadInput;
}

int run_patch(const PatchOptions& o) {
  if (o.in_place == !o.output.empty()) return fail(o.file, "give exactly one of -o OUT and --in-place");
  patch::Request request;
  request.strip_signature = o.strip_signature;
  for (const auto& [text, slot] : {std::pair{&o.os_version, &request.os_version}, std::pair{&o.subsystem_version, &request.subsystem_version}}) {
    if (text->empty()) continue;
    *slot = patch::parse_version(*text);
    if (!*slot) return fail(o.file, fmt::format("version \"{}\" must look like 5.0", *text));
  }
  for (const auto& rename : o.renames) {
    const auto equals = rename.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == rename.size()) {
      return fail(o.file, fmt::format("--rename-import \"{}\" must look like OLD.dll=NEW.dll", rename));
    }
    request.renames.emplace_back(rename.substr(0, equals), rename.substr(equals + 1));
  }
  if (!request.os_version && !request.subsystem_version && request.renames.empty() && !request.strip_signature) {
    return fail(o.file, "nothing to change: give --os-version, --subsystem-version, --rename-import or --strip-signature");
  }
  if (!o.in_place && same_file(o.file, o.output)) return fail(o.output, "-o names the input file; use --in-place to change it");

  auto input = read_whole_file(o.file);
  if (!input) {
    report_error(o.file, input.error());
    return kExitBadInput;
  }
  auto patched = patch::apply(*input, request);
  if (!patched) {
    report_error(o.file, patched.error());
    return kExitBadInput;
  }
  const std::string destination = o.in_place ? o.file : o.output;
  // A file replaced in place keeps its permissions.
  unsigned mode = 0644;
  if (struct stat st {}; o.in_place && ::stat(o.file.c_str(), &st) == 0) mode = st.st_mode & 07777;
  if (auto written = write_file_atomically(destination, patched->bytes, mode); !written) {
    report_error(destination, written.error());
    return kExitBadInput;
  }

  json changes = json::array();
  for (const auto& c : patched->changes) changes.push_back({{"field", c.field}, {"old", c.old_value}, {"new", c.new_value}});
  if (o.json) {
    print_json(json{{"file", o.file}, {"output", destination}, {"changes", changes}});
  } else {
    fmt::print("{} -> {}: {} changes\n", o.file, destination, changes.size());
    for (const auto& c : changes) {
      fmt::print("  {}: {} -> {}\n", text_of(c["field"]), text_of(c["old"]), text_of(c["new"]));
    }
  }
  return kExitOk;
}

}  // namespace

void register_patch_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<PatchOptions>();
  auto* patch = app.add_subcommand("patch", "Change version fields and imported DLL names, recompute the checksum");
  patch->add_option("file", o->file, "PE file")->required();
  patch->add_option("-o,--output", o->output, "write the result here (never over FILE)");
  patch->add_flag("--in-place", o->in_place, "replace FILE atomically (a temporary file renamed over it)");
  patch->add_option("--os-version", o->os_version, "Major/MinorOperatingSystemVersion, e.g. 5.0");
  patch->add_option("--subsystem-version", o->subsystem_version, "Major/MinorSubsystemVersion, e.g. 5.0");
  patch->add_option("--rename-import", o->renames, "OLD=NEW: rename an imported DLL (normal and delay-load; OLD in any case)");
  patch->add_flag("--strip-signature", o->strip_signature, "remove an Authenticode signature (it would no longer match)");
  patch->add_flag("--json", o->json, "print the changes as JSON");
  patch->callback([o, &exit_code] { exit_code = run_patch(*o); });
}

}  // namespace downlevel::cli
