// libFuzzer target: the target snapshot reader. A snapshot that reads must
// write back to bytes that read to the same target.
#include <cstdint>
#include <cstdlib>

#include "downlevel/target/snapshot.hpp"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif
extern "C" int FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  using namespace downlevel;
  auto target = target::read_snapshot(std::as_bytes(std::span(data, size)));
  if (!target) return 0;
  for (const auto& [name, dll] : target->dlls()) {
    for (const auto& e : dll.exports()) {
      if (!e.name.empty() && dll.find(e.name) == nullptr) std::abort();
    }
  }
  auto written = target::write_snapshot(*target);
  if (!written) return 0;
  auto again = target::read_snapshot(*written);
  if (!again || again->dlls().size() != target->dlls().size() || again->schema.has_value() != target->schema.has_value()) {
    std::abort();
  }
  return 0;
}
