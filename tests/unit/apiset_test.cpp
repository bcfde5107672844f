// The API set engine on Wine's real schemas, on schemas built from the
// published Windows dumps, on the format document's rule vectors, and on
// malformed schemas.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "downlevel/apiset/diff.hpp"
#include "downlevel/apiset/reader.hpp"
#include "downlevel/apiset/resolver.hpp"
#include "downlevel/apiset/spec.hpp"
#include "downlevel/apiset/writer.hpp"
#include "downlevel/support/little_endian.hpp"
#include "downlevel/support/utf16.hpp"

namespace downlevel {
namespace {

using apiset::Outcome;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

apiset::Schema load_wine_schema(const std::string& folder) {
  auto source = open_file(folder + "/apisetschema.dll", ReadMode::pread);
  EXPECT_TRUE(source) << (source ? "" : source.error().to_string());
  auto schema = apiset::read_schema(**source);
  EXPECT_TRUE(schema) << (schema ? "" : schema.error().to_string());
  return schema ? std::move(*schema) : apiset::Schema{};
}

// ---------------------------------------------------------------------------
// Wine's real v6 schemas.

class WineSchema : public ::testing::TestWithParam<std::string> {};

TEST_P(WineSchema, EverySetAndExceptionResolvesToItsRawHost) {
  const apiset::Schema schema = load_wine_schema(GetParam());
  ASSERT_EQ(schema.version, 6u);
  ASSERT_GT(schema.sets.size(), 400u);
  std::size_t hosted = 0, unhosted = 0, exceptions = 0;
  for (std::size_t i = 0; i < schema.sets.size(); ++i) {
    const apiset::ApiSet& set = schema.sets[i];
    const std::string name = schema.full_name(set);
    const auto result = apiset::resolve(schema, name);
    const bool has_host = !set.values.empty() && !set.values[0].host.empty();
    if (has_host) {
      ++hosted;
      ASSERT_EQ(result.outcome, Outcome::resolved) << name;
      EXPECT_EQ(result.set_index, i) << name;
      EXPECT_EQ(result.host, set.values[0].host) << name;
    } else {
      ++unhosted;
      EXPECT_EQ(result.outcome, Outcome::unhosted) << name;
    }
    for (std::size_t v = 1; v < set.values.size(); ++v) {
      ++exceptions;
      const auto chosen = apiset::resolve(schema, name, to_utf8(set.values[v].importer));
      EXPECT_EQ(chosen.value_index, v) << name;
    }
  }
  std::cout << GetParam() << ": " << schema.sets.size() << " sets (" << hosted << " hosted, " << unhosted
            << " not hosted), " << exceptions << " exceptions\n";
  EXPECT_GT(unhosted, 0u);
}

TEST(WineSchemaRules, FormatDocumentVectors) {
  const apiset::Schema schema = load_wine_schema(DOWNLEVEL_WINE_X64_DIR);
  // The last version number is ignored; without one, nothing matches.
  auto nine = apiset::resolve(schema, "api-ms-win-core-console-l1-1-9");
  EXPECT_EQ(nine.outcome, Outcome::resolved);
  EXPECT_EQ(to_utf8(nine.host), "kernelbase.dll");
  EXPECT_EQ(apiset::resolve(schema, "api-ms-win-core-console-l1-1").outcome, Outcome::not_in_schema);
  // Any case, with or without ".dll".
  EXPECT_EQ(apiset::resolve(schema, "API-MS-WIN-CORE-CONSOLE-L1-1-0.DLL").outcome, Outcome::resolved);
  // Not API sets at all: the ordinary DLL search applies.
  EXPECT_EQ(apiset::resolve(schema, "kernel32.dll").outcome, Outcome::not_an_api_set);
  EXPECT_EQ(apiset::resolve(schema, "api-").outcome, Outcome::not_an_api_set);
  // The prefix in any case, and nothing that only looks like it.
  EXPECT_EQ(apiset::resolve(schema, "aPi-ms-win-core-console-l1-1-0").outcome, Outcome::resolved);
  EXPECT_EQ(apiset::resolve(schema, "Ext-ms-win-nonexistent-l1-1-0").outcome, Outcome::not_in_schema);
  for (const char* near_miss : {"api_ms-win-core-console-l1-1-0", "@pi-ms-win-core-console-l1-1-0",
                                "apI\x0dms-win-core-console-l1-1-0", "ap\x09-ms-win-core-console-l1-1-0", "exT_ms-win-x-l1-1-0"}) {
    EXPECT_EQ(apiset::resolve(schema, near_miss).outcome, Outcome::not_an_api_set) << near_miss;
  }
  EXPECT_EQ(apiset::resolve(schema, "api-ms-win-crt-nonexistent-l1-1-0.dll").outcome, Outcome::not_in_schema);
  // A set with an empty host is in the schema, yet absent.
  auto deprecated = apiset::resolve(schema, "api-ms-win-deprecated-apis-legacy-l1-1-0.dll");
  EXPECT_EQ(deprecated.outcome, Outcome::unhosted);
  // Seed 000's worked example.
  apiset::Explanation steps;
  auto processthreads = apiset::resolve(schema, "api-ms-win-core-processthreads-l1-1-2.dll", {}, &steps);
  EXPECT_EQ(steps.hash, 0x445B4DF3u);
  EXPECT_EQ(steps.hashed_length, 35u);
  ASSERT_EQ(processthreads.outcome, Outcome::resolved);
  EXPECT_EQ(processthreads.set_index, 0x5Bu);
  EXPECT_EQ(schema.full_name(schema.sets[processthreads.set_index]), "api-ms-win-core-processthreads-l1-1-3.dll");
}

TEST(ApiSetHash, HashedLengthIgnoresExtensionAndLastNumber) {
  EXPECT_EQ(apiset::hashed_length("api-ms-win-core-synch-l1-2-0.dll"), std::string("api-ms-win-core-synch-l1-2").size());
  EXPECT_EQ(apiset::hashed_length("api-ms-win-core-synch-l1-2-0"), std::string("api-ms-win-core-synch-l1-2").size());
  EXPECT_EQ(apiset::hashed_length("a-b.c-d"), 1u);  // only hyphens before the first dot count
  EXPECT_EQ(apiset::hash_name(std::string_view("ABC"), 31), apiset::hash_name(std::string_view("abc"), 31));
  EXPECT_EQ(apiset::hash_name(std::string_view("ab"), 31), 97u * 31 + 98);
}

INSTANTIATE_TEST_SUITE_P(Folders, WineSchema, ::testing::Values(DOWNLEVEL_WINE_X64_DIR, DOWNLEVEL_WINE_I386_DIR));

// ---------------------------------------------------------------------------
// Schemas built from the published dumps of real Windows schemas.

std::uint32_t version_for(const std::string& file) {
  if (file.starts_with("06.1") || file.starts_with("06.2")) return 2;
  if (file.starts_with("06.3")) return 4;
  return 6;
}

std::string lower(std::string s) {
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return s;
}

// ---------------------------------------------------------------------------
// The v6 hash-table search against the loader's, restated from Wine's
// get_apiset_entry, on tables whose hashes are spread evenly (shipped
// schemas) and on ones whose are not: other hash factors, colliding sets.

struct LoaderAnswer {
  Outcome outcome;
  std::size_t set_index;
};

LoaderAnswer loader_answer(const apiset::Schema& schema, std::string_view name) {
  const std::size_t length = apiset::hashed_length(name);
  const std::uint32_t hash = apiset::hash_name(name.substr(0, length), schema.hash_factor);
  const auto& table = schema.hash_table;
  int min = 0, max = static_cast<int>(table.size()) - 1;
  while (min <= max) {
    const int pos = (min + max) / 2;
    if (table[pos].hash < hash) {
      min = pos + 1;
      continue;
    }
    if (table[pos].hash > hash) {
      max = pos - 1;
      continue;
    }
    const apiset::ApiSet& set = schema.sets[table[pos].index];
    const std::string prefix = to_utf8(std::u16string_view(set.name).substr(0, std::min(set.name.size(), length)));
    if (set.hashed_length != length * 2 || lower(prefix) != lower(std::string(name.substr(0, length)))) break;
    const bool hosted = !set.values.empty() && !set.values[0].host.empty();
    return {hosted ? Outcome::resolved : Outcome::unhosted, table[pos].index};
  }
  return {Outcome::not_in_schema, 0};
}

// The schema as a file with another HashFactor would hold it.
apiset::Schema with_factor(apiset::Schema schema, std::uint32_t factor) {
  schema.hash_factor = factor;
  for (auto& entry : schema.hash_table) {
    const auto& name = schema.sets[entry.index].name;
    entry.hash = apiset::hash_name(std::u16string_view(name).substr(0, schema.sets[entry.index].hashed_length / 2), factor);
  }
  std::sort(schema.hash_table.begin(), schema.hash_table.end(),
            [](const apiset::HashEntry& a, const apiset::HashEntry& b) { return a.hash != b.hash ? a.hash < b.hash : a.index < b.index; });
  return schema;
}

// Whether resolve() agrees with the loader on every name; counts the names
// that resolved, so a test can tell it compared something.
std::size_t expect_loader_agrees(const apiset::Schema& schema, const std::vector<std::string>& names, const std::string& label) {
  std::size_t found = 0;
  for (const std::string& name : names) {
    const LoaderAnswer loader = loader_answer(schema, name);
    const auto ours = apiset::resolve(schema, name);
    EXPECT_EQ(ours.outcome, loader.outcome) << label << ": " << name;
    if (loader.outcome != Outcome::not_in_schema) {
      EXPECT_EQ(ours.set_index, loader.set_index) << label << ": " << name;
      ++found;
    }
  }
  return found;
}

TEST(HashSearch, AgreesWithTheLoaderWhateverTheHashFactor) {
  const apiset::Schema wine = load_wine_schema(DOWNLEVEL_WINE_X64_DIR);
  std::vector<std::string> names;
  for (const auto& set : wine.sets) {
    names.push_back(wine.full_name(set));
    const std::string name = to_utf8(set.name);
    names.push_back(name.substr(0, name.rfind('-')) + "-9.dll");  // hashes like the set (last number ignored)
    names.push_back(std::string(name).insert(4, "x") + ".dll");  // a near miss
  }
  // 31 is what Windows ships: hashes spread over 32 bits. 1 packs them near
  // zero and 0xFFFFFFFF mostly near the top, so a search that guesses a
  // place from the hash's value is far off and must still land right.
  // (Other factors also make sets collide, so fewer are found.)
  EXPECT_EQ(expect_loader_agrees(wine, names, "factor 31"), 2 * wine.sets.size());
  for (std::uint32_t factor : {1u, 0xFFFFFFFFu, 0x10000u}) {
    EXPECT_GT(expect_loader_agrees(with_factor(wine, factor), names, fmt::format("factor {}", factor)), 0u) << factor;
  }
}

TEST(HashSearch, CollidingSetsAreFoundOnlyWhereTheLoaderLooks) {
  // Groups of three-character names whose hashes (factor 31) are equal, so
  // "api-ms-win-XXX-l1-1" collides within a group.
  const std::string alphabet = "0123456789abcdefghijklmnopqrstuvwxyz_~!";
  std::map<std::uint32_t, std::vector<std::string>> by_hash;
  for (char a : alphabet)
    for (char b : alphabet)
      for (char c : alphabet) by_hash[apiset::hash_name(std::string{a, b, c}, 31)].push_back({a, b, c});
  std::vector<std::string> names;
  for (const auto& [hash, group] : by_hash) {
    if (group.size() < 3 || names.size() >= 90) continue;
    for (std::size_t i = 0; i < 3; ++i) names.push_back("api-ms-win-" + group[i] + "-l1-1-0.dll");
  }
  ASSERT_EQ(names.size(), 90u);
  // Every table size from 2 to 90: each changes where the loader's binary
  // search lands inside a run of equal hashes.
  std::size_t found = 0, hidden = 0;
  for (std::size_t count = 2; count <= names.size(); ++count) {
    nlohmann::json spec{{"namespaces", nlohmann::json::array()}};
    for (std::size_t i = 0; i < count; ++i) spec["namespaces"].push_back({{"name", names[i]}, {"host", "kernelbase.dll"}});
    auto schema = apiset::schema_from_spec(spec.dump(), 6);
    ASSERT_TRUE(schema) << schema.error().to_string();
    const std::size_t resolved = expect_loader_agrees(*schema, names, fmt::format("{} sets", count));
    found += resolved;
    hidden += count - resolved;
  }
  // Both kinds occur: sets the loader finds, and sets a colliding one hides.
  EXPECT_GT(found, 0u);
  EXPECT_GT(hidden, 0u);
  std::cout << "colliding schemas: " << found << " sets found, " << hidden << " hidden by a collision\n";
}

class PublishedDump : public ::testing::TestWithParam<std::string> {};

TEST_P(PublishedDump, BuildParseResolveAndDumpBack) {
  const std::string path = std::string(DOWNLEVEL_SHARED_DIR) + "/data/apisets/" + GetParam();
  const std::string text = read_text(path);
  const auto spec = nlohmann::json::parse(text);
  const std::uint32_t version = version_for(GetParam());

  apiset::SpecInfo info;
  auto built = apiset::schema_from_spec(text, version, &info);
  ASSERT_TRUE(built) << built.error().to_string();
  auto section = apiset::serialize(*built);
  ASSERT_TRUE(section) << section.error().to_string();
  const auto dll = apiset::wrap_in_dll(*section, info.machine, info.os_major, info.os_minor);
  MemorySource source(dll);
  auto parsed = apiset::read_schema(source);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(parsed->version, version);
  ASSERT_EQ(parsed->sets.size(), spec["namespaces"].size());

  std::size_t resolved = 0, unhosted = 0, exceptions = 0;
  for (const auto& ns : spec["namespaces"]) {
    const std::string name = ns["name"];
    const std::string host = ns["host"];
    const auto result = apiset::resolve(*parsed, name);
    if (host.empty()) {
      EXPECT_EQ(result.outcome, Outcome::unhosted) << name;
      ++unhosted;
    } else {
      ASSERT_EQ(result.outcome, Outcome::resolved) << name;
      EXPECT_EQ(to_utf8(result.host), host) << name;
      ++resolved;
    }
    if (ns.contains("alt_name")) {
      const auto chosen = apiset::resolve(*parsed, name, ns["alt_name"].get<std::string>());
      const std::string alt_host = ns["alt_host"];
      if (alt_host.empty()) {
        EXPECT_EQ(chosen.outcome, Outcome::unhosted) << name;
      } else {
        EXPECT_EQ(to_utf8(chosen.host), alt_host) << name;
        EXPECT_EQ(chosen.value_index, 1u) << name;
      }
      ++exceptions;
    }
  }
  std::cout << GetParam() << " as v" << version << ": " << resolved << " resolved, " << unhosted << " not hosted, "
            << exceptions << " exceptions\n";

  // dump --json of the built file reproduces the dump's sets, hosts and exceptions.
  auto describe = [](const nlohmann::json& ns) {
    std::string line = ns["name"].get<std::string>() + " -> " + ns["host"].get<std::string>();
    if (ns.contains("alt_name")) line += " [" + ns["alt_name"].get<std::string>() + ":" + ns["alt_host"].get<std::string>() + "]";
    return line;
  };
  std::vector<std::string> expected, dumped;
  for (const auto& ns : spec["namespaces"]) expected.push_back(describe(ns));
  const nlohmann::json dump = apiset::to_spec(*parsed);
  for (const auto& ns : dump["namespaces"]) dumped.push_back(describe(ns));
  std::sort(expected.begin(), expected.end());
  std::sort(dumped.begin(), dumped.end());
  EXPECT_EQ(dumped, expected);
}

INSTANTIATE_TEST_SUITE_P(Windows, PublishedDump,
                         ::testing::Values("06.1.7601.23455-amd64.json", "06.1.7601.23455-i386.json",
                                           "06.2.9200.16384-amd64.json", "06.2.9200.16384-i386.json",
                                           "06.3.9600.16384-amd64.json", "10.0.19041.1-AMD64.json",
                                           "10.0.22621.2506-amd64.json"),
                         [](const auto& info) {
                           std::string name = info.param.substr(0, info.param.find(".json"));
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

apiset::Schema build(const std::string& spec_file, std::uint32_t version) {
  const std::string text = read_text(std::string(DOWNLEVEL_SHARED_DIR) + "/data/apisets/" + spec_file);
  apiset::SpecInfo info;
  auto schema = apiset::schema_from_spec(text, version, &info);
  EXPECT_TRUE(schema);
  auto section = apiset::serialize(*schema);
  const auto dll = apiset::wrap_in_dll(*section, info.machine, info.os_major, info.os_minor);
  MemorySource source(dll);
  auto parsed = apiset::read_schema(source);
  EXPECT_TRUE(parsed);
  return std::move(*parsed);
}

TEST(PublishedDumpRules, Windows7KnowsOnlyTheApiPrefix) {
  const auto win7 = build("06.1.7601.23455-amd64.json", 2);
  EXPECT_FALSE(win7.ext_prefix);
  EXPECT_EQ(apiset::resolve(win7, "api-ms-win-core-console-l1-1-0.dll").outcome, Outcome::resolved);
  EXPECT_EQ(apiset::resolve(win7, "ext-ms-win-core-console-l1-1-0.dll").outcome, Outcome::not_an_api_set);
  // Version 2 and 4: the last number is part of the name.
  EXPECT_EQ(apiset::resolve(win7, "api-ms-win-core-console-l1-1-1.dll").outcome, Outcome::not_in_schema);

  const auto win8 = build("06.2.9200.16384-amd64.json", 2);
  EXPECT_TRUE(win8.ext_prefix);
  EXPECT_EQ(apiset::resolve(win8, "ext-ms-win-core-console-l1-1-0.dll").outcome, Outcome::resolved);
}

TEST(PublishedDumpRules, DiffBetweenWindowsVersions) {
  const auto win7 = build("06.1.7601.23455-amd64.json", 2);
  const auto win8 = build("06.2.9200.16384-amd64.json", 2);
  EXPECT_TRUE(apiset::diff_schemas(win7, win7).empty());
  const auto diff = apiset::diff_schemas(win7, win8);
  EXPECT_FALSE(diff.added.empty());
  // Every Windows 7 set is either kept (maybe re-hosted) or removed.
  std::size_t kept = win7.sets.size() - diff.removed.size();
  EXPECT_EQ(kept + diff.added.size(), win8.sets.size());
  // Windows 8 moved the console set from kernel32 to kernelbase.
  auto console = std::find_if(diff.rehosted.begin(), diff.rehosted.end(),
                              [](const auto& r) { return lower(r.name) == "api-ms-win-core-console-l1-1-0.dll"; });
  ASSERT_NE(console, diff.rehosted.end());
  EXPECT_EQ(console->old_hosts, "kernel32.dll");
}

// ---------------------------------------------------------------------------
// Malformed schemas.

std::vector<std::byte> small_schema(std::uint32_t version) {
  const std::string spec = R"({"namespaces": [
      {"name": "api-ms-win-core-a-l1-1-0.dll", "host": "kernel32.dll", "flags": 1},
      {"name": "api-ms-win-core-b-l1-1-0.dll", "host": "", "flags": 1},
      {"name": "api-ms-win-core-c-l1-1-0.dll", "host": "kernelbase.dll", "flags": 1,
       "alt_name": "kernel32.dll", "alt_host": "ntdll.dll"}]})";
  auto schema = apiset::schema_from_spec(spec, version);
  EXPECT_TRUE(schema);
  auto bytes = apiset::serialize(*schema);
  EXPECT_TRUE(bytes);
  return *bytes;
}

std::string parse_error(const std::vector<std::byte>& bytes) {
  auto schema = apiset::parse_schema(bytes);
  return schema ? "parsed" : schema.error().to_string();
}

void put32(std::vector<std::byte>& bytes, std::size_t at, std::uint32_t value) {
  store_le<std::uint32_t>(std::span(bytes), at, value);
}

TEST(MalformedSchema, SmallSchemasParseInEveryVersion) {
  for (std::uint32_t version : {2u, 4u, 6u}) {
    auto schema = apiset::parse_schema(small_schema(version));
    ASSERT_TRUE(schema) << version << ": " << schema.error().to_string();
    EXPECT_EQ(schema->sets.size(), 3u);
    EXPECT_EQ(apiset::resolve(*schema, "api-ms-win-core-b-l1-1-0.dll").outcome, Outcome::unhosted);
    EXPECT_EQ(to_utf8(apiset::resolve(*schema, "api-ms-win-core-c-l1-1-0.dll", "KERNEL32.DLL").host), "ntdll.dll");
    EXPECT_EQ(to_utf8(apiset::resolve(*schema, "api-ms-win-core-c-l1-1-0.dll", "user32.dll").host), "kernelbase.dll");
  }
}

TEST(MalformedSchema, Versions) {
  auto bytes = small_schema(6);
  put32(bytes, 0, 3);
  EXPECT_EQ(parse_error(bytes), "API set schema: header at offset 0x0: version 3 was never shipped by Windows and is not supported");
  put32(bytes, 0, 7);
  EXPECT_EQ(parse_error(bytes), "API set schema: header at offset 0x0: unknown schema version 7 (supported: 2, 4, 6)");
  EXPECT_EQ(parse_error({}), "API set schema: header at offset 0x0: 4 bytes at 0x0 run past the schema's 0x0 bytes");
}

TEST(MalformedSchema, TruncatedSection) {
  for (std::uint32_t version : {2u, 4u, 6u}) {
    auto bytes = small_schema(version);
    bytes.resize(bytes.size() / 2);
    const std::string error = parse_error(bytes);
    EXPECT_NE(error, "parsed") << version;
    EXPECT_NE(error.find("run"), std::string::npos) << error;
  }
}

TEST(MalformedSchema, CountOutOfRange) {
  auto v6 = small_schema(6);
  put32(v6, 0xC, 1000);
  EXPECT_EQ(parse_error(v6), "API set schema: header at offset 0x10: 1000 entries at 0x1c run past the schema's 0x1a4 bytes");
  auto v2 = small_schema(2);
  put32(v2, 4, 0x7FFFFFFF);
  EXPECT_EQ(parse_error(v2), "API set schema: header at offset 0x4: 2147483647 sets exceed the limit of 65536");
}

TEST(MalformedSchema, NameOffsetOutOfRange) {
  auto v6 = small_schema(6);
  put32(v6, 0x1C + 4, 0x7FFF0000);  // set 0 NameOffset
  EXPECT_EQ(parse_error(v6), "API set schema: set 0 name at offset 0x1c: string at 0x7fff0000 of 48 bytes runs past the "
                             "schema's 0x1a4 bytes");
}

TEST(MalformedSchema, OddByteLength) {
  auto v4 = small_schema(4);
  put32(v4, 16 + 8, 47);  // set 0 NameLength
  EXPECT_EQ(parse_error(v4), "API set schema: set 0 name at offset 0x10: odd byte length 47");
}

TEST(MalformedSchema, UnsortedHashTable) {
  auto v6 = small_schema(6);
  const std::uint32_t hashes = le32(v6, 0x14);
  const std::uint32_t first = le32(v6, hashes);
  put32(v6, hashes, le32(v6, hashes + 8));
  put32(v6, hashes + 8, first);
  EXPECT_EQ(parse_error(v6), "API set schema: hash entry 1 at offset 0x6c: hash table is not sorted by hash, so the "
                             "loader's binary search would miss sets");
}

TEST(MalformedSchema, HashIndexOutOfRange) {
  auto v6 = small_schema(6);
  put32(v6, le32(v6, 0x14) + 4, 3);
  EXPECT_EQ(parse_error(v6), "API set schema: hash entry 0 at offset 0x64: index 3 is not below the 3 sets");
}

TEST(MalformedSchema, ZeroHashFactor) {
  auto v6 = small_schema(6);
  put32(v6, 0x18, 0);
  EXPECT_EQ(parse_error(v6), "API set schema: header at offset 0x18: HashFactor is zero");
}

TEST(MalformedSchema, UnsortedSortedSchema) {
  auto v2 = small_schema(2);
  // Swap the name references of sets 0 and 1.
  for (std::size_t field : {0u, 4u}) {
    const std::uint32_t a = le32(v2, 8 + field);
    put32(v2, 8 + field, le32(v2, 8 + 12 + field));
    put32(v2, 8 + 12 + field, a);
  }
  EXPECT_EQ(parse_error(v2), "API set schema: set 1 at offset 0x14: entries are not sorted by name, so the loader's "
                             "binary search would miss sets");
}

TEST(MalformedSchema, ValueArrayOverlappingTheHeader) {
  // Set 0's values point at offset 0: the header itself read as values. The
  // reader either decodes them within bounds or reports a specific error.
  auto v6 = small_schema(6);
  put32(v6, 0x1C + 0x10, 0);
  put32(v6, 0x1C + 0x14, 2);
  const std::string error = parse_error(v6);
  // Value 0 read at offset 0: Version is its Flags, Size its importer
  // offset, and the schema's Flags (1) its importer's byte length.
  EXPECT_EQ(error, "API set schema: set 0 value 0 importer at offset 0x0: odd byte length 1");
}

TEST(MalformedSchema, NotASchemaDll) {
  auto dll = apiset::wrap_in_dll(small_schema(6), pe::Machine::amd64, 10, 0);
  dll[0x200 - 0x200 + 0x40 + 24 + 240 + 1] = std::byte{'x'};  // section name ".apiset" -> ".xpiset"
  MemorySource source(dll);
  auto schema = apiset::read_schema(source);
  ASSERT_FALSE(schema);
  EXPECT_EQ(schema.error().to_string(), "section table at offset 0x148: no .apiset section: not an API set schema DLL");
}

TEST(SpecErrors, RejectsBadSpecs) {
  EXPECT_EQ(apiset::schema_from_spec("{", 6).error().to_string(), "API set spec at offset 0x0: not valid JSON");
  EXPECT_EQ(apiset::schema_from_spec(R"({"namespaces": [{"name": "kernel32.dll", "host": "x.dll"}]})", 6).error().to_string(),
            "API set spec at offset 0x0: set kernel32.dll: name lacks the api-/ext- prefix");
  EXPECT_EQ(apiset::schema_from_spec(R"({"namespaces": [{"name": "api-a-l1-1-0", "host": "x"}, {"name": "API-A-L1-1-0.dll", "host": "y"}]})", 6)
                .error()
                .to_string(),
            "API set spec at offset 0x0: set API-A-L1-1-0 appears twice");
  EXPECT_FALSE(apiset::schema_from_spec(R"({"namespaces": []})", 3));
}

}  // namespace
}  // namespace downlevel
