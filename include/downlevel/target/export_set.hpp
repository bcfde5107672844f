// The exports of one DLL, owned and indexed for lookup by name and ordinal:
// what a target system (or an application's folder) offers an importer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "downlevel/pe/image.hpp"
#include "downlevel/support/result.hpp"

namespace downlevel::target {

// Built-in targets do not know every export's ordinal.
inline constexpr std::uint32_t kUnknownOrdinal = 0xFFFFFFFF;

struct Export {
  std::uint32_t ordinal = 0;  // kUnknownOrdinal when the source does not say
  std::string name;       // empty: ordinal-only
  std::string forwarder;  // "NTDLL.RtlAllocateHeap"; empty: implemented here
};

class ExportSet {
 public:
  ExportSet() = default;
  // The indexes view the strings in `exports_`: moving keeps them valid
  // (the vector's buffer moves with it), copying would not.
  ExportSet(const ExportSet&) = delete;
  ExportSet& operator=(const ExportSet&) = delete;
  ExportSet(ExportSet&&) = default;
  ExportSet& operator=(ExportSet&&) = default;
  ExportSet(std::string file_name, std::uint16_t machine, bool pe32_plus, std::vector<Export> exports);

  // Reads the export directory of a parsed image (no directory: no exports).
  static Result<ExportSet> from_image(const pe::PeImage& image, std::string file_name);

  const std::string& file_name() const { return file_name_; }
  std::uint16_t machine() const { return machine_; }
  bool pe32_plus() const { return pe32_plus_; }
  const std::vector<Export>& exports() const { return exports_; }

  // GetProcAddress semantics: names are case-sensitive.
  const Export* find(std::string_view name) const;
  const Export* find(std::uint32_t ordinal) const;
  // False when some export's ordinal is unknown: a missing ordinal then
  // proves nothing.
  bool ordinals_complete() const { return ordinals_complete_; }

 private:
  void index();

  std::string file_name_;
  std::uint16_t machine_ = 0;
  bool pe32_plus_ = false;
  std::vector<Export> exports_;
  std::unordered_map<std::string_view, std::size_t> by_name_;
  std::unordered_map<std::uint32_t, std::size_t> by_ordinal_;
  bool ordinals_complete_ = true;
};

// Lower-case ASCII, for DLL file names (Windows compares them case-insensitively).
std::string lower_ascii(std::string_view text);

// "kernel32" -> "kernel32.dll": the loader appends ".dll" to names without an extension.
std::string with_dll_extension(std::string_view name);

}  // namespace downlevel::target
