#pragma once
// A streaming JSON writer: builds the text directly, no DOM. Doubles are written as the
// shortest text that reads back to the same value, so a JSON round trip is exact.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ds {

class JsonWriter {
 public:
  // indent > 0 pretty-prints objects and arrays (arrays of numbers stay on one line).
  explicit JsonWriter(int indent = 0) : indent_(indent) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);

  JsonWriter& value(std::string_view v);
  JsonWriter& value(const char* v) { return value(std::string_view(v)); }
  JsonWriter& value(double v);
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(bool v);
  JsonWriter& null();
  JsonWriter& value(std::span<const double> v);  // a flat array of numbers on one line
  JsonWriter& value(std::span<const std::optional<double>> v);  // the same, null for none
  JsonWriter& value(std::span<const std::int64_t> v);
  JsonWriter& raw(std::string_view json);        // an already rendered JSON value

  template <class T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void before_value();
  void newline();

  struct Level {
    bool is_object;
    bool empty = true;
    bool flat = false;  // array written on one line
  };
  std::string out_;
  std::vector<Level> stack_;
  bool after_key_ = false;
  int indent_;
};

void append_json_string(std::string& out, std::string_view s);

}  // namespace ds
