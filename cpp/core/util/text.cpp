#include "core/util/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace ds {

TextLocation locate(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  TextLocation loc;
  const std::string_view before = text.substr(0, offset);
  loc.line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const auto last_newline = before.rfind('\n');
  loc.column = last_newline == std::string_view::npos ? offset + 1 : offset - last_newline;
  return loc;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string format_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string out(buf, res.ptr);
  // Keep a float looking like a float, as Python's json does ("1.0", not "1").
  if (out.find_first_of(".eEn") == std::string::npos) out += ".0";
  return out;
}

}  // namespace ds
