// libFuzzer target: the patcher. Whatever the input, the result is either a
// clean error or an image whose headers and imports parse, with the new
// versions and names in place.
#include <cstdint>
#include <cstdlib>

#include "downlevel/patch/patch.hpp"
#include "downlevel/pe/imports.hpp"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif
extern "C" int FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  using namespace downlevel;
  const auto bytes = std::as_bytes(std::span(data, size));
  MemorySource source(bytes);
  auto image = pe::PeImage::parse(source);
  if (!image) return 0;
  patch::Request request;
  request.os_version = patch::Version{5, 0};
  request.subsystem_version = patch::Version{5, 1};
  request.strip_signature = true;
  std::string renamed;
  if (auto imports = pe::read_all_imports(*image); imports && !imports->empty()) {
    // Alternate between a short name (in place) and a long one (new section).
    renamed = size % 2 ? "x.dll" : "a-rather-long-replacement-name-for-the-fuzzer.dll";
    request.renames = {{std::string((*imports)[0].dll), renamed}};
  }
  auto patched = patch::apply(bytes, request);
  if (!patched) return 0;
  MemorySource out(patched->bytes);
  auto reread = pe::PeImage::parse(out);
  if (!reread || reread->major_os_version() != 5 || reread->minor_subsystem_version() != 1) std::abort();
  auto imports = pe::read_all_imports(*reread);
  if (!imports) std::abort();
  if (!renamed.empty() && (imports->empty() || (*imports)[0].dll != renamed)) std::abort();
  return 0;
}
