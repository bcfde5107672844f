// libFuzzer target: the API set schema reader (every version) and resolver.
// A schema that parses must resolve its own sets, and must survive being
// written and read back unchanged.
#include <cstdint>
#include <cstdlib>

#include "downlevel/apiset/reader.hpp"
#include "downlevel/apiset/resolver.hpp"
#include "downlevel/apiset/writer.hpp"
#include "downlevel/support/utf16.hpp"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif
extern "C" int FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  using namespace downlevel;
  const auto bytes = std::as_bytes(std::span(data, size));
  auto schema = apiset::parse_schema(bytes, size % 2 == 0);
  if (!schema) return 0;
  static const char* kNames[] = {"api-ms-win-core-synch-l1-2-0.dll", "ext-ms-win-x-l1-1-0", "kernel32.dll", "api-", "api-a-b"};
  for (const char* name : kNames) {
    (void)apiset::resolve(*schema, name);
    (void)apiset::resolve(*schema, name, "kernel32.dll");
  }
  for (const auto& set : schema->sets) {
    const std::string name = schema->full_name(set);
    const auto result = apiset::resolve(*schema, name);
    if (result.outcome == apiset::Outcome::resolved && result.host.empty()) std::abort();
    for (const auto& value : set.values) (void)apiset::resolve(*schema, name, to_utf8(value.importer));
  }
  auto written = apiset::serialize(*schema);
  if (!written) return 0;
  auto again = apiset::parse_schema(*written, schema->ext_prefix);
  if (!again || again->sets.size() != schema->sets.size() || again->hash_table.size() != schema->hash_table.size()) {
    std::abort();
  }
  for (std::size_t i = 0; i < schema->sets.size(); ++i) {
    if (again->sets[i].name != schema->sets[i].name || again->sets[i].values.size() != schema->sets[i].values.size()) std::abort();
  }
  return 0;
}
