// Flattens what the PE reader found into comparable lines, so tests can
// assert exact lists and compare results across byte sources.
#pragma once

#include <string>
#include <vector>

#include <fmt/format.h>

#include "downlevel/pe/exports.hpp"
#include "downlevel/pe/imports.hpp"
#include "downlevel/support/byte_source.hpp"

namespace downlevel::testing {

inline std::string import_line(const pe::ImportedModule& m, const pe::ImportedFunction& f) {
  return fmt::format("{}{}!{}", m.kind == pe::ImportKind::delay ? "delay " : "", m.dll,
                     f.by_ordinal ? fmt::format("#{}", f.ordinal) : std::string(f.name));
}

inline std::vector<std::string> import_lines(const std::vector<pe::ImportedModule>& modules) {
  std::vector<std::string> lines;
  for (const auto& m : modules)
    for (const auto& f : m.functions) lines.push_back(import_line(m, f));
  return lines;
}

inline std::string export_line(const pe::ExportedSymbol& s) {
  return fmt::format("{} {}{}{}", s.ordinal, s.name.empty() ? "(no name)" : s.name,
                     s.forwarder.empty() ? "" : " -> ", s.forwarder);
}

inline std::vector<std::string> export_lines(const std::optional<pe::ExportTable>& table) {
  std::vector<std::string> lines;
  if (table)
    for (const auto& s : table->symbols) lines.push_back(export_line(s));
  return lines;
}

// Everything the reader reports about a file, or the error it gives.
inline std::vector<std::string> summarize(ByteSource& source) {
  auto image = pe::PeImage::parse(source);
  if (!image) return {"error: " + image.error().to_string()};
  auto imports = pe::read_all_imports(*image);
  if (!imports) return {"error: " + imports.error().to_string()};
  auto exports = pe::read_exports(*image);
  if (!exports) return {"error: " + exports.error().to_string()};
  auto lines = import_lines(*imports);
  for (auto& line : export_lines(*exports)) lines.push_back(std::move(line));
  lines.push_back(fmt::format("pe32+={} machine={:#x} sections={}", image->is_pe32_plus(), image->machine(),
                              image->section_count()));
  return lines;
}

}  // namespace downlevel::testing
