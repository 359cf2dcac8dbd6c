#pragma once
// Small text helpers shared by readers: locating an offset as line:column, trimming.
#include <cstddef>
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

// Lower-case ASCII copy.
std::string to_lower(std::string_view s);

// Shortest decimal text that reads back as the same double (what Python's repr prints).
std::string format_double(double v);

}  // namespace ds
