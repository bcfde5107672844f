// The lowest Windows version on which every static import of a program is
// present, by the built-in knowledge: the first-version table for functions
// newer than XP RTM, the XP SP3 exports for the rest. What the knowledge
// does not cover is "unknown", never guessed.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "downlevel/support/result.hpp"
#include "downlevel/target/target.hpp"
#include "downlevel/target/windows_version.hpp"

namespace downlevel::check {

struct VersionedFunction {
  std::string dll;       // lower case, "kernel32.dll"
  std::string function;  // name or "#12"
  target::WindowsVersion version;
};

struct RuntimeLookup {
  std::string function;  // the string constant, e.g. "GetTickCount64"
  std::string dll;       // the DLL the knowledge places it in
  target::WindowsVersion version;
};

struct MinverReport {
  std::string path;
  std::optional<Error> error;
  // The highest version any known static import needs; nullopt when no
  // static import is known at all.
  std::optional<target::WindowsVersion> minimum;
  std::vector<VersionedFunction> known;  // static imports, ascending by version
  std::vector<std::string> unknown;      // "dll!function"
  std::vector<VersionedFunction> delay_known;
  std::vector<std::string> delay_unknown;
  std::vector<RuntimeLookup> runtime_lookups;
};

class Knowledge {
 public:
  // Loads the built-in XP target and the first-version table.
  static Result<Knowledge> builtin();

  std::optional<target::WindowsVersion> version_of(std::string_view dll, std::string_view function) const;
  std::optional<target::WindowsVersion> version_of(std::string_view dll, std::uint32_t ordinal) const;
  // For runtime lookups: a function newer than XP RTM by this name, if any.
  const VersionedFunction* newer_function(std::string_view name) const;

 private:
  target::Target xp_;
  std::unordered_map<std::string, VersionedFunction> newer_by_name_;
};

MinverReport minimum_version(const std::string& path, const Knowledge& knowledge);

}  // namespace downlevel::check
