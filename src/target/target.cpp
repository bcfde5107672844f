#include "downlevel/target/target.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "downlevel/apiset/reader.hpp"
#include "downlevel/pe/image.hpp"

namespace downlevel::target {

void Target::add(ExportSet dll) {
  std::string key = lower_ascii(dll.file_name());
  dlls_.insert_or_assign(std::move(key), std::move(dll));
}

const ExportSet* Target::find(std::string_view dll_name) const {
  auto it = dlls_.find(lower_ascii(with_dll_extension(dll_name)));
  return it == dlls_.end() ? nullptr : &it->second;
}

bool has_pe_signature(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[64] = {};
  if (!in.read(head, sizeof head) || head[0] != 'M' || head[1] != 'Z') return false;
  std::uint32_t e_lfanew = 0;
  for (int i = 3; i >= 0; --i) e_lfanew = (e_lfanew << 8) | static_cast<unsigned char>(head[0x3C + i]);
  char signature[4] = {};
  in.seekg(e_lfanew);
  return in.read(signature, 4) && std::equal(signature, signature + 4, "PE\0\0");
}

Result<Target> load_target_folder(const std::string& folder) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(folder, ec);
  if (ec) return make_error("", 0, fmt::format("{}: cannot read the target folder: {}", folder, ec.message()));
  std::vector<fs::path> files;
  for (const auto& entry : it) {
    if (entry.is_regular_file(ec)) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());

  Target target;
  target.description = "folder " + folder;
  for (const auto& path : files) {
    const std::string file = path.string();
    if (!has_pe_signature(file)) continue;
    auto source = open_file(file, ReadMode::pread);
    if (!source) {
      target.warnings.push_back(source.error().to_string());
      continue;
    }
    const std::string name = path.filename().string();
    if (lower_ascii(name) == "apisetschema.dll") {
      auto schema = apiset::read_schema(**source);
      if (schema) {
        target.schema = std::move(*schema);
      } else {
        target.warnings.push_back(fmt::format("{}: {} (target used without an API set schema)", file, schema.error().to_string()));
      }
      continue;
    }
    auto image = pe::PeImage::parse(**source);
    if (!image) {
      target.warnings.push_back(fmt::format("{}: {}", file, image.error().to_string()));
      continue;
    }
    auto exports = ExportSet::from_image(*image, name);
    if (!exports) {
      target.warnings.push_back(fmt::format("{}: {}", file, exports.error().to_string()));
      continue;
    }
    target.add(std::move(*exports));
  }
  if (target.dlls().empty()) {
    return make_error("", 0, fmt::format("{}: the target folder holds no readable DLL", folder));
  }
  return target;
}

}  // namespace downlevel::target
