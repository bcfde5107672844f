// libFuzzer target: shim generation from a hostile DLL. Whatever the export
// names, the .def and the MSVC directives hold only printable ASCII, each
// export line carries exactly its own quotes, and every name the plan keeps
// passes the safety check.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "downlevel/pe/exports.hpp"
#include "downlevel/shim/plan.hpp"
#include "downlevel/shim/render.hpp"
#include "downlevel/target/export_set.hpp"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

// Printable ASCII lines, and `quotes` quote characters on every line that starts with `prefix`.
void check_text(const std::string& text, std::string_view prefix, int quotes) {
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    require(end != std::string::npos);
    const std::string_view line(text.data() + start, end - start);
    for (const char c : line) require(c >= 0x20 && c < 0x7F);
    if (line.substr(0, prefix.size()) == prefix) {
      int count = 0;
      for (const char c : line) count += c == '"';
      require(count == quotes);
    }
    start = end + 1;
  }
}

}  // namespace

extern "C" int FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  using namespace downlevel;
  static const shim::Runtime runtime = *shim::Runtime::builtin();
  MemorySource source(std::as_bytes(std::span(data, size)));
  auto image = pe::PeImage::parse(source);
  if (!image) return 0;
  auto exports = target::ExportSet::from_image(*image, "kernel32.dll");
  if (!exports) return 0;
  std::vector<shim::WantedExport> wanted;
  for (const auto& e : exports->exports()) wanted.push_back(shim::WantedExport{e.name, e.ordinal});
  auto plan = shim::plan_shim("kernel32.dll", "xernel32.dll", wanted, nullptr, runtime);
  require(plan.has_value());
  for (const auto& e : plan->exports) require(e.name.empty() || shim::unsafe_export_name_reason(e.name).empty());
  check_text(shim::render_def(*plan), "  \"", 4);
  check_text(shim::render_msvc_directives(*plan), "#pragma", 2);
  return 0;
}
