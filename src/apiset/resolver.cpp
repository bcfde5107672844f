// The loader's rules, restated from ../shared/docs/apiset-format.md (and the
// shape of Wine's get_apiset_entry/get_apiset_target):
//   v6:    prefix test, hash of the name up to its last hyphen, binary search
//          of the hash table, then HashedLength and name verification;
//   v2/v4: prefix test, strip the prefix and ".dll", case-insensitive binary
//          search on the whole remaining name (the last number counts);
//   then:  no values -> absent; an exception whose importer matches the
//          importing module; else the default; an empty host -> absent.
#include "downlevel/apiset/resolver.hpp"

#include <vector>

#include "downlevel/support/utf16.hpp"

namespace downlevel::apiset {

namespace {

Resolution unresolved(Outcome outcome) {
  Resolution result;
  result.outcome = outcome;
  return result;
}

char16_t widen(char c) { return static_cast<char16_t>(static_cast<unsigned char>(c)); }

// Case-insensitive three-way comparison of an imported (byte) name with a
// stored (UTF-16) name.
int compare_folded(std::string_view query, std::u16string_view stored) {
  const std::size_t n = std::min(query.size(), stored.size());
  for (std::size_t i = 0; i < n; ++i) {
    const char16_t a = fold_ascii(widen(query[i]));
    const char16_t b = fold_ascii(stored[i]);
    if (a != b) return a < b ? -1 : 1;
  }
  if (query.size() == stored.size()) return 0;
  return query.size() < stored.size() ? -1 : 1;
}

bool equal_folded(std::string_view query, std::u16string_view stored) {
  return query.size() == stored.size() && compare_folded(query, stored) == 0;
}

// `prefix` is lower-case ASCII.
bool has_prefix(std::string_view name, std::string_view prefix) {
  if (name.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (fold_ascii(widen(name[i])) != widen(prefix[i])) return false;
  }
  return true;
}

bool starts_like_api_set(const Schema& schema, std::string_view name) {
  if (name.size() <= 4) return false;
  return has_prefix(name, "api-") || (schema.ext_prefix && has_prefix(name, "ext-"));
}

std::string_view strip_dll(std::string_view name) {
  if (name.size() >= 4 && compare_folded(name.substr(name.size() - 4), u".dll") == 0) name.remove_suffix(4);
  return name;
}

// Steps shared by every version once a set is found.
Resolution choose_value(const Schema& schema, std::size_t set_index, std::string_view importer, Explanation* explain) {
  const ApiSet& set = schema.sets[set_index];
  Resolution result;
  result.set_index = set_index;
  if (set.values.empty()) {
    result.outcome = Outcome::unhosted;
    if (explain) explain->stopped_because = "the set has no values";
    return result;
  }
  std::size_t chosen = 0;
  if (!importer.empty()) {
    for (std::size_t i = 1; i < set.values.size(); ++i) {
      if (equal_folded(importer, set.values[i].importer)) {
        chosen = i;
        break;
      }
    }
  }
  result.value_index = chosen;
  if (set.values[chosen].host.empty()) {
    result.outcome = Outcome::unhosted;
    if (explain) explain->stopped_because = "the chosen value has an empty host";
    return result;
  }
  result.outcome = Outcome::resolved;
  result.host = set.values[chosen].host;
  return result;
}

// The loader's own search, restated from Wine's get_apiset_entry: bounds
// inclusive, midpoint (min + max) / 2, the first equal hash it meets is the
// one compared. When entries share a hash this decides which set is found,
// so another midpoint rule would find sets the loader does not.
std::size_t loader_binary_search(const std::vector<HashEntry>& table, std::uint32_t hash) {
  std::int64_t min = 0, max = static_cast<std::int64_t>(table.size()) - 1;
  while (min <= max) {
    const std::int64_t pos = (min + max) / 2;
    if (table[pos].hash < hash) {
      min = pos + 1;
    } else if (table[pos].hash > hash) {
      max = pos - 1;
    } else {
      return static_cast<std::size_t>(pos);
    }
  }
  return table.size();
}

// hashed_length() and hash_name() of that prefix in one pass: the hash of
// every prefix is on the way, so the one ending at the last hyphen is kept.
// The resolver's hot path.
std::pair<std::size_t, std::uint32_t> hash_up_to_last_hyphen(std::string_view name, std::uint32_t factor) {
  std::size_t length = 0;
  std::uint32_t hash = 0, hash_at_hyphen = 0;
  for (std::size_t i = 0; i < name.size() && name[i] != '.'; ++i) {
    if (name[i] == '-') {
      length = i;
      hash_at_hyphen = hash;
    }
    hash = hash * factor + fold_ascii(widen(name[i]));
  }
  return {length, hash_at_hyphen};
}

Resolution resolve_hashed(const Schema& schema, std::string_view name, std::string_view importer, Explanation* explain) {
  const auto [length, hash] = hash_up_to_last_hyphen(name, schema.hash_factor);
  const std::string_view hashed = name.substr(0, length);
  if (explain) {
    explain->searched = std::string(hashed);
    explain->hashed_length = static_cast<std::uint32_t>(length);
    explain->hash = hash;
  }
  const std::size_t slot = loader_binary_search(schema.hash_table, hash);
  if (slot < schema.hash_table.size()) {
    if (explain) explain->hash_slot = slot;
    const std::size_t index = schema.hash_table[slot].index;
    const ApiSet& set = schema.sets[index];
    // The hash matched; the loader still requires the same hashed length
    // and the same characters, or the name is not an API set.
    if (set.hashed_length != length * 2 || set.name.size() < length ||
        !equal_folded(hashed, std::u16string_view(set.name).substr(0, length))) {
      if (explain) explain->stopped_because = "hash matched but the set's name differs";
      return unresolved(Outcome::not_in_schema);
    }
    return choose_value(schema, index, importer, explain);
  }
  if (explain) explain->stopped_because = "no set has this hash";
  return unresolved(Outcome::not_in_schema);
}

Resolution resolve_sorted(const Schema& schema, std::string_view name, std::string_view importer, Explanation* explain) {
  const std::string_view searched = strip_dll(name.substr(4));
  if (explain) explain->searched = std::string(searched);
  std::size_t low = 0, high = schema.sets.size();
  while (low < high) {
    const std::size_t mid = low + (high - low) / 2;
    const int order = compare_folded(searched, schema.sets[mid].name);
    if (order == 0) return choose_value(schema, mid, importer, explain);
    if (order < 0) {
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  if (explain) explain->stopped_because = "no set has this name";
  return unresolved(Outcome::not_in_schema);
}

}  // namespace

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::not_an_api_set: return "not an API set";
    case Outcome::not_in_schema: return "not in schema";
    case Outcome::unhosted: return "in schema, not hosted";
    case Outcome::resolved: return "resolved";
  }
  return "?";
}

std::size_t hashed_length(std::string_view name) {
  std::size_t length = 0;
  for (std::size_t i = 0; i < name.size() && name[i] != '.'; ++i) {
    if (name[i] == '-') length = i;
  }
  return length;
}

std::uint32_t hash_name(std::string_view text, std::uint32_t factor) {
  std::uint32_t hash = 0;
  for (char c : text) hash = hash * factor + fold_ascii(widen(c));
  return hash;
}

std::uint32_t hash_name(std::u16string_view text, std::uint32_t factor) {
  std::uint32_t hash = 0;
  for (char16_t c : text) hash = hash * factor + fold_ascii(c);
  return hash;
}

Resolution resolve(const Schema& schema, std::string_view dll_name, std::string_view importer, Explanation* explain) {
  if (!starts_like_api_set(schema, dll_name)) {
    if (explain) {
      explain->stopped_because = schema.ext_prefix ? "name does not start with api- or ext-" : "name does not start with api- (Windows 7 knows no ext- sets)";
    }
    return unresolved(Outcome::not_an_api_set);
  }
  return schema.version == 6 ? resolve_hashed(schema, dll_name, importer, explain)
                             : resolve_sorted(schema, dll_name, importer, explain);
}

}  // namespace downlevel::apiset
