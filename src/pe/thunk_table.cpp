#include "thunk_table.hpp"

#include <cstring>

#include <fmt/format.h>

namespace downlevel::pe::detail {

std::string DescriptorLabel::text() const {
  if (dll.empty()) return fmt::format("{} {}", kind, index);
  return fmt::format("{} {} ({})", kind, index, dll);
}

Result<std::string_view> read_name(const PeImage& image, std::uint32_t rva) {
  auto rest = image.bytes_from(rva);
  if (!rest) return rest.error();
  const auto window = rest->first(std::min(rest->size(), kMaxNameLength + 1));
  const char* chars = reinterpret_cast<const char*>(window.data());
  const void* nul = std::memchr(chars, 0, window.size());
  if (nul == nullptr) {
    return make_error("", 0,
                      window.size() > kMaxNameLength
                          ? fmt::format("name at RVA {:#x} is longer than {} bytes", rva, kMaxNameLength)
                          : fmt::format("name at RVA {:#x} has no terminating NUL", rva));
  }
  return std::string_view(chars, static_cast<const char*>(nul) - chars);
}

Status read_thunk_table(const PeImage& image, const ThunkTableRef& table,
                        std::vector<ImportedFunction>& out) {
  const bool wide = image.is_pe32_plus();
  const std::size_t thunk_size = wide ? 8 : 4;
  const std::uint64_t ordinal_flag = wide ? (std::uint64_t{1} << 63) : (std::uint64_t{1} << 31);

  auto fail = [&](std::size_t index, const std::string& what) {
    return make_error(table.owner.text(), table.owner_offset, fmt::format("thunk {}: {}", index, what));
  };

  auto entries = image.bytes_from(table.rva);
  if (!entries) {
    return make_error(table.owner.text(), table.owner_offset,
                      fmt::format("import name table: {}", entries.error().message));
  }
  const std::size_t capacity = entries->size() / thunk_size;
  auto thunk = [&](std::size_t index) -> std::uint64_t {
    return wide ? le64(*entries, index * thunk_size) : le32(*entries, index * thunk_size);
  };
  // Counted before being walked, so the list is allocated once.
  std::size_t count = 0;
  while (count < capacity && count < kMaxThunksPerModule && thunk(count) != 0) ++count;
  out.reserve(out.size() + count);
  for (std::size_t index = 0;; ++index) {
    if (index == capacity) {
      return make_error(table.owner.text(), table.owner_offset,
                        fmt::format("import name table at RVA {:#x} has no terminating zero thunk "
                                    "before the end of its section",
                                    table.rva));
    }
    if (index == kMaxThunksPerModule) {
      return make_error(table.owner.text(), table.owner_offset,
                        fmt::format("import name table at RVA {:#x} has more than {} thunks", table.rva,
                                    kMaxThunksPerModule));
    }
    const std::uint64_t value = thunk(index);
    if (value == 0) return Status::ok();

    ImportedFunction function;
    if ((value & ordinal_flag) != 0) {
      function.by_ordinal = true;
      function.ordinal = static_cast<std::uint16_t>(value & 0xFFFF);
      out.push_back(function);
      continue;
    }
    const std::uint64_t address = value - table.address_bias;
    if (value < table.address_bias || address > 0xFFFFFFFFu) {
      return fail(index, fmt::format("hint/name address {:#x} outside the image", value));
    }
    const auto hint_rva = static_cast<std::uint32_t>(address);
    auto hint = image.bytes_at(hint_rva, 2);
    if (!hint) return fail(index, "hint/name " + hint.error().message);
    auto name = read_name(image, hint_rva + 2);
    if (!name) return fail(index, "name " + name.error().message);
    // No export has an empty name; a thunk pointing at one is corrupt.
    if (name->empty()) return fail(index, fmt::format("empty function name at RVA {:#x}", hint_rva + 2));
    function.hint = le16(*hint, 0);
    function.name = *name;
    out.push_back(function);
  }
}

}  // namespace downlevel::pe::detail
