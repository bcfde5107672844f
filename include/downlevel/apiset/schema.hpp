// The API Set Schema, one model for every on-disk version (2, 4, 6).
//
// Names keep their stored UTF-16 form, so resolution compares exactly what
// the loader compares. Layouts: ../shared/docs/apiset-format.md.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "downlevel/support/result.hpp"

namespace downlevel::apiset {

struct Value {
  std::u16string importer;  // empty for the default value (VALUE[0])
  std::u16string host;      // empty: "in the schema, not hosted"
  std::uint32_t flags = 0;  // v4/v6
};

struct ApiSet {
  // As stored: v6 "api-ms-win-core-synch-l1-2-0"; v2/v4 "MS-Win-Core-Console-L1-1-0"
  // (no prefix). Never with ".dll".
  std::u16string name;
  std::uint32_t flags = 0;          // v4/v6: 1 sealed, 2 extension (v4)
  std::uint32_t hashed_length = 0;  // v6: bytes hashed (up to the last hyphen)
  std::u16string alias;             // v4
  std::vector<Value> values;        // [0] default, [1..] exceptions by importer
};

struct HashEntry {
  std::uint32_t hash = 0;
  std::uint32_t index = 0;
};

struct Schema {
  std::uint32_t version = 0;  // 2, 4 or 6
  std::uint32_t flags = 0;    // v4/v6: 1 sealed, 2 host extension
  std::uint32_t hash_factor = 0;  // v6
  std::vector<ApiSet> sets;
  std::vector<HashEntry> hash_table;  // v6: sorted by hash
  // Windows 7's loader accepts only the "api-" prefix; Windows 8 and later
  // also "ext-". Both use version-2 schemas, so the containing DLL's OS
  // version decides (see reader.hpp); true for versions 4 and 6.
  bool ext_prefix = true;

  // The name a program imports: "api-ms-win-core-synch-l1-2-0.dll"; v2/v4
  // sets get the "api-" prefix their storage drops.
  std::string full_name(const ApiSet& set) const;
};

// Windows versions that shipped each schema version, for messages.
const char* windows_for_version(std::uint32_t version);

}  // namespace downlevel::apiset
