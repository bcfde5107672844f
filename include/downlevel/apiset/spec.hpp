// The JSON form of a schema: the format of the published dumps in
// ../shared/data/apisets/ (namespaces with name, host, flags, and one
// exception as alt_name/alt_host), extended with an "exceptions" array for
// sets that have more than one.
#pragma once

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "downlevel/apiset/schema.hpp"
#include "downlevel/pe/image.hpp"
#include "downlevel/support/result.hpp"

namespace downlevel::apiset {

// What a spec file says besides its sets.
struct SpecInfo {
  pe::Machine machine = pe::Machine::amd64;  // from PE.Machine ("AMD64" / "I386")
  std::uint16_t os_major = 0;                // from PE.FileVersion ("6.2.9200.16384 ..."), 0 if absent
  std::uint16_t os_minor = 0;
};

// The spec's namespaces as a schema of `version` (2, 4 or 6): names stored
// the way that version stores them, sets sorted as its loader searches them,
// the v6 hash table built with HashFactor 31. A set's host becomes its
// default value; an empty host stays empty ("in schema, not hosted").
Result<Schema> schema_from_spec(std::string_view json_text, std::uint32_t version, SpecInfo* info = nullptr);

// The schema in that JSON form (what `apiset dump --json` prints); feeding it
// back to schema_from_spec gives the same sets.
nlohmann::json to_spec(const Schema& schema);

}  // namespace downlevel::apiset
