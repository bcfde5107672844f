// A target system: the DLLs an old Windows offers (their exports) and its
// API set schema, if it has one. Loaded from a folder shaped like system32,
// from a snapshot file, or from a built-in snapshot.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "downlevel/apiset/schema.hpp"
#include "downlevel/target/export_set.hpp"
#include "downlevel/support/result.hpp"

namespace downlevel::target {

class Target {
 public:
  std::string description;               // where it came from, for reports
  std::optional<apiset::Schema> schema;  // none: api-ms-* names are ordinary file names (XP)
  std::vector<std::string> warnings;     // files skipped while loading, one line each

  void add(ExportSet dll);
  // Case-insensitive; a name without extension gets ".dll".
  const ExportSet* find(std::string_view dll_name) const;
  // Keyed by lower-case file name, sorted.
  const std::map<std::string, ExportSet>& dlls() const { return dlls_; }

 private:
  std::map<std::string, ExportSet> dlls_;
};

// Every PE file directly in `folder` (by signature, not extension) and its
// apisetschema.dll. Unreadable files become warnings; a folder with no
// readable DLL is an error.
Result<Target> load_target_folder(const std::string& folder);

// A folder, a snapshot file, or the name of a built-in target.
Result<Target> open_target(const std::string& what);

// True if the file starts with "MZ" and has "PE\0\0" at e_lfanew.
bool has_pe_signature(const std::string& path);

}  // namespace downlevel::target
