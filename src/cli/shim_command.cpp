// `downlevel shim generate|build`: a forwarder DLL that really implements
// what the target lacks.
#include "shim_command.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "common.hpp"
#include "downlevel/shim/build.hpp"
#include "downlevel/shim/folder.hpp"
#include "downlevel/shim/plan.hpp"
#include "downlevel/target/target.hpp"

namespace downlevel::cli {
namespace {

using nlohmann::json;

struct GenerateOptions {
  std::string from, target, name, output;
  bool json = false;
};

struct BuildOptions {
  std::string folder, arch, compiler;
};

json plan_model(const shim::ShimPlan& plan, const std::string& folder) {
  json rejected = json::array();
  for (const auto& r : plan.rejected) {
    rejected.push_back({{"name", r.name}, {"reason", r.reason}});
  }
  const auto forwarded = plan.names_with(shim::Provision::forwarded);
  return {{"shim", plan.file_name},       {"original", plan.original},
          {"folder", folder},             {"forwarded", forwarded.size()},
          {"implemented", plan.names_with(shim::Provision::implemented)},
          {"unprovided", plan.names_with(shim::Provision::unprovided)},
          {"rejected", rejected},         {"sources", plan.sources}};
}

void print_plan_text(const json& m) {
  fmt::print("{} (for {}) in {}: {} forwarded, {} implemented, {} unprovided, {} rejected\n",
             text_of(m["shim"]), text_of(m["original"]), text_of(m["folder"]),
             m["forwarded"].get<std::size_t>(), m["implemented"].size(), m["unprovided"].size(), m["rejected"].size());
  for (const char* key : {"implemented", "unprovided"}) {
    if (m[key].empty()) continue;
    std::string names;
    for (const auto& n : m[key]) names += (names.empty() ? "" : ", ") + n.get<std::string>();
    fmt::print("  {}: {}\n", key, names);
  }
}

int run_generate(const GenerateOptions& o) {
  auto opened = open_image(o.from);
  if (!opened) {
    report_error(o.from, opened.error());
    return kExitBadInput;
  }
  const std::string original = target::lower_ascii(std::filesystem::path(o.from).filename().string());
  auto exports = target::ExportSet::from_image(*opened->image, original);
  if (!exports) {
    report_error(o.from, exports.error());
    return kExitBadInput;
  }
  auto inputs = open_shim_inputs(o.target);
  if (!inputs) return kExitBadInput;
  std::vector<shim::WantedExport> wanted;
  for (const auto& e : exports->exports()) wanted.push_back(shim::WantedExport{e.name, e.ordinal});
  const std::string name = o.name.empty() ? shim::default_shim_name(original) : o.name;
  auto plan = shim::plan_shim(original, name, wanted, inputs->target.find(original), inputs->runtime);
  if (!plan) {
    report_error(o.from, plan.error());
    return kExitBadInput;
  }
  for (const auto& r : plan->rejected) {
    std::fputs(fmt::format("{}: export \"{}\" rejected: {}\n", o.from, r.name, r.reason).c_str(), stderr);
  }
  if (auto written = shim::write_shim_folder(*plan, inputs->runtime, o.output); !written) {
    report_error(o.output, written.error());
    return kExitBadInput;
  }
  const json model = plan_model(*plan, o.output);
  if (o.json) print_json(model);
  else print_plan_text(model);
  return plan->rejected.empty() && model["unprovided"].empty() ? kExitOk : kExitFindings;
}

int run_build(const BuildOptions& o) {
  const auto arch = shim::parse_arch(o.arch);
  if (!arch) {
    report_error(o.folder, make_error("", 0, fmt::format("--arch \"{}\" must be x86 or x64", o.arch)));
    return kExitBadInput;
  }
  auto built = shim::build_shim({o.folder, *arch, o.compiler});
  if (!built) {
    report_error(o.folder, built.error());
    return kExitBadInput;
  }
  fmt::print("{}\n", built->dll);
  return kExitOk;
}

}  // namespace

std::optional<ShimInputs> open_shim_inputs(const std::string& target_name) {
  auto target = target::open_target(target_name);
  if (!target) {
    report_error(target_name, target.error());
    return std::nullopt;
  }
  auto runtime = shim::Runtime::builtin();
  if (!runtime) {
    report_error("runtime", runtime.error());
    return std::nullopt;
  }
  return ShimInputs{std::move(*target), std::move(*runtime)};
}

void register_shim_command(CLI::App& app, int& exit_code) {
  auto* shim = app.add_subcommand("shim", "Generate and build forwarder DLLs that implement what a target lacks");
  shim->require_subcommand(1);

  auto g = std::make_shared<GenerateOptions>();
  auto* generate = shim->add_subcommand("generate", "Write a shim's .def, MSVC directives and runtime sources");
  generate->add_option("--from", g->from, "the DLL whose exports the shim offers (e.g. a newer kernel32.dll)")->required();
  generate->add_option("--target", g->target, "what the old system has: folder, snapshot or built-in name")->required();
  generate->add_option("--name", g->name, "the shim's file name (default: the original's with its first letter x)");
  generate->add_option("-o,--output", g->output, "folder for the sources")->required();
  generate->add_flag("--json", g->json, "print the plan as JSON");
  generate->callback([g, &exit_code] { exit_code = run_generate(*g); });

  auto b = std::make_shared<BuildOptions>();
  auto* build = shim->add_subcommand("build", "Build a generated shim folder with mingw-w64");
  build->add_option("folder", b->folder, "folder written by shim generate")->required();
  build->add_option("--arch", b->arch, "x86 or x64")->required();
  build->add_option("--cc", b->compiler, "the cross compiler (default i686-/x86_64-w64-mingw32-gcc)");
  build->callback([b, &exit_code] { exit_code = run_build(*b); });
}

}  // namespace downlevel::cli
