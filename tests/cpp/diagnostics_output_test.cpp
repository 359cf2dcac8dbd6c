// per_class.csv from a metrics document's schema, and the Parquet writer's bytes (the layout
// readers rely on; pyarrow reads real files in tests/test_export_objects.py).
#include <gtest/gtest.h>

#include <cstring>

#include "core/eval/per_class_csv.hpp"
#include "core/util/error.hpp"
#include "core/util/parquet.hpp"

namespace ds {
namespace {

constexpr const char* kDocument = R"({
  "per_class": [{"category_id": 1, "name": "cat", "AP": 0.5, "gt": 3},
                {"category_id": 2, "name": "dog, big", "AP": -1, "gt": 0}],
  "voc": {"per_class": [{"category_id": 2, "name": "dog, big", "AP": 0.25}]},
  "slices": {"night": {"per_class": [{"category_id": 1, "name": "cat", "AP": 0.1}]}},
  "segm_per_class": [{"category_id": 1, "name": "cat", "AP": null}],
  "label_errors": {"candidates": [{"dt_id": 4, "what": "x"}]},
  "schema": {"version": 1, "sections": [
    {"id": "coco", "tables": [{"key": "per_class", "row_id": "category_id", "row_label": "name",
                               "columns": [{"key": "AP"}, {"key": "gt"}]}]},
    {"id": "voc", "tables": [{"key": "voc.per_class", "row_id": "category_id", "row_label": "name",
                              "columns": [{"key": "AP"}]}]},
    {"id": "coco_slices", "tables": [{"key": "slices", "row_id": "slice", "columns": [{"key": "AP"}]},
                                     {"key": "slices.night.per_class", "row_id": "category_id",
                                      "row_label": "name", "columns": [{"key": "AP"}]}]},
    {"id": "coco_segm", "tables": [{"key": "segm_per_class", "row_id": "category_id", "row_label": "name",
                                    "columns": [{"key": "AP"}]}]},
    {"id": "label_errors", "tables": [{"key": "label_errors.candidates", "row_id": "dt_id",
                                       "columns": [{"key": "dt_id"}]}]}]}
})";

TEST(PerClassCsv, ColumnsFromTheSchemaRowsFromTheTables) {
  const std::optional<std::string> csv = per_class_csv(kDocument);
  ASSERT_TRUE(csv);
  EXPECT_EQ(*csv,
            "category_id,name,AP,gt,voc.AP,slices.night.AP,coco_segm.AP\n"
            "1,cat,0.5,3,,0.1,\n"
            "2,\"dog, big\",-1,0,0.25,,\n");
}

TEST(PerClassCsv, NoneWithoutPerClassTables) {
  EXPECT_FALSE(per_class_csv(R"({"hota": 1, "schema": {"version": 1, "sections": [{"id": "t", "tables": []}]}})"));
  EXPECT_FALSE(per_class_csv(R"({"AP": 1})"));
  EXPECT_EQ(per_class_csv_path("out/run/m.json"), std::filesystem::path("out/run/per_class.csv"));
}

std::uint32_t le32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  std::memcpy(&v, s.data() + at, 4);
  return v;
}

TEST(Parquet, MagicFooterAndPlainValues) {
  std::vector<ParquetColumn> columns;
  columns.push_back({"id", std::vector<std::optional<std::int64_t>>{7, std::nullopt, -1}});
  columns.push_back({"kind", std::vector<std::optional<std::string>>{"gt", "dt", std::nullopt}});
  const std::string f = parquet_file(columns);
  ASSERT_GT(f.size(), 12u);
  EXPECT_EQ(f.substr(0, 4), "PAR1");
  EXPECT_EQ(f.substr(f.size() - 4), "PAR1");
  const std::uint32_t footer = le32(f, f.size() - 8);
  EXPECT_LT(footer, f.size());
  // The values are there, PLAIN: 7 and -1 as 8 little-endian bytes, the strings length-prefixed.
  const std::string seven("\x07\0\0\0\0\0\0\0", 8), minus_one(8, '\xff');
  EXPECT_NE(f.find(seven + minus_one), std::string::npos);
  EXPECT_NE(f.find(std::string("\x02\0\0\0gt\x02\0\0\0dt", 12)), std::string::npos);
  // Names in the footer (the schema and each column's path).
  const std::string meta = f.substr(f.size() - 8 - footer, footer);
  EXPECT_NE(meta.find("kind"), std::string::npos);
  EXPECT_NE(meta.find("detection-studio"), std::string::npos);
}

TEST(Parquet, ColumnsOfDifferentLengthsAreRefused) {
  std::vector<ParquetColumn> columns;
  columns.push_back({"a", std::vector<std::optional<double>>{1.0}});
  columns.push_back({"b", std::vector<std::optional<double>>{1.0, 2.0}});
  EXPECT_THROW(parquet_file(columns), Error);
}

}  // namespace
}  // namespace ds
