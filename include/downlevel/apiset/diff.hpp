// What changed between two schemas: sets added, removed, and re-hosted
// (a different default host or different exceptions).
#pragma once

#include <string>
#include <vector>

#include "downlevel/apiset/schema.hpp"

namespace downlevel::apiset {

struct Rehosted {
  std::string name;
  std::string old_hosts;  // "kernelbase.dll [kernel32.dll:kernelbase.dll]"
  std::string new_hosts;
};

struct SchemaDiff {
  std::vector<std::string> added;    // full names, in B's order
  std::vector<std::string> removed;  // in A's order
  std::vector<Rehosted> rehosted;
  bool empty() const { return added.empty() && removed.empty() && rehosted.empty(); }
};

// Sets are matched by full name ("api-...-l1-1-0.dll"), case-insensitively.
SchemaDiff diff_schemas(const Schema& a, const Schema& b);

// "host [importer:host ...]", "(not hosted)" for an empty default.
std::string describe_hosts(const ApiSet& set);

}  // namespace downlevel::apiset
