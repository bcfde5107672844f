#include "downlevel/apiset/diff.hpp"

#include <algorithm>
#include <map>

#include "downlevel/support/utf16.hpp"

namespace downlevel::apiset {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  return text;
}

std::map<std::string, const ApiSet*> by_name(const Schema& schema) {
  std::map<std::string, const ApiSet*> sets;
  for (const ApiSet& set : schema.sets) sets.emplace(lower(schema.full_name(set)), &set);
  return sets;
}

}  // namespace

std::string describe_hosts(const ApiSet& set) {
  std::string text = set.values.empty() || set.values[0].host.empty() ? "(not hosted)" : to_utf8(set.values[0].host);
  if (set.values.size() > 1) {
    text += " [";
    for (std::size_t i = 1; i < set.values.size(); ++i) {
      if (i > 1) text += ' ';
      text += to_utf8(set.values[i].importer) + ":" +
              (set.values[i].host.empty() ? std::string("(not hosted)") : to_utf8(set.values[i].host));
    }
    text += ']';
  }
  return text;
}

SchemaDiff diff_schemas(const Schema& a, const Schema& b) {
  const auto old_sets = by_name(a);
  const auto new_sets = by_name(b);
  SchemaDiff diff;
  for (const ApiSet& set : a.sets) {
    const auto match = new_sets.find(lower(a.full_name(set)));
    if (match == new_sets.end()) {
      diff.removed.push_back(a.full_name(set));
      continue;
    }
    const std::string old_hosts = describe_hosts(set);
    const std::string new_hosts = describe_hosts(*match->second);
    if (lower(old_hosts) != lower(new_hosts)) diff.rehosted.push_back({a.full_name(set), old_hosts, new_hosts});
  }
  for (const ApiSet& set : b.sets) {
    if (!old_sets.contains(lower(b.full_name(set)))) diff.added.push_back(b.full_name(set));
  }
  return diff;
}

}  // namespace downlevel::apiset
