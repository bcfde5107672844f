#include "downlevel/shim/plan.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "downlevel/patch/patch.hpp"

namespace downlevel::shim {
namespace {

std::string printable(std::string_view name) {
  std::string out;
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F && c != '\\') out += c;
    else out += fmt::format("\\x{:02x}", byte);
  }
  return out;
}

}  // namespace

const char* provision_name(Provision provision) {
  switch (provision) {
    case Provision::forwarded: return "forwarded";
    case Provision::implemented: return "implemented";
    case Provision::unprovided: return "unprovided";
  }
  return "?";
}

std::vector<std::string> ShimPlan::names_with(Provision provision) const {
  std::vector<std::string> names;
  for (const ShimExport& e : exports) {
    if (e.provision == provision) names.push_back(e.name.empty() ? fmt::format("#{}", e.ordinal) : e.name);
  }
  return names;
}

std::string unsafe_export_name_reason(std::string_view name) {
  if (name.empty()) return "empty name";
  if (name.size() > 1024) return "longer than 1024 bytes";
  if (name.front() == '#') return "starts with '#', which a forwarder reads as an ordinal";
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7F) return fmt::format("contains byte 0x{:02x} (space, control or non-ASCII)", byte);
    switch (c) {
      case '"': case '\'': case '\\': return fmt::format("contains the quoting character {}", c);
      case ',': case '=': case ';': return fmt::format("contains '{}', a separator in .def and /export syntax", c);
      case '.': return "contains '.', which would split the forwarder \"module.name\" in the wrong place";
      case '/': case ':': return fmt::format("contains the path separator {}", c);
      default: break;
    }
  }
  return {};
}

std::string default_shim_name(std::string_view original_dll) {
  std::string name = target::with_dll_extension(target::lower_ascii(original_dll));
  if (!name.empty()) name[0] = name[0] == 'x' ? 'y' : 'x';
  return name;
}

Result<ShimPlan> plan_shim(std::string_view original_dll, std::string_view shim_name,
                           std::span<const WantedExport> wanted, const target::ExportSet* in_target,
                           const Runtime& runtime) {
  ShimPlan plan;
  plan.original = target::lower_ascii(target::with_dll_extension(original_dll));
  plan.file_name = target::with_dll_extension(shim_name);
  for (const std::string& name : {plan.original, plan.file_name}) {
    if (auto valid = patch::validate_dll_name(name); !valid) return valid.error();
  }
  if (target::lower_ascii(plan.file_name) == plan.original) {
    return make_error("", 0, fmt::format("the shim cannot have the original's name {}", plan.original));
  }
  if (!unsafe_export_name_reason(plan.original_module()).empty()) {
    return make_error("", 0, fmt::format("{} cannot be named in a forwarder", plan.original));
  }

  std::set<std::string> seen_names;
  std::set<std::uint32_t> seen_ordinals;
  std::set<std::string> sources;
  for (const WantedExport& w : wanted) {
    ShimExport e{w.name, w.ordinal};
    if (w.name.empty()) {
      if (w.ordinal == target::kUnknownOrdinal || !seen_ordinals.insert(w.ordinal).second) continue;
    } else {
      if (std::string why = unsafe_export_name_reason(w.name); !why.empty()) {
        plan.rejected.push_back({printable(w.name), w.ordinal, std::move(why)});
        continue;
      }
      if (!seen_names.insert(w.name).second) continue;
      // Two exports claiming one ordinal: the linker numbers the second.
      if (w.ordinal != target::kUnknownOrdinal && !seen_ordinals.insert(w.ordinal).second) {
        e.ordinal = target::kUnknownOrdinal;
      }
    }
    const bool present = in_target && (w.name.empty() ? in_target->find(w.ordinal) != nullptr
                                                      : in_target->find(w.name) != nullptr);
    const RuntimeFunction* implementation = w.name.empty() ? nullptr : runtime.find(plan.original, w.name);
    if (present) {
      e.provision = Provision::forwarded;
    } else if (implementation) {
      e.provision = Provision::implemented;
      e.implementation = implementation;
      sources.insert(implementation->sources.begin(), implementation->sources.end());
    } else {
      e.provision = Provision::unprovided;
    }
    plan.exports.push_back(std::move(e));
  }
  plan.sources.emplace_back(kRuntimeHeader);
  plan.sources.emplace_back(kShimEntrySource);
  plan.sources.insert(plan.sources.end(), sources.begin(), sources.end());
  return plan;
}

}  // namespace downlevel::shim
