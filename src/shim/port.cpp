#include "downlevel/shim/port.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "downlevel/check/checker.hpp"
#include "downlevel/pe/imports.hpp"
#include "downlevel/shim/build.hpp"
#include "downlevel/shim/folder.hpp"
#include "downlevel/shim/plan.hpp"
#include "downlevel/support/byte_source.hpp"
#include "downlevel/support/file_output.hpp"

namespace downlevel::shim {
namespace {

namespace fs = std::filesystem;

Status prepare_copy(const PortRequest& request) {
  std::error_code error;
  if (!fs::is_directory(request.app_folder, error)) {
    return make_error("", 0, fmt::format("{} is not a folder", request.app_folder));
  }
  if (fs::exists(request.output_folder, error)) {
    if (!fs::is_directory(request.output_folder, error) || !fs::is_empty(request.output_folder, error)) {
      return make_error("", 0, fmt::format("{} exists and is not an empty folder", request.output_folder));
    }
    if (fs::equivalent(request.app_folder, request.output_folder, error)) {
      return make_error("", 0, "the output folder is the application folder");
    }
  }
  const fs::path app = fs::weakly_canonical(request.app_folder, error);
  const fs::path out = fs::weakly_canonical(request.output_folder, error);
  if (out.string().starts_with((app / "").string())) {
    return make_error("", 0, "the output folder is inside the application folder");
  }
  fs::create_directories(request.output_folder, error);
  if (!error) fs::copy(request.app_folder, request.output_folder, fs::copy_options::recursive, error);
  if (error) return make_error("", 0, fmt::format("copying to {}: {}", request.output_folder, error.message()));
  return Status::ok();
}

// The PE files directly in `folder`, sorted.
std::vector<std::string> pe_files_in(const std::string& folder) {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    if (entry.is_regular_file(error) && target::has_pe_signature(entry.path().string())) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

check::Report check_folder(const std::string& folder, const target::Target& target) {
  check::Report report;
  report.target = target.description;
  check::Checker checker(target);
  for (const std::string& file : pe_files_in(folder)) report.files.push_back(checker.check_file(file));
  check::summarize(report);
  return report;
}

// One shim to make: the target DLL, the missing functions, who imports them.
struct ShimNeed {
  std::set<std::string> missing;  // function names ("#12" for ordinals)
  std::map<std::string, std::set<std::string>> importers;  // file name -> DLL names as imported
  bool pe32_plus = false;
};

std::map<std::string, ShimNeed> needs_of(const check::Report& report, const target::Target& target) {
  std::map<std::string, ShimNeed> needs;
  for (const check::FileReport& file : report.files) {
    for (const check::Problem& p : file.problems) {
      if (p.kind != check::ProblemKind::missing_function || p.host.empty() || !target.find(p.host)) continue;
      ShimNeed& need = needs[target::lower_ascii(p.host)];
      need.missing.insert(p.function);
      need.importers[p.importer].insert(p.dll);
      need.pe32_plus = file.pe32_plus;
    }
  }
  return needs;
}

// Every export of the target's DLL (forwarded) and the missing names.
std::vector<WantedExport> wanted_exports(const target::ExportSet& in_target, const std::set<std::string>& missing) {
  std::vector<WantedExport> wanted;
  for (const target::Export& e : in_target.exports()) wanted.push_back({e.name, e.ordinal});
  for (const std::string& name : missing) {
    if (name.starts_with('#')) continue;  // an ordinal the target lacks: nothing can stand in for it
    wanted.push_back({name, target::kUnknownOrdinal});
  }
  return wanted;
}

// The renames among `renames` whose old name the image imports (a problem
// reached through a forwarder names a module, not an import).
std::vector<std::pair<std::string, std::string>> applicable(
    const pe::PeImage& image, const std::vector<std::pair<std::string, std::string>>& renames) {
  std::vector<std::pair<std::string, std::string>> kept;
  if (renames.empty()) return kept;
  auto modules = pe::read_all_imports(image);
  if (!modules) return kept;
  for (const auto& rename : renames) {
    const bool imported = std::any_of(modules->begin(), modules->end(), [&](const pe::ImportedModule& m) {
      return target::lower_ascii(m.dll) == target::lower_ascii(rename.first);
    });
    if (imported) kept.push_back(rename);
  }
  return kept;
}

// Applies the renames the file can take and lowers its version fields to
// `wanted` (never raises them); the file is replaced atomically.
Result<std::vector<patch::Change>> patch_file(const std::string& path, std::optional<patch::Version> wanted,
                                              const std::vector<std::pair<std::string, std::string>>& renames) {
  auto bytes = read_whole_file(path);
  if (!bytes) return std::move(bytes).error();
  MemorySource source(*bytes);
  auto image = pe::PeImage::parse(source);
  if (!image) return std::move(image).error();
  const patch::Version version =
      wanted ? *wanted : patch::Version{5, static_cast<std::uint16_t>(image->is_pe32_plus() ? 2 : 1)};
  const auto higher = [&](std::uint16_t major, std::uint16_t minor) {
    return std::pair{major, minor} > std::pair{version.major, version.minor};
  };
  patch::Request request;
  request.renames = applicable(*image, renames);
  if (higher(image->major_os_version(), image->minor_os_version())) request.os_version = version;
  if (higher(image->major_subsystem_version(), image->minor_subsystem_version())) request.subsystem_version = version;
  if (request.renames.empty() && !request.os_version && !request.subsystem_version) return std::vector<patch::Change>{};
  request.strip_signature = true;  // a signature cannot survive the change
  auto patched = patch::apply(*bytes, request);
  if (!patched) return std::move(patched).error();
  std::error_code error;
  const auto mode = static_cast<unsigned>(fs::status(path, error).permissions() & fs::perms::mask);
  if (auto written = write_file_atomically(path, patched->bytes, error ? 0644u : mode); !written) return written.error();
  return std::move(patched->changes);
}

}  // namespace

bool is_redistributable(std::string_view dll) {
  const std::string name = target::lower_ascii(target::with_dll_extension(dll));
  for (const std::string_view prefix : {"api-ms-win-crt-", "vcruntime140", "msvcp140", "concrt140", "vcomp140"}) {
    if (name.starts_with(prefix)) return true;
  }
  return name == "ucrtbase.dll";
}

Result<PortReport> port(const PortRequest& request, const target::Target& target, const Runtime& runtime) {
  if (auto copied = prepare_copy(request); !copied) return copied.error();
  PortReport report;
  report.before = check_folder(request.output_folder, target);

  std::set<std::string> redistributables;
  for (const auto& file : report.before.files) {
    for (const auto& p : file.problems) {
      if (p.kind == check::ProblemKind::missing_dll && is_redistributable(p.dll)) {
        redistributables.insert(target::lower_ascii(p.dll));
      }
    }
  }
  report.ship_beside.assign(redistributables.begin(), redistributables.end());

  // Shims, and the renames they call for, per file.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> renames;
  for (const auto& entry : needs_of(report.before, target)) {
    const std::string& host = entry.first;  // not a structured binding: clang 14 cannot capture those
    const ShimNeed& need = entry.second;
    const bool any_implemented = std::any_of(need.missing.begin(), need.missing.end(),
                                             [&](const std::string& f) { return runtime.find(host, f) != nullptr; });
    if (!any_implemented) continue;
    const target::ExportSet& in_target = *target.find(host);
    const std::string shim_name = default_shim_name(host);
    auto plan = plan_shim(host, shim_name, wanted_exports(in_target, need.missing), &in_target, runtime);
    if (!plan) return std::move(plan).error();
    const std::string stem = shim_name.substr(0, shim_name.rfind('.'));
    const std::string folder = (fs::path(request.output_folder) / "downlevel-shims" / stem).string();
    if (auto written = write_shim_folder(*plan, runtime, folder); !written) return written.error();
    const Arch arch = need.pe32_plus ? Arch::x64 : Arch::x86;
    auto built = build_shim({folder, arch, arch == Arch::x86 ? request.compiler_x86 : request.compiler_x64});
    if (!built) return std::move(built).error();
    std::error_code error;
    const fs::path placed = fs::path(request.output_folder) / shim_name;
    if (fs::exists(placed, error)) {
      return make_error("", 0, fmt::format("the application already has a file named {}; its shim would replace it",
                                           shim_name));
    }
    fs::copy_file(built->dll, placed, error);
    if (error) return make_error("", 0, fmt::format("copying {}: {}", built->dll, error.message()));
    report.shims.push_back({host, shim_name, folder, plan->names_with(Provision::implemented)});
    for (const auto& [importer, imported_names] : need.importers) {
      for (const std::string& imported : imported_names) renames[target::lower_ascii(importer)].emplace_back(imported, shim_name);
    }
  }

  std::set<std::string> shim_files;
  for (const auto& s : report.shims) shim_files.insert(s.shim);
  for (const std::string& path : pe_files_in(request.output_folder)) {
    const std::string name = target::lower_ascii(fs::path(path).filename().string());
    if (shim_files.count(name)) continue;
    auto changes = patch_file(path, request.os_version, renames[name]);
    if (!changes) {
      Error e = std::move(changes).error();
      e.message = fmt::format("{}: {}", path, e.message);
      return e;
    }
    if (!changes->empty()) report.patched.push_back({path, std::move(*changes)});
  }

  report.after = check_folder(request.output_folder, target);
  for (const auto& file : report.after.files) {
    for (const auto& p : file.problems) {
      if (!check::is_missing(p.kind) || redistributables.count(target::lower_ascii(p.dll))) continue;
      report.remaining.push_back(p);
    }
  }
  return report;
}

}  // namespace downlevel::shim
