#include <gtest/gtest.h>

#include "core/util/csv.hpp"
#include "core/util/error.hpp"

using namespace ds;

namespace {
std::vector<std::vector<std::string>> all(const std::string& text) {
  CsvReader r("t.csv", text);
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> f;
  while (r.next(f)) out.push_back(f);
  return out;
}
std::string error_of(const std::string& text) {
  try {
    all(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Csv, PlainQuotedEscapedAndEmptyFields) {
  using Rows = std::vector<std::vector<std::string>>;
  EXPECT_EQ(all("a,b,c\n1,,3\n"), (Rows{{"a", "b", "c"}, {"1", "", "3"}}));
  EXPECT_EQ(all("\"x, y\",\"say \"\"hi\"\"\",z"), (Rows{{"x, y", "say \"hi\"", "z"}}));
  EXPECT_EQ(all("a,\"two\nlines\",b\r\nc,d,\r\n"), (Rows{{"a", "two\nlines", "b"}, {"c", "d", ""}}));
  EXPECT_EQ(all("\xEF\xBB\xBFImageID\n\nabc\n"), (Rows{{"ImageID"}, {"abc"}}));  // BOM, blank line
}

TEST(Csv, LinesCountQuotedLineBreaks) {
  CsvReader r("t.csv", "h\n\"a\nb\"\n\nlast\n");
  std::vector<std::string> f;
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(r.line(), 1u);
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(r.line(), 2u);
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(r.line(), 5u);
  EXPECT_EQ(r.where(), "t.csv:5");
  EXPECT_FALSE(r.next(f));
}

TEST(Csv, BrokenQuotesNameTheLine) {
  EXPECT_EQ(error_of("a,b\nc,\"open\nmore\n"), "t.csv:2: unterminated quoted field");
  EXPECT_EQ(error_of("a\n\"x\"y,z\n"), "t.csv:2: quoted field is followed by text before the next comma: unbalanced quote?");
}

TEST(Csv, WriterQuotesOnlyWhenNeeded) {
  std::string out;
  append_csv_field(out, "plain");
  out += ',';
  append_csv_field(out, "sign, \"stop\"");
  EXPECT_EQ(out, "plain,\"sign, \"\"stop\"\"\"");
  EXPECT_EQ(all(out), (std::vector<std::vector<std::string>>{{"plain", "sign, \"stop\""}}));
}
