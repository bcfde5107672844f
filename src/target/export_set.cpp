#include "downlevel/target/export_set.hpp"

#include <algorithm>

#include "downlevel/pe/exports.hpp"

namespace downlevel::target {

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  return out;
}

std::string with_dll_extension(std::string_view name) {
  const auto slash = name.find_last_of("\\/");
  const std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
  if (base.find('.') != std::string_view::npos) return std::string(name);
  return std::string(name) + ".dll";
}

ExportSet::ExportSet(std::string file_name, std::uint16_t machine, bool pe32_plus, std::vector<Export> exports)
    : file_name_(std::move(file_name)), machine_(machine), pe32_plus_(pe32_plus), exports_(std::move(exports)) {
  index();
}

void ExportSet::index() {
  by_name_.reserve(exports_.size());
  for (std::size_t i = 0; i < exports_.size(); ++i) {
    if (!exports_[i].name.empty()) by_name_.emplace(exports_[i].name, i);
    if (exports_[i].ordinal == kUnknownOrdinal) {
      ordinals_complete_ = false;
    } else {
      by_ordinal_.emplace(exports_[i].ordinal, i);
    }
  }
}

Result<ExportSet> ExportSet::from_image(const pe::PeImage& image, std::string file_name) {
  auto table = pe::read_exports(image);
  if (!table) return table.error();
  std::vector<Export> exports;
  if (table->has_value()) {
    exports.reserve((*table)->symbols.size());
    for (const auto& symbol : (*table)->symbols) {
      exports.push_back({symbol.ordinal, std::string(symbol.name), std::string(symbol.forwarder)});
    }
  }
  return ExportSet(std::move(file_name), image.machine(), image.is_pe32_plus(), std::move(exports));
}

const Export* ExportSet::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &exports_[it->second];
}

const Export* ExportSet::find(std::uint32_t ordinal) const {
  auto it = by_ordinal_.find(ordinal);
  return it == by_ordinal_.end() ? nullptr : &exports_[it->second];
}

}  // namespace downlevel::target
