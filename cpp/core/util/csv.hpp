#pragma once
// A small CSV reader and writer (RFC 4180): comma-separated fields, optionally in double quotes,
// "" for a quote inside quotes, quoted fields may hold commas and line breaks. CRLF and a UTF-8
// byte-order mark are accepted. Errors name the file and line.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ds {

class CsvReader {
 public:
  explicit CsvReader(std::filesystem::path path);  // reads the whole file
  // From text in memory; `name` is used in messages.
  CsvReader(std::string name, std::string text);

  // The next record's fields; false at the end of the file. Blank lines are skipped.
  bool next(std::vector<std::string>& fields);
  std::size_t line() const { return record_line_; }  // 1-based line where the last record began
  // "<file>:<line>"
  std::string where() const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t record_line_ = 0;
};

// Appends `field` to `out`, quoted when it holds a comma, quote or line break.
void append_csv_field(std::string& out, std::string_view field);

}  // namespace ds
