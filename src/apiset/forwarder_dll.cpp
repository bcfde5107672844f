#include "downlevel/apiset/forwarder_dll.hpp"

#include <algorithm>

#include "downlevel/pe/exports.hpp"

namespace downlevel::apiset {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  return out;
}

}  // namespace

bool is_api_set_file_name(std::string_view file_name) {
  const std::string name = lower(file_name);
  return (name.starts_with("api-ms-") || name.starts_with("ext-ms-")) && name.ends_with(".dll");
}

Result<ForwarderDllSummary> summarize_forwarder_dll(const pe::PeImage& image) {
  auto table = pe::read_exports(image);
  if (!table) return table.error();
  ForwarderDllSummary summary;
  if (!table->has_value()) return summary;
  for (const auto& symbol : (*table)->symbols) {
    ++summary.exports;
    if (symbol.forwarder.empty()) {
      ++summary.own_exports;
      continue;
    }
    const auto target = pe::parse_forwarder(symbol.forwarder);
    if (!target) {
      ++summary.malformed_forwarders;
      continue;
    }
    ++summary.targets[lower(target->module) + ".dll"];
  }
  return summary;
}

}  // namespace downlevel::apiset
