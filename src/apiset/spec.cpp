#include "downlevel/apiset/spec.hpp"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "downlevel/apiset/resolver.hpp"
#include "downlevel/support/utf16.hpp"

namespace downlevel::apiset {

namespace {

constexpr std::uint32_t kShippedHashFactor = 31;

bool folded_less(const std::u16string& a, const std::u16string& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char16_t x, char16_t y) { return fold_ascii(x) < fold_ascii(y); });
}

bool ends_with_dll(std::u16string_view name) {
  if (name.size() < 4) return false;
  auto tail = name.substr(name.size() - 4);
  return fold_ascii(tail[0]) == u'.' && fold_ascii(tail[1]) == u'd' && fold_ascii(tail[2]) == u'l' &&
         fold_ascii(tail[3]) == u'l';
}

bool has_set_prefix(std::u16string_view name) {
  if (name.size() <= 4) return false;
  std::u16string head;
  for (char16_t c : name.substr(0, 4)) head += fold_ascii(c);
  return head == u"api-" || head == u"ext-";
}

// Spec fields, read without letting the JSON library throw past us.
struct SpecSet {
  std::string name, host;
  std::uint32_t flags = 0;
  std::vector<std::pair<std::string, std::string>> exceptions;
};

Result<std::vector<SpecSet>> read_spec(std::string_view json_text, SpecInfo& info) {
  const auto document = nlohmann::json::parse(json_text, nullptr, false);
  if (document.is_discarded()) return make_error("API set spec", 0, "not valid JSON");
  const auto namespaces = document.find("namespaces");
  if (!document.is_object() || namespaces == document.end() || !namespaces->is_array()) {
    return make_error("API set spec", 0, "no \"namespaces\" array");
  }
  if (auto pe = document.find("PE"); pe != document.end() && pe->is_object()) {
    if (auto machine = pe->find("Machine"); machine != pe->end() && machine->is_string()) {
      info.machine = *machine == "I386" || *machine == "i386" ? pe::Machine::i386 : pe::Machine::amd64;
    }
    if (auto version = pe->find("FileVersion"); version != pe->end() && version->is_string()) {
      unsigned major = 0, minor = 0;
      if (std::sscanf(version->get<std::string>().c_str(), "%u.%u", &major, &minor) == 2 && major < 100 && minor < 100) {
        info.os_major = static_cast<std::uint16_t>(major);
        info.os_minor = static_cast<std::uint16_t>(minor);
      }
    }
  }
  std::vector<SpecSet> sets;
  auto text = [](const nlohmann::json& object, const char* key, std::string& out) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return true;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  for (std::size_t i = 0; i < namespaces->size(); ++i) {
    const auto& entry = (*namespaces)[i];
    const auto fail = [&](const char* what) {
      return make_error(fmt::format("API set spec: namespace {}", i), 0, what);
    };
    if (!entry.is_object()) return fail("not an object");
    SpecSet set;
    if (!text(entry, "name", set.name) || set.name.empty()) return fail("\"name\" must be a non-empty string");
    if (!text(entry, "host", set.host)) return fail("\"host\" must be a string");
    if (auto flags = entry.find("flags"); flags != entry.end()) {
      if (!flags->is_number_unsigned()) return fail("\"flags\" must be an unsigned number");
      set.flags = flags->get<std::uint32_t>();
    }
    std::string alt_name, alt_host;
    if (!text(entry, "alt_name", alt_name) || !text(entry, "alt_host", alt_host)) return fail("\"alt_name\"/\"alt_host\" must be strings");
    if (!alt_name.empty()) set.exceptions.emplace_back(alt_name, alt_host);
    if (auto more = entry.find("exceptions"); more != entry.end()) {
      if (!more->is_array()) return fail("\"exceptions\" must be an array");
      for (const auto& e : *more) {
        std::string importer, host;
        if (!e.is_object() || !text(e, "importer", importer) || !text(e, "host", host) || importer.empty()) {
          return fail("each exception needs a string \"importer\" and \"host\"");
        }
        if (importer != alt_name) set.exceptions.emplace_back(importer, host);
      }
    }
    sets.push_back(std::move(set));
  }
  return sets;
}

}  // namespace

Result<Schema> schema_from_spec(std::string_view json_text, std::uint32_t version, SpecInfo* info_out) {
  if (version != 2 && version != 4 && version != 6) {
    return make_error("API set spec", 0, fmt::format("cannot build schema version {} (supported: 2, 4, 6)", version));
  }
  SpecInfo info;
  auto spec = read_spec(json_text, info);
  if (!spec) return spec.error();
  if (info_out) *info_out = info;

  Schema schema;
  schema.version = version;
  schema.flags = version == 2 ? 0 : 1;  // shipped v4/v6 schemas are sealed
  schema.hash_factor = version == 6 ? kShippedHashFactor : 0;
  // A v2 schema taken from Windows 8 (by its spec's file version) accepts ext- names.
  schema.ext_prefix = version != 2 || info.os_major > 6 || (info.os_major == 6 && info.os_minor >= 2);
  for (const auto& entry : *spec) {
    std::u16string name = to_utf16(entry.name);
    if (ends_with_dll(name)) name.resize(name.size() - 4);
    if (!has_set_prefix(name)) {
      return make_error("API set spec", 0, fmt::format("set {}: name lacks the api-/ext- prefix", entry.name));
    }
    if (version != 6) name.erase(0, 4);  // v2/v4 store names without the prefix
    ApiSet set;
    set.name = std::move(name);
    set.flags = version == 2 ? 0 : entry.flags;
    set.values.push_back(Value{u"", to_utf16(entry.host), 0});
    for (const auto& [importer, host] : entry.exceptions) set.values.push_back(Value{to_utf16(importer), to_utf16(host), 0});
    schema.sets.push_back(std::move(set));
  }
  std::sort(schema.sets.begin(), schema.sets.end(), [](const ApiSet& a, const ApiSet& b) { return folded_less(a.name, b.name); });
  for (std::size_t i = 1; i < schema.sets.size(); ++i) {
    if (!folded_less(schema.sets[i - 1].name, schema.sets[i].name)) {
      return make_error("API set spec", 0, fmt::format("set {} appears twice", to_utf8(schema.sets[i].name)));
    }
  }
  if (version == 6) {
    for (std::uint32_t i = 0; i < schema.sets.size(); ++i) {
      ApiSet& set = schema.sets[i];
      const std::size_t hashed = hashed_length(to_utf8(set.name));
      set.hashed_length = static_cast<std::uint32_t>(hashed * 2);
      schema.hash_table.push_back({hash_name(std::u16string_view(set.name).substr(0, hashed), schema.hash_factor), i});
    }
    std::sort(schema.hash_table.begin(), schema.hash_table.end(),
              [](const HashEntry& a, const HashEntry& b) { return a.hash != b.hash ? a.hash < b.hash : a.index < b.index; });
  }
  return schema;
}

nlohmann::json to_spec(const Schema& schema) {
  nlohmann::json namespaces = nlohmann::json::array();
  for (const ApiSet& set : schema.sets) {
    nlohmann::json entry{{"name", schema.full_name(set)},
                         {"host", set.values.empty() ? std::string() : to_utf8(set.values[0].host)},
                         {"flags", set.flags}};
    if (set.values.size() > 1) {
      entry["alt_name"] = to_utf8(set.values[1].importer);
      entry["alt_host"] = to_utf8(set.values[1].host);
      nlohmann::json exceptions = nlohmann::json::array();
      for (std::size_t i = 1; i < set.values.size(); ++i) {
        exceptions.push_back({{"importer", to_utf8(set.values[i].importer)}, {"host", to_utf8(set.values[i].host)}});
      }
      entry["exceptions"] = std::move(exceptions);
    }
    if (!set.alias.empty()) entry["alias"] = to_utf8(set.alias);
    namespaces.push_back(std::move(entry));
  }
  nlohmann::json document{{"schema_version", schema.version},
                          {"flags", schema.flags},
                          {"namespaces_count", schema.sets.size()},
                          {"namespaces", std::move(namespaces)}};
  if (schema.version == 6) document["hash_factor"] = schema.hash_factor;
  return document;
}

}  // namespace downlevel::apiset
