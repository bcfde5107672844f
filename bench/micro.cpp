// Google Benchmark: the hot paths in nanoseconds per operation, so a
// regression shows before it reaches the corpus benchmark (bench/run).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "downlevel/apiset/reader.hpp"
#include "downlevel/apiset/resolver.hpp"
#include "downlevel/pe/exports.hpp"
#include "downlevel/pe/imports.hpp"
#include "downlevel/support/utf16.hpp"

namespace {

using namespace downlevel;

const std::string kWine = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/";

std::vector<std::byte> load(const std::string& name) {
  auto bytes = read_whole_file(kWine + name);
  return bytes ? *bytes : std::vector<std::byte>{};
}

void HeaderParse(benchmark::State& state) {
  const auto bytes = load("kernel32.dll");
  for (auto _ : state) {
    MemorySource source(bytes);
    benchmark::DoNotOptimize(pe::PeImage::parse(source));
  }
}
BENCHMARK(HeaderParse);

void ImportWalk(benchmark::State& state) {
  const auto bytes = load("kernel32.dll");
  std::size_t functions = 0;
  for (auto _ : state) {
    MemorySource source(bytes);
    auto image = pe::PeImage::parse(source);
    auto imports = pe::read_all_imports(*image);
    for (const auto& m : *imports) functions += m.functions.size();
  }
  state.counters["functions/s"] = benchmark::Counter(static_cast<double>(functions), benchmark::Counter::kIsRate);
}
BENCHMARK(ImportWalk);

void ExportWalk(benchmark::State& state) {
  const auto bytes = load("kernel32.dll");
  std::size_t symbols = 0;
  for (auto _ : state) {
    MemorySource source(bytes);
    auto image = pe::PeImage::parse(source);
    auto exports = pe::read_exports(*image);
    symbols += (*exports)->symbols.size();
  }
  state.counters["exports/s"] = benchmark::Counter(static_cast<double>(symbols), benchmark::Counter::kIsRate);
}
BENCHMARK(ExportWalk);

void ResolveThousandNames(benchmark::State& state) {
  const auto bytes = load("apisetschema.dll");
  MemorySource source(bytes);
  auto schema = apiset::read_schema(source);
  std::vector<std::string> names;
  for (std::size_t i = 0; names.size() < 1000; ++i) {
    const auto& set = schema->sets[i % schema->sets.size()];
    // A mix: sets by their own name, other version numbers, and non-sets.
    names.push_back(i % 4 == 3 ? "kernel32.dll" : to_utf8(set.name) + (i % 4 == 1 ? "-9.dll" : ".dll"));
  }
  for (auto _ : state) {
    for (const auto& name : names) benchmark::DoNotOptimize(apiset::resolve(*schema, name));
  }
  state.counters["names/s"] = benchmark::Counter(static_cast<double>(state.iterations() * names.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(ResolveThousandNames);

}  // namespace

BENCHMARK_MAIN();
