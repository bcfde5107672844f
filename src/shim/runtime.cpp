#include "downlevel/shim/runtime.hpp"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "downlevel/target/export_set.hpp"

namespace downlevel::shim {
namespace {

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(separator, start), text.size());
    if (end > start) parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

}  // namespace

Result<Runtime> Runtime::from_files(std::span<const RuntimeFile> files) {
  Runtime runtime;
  runtime.files_ = files;
  const RuntimeFile* catalogue = runtime.file("catalogue.csv");
  if (!catalogue) return make_error("", 0, "runtime: no catalogue.csv");
  for (const std::string_view required : {kRuntimeHeader, kShimEntrySource}) {
    if (!runtime.file(required)) return make_error("", 0, fmt::format("runtime: no {}", required));
  }
  std::size_t line_number = 0;
  for (const std::string& line : split(catalogue->text, '\n')) {
    if (++line_number == 1) continue;  // header
    const auto fields = split(line, ',');
    if (fields.size() != 4) {
      return make_error("", 0, fmt::format("runtime catalogue line {}: expected 4 fields", line_number));
    }
    RuntimeFunction function{target::lower_ascii(fields[0]), fields[1], fields[2], split(fields[3], ' ')};
    for (const std::string& source : function.sources) {
      if (!runtime.file(source)) {
        return make_error("", 0, fmt::format("runtime catalogue line {}: {} needs {}, which is not in the runtime",
                                             line_number, function.function, source));
      }
    }
    runtime.functions_.push_back(std::move(function));
  }
  return runtime;
}

Result<Runtime> Runtime::builtin() { return from_files(detail::embedded_runtime_files()); }

const RuntimeFunction* Runtime::find(std::string_view dll, std::string_view function) const {
  const std::string key = target::lower_ascii(target::with_dll_extension(dll));
  const auto it = std::find_if(functions_.begin(), functions_.end(),
                               [&](const RuntimeFunction& f) { return f.dll == key && f.function == function; });
  return it == functions_.end() ? nullptr : &*it;
}

const RuntimeFile* Runtime::file(std::string_view name) const {
  const auto it = std::find_if(files_.begin(), files_.end(), [&](const RuntimeFile& f) { return f.name == name; });
  return it == files_.end() ? nullptr : &*it;
}

}  // namespace downlevel::shim
