#include "core/util/csv.hpp"

#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/text.hpp"

namespace ds {

CsvReader::CsvReader(std::filesystem::path path) : CsvReader(path.string(), read_file(path)) {}

CsvReader::CsvReader(std::string name, std::string text) : name_(std::move(name)), text_(std::move(text)) {
  if (std::string problem = utf8_problem(text_, name_); !problem.empty()) throw Error(problem);
  if (text_.rfind("\xEF\xBB\xBF", 0) == 0) pos_ = 3;
}

std::string CsvReader::where() const { return name_ + ":" + std::to_string(record_line_); }

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  const std::size_t n = text_.size();
  // Skip blank lines between records.
  while (pos_ < n && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ >= n) return false;
  record_line_ = line_;
  std::string field;
  while (true) {
    field.clear();
    if (pos_ < n && text_[pos_] == '"') {
      const std::size_t quote_line = line_;
      ++pos_;
      while (true) {
        if (pos_ >= n)
          throw Error(name_ + ":" + std::to_string(quote_line) + ": unterminated quoted field");
        const char c = text_[pos_++];
        if (c == '"') {
          if (pos_ < n && text_[pos_] == '"') {
            field += '"';
            ++pos_;
          } else {
            break;
          }
        } else {
          if (c == '\n') ++line_;
          field += c;
        }
      }
      if (pos_ < n && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r')
        throw Error(name_ + ":" + std::to_string(quote_line) + ": quoted field" +
                    (line_ != quote_line ? " (closed on line " + std::to_string(line_) + ")" : std::string()) +
                    " is followed by text before the next comma: unbalanced quote?");
    } else {
      const std::size_t end = text_.find_first_of(",\r\n", pos_);
      const std::size_t stop = end == std::string::npos ? n : end;
      field.assign(text_, pos_, stop - pos_);
      pos_ = stop;
    }
    fields.push_back(field);
    if (pos_ >= n) return true;
    if (text_[pos_] == ',') {
      ++pos_;
      continue;
    }
    if (text_[pos_] == '\r') ++pos_;
    if (pos_ < n && text_[pos_] == '\n') {
      ++pos_;
      ++line_;
    }
    return true;
  }
}

void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace ds
