// The loader's rules, restated from ../shared/docs/apiset-format.md (and the
// shape of Wine's get_apiset_entry/get_apiset_target):
//   v6:    prefix test, hash of the name up to its last hyphen, binary search
//          of the hash table, then HashedLength and name verification;
//   v2/v4: prefix test, strip the prefix and ".dll", case-insensitive binary
//          search on the whole remaining name (the last number counts);
//   then:  no values -> absent; an exception whose importer matches the
//          importing module; else the default; an empty host -> absent.
#include "downlevel/apiset/resolver.hpp"

#include <algorithm>
#include <array>
#include <cstring>
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

// fold_ascii of every byte: the resolver folds each character of a name, and
// a table load is cheaper there than a compare and a select.
constexpr std::array<std::uint8_t, 256> kFoldedByte = [] {
  std::array<std::uint8_t, 256> table{};
  for (unsigned c = 0; c < 256; ++c) table[c] = static_cast<std::uint8_t>(fold_ascii(static_cast<char16_t>(c)));
  return table;
}();

char16_t fold_byte(char c) { return kFoldedByte[static_cast<unsigned char>(c)]; }

// Case-insensitive three-way comparison of an imported (byte) name with a
// stored (UTF-16) name.
int compare_folded(std::string_view query, std::u16string_view stored) {
  const std::size_t n = std::min(query.size(), stored.size());
  for (std::size_t i = 0; i < n; ++i) {
    const char16_t a = fold_byte(query[i]);
    const char16_t b = fold_ascii(stored[i]);
    if (a != b) return a < b ? -1 : 1;
  }
  if (query.size() == stored.size()) return 0;
  return query.size() < stored.size() ? -1 : 1;
}

// Four bytes as the four UTF-16 code units they widen to, in the order
// memcpy of four char16_t would give on this host (either byte order).
std::uint64_t widen4(const char* bytes) {
  std::uint32_t x;
  std::memcpy(&x, bytes, 4);
  std::uint64_t w = x;
  w = (w | (w << 16)) & 0x0000FFFF0000FFFFull;
  return (w | (w << 8)) & 0x00FF00FF00FF00FFull;
}

// Imports and stored names are nearly always spelled alike (both lower
// case), so exact equality is tried first, four characters at a time and
// with no branch per character; only a difference is compared again folded.
bool equal_folded(std::string_view query, std::u16string_view stored) {
  if (query.size() != stored.size()) return false;
  std::uint64_t differ = 0;
  std::size_t i = 0;
  for (; i + 4 <= query.size(); i += 4) {
    std::uint64_t units;
    std::memcpy(&units, stored.data() + i, 8);
    differ |= widen4(query.data() + i) ^ units;
  }
  for (; i < query.size(); ++i) differ |= widen(query[i]) ^ stored[i];
  return differ == 0 || compare_folded(query, stored) == 0;
}

// The first four bytes as one integer, in host byte order.
std::uint32_t first4(const char* bytes) {
  std::uint32_t x;
  std::memcpy(&x, bytes, 4);
  return x;
}

// "api-" or "ext-" in any case, four bytes at once: setting bit 5 of the
// three letters' bytes turns exactly 'A'/'a' into 'a' (and so on), and the
// hyphen is compared as it is.
bool starts_like_api_set(const Schema& schema, std::string_view name) {
  if (name.size() <= 4) return false;
  static constexpr char kLetters[4] = {0x20, 0x20, 0x20, 0};
  const std::uint32_t folded = first4(name.data()) | first4(kLetters);
  return folded == first4("api-") || (schema.ext_prefix && folded == first4("ext-"));
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

// The first hash-table entry whose hash is not below `hash`. The loader's
// hashes are spread evenly over 32 bits, so an entry's place in the sorted
// table is close to hash / 2^32 * size: the search starts there and steps
// toward it. In a binary search each of nine steps waited on a load and
// then mispredicted half the time: a third of a resolution's time. A table whose
// hashes are not spread evenly (a crafted schema) ends in a binary search of
// the part not yet walked, so no table costs more than a few steps more.
std::size_t lower_bound_of_hash(const std::vector<HashEntry>& table, std::uint32_t hash) {
  constexpr int kSteps = 16;
  const auto below = [hash](const HashEntry& entry) { return entry.hash < hash; };
  const std::size_t guess = static_cast<std::size_t>((std::uint64_t{hash} * table.size()) >> 32);
  std::size_t low = 0, high = table.size();
  if (guess < table.size() && below(table[guess])) {
    low = guess + 1;
    for (int step = 0; step < kSteps; ++step, ++low) {
      if (low == high || !below(table[low])) return low;
    }
  } else {
    high = guess;
    for (int step = 0; step < kSteps; ++step, --high) {
      if (high == 0 || below(table[high - 1])) return high;
    }
  }
  return static_cast<std::size_t>(std::partition_point(table.begin() + low, table.begin() + high, below) - table.begin());
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

// The slot whose set the loader compares the name with, if any entry has
// this hash. A hash held by one entry (every shipped schema's case) needs no
// bisection to know where the loader lands.
std::optional<std::size_t> hash_slot(const std::vector<HashEntry>& table, std::uint32_t hash) {
  const std::size_t first = lower_bound_of_hash(table, hash);
  if (first == table.size() || table[first].hash != hash) return std::nullopt;
  const bool shared = first + 1 < table.size() && table[first + 1].hash == hash;
  return shared ? loader_binary_search(table, hash) : first;
}

// hash = hash * factor + fold(c), four characters per step: the value is
// hash * f^4 + c0 * f^3 + c1 * f^2 + c2 * f + c3, so only one multiply and one
// add sit in the chain that carries `hash` (one per character made the
// resolver wait on multiply latency).
template <typename Char>
std::uint32_t hash_folded(std::basic_string_view<Char> text, std::uint32_t factor) {
  auto fold = [](Char c) -> std::uint32_t {
    if constexpr (sizeof(Char) == 1) {
      return fold_byte(c);
    } else {
      return fold_ascii(c);
    }
  };
  const std::uint32_t f2 = factor * factor, f3 = f2 * factor, f4 = f3 * factor;
  std::uint32_t hash = 0;
  std::size_t i = 0;
  for (; i + 4 <= text.size(); i += 4) {
    hash = hash * f4 + (fold(text[i]) * f3 + fold(text[i + 1]) * f2 + fold(text[i + 2]) * factor + fold(text[i + 3]));
  }
  for (; i < text.size(); ++i) hash = hash * factor + fold(text[i]);
  return hash;
}

Resolution resolve_hashed(const Schema& schema, std::string_view name, std::string_view importer, Explanation* explain) {
  const std::size_t length = hashed_length(name);
  const std::string_view hashed = name.substr(0, length);
  const std::uint32_t hash = hash_folded(hashed, schema.hash_factor);
  if (explain) {
    explain->searched = std::string(hashed);
    explain->hashed_length = static_cast<std::uint32_t>(length);
    explain->hash = hash;
  }
  if (const auto slot = hash_slot(schema.hash_table, hash)) {
    if (explain) explain->hash_slot = slot;
    const std::size_t index = schema.hash_table[*slot].index;
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
  const std::size_t hyphen = name.substr(0, name.find('.')).rfind('-');
  return hyphen == std::string_view::npos ? 0 : hyphen;
}

std::uint32_t hash_name(std::string_view text, std::uint32_t factor) { return hash_folded(text, factor); }

std::uint32_t hash_name(std::u16string_view text, std::uint32_t factor) { return hash_folded(text, factor); }

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
