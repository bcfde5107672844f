#include "downlevel/check/minver.hpp"

#include <algorithm>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "downlevel/pe/exports.hpp"
#include "downlevel/pe/imports.hpp"
#include "downlevel/pe/open.hpp"
#include "downlevel/target/builtin.hpp"
#include "downlevel/target/first_version.hpp"

namespace downlevel::check {

namespace {

constexpr std::uint32_t kExecutableSection = 0x20000000;
constexpr std::size_t kMinLookupName = 4, kMaxLookupName = 128;

bool is_identifier(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool by_version(const VersionedFunction& a, const VersionedFunction& b) {
  return std::tie(a.version, a.dll, a.function) < std::tie(b.version, b.dll, b.function);
}

// NUL-terminated identifier strings in the image's data (not code) sections:
// what GetProcAddress(h, "Name") leaves behind.
std::set<std::string> data_strings(const pe::PeImage& image) {
  std::set<std::string> strings;
  for (std::size_t i = 0; i < image.section_count(); ++i) {
    const auto section = image.section(i);
    if ((section.characteristics() & kExecutableSection) != 0 || section.size_of_raw_data() == 0) continue;
    auto bytes = image.bytes_from(section.virtual_address());
    if (!bytes) continue;  // a section without file data holds no constants
    const std::string_view data(reinterpret_cast<const char*>(bytes->data()), bytes->size());
    std::size_t start = 0;
    while (start < data.size()) {
      std::size_t end = data.find('\0', start);
      if (end == std::string_view::npos) break;  // not NUL-terminated: not a C string constant
      const std::string_view piece = data.substr(start, end - start);
      if (piece.size() >= kMinLookupName && piece.size() <= kMaxLookupName && is_identifier(piece)) {
        strings.emplace(piece);
      }
      start = end + 1;
    }
  }
  return strings;
}

}  // namespace

Result<Knowledge> Knowledge::builtin() {
  const auto* xp = target::find_builtin_target("xp");
  if (xp == nullptr) return make_error("", 0, "the built-in xp target is missing");
  auto loaded = target::load_builtin_target(*xp);
  if (!loaded) return loaded.error();
  Knowledge knowledge;
  knowledge.xp_ = std::move(*loaded);
  for (const auto& row : target::first_versions()) {
    auto version = target::WindowsVersion::parse(row.first_windows);
    if (!version) return make_error("first-version data", 0, fmt::format("bad version {} for {}", row.first_windows, row.function));
    knowledge.newer_by_name_.try_emplace(std::string(row.function),
                                         VersionedFunction{std::string(row.dll), std::string(row.function), *version});
  }
  return knowledge;
}

std::optional<target::WindowsVersion> Knowledge::version_of(std::string_view dll, std::string_view function) const {
  const std::string file = target::lower_ascii(target::with_dll_extension(dll));
  if (const auto* row = target::find_first_version(file, function)) return target::WindowsVersion::parse(row->first_windows);
  if (const auto* exports = xp_.find(file); exports && exports->find(function)) return target::kWindowsXp;
  return std::nullopt;
}

std::optional<target::WindowsVersion> Knowledge::version_of(std::string_view dll, std::uint32_t ordinal) const {
  if (const auto* exports = xp_.find(dll); exports && exports->find(ordinal)) return target::kWindowsXp;
  return std::nullopt;
}

const VersionedFunction* Knowledge::newer_function(std::string_view name) const {
  auto it = newer_by_name_.find(std::string(name));
  return it == newer_by_name_.end() ? nullptr : &it->second;
}

MinverReport minimum_version(const std::string& path, const Knowledge& knowledge) {
  MinverReport report;
  report.path = path;
  auto opened = pe::open_image(path);
  if (!opened) {
    report.error = opened.error();
    return report;
  }
  const pe::PeImage& image = *opened->image;
  auto imports = pe::read_all_imports(image);
  if (!imports) {
    report.error = imports.error();
    return report;
  }
  auto exports = pe::read_exports(image);
  if (!exports) {
    report.error = exports.error();
    return report;
  }

  std::set<std::string> imported_names;
  for (const auto& module : *imports) {
    const bool delay = module.kind == pe::ImportKind::delay;
    const std::string dll = target::lower_ascii(target::with_dll_extension(module.dll));
    for (const auto& f : module.functions) {
      const std::string function = f.by_ordinal ? fmt::format("#{}", f.ordinal) : std::string(f.name);
      if (!f.by_ordinal) imported_names.insert(function);
      const auto version = f.by_ordinal ? knowledge.version_of(dll, std::uint32_t{f.ordinal}) : knowledge.version_of(dll, f.name);
      if (version) {
        (delay ? report.delay_known : report.known).push_back({dll, function, *version});
      } else {
        (delay ? report.delay_unknown : report.unknown).push_back(dll + "!" + function);
      }
    }
  }
  std::sort(report.known.begin(), report.known.end(), by_version);
  std::sort(report.delay_known.begin(), report.delay_known.end(), by_version);
  if (!report.known.empty()) report.minimum = report.known.back().version;

  // A name the image neither imports nor exports, yet keeps as a string, is
  // most likely looked up with GetProcAddress.
  if (exports->has_value()) {
    for (const auto& symbol : (*exports)->symbols) imported_names.emplace(symbol.name);
  }
  for (const auto& text : data_strings(image)) {
    if (imported_names.contains(text)) continue;
    if (const auto* newer = knowledge.newer_function(text)) report.runtime_lookups.push_back({text, newer->dll, newer->version});
  }
  return report;
}

}  // namespace downlevel::check
