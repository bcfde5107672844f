// The 40-byte IMAGE_EXPORT_DIRECTORY and its three tables.
#include "downlevel/pe/exports.hpp"

#include <charconv>

#include <fmt/format.h>

#include "thunk_table.hpp"

namespace downlevel::pe {

namespace {

constexpr std::size_t kDirectorySize = 40;

struct Tables {
  std::span<const std::byte> functions;  // 4 bytes per slot
  std::span<const std::byte> names;      // 4 bytes per name (RVA)
  std::span<const std::byte> ordinals;   // 2 bytes per name (slot index)
};

}  // namespace

Result<std::optional<ExportTable>> read_exports(const PeImage& image) {
  const DataDirectory directory = image.directory(Directory::exports);
  if (directory.rva == 0) return std::optional<ExportTable>{};

  const std::uint64_t entry_offset = image.directory_entry_offset(Directory::exports);
  auto raw = image.bytes_at(directory.rva, kDirectorySize);
  if (!raw) return make_error("export directory", entry_offset, raw.error().message);
  const std::uint64_t offset = *image.offset_of(directory.rva);
  auto fail = [&](const std::string& what) { return make_error("export directory", offset, what); };

  ExportTable table;
  table.time_date_stamp = le32(*raw, 4);
  table.ordinal_base = le32(*raw, 16);
  table.function_count = le32(*raw, 20);
  table.name_count = le32(*raw, 24);
  const std::uint32_t functions_rva = le32(*raw, 28);
  const std::uint32_t names_rva = le32(*raw, 32);
  const std::uint32_t ordinals_rva = le32(*raw, 36);

  if (table.function_count > kMaxExports || table.name_count > kMaxExports) {
    return fail(fmt::format("NumberOfFunctions {} / NumberOfNames {} exceed the limit of {}",
                            table.function_count, table.name_count, kMaxExports));
  }
  if (const std::uint32_t name_rva = le32(*raw, 12); name_rva != 0) {
    auto name = detail::read_name(image, name_rva);
    if (!name) return fail("name " + name.error().message);
    table.dll_name = *name;
  }

  Tables tables;
  if (table.function_count > 0) {
    auto functions = image.bytes_at(functions_rva, std::uint64_t{table.function_count} * 4);
    if (!functions) return fail("AddressOfFunctions: " + functions.error().message);
    tables.functions = *functions;
  }
  if (table.name_count > 0) {
    auto names = image.bytes_at(names_rva, std::uint64_t{table.name_count} * 4);
    if (!names) return fail("AddressOfNames: " + names.error().message);
    auto ordinals = image.bytes_at(ordinals_rva, std::uint64_t{table.name_count} * 2);
    if (!ordinals) return fail("AddressOfNameOrdinals: " + ordinals.error().message);
    tables.names = *names;
    tables.ordinals = *ordinals;
  }

  // A slot whose RVA lies inside the export directory holds a forwarder string.
  auto resolve_slot = [&](std::uint32_t slot, ExportedSymbol& symbol) -> Status {
    symbol.ordinal = table.ordinal_base + slot;
    symbol.rva = le32(tables.functions, std::size_t{slot} * 4);
    if (symbol.rva >= directory.rva && symbol.rva - directory.rva < directory.size) {
      auto forwarder = detail::read_name(image, symbol.rva);
      if (!forwarder) return fail(fmt::format("ordinal {}: forwarder {}", symbol.ordinal, forwarder.error().message));
      symbol.forwarder = *forwarder;
    }
    return Status::ok();
  };

  std::vector<bool> named(table.function_count, false);
  table.symbols.reserve(table.function_count);
  for (std::uint32_t i = 0; i < table.name_count; ++i) {
    const std::uint16_t slot = le16(tables.ordinals, std::size_t{i} * 2);
    const std::uint32_t name_rva = le32(tables.names, std::size_t{i} * 4);
    if (slot >= table.function_count) {
      return fail(fmt::format("name {}: ordinal index {} is not below NumberOfFunctions {}", i, slot,
                              table.function_count));
    }
    auto name = detail::read_name(image, name_rva);
    if (!name) return fail(fmt::format("name {}: {}", i, name.error().message));
    named[slot] = true;
    ExportedSymbol symbol;
    symbol.name = *name;
    if (auto resolved = resolve_slot(slot, symbol); !resolved) return resolved.error();
    // An empty slot is not exported, whatever name points at it.
    if (symbol.rva != 0) table.symbols.push_back(symbol);
  }
  for (std::uint32_t slot = 0; slot < table.function_count; ++slot) {
    if (named[slot]) continue;
    ExportedSymbol symbol;
    if (auto resolved = resolve_slot(slot, symbol); !resolved) return resolved.error();
    if (symbol.rva != 0) table.symbols.push_back(symbol);
  }
  return std::optional<ExportTable>(std::move(table));
}

std::optional<ForwarderTarget> parse_forwarder(std::string_view forwarder) {
  // Split at the last dot, as Wine's loader does: module names may contain
  // dots ("kernel.appcore.Foo") while function names do not.
  const auto dot = forwarder.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == forwarder.size()) return std::nullopt;
  ForwarderTarget target;
  target.module = forwarder.substr(0, dot);
  const std::string_view symbol = forwarder.substr(dot + 1);
  if (symbol.front() == '#') {
    unsigned value = 0;
    const auto digits = symbol.substr(1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty() || value > 0xFFFF) {
      return std::nullopt;
    }
    target.ordinal = static_cast<std::uint16_t>(value);
  } else {
    target.name = symbol;
  }
  return target;
}

}  // namespace downlevel::pe
