#include "core/util/json_source.hpp"

#include <cmath>

#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/text.hpp"

namespace ds {

simdjson::padded_string JsonSource::load(const std::filesystem::path& path) {
  const RegularFile file(path, "a JSON file");
  if (file.size() == 0) return simdjson::padded_string(file.read_all());  // /proc and friends
  // Straight into the padded buffer: results files are large, a second copy costs.
  simdjson::padded_string text(file.size());
  const std::size_t got = file.read_at(0, text.data(), file.size());
  if (got != file.size()) throw Error(path.string() + ": the file shrank while it was read");
  return text;
}

JsonSource::JsonSource(std::filesystem::path path)
    : JsonSource(load(path), path.string()) {}

JsonSource::JsonSource(std::string_view text, std::string label)
    : JsonSource(simdjson::padded_string(text), std::move(label)) {}

JsonSource::JsonSource(simdjson::padded_string text, std::string label)
    : path_(std::move(label)), owned_(std::move(text)), text_(owned_) {
  start();
}

JsonSource::JsonSource(simdjson::padded_string_view text, std::string label)
    : path_(std::move(label)), text_(text) {
  start();
}

void JsonSource::start() {
  // On-Demand hands out string bytes as they are; a Latin-1 name would travel on into our
  // output files and messages. Checked here, once, at SIMD speed.
  if (!simdjson::validate_utf8(text_.data(), text_.size())) fail(simdjson::UTF8_ERROR, "");
  const auto code = parser_.iterate(text_).get(doc_);
  if (code != simdjson::SUCCESS) fail(code, "");
  iterated_ = true;
}

std::string JsonSource::position() {
  if (!iterated_) return {};  // the document never started: there is no current location
  const char* where = nullptr;
  if (doc_.current_location().get(where) != simdjson::SUCCESS || where == nullptr) return {};
  const auto offset = static_cast<std::size_t>(where - text_.data());
  const TextLocation loc = locate(std::string_view(text_.data(), text_.size()), offset);
  return ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column);
}

void JsonSource::fail(simdjson::error_code code, std::string_view context,
                      std::string_view expected) {
  const std::string_view text(text_.data(), text_.size());
  const JsonSyntaxError syntax = find_json_syntax_error(text);
  if (!syntax.message.empty()) {
    const TextLocation loc = locate(text, syntax.offset);
    const bool encoding = syntax.message.starts_with("invalid UTF-8");
    throw Error(path_.string() + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column) +
                (encoding ? ": " : ": invalid JSON: ") + syntax.message +
                (syntax.path.empty() ? "" : " (in " + syntax.path + ")"));
  }
  if (code == simdjson::UTF8_ERROR) {
    // Not inside a string (the validator would have said so): still say where.
    if (std::string where = utf8_problem(text, path_.string()); !where.empty()) throw Error(where);
  }
  std::string what = context.empty() ? std::string() : std::string(context) + ": ";
  switch (code) {
    case simdjson::INCORRECT_TYPE:
      what += expected.empty() ? std::string("wrong type") : "expected " + std::string(expected);
      break;
    case simdjson::NO_SUCH_FIELD: what += "missing"; break;
    case simdjson::NUMBER_OUT_OF_RANGE: what += "number out of range"; break;
    case simdjson::NUMBER_ERROR: what += "not a valid number"; break;
    default: what += simdjson::error_message(code);
  }
  throw Error(path_.string() + position() + ": " + what);
}

void JsonSource::fail(std::string_view context) { throw Error(located(context)); }

std::string JsonSource::located(std::string_view context) {
  return path_.string() + position() + ": " + std::string(context);
}

std::string JsonSource::located_at(std::size_t offset, std::string_view context) const {
  const TextLocation loc = locate(std::string_view(text_.data(), text_.size()), offset);
  return path_.string() + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column) + ": " + std::string(context);
}

std::int64_t JsonSource::int_from_double(JsonValue value,
                                         simdjson::error_code code, const std::string& context) {
  // 3.0 is an integer id too (Python treats 3.0 == 3 as the same key).
  double d = 0;
  if (value.get_double().get(d) == simdjson::SUCCESS && d == std::floor(d) && std::fabs(d) < 9.0e15)
    return static_cast<std::int64_t>(d);
  fail(code, context, "an integer");
}

}  // namespace ds
