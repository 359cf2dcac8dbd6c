#pragma once
// A JSON file opened for simdjson's On-Demand API: values are parsed straight into the caller's
// types while it walks the document, with no intermediate DOM. Errors name the file, line and
// column (syntax) or the record and field (content).
#include <simdjson.h>

#include <cmath>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace ds {

using JsonValue = simdjson::simdjson_result<simdjson::ondemand::value>;

class JsonSource {
 public:
  explicit JsonSource(std::filesystem::path path);
  // JSON already in memory; `label` stands for the file name in messages.
  JsonSource(std::string_view text, std::string label);
  JsonSource(simdjson::padded_string text, std::string label);
  // A view into memory someone else owns (it must outlive this, with padding readable after).
  JsonSource(simdjson::padded_string_view text, std::string label);

  // A file's bytes, with the messages for a missing or unreadable file.
  static simdjson::padded_string load(const std::filesystem::path& path);
  JsonSource(const JsonSource&) = delete;
  JsonSource& operator=(const JsonSource&) = delete;

  simdjson::ondemand::document& document() { return doc_; }
  // Whether the document has been read to its end (nothing follows the top-level value).
  bool at_end() { return doc_.current_location().error() == simdjson::OUT_OF_BOUNDS; }
  const std::filesystem::path& path() const { return path_; }
  std::size_t document_size() const { return text_.size(); }

  // Throws ds::Error for `code`: a syntax error is located by line and column; any other error
  // is reported as "<file>:<line>:<col>: <context>: <what>".
  [[noreturn]] void fail(simdjson::error_code code, std::string_view context,
                         std::string_view expected = "");
  // A content error (wrong type, missing key, bad value) at the current position.
  [[noreturn]] void fail(std::string_view context);
  // "<file>:<line>:<col>: <context>" at the current position, for messages not thrown.
  std::string located(std::string_view context);
  // Where a value starts, to locate a problem found only after the whole file is read (LVIS'
  // category lists name categories the file may list later): offset_of() while reading,
  // located_at() with it later.
  std::size_t offset_of(simdjson::ondemand::value& v) {
    return static_cast<std::size_t>(v.raw_json_token().data() - text_.data());
  }
  std::string located_at(std::size_t offset, std::string_view context) const;

  void check(simdjson::error_code code, std::string_view context) {
    if (code != simdjson::SUCCESS) [[unlikely]]
      fail(code, context);
  }
  // The same with the context a callable gives, built only on failure: readers check every
  // field of every record, and building "detection [123456]" each time was a tenth of parsing.
  template <class Ctx>
    requires std::invocable<Ctx&>
  void check(simdjson::error_code code, Ctx&& ctx) {
    if (code != simdjson::SUCCESS) [[unlikely]]
      fail(code, ctx());
  }

  // Readers for the common value shapes. `ctx` is a callable giving the record and field for
  // an error message ("annotations[12] (id 345): 'bbox'"); it runs only when there is an error.
  template <class V, class Ctx>
  std::int64_t get_int(V&& value, Ctx&& ctx) {
    std::int64_t out = 0;
    const auto code = value.get_int64().get(out);
    if (code == simdjson::SUCCESS) [[likely]]
      return out;
    return int_from_double(JsonValue(std::forward<V>(value)), code, ctx());
  }
  template <class V, class Ctx>
  double get_number(V&& value, Ctx&& ctx) {
    double out = 0;
    const auto code = value.get_double().get(out);
    if (code != simdjson::SUCCESS) [[unlikely]]
      fail(code, ctx(), "a number");
    return out;
  }
  template <class V, class Ctx>
  std::string_view get_string(V&& value, Ctx&& ctx) {
    std::string_view out;
    const auto code = value.get_string().get(out);
    if (code != simdjson::SUCCESS) [[unlikely]]
      fail(code, ctx(), "a string");
    return out;
  }
  template <class V, class Ctx>
  bool get_flag(V&& value, Ctx&& ctx) {  // 0/1 or true/false
    bool b = false;
    if (value.get_bool().get(b) == simdjson::SUCCESS) return b;
    return get_int(value, ctx) != 0;
  }
  template <class V, class Ctx>
  simdjson::ondemand::object get_object(V&& value, Ctx&& ctx) {
    simdjson::ondemand::object out;
    const auto code = value.get_object().get(out);
    if (code != simdjson::SUCCESS) [[unlikely]]
      fail(code, ctx(), "an object");
    return out;
  }
  template <class V, class Ctx>
  simdjson::ondemand::array get_array(V&& value, Ctx&& ctx) {
    simdjson::ondemand::array out;
    const auto code = value.get_array().get(out);
    if (code != simdjson::SUCCESS) [[unlikely]]
      fail(code, ctx(), "an array");
    return out;
  }
  // A number that is neither NaN nor infinite (JSON has neither, but 1e999 overflows to inf).
  template <class V, class Ctx>
  double get_finite(V&& value, Ctx&& ctx) {
    const double out = get_number(std::forward<V>(value), ctx);
    if (!std::isfinite(out)) [[unlikely]]
      fail(ctx() + ": not a finite number");
    return out;
  }
  // A COCO box [x, y, width, height]: four finite numbers, width and height not negative.
  template <class V, class Ctx>
  void get_box(V&& value, double* out, Ctx&& ctx) {
    get_numbers(std::forward<V>(value), out, 4, ctx);
    for (int n = 0; n < 4; ++n)
      if (!std::isfinite(out[n])) [[unlikely]]
        fail(ctx() + ": not a finite number");
    if (out[2] < 0 || out[3] < 0) [[unlikely]]
      fail(ctx() + ": negative width or height");
  }
  // Exactly n numbers, into out[0..n-1].
  template <class V, class Ctx>
  void get_numbers(V&& value, double* out, std::size_t n, Ctx&& ctx) {
    std::size_t count = 0;
    for (auto element : get_array(value, ctx)) {
      simdjson::ondemand::value v;
      if (const auto code = element.get(v); code != simdjson::SUCCESS) [[unlikely]]
        fail(code, ctx(), "an array of numbers");
      if (count >= n) [[unlikely]]
        fail(ctx() + ": expected " + std::to_string(n) + " numbers, got more");
      out[count++] = get_number(v, ctx);
    }
    if (count != n) [[unlikely]]
      fail(ctx() + ": expected " + std::to_string(n) + " numbers, got " + std::to_string(count));
  }

 private:
  std::int64_t int_from_double(JsonValue value, simdjson::error_code code,
                               const std::string& context);
  std::string position();
  void start();  // validates the encoding and starts iterating (constructors)

  std::filesystem::path path_;
  simdjson::padded_string owned_;     // empty when viewing someone else's text
  simdjson::padded_string_view text_;
  simdjson::ondemand::parser parser_;
  simdjson::ondemand::document doc_;
  bool iterated_ = false;
};

// Where the first syntax error in `text` is, and what it is; empty `message` when the text is
// valid JSON. A plain validator, used only to explain a parse failure.
struct JsonSyntaxError {
  std::size_t offset = 0;
  std::string message;
  std::string path;  // the value it is in, e.g. "annotations[3].bbox[2]"; empty at top level
};
JsonSyntaxError find_json_syntax_error(std::string_view text);

}  // namespace ds
