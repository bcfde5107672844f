// UTF-16 <-> UTF-8 for names stored as UTF-16LE (API set schemas), and the
// loader's ASCII-only case folding.
#pragma once

#include <string>
#include <string_view>

namespace downlevel {

// Unpaired surrogates become U+FFFD.
std::string to_utf8(std::u16string_view text);
// Invalid UTF-8 bytes become U+FFFD.
std::u16string to_utf16(std::string_view text);

// The Windows loader folds only 'A'-'Z' when it hashes and compares names.
constexpr char16_t fold_ascii(char16_t c) { return (c >= u'A' && c <= u'Z') ? static_cast<char16_t>(c + 32) : c; }

}  // namespace downlevel
