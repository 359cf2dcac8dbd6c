#pragma once
// What an evaluator's outputs are, said by the evaluator itself: its headline numbers (key,
// label, one-line meaning, direction, format), its tables (columns) and curves (axes, series),
// and the charts of the kinds the report knows. metrics.json carries it as "schema"; the
// console, report.html, `compare` and the Python API render any evaluator from it, so no metric
// name is spelled outside the evaluator that computes it.
#include <string>
#include <vector>

namespace ds {

// How a number is shown: fraction (0..1, 3 decimals), score (a threshold, 2 decimals), count
// (an integer), number (anything else, 4 significant digits).
enum class ValueFormat { kFraction, kScore, kCount, kNumber };

struct Value {
  std::string key;      // its path in metrics.json, dots between levels ("voc.mAP")
  std::string label;    // a short column header ("AP50")
  std::string meaning;  // one line for people ("AP at IoU 0.50, all areas, 100 detections")
  double value = -1;    // the number itself (for compare and the console; metrics.json has it at key)
  bool higher_is_better = true;
  ValueFormat format = ValueFormat::kFraction;
  bool headline = false;  // among the few numbers shown first (cards, compare's Markdown)
};

struct TableColumn {
  std::string key;  // within a row, dots between levels ("best.score")
  std::string label;
  std::string meaning;
  bool higher_is_better = true;
  ValueFormat format = ValueFormat::kFraction;
};

// A table of rows, one per category unless said otherwise: a list of objects at `key`, or an
// object of objects whose keys are the rows' ids (`row_id`; slices by name).
struct Table {
  std::string key;          // path of the list in metrics.json
  std::string title;
  std::string meaning;
  std::string row_id = "category_id";  // what identifies a row across runs
  std::string row_label = "name";      // the row's name for people
  std::vector<TableColumn> columns;
  std::string primary;  // the column that ranks models per row (compare's winners); may be empty
};

// Curves of one x axis shared by every item (one per category): `key` is an object holding the
// x values at `x` and a list of items at `items`, each with its series.
struct Curve {
  std::string key;
  std::string title;
  std::string meaning;
  std::string x = "recall_thresholds", x_label = "recall";
  std::string y_label = "precision";
  std::string items = "classes";
  std::string item_label = "name";
  struct Series {
    std::string key, label;
  };
  std::vector<Series> series;  // the first is the one compared across models
};

// A picture of a kind the report draws (thresholds, confusion, tide, per_image): the data at
// `key` has that kind's shape, whatever the evaluator.
struct Chart {
  std::string kind;
  std::string key;
  std::string title;
  std::string meaning;
};

struct Section {
  std::string id;       // unique in a run ("coco", "coco_segm", "thresholds"), an HTML id too
  std::string title;    // "COCO bbox"
  std::string short_label;  // prefixes its labels where two sections share one ("segm")
  std::string meaning;
  std::vector<Value> values;
  std::vector<Table> tables;
  std::vector<Curve> curves;
  std::vector<Chart> charts;
  std::string primary;  // the key of the value compared across models (compare's bootstrap)
};

// metrics.json's "schema" for these sections: {"version": 1, "sections": [...]}.
std::string schema_json(const std::vector<const Section*>& sections);

const char* format_name(ValueFormat f);

}  // namespace ds
