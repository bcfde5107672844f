// Resolving an imported DLL name through a schema, exactly as the loader of
// the schema's Windows version does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "downlevel/apiset/schema.hpp"

namespace downlevel::apiset {

enum class Outcome {
  not_an_api_set,  // no api-/ext- prefix (or too short): the ordinary DLL search applies
  not_in_schema,   // API-set-shaped, but no set matches: the ordinary DLL search of the literal file name
  unhosted,        // a set exists but has no value or an empty host: the DLL is treated as absent
  resolved,        // loads `host`
};
const char* outcome_name(Outcome outcome);

struct Resolution {
  Outcome outcome = Outcome::not_an_api_set;
  std::size_t set_index = 0;    // valid for unhosted and resolved
  std::size_t value_index = 0;  // valid for resolved (and unhosted with values)
  std::u16string_view host;     // into the schema; empty unless resolved
};

// Each step the loader takes, for `--explain`.
struct Explanation {
  std::string searched;                  // v6: the hashed prefix; v2/v4: the name searched for
  std::uint32_t hashed_length = 0;       // v6, in characters
  std::uint32_t hash = 0;                // v6
  std::optional<std::size_t> hash_slot;  // v6: position in the hash table that matched
  std::string stopped_because;           // empty when a set was found
};

// `dll_name` as imported ("API-MS-Win-Core-Synch-L1-2-0.dll"; ".dll" may be
// absent); `importer` the base name of the module whose import is being
// resolved, for the exceptions. Bytes are taken as Latin-1 characters.
Resolution resolve(const Schema& schema, std::string_view dll_name, std::string_view importer = {},
                   Explanation* explain = nullptr);

// The loader's hashed length: characters before the last '-' that precedes
// the first '.', so both ".dll" and the last version number are ignored.
std::size_t hashed_length(std::string_view name);

// hash = hash * factor + fold(c) over `text`, in uint32 with wrap-around.
std::uint32_t hash_name(std::string_view text, std::uint32_t factor);
std::uint32_t hash_name(std::u16string_view text, std::uint32_t factor);

}  // namespace downlevel::apiset
