#include "core/util/json_writer.hpp"

#include <charconv>
#include <cmath>

#include "core/util/text.hpp"

namespace ds {

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void JsonWriter::newline() {
  if (indent_ <= 0) return;
  out_ += '\n';
  out_.append(stack_.size() * static_cast<std::size_t>(indent_), ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (stack_.empty()) return;
  Level& top = stack_.back();
  if (!top.empty) out_ += top.flat ? ", " : ",";
  if (!top.flat) newline();
  top.empty = false;
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_ += '{';
  stack_.push_back({true});
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  const bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty) newline();
  out_ += '}';
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  stack_.push_back({false});
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  const Level top = stack_.back();
  stack_.pop_back();
  if (!top.empty && !top.flat) newline();
  out_ += ']';
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  before_value();
  append_json_string(out_, k);
  out_ += indent_ > 0 ? ": " : ":";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view v) {
  before_value();
  append_json_string(out_, v);
  return *this;
}

JsonWriter& JsonWriter::value(double v) {
  before_value();
  // JSON has no NaN or infinity; null is what readers can take.
  if (!std::isfinite(v)) {
    out_ += "null";
    return *this;
  }
  out_ += format_double(v);
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t v) {
  before_value();
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, res.ptr);
  return *this;
}

JsonWriter& JsonWriter::value(bool v) {
  before_value();
  out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  before_value();
  out_ += json;
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::value(std::span<const double> v) {
  before_value();
  out_ += '[';
  stack_.push_back({false, true, true});
  for (const double x : v) value(x);
  stack_.pop_back();
  out_ += ']';
  return *this;
}

JsonWriter& JsonWriter::value(std::span<const std::optional<double>> v) {
  before_value();
  out_ += '[';
  stack_.push_back({false, true, true});
  for (const std::optional<double>& x : v) x ? value(*x) : null();
  stack_.pop_back();
  out_ += ']';
  return *this;
}

JsonWriter& JsonWriter::value(std::span<const std::int64_t> v) {
  before_value();
  out_ += '[';
  stack_.push_back({false, true, true});
  for (const std::int64_t x : v) value(x);
  stack_.pop_back();
  out_ += ']';
  return *this;
}

}  // namespace ds
