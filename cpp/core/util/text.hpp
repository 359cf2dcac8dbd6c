#pragma once
// Small text helpers shared by readers: locating an offset as line:column, trimming.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace ds {

struct TextLocation {
  std::size_t line = 1;    // 1-based
  std::size_t column = 1;  // 1-based, in bytes
};

// Line and column of byte `offset` in `text` (offset past the end is clamped).
TextLocation locate(std::string_view text, std::size_t offset);

std::string_view trim(std::string_view s);

// Byte offset of the first byte that is not part of well-formed UTF-8 (overlong forms,
// surrogates and code points past U+10FFFF included); npos when `s` is valid.
std::size_t find_invalid_utf8(std::string_view s);

// "<file>:<line>:<column>: invalid UTF-8 (byte 0xE9 at offset 1234)" when `text` is not UTF-8,
// else empty. Latin-1 files are common: the message says where, so the user can fix the file.
std::string utf8_problem(std::string_view text, std::string_view file);

// The name in `known` closest to a mistyped `word` (edit distance, a swap counting once), when
// it is close enough to be what was meant; empty otherwise. For "did you mean ...?" hints.
std::string closest_name(std::string_view word, std::span<const std::string> known);
// " (did you mean 'x'?)" or empty: the hint itself, ready to append to a message.
std::string did_you_mean(std::string_view word, std::span<const std::string> known);

// `s` made safe for a one-line message: control characters and bytes that are not UTF-8
// become escapes (\n, \x0b), and long values are cut with "...".
std::string printable(std::string_view s, std::size_t limit = 80);

// Lower-case ASCII copy.
std::string to_lower(std::string_view s);

// Shortest decimal text that reads back as the same double (what Python's repr prints).
std::string format_double(double v);
// `v` with exactly `decimals` digits after the point, for people ("5.4 s", "21.7 images/s").
std::string fixed_decimals(double v, int decimals);

}  // namespace ds
