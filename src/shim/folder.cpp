#include "downlevel/shim/folder.hpp"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "downlevel/shim/render.hpp"
#include "downlevel/support/file_output.hpp"

namespace downlevel::shim {
namespace {

Status write_text(const std::filesystem::path& path, std::string_view text) {
  return write_file_atomically(path.string(), std::as_bytes(std::span(text.data(), text.size())));
}

}  // namespace

Status write_shim_folder(const ShimPlan& plan, const Runtime& runtime, const std::string& folder) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) return make_error("", 0, "cannot create the folder: " + error.message());
  const std::filesystem::path dir(folder);
  const std::string stem = plan.file_name.substr(0, plan.file_name.rfind('.'));
  if (auto s = write_text(dir / (stem + ".def"), render_def(plan)); !s) return s;
  if (auto s = write_text(dir / (stem + "_exports.cpp"), render_msvc_directives(plan)); !s) return s;
  for (const std::string& source : plan.sources) {
    const RuntimeFile* file = runtime.file(source);
    if (!file) return make_error("", 0, fmt::format("runtime: no source {}", source));
    if (auto s = write_text(dir / source, file->text); !s) return s;
  }
  return write_text(dir / kManifestFile, render_manifest(plan));
}

}  // namespace downlevel::shim
