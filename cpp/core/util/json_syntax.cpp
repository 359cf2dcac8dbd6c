// A small strict JSON validator. It runs only after simdjson has rejected a document, to tell
// the user where the first error is (simdjson reports that something is wrong, not where).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/util/json_source.hpp"
#include "core/util/text.hpp"

namespace ds {
namespace {

class Validator {
 public:
  explicit Validator(std::string_view text) : s_(text) {}

  JsonSyntaxError run() {
    skip_ws();
    if (i_ == s_.size()) return error("empty document");
    if (!value(0)) return err_;
    skip_ws();
    if (i_ != s_.size()) return error("unexpected text after the end of the document");
    return {};
  }

 private:
  static constexpr int kMaxDepth = 1024;

  JsonSyntaxError error(std::string message) {
    std::string where;
    for (const std::string& part : path_) where += part;
    if (!where.empty() && where.front() == '.') where.erase(0, 1);
    err_ = {i_, std::move(message), std::move(where)};
    return err_;
  }
  bool fail(std::string message) {
    error(std::move(message));
    return false;
  }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t'))
      ++i_;
  }
  bool literal(const char* word) {
    const std::size_t n = std::strlen(word);
    if (s_.compare(i_, n, word) != 0) return fail("unexpected character");
    i_ += n;
    return true;
  }

  bool value(int depth) {
    if (depth > kMaxDepth) return fail("nesting too deep");
    skip_ws();
    if (i_ >= s_.size()) return fail("unexpected end of file");
    switch (s_[i_]) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      case 'N':
      case 'I': return fail("NaN and Infinity are not valid JSON numbers");
      default: return number();
    }
  }

  bool object(int depth) {
    ++i_;
    skip_ws();
    if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
    while (true) {
      skip_ws();
      if (i_ >= s_.size()) return fail("unexpected end of file inside an object");
      if (s_[i_] != '"') return fail("expected a string key");
      const std::size_t key_start = i_ + 1;
      if (!string()) return false;
      path_.push_back("." + std::string(s_.substr(key_start, i_ - 1 - key_start)));
      skip_ws();
      if (i_ >= s_.size() || s_[i_] != ':') return fail("expected ':' after a key");
      ++i_;
      if (!value(depth + 1)) return false;
      path_.pop_back();
      skip_ws();
      if (i_ >= s_.size()) return fail("unexpected end of file inside an object");
      if (s_[i_] == '}') return ++i_, true;
      if (s_[i_] != ',') return fail("expected ',' or '}'");
      ++i_;
    }
  }

  bool array(int depth) {
    ++i_;
    skip_ws();
    if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
    for (std::size_t index = 0;; ++index) {
      path_.push_back("[" + std::to_string(index) + "]");
      if (!value(depth + 1)) return false;
      path_.pop_back();
      skip_ws();
      if (i_ >= s_.size()) return fail("unexpected end of file inside an array");
      if (s_[i_] == ']') return ++i_, true;
      if (s_[i_] != ',') return fail("expected ',' or ']'");
      ++i_;
    }
  }

  bool string() {
    ++i_;
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') return ++i_, true;
      if (c < 0x20) return fail("control character inside a string");
      if (c >= 0x80) {
        // One well-formed UTF-8 sequence, or the error names its first byte and offset.
        const std::size_t bad = find_invalid_utf8(s_.substr(i_, 4));
        if (bad == 0) {
          char byte[8];
          std::snprintf(byte, sizeof byte, "0x%02X", c);
          return fail("invalid UTF-8 in a string (byte " + std::string(byte) + " at offset " +
                      std::to_string(i_) + "; save the file as UTF-8)");
        }
        i_ += c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        continue;
      }
      if (c == '\\') {
        ++i_;
        if (i_ >= s_.size()) break;
        const char e = s_[i_];
        if (e == 'u') {
          for (int k = 1; k <= 4; ++k)
            if (i_ + k >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_ + k])))
              return fail("bad \\u escape");
          i_ += 4;
        } else if (!std::strchr("\"\\/bfnrt", e)) {
          return fail("bad escape");
        }
      }
      ++i_;
    }
    return fail("unterminated string");
  }

  bool digits() {
    const std::size_t start = i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    return i_ > start;
  }

  bool number() {
    if (s_[i_] == '-') ++i_;
    if (i_ < s_.size() && (s_[i_] == 'I' || s_[i_] == 'N'))
      return fail("NaN and Infinity are not valid JSON numbers");
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (!digits()) {
      return fail("unexpected character");
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits()) return fail("expected digits after '.'");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return fail("expected digits in the exponent");
    }
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  JsonSyntaxError err_;
  std::vector<std::string> path_;  // keys and indices down to the current value
};

}  // namespace

JsonSyntaxError find_json_syntax_error(std::string_view text) { return Validator(text).run(); }

}  // namespace ds
