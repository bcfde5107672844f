// libFuzzer target: the PE reader (headers, imports, delay imports, bound
// imports, exports, forwarders) on arbitrary bytes.
#include <cstdint>
#include <cstdlib>

#include "downlevel/pe/bound_imports.hpp"
#include "downlevel/pe/exports.hpp"
#include "downlevel/pe/imports.hpp"
#include "downlevel/target/export_set.hpp"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif
extern "C" int FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  using namespace downlevel;
  MemorySource source(std::as_bytes(std::span(data, size)));
  auto image = pe::PeImage::parse(source);
  if (!image) return 0;
  // Half the inputs read their directories' sections through the prefetch
  // path (one read for neighbours), half section by section.
  if (size % 2 == 1) {
    const pe::Directory walked[] = {pe::Directory::exports, pe::Directory::imports, pe::Directory::delay_imports};
    image->prefetch(walked);
  }
  for (std::size_t i = 0; i < image->section_count(); ++i) (void)image->bytes_from(image->section(i).virtual_address());
  if (auto imports = pe::read_all_imports(*image)) {
    for (const auto& m : *imports) {
      if (m.dll.empty()) std::abort();  // an empty DLL name must be an error, not a result
      for (const auto& f : m.functions) {
        if (!f.by_ordinal && f.name.empty()) std::abort();
      }
    }
  }
  (void)pe::read_bound_imports(*image);
  if (auto exports = pe::read_exports(*image); exports && exports->has_value()) {
    for (const auto& s : (*exports)->symbols) {
      if (s.rva == 0) std::abort();  // empty slots are not exports
      (void)pe::parse_forwarder(s.forwarder);
    }
  }
  (void)target::ExportSet::from_image(*image, "fuzzed.dll");
  return 0;
}
