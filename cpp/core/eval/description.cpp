#include "core/eval/description.hpp"

#include "core/util/json_writer.hpp"

namespace ds {
namespace {

void write_column_like(JsonWriter& w, const std::string& key, const std::string& label, const std::string& meaning,
                       bool higher_is_better, ValueFormat format) {
  w.field("key", key).field("label", label).field("meaning", meaning);
  w.field("higher_is_better", higher_is_better).field("format", format_name(format));
}

}  // namespace

const char* format_name(ValueFormat f) {
  switch (f) {
    case ValueFormat::kFraction: return "fraction";
    case ValueFormat::kScore: return "score";
    case ValueFormat::kCount: return "count";
    case ValueFormat::kNumber: return "number";
  }
  return "number";
}

std::string schema_json(const std::vector<const Section*>& sections) {
  JsonWriter w(1);
  w.begin_object().field("version", 1).key("sections").begin_array();
  for (const Section* s : sections) {
    w.begin_object().field("id", s->id).field("title", s->title).field("short_label", s->short_label);
    w.field("meaning", s->meaning).field("primary", s->primary);
    w.key("values").begin_array();
    for (const Value& v : s->values) {
      w.begin_object();
      write_column_like(w, v.key, v.label, v.meaning, v.higher_is_better, v.format);
      w.field("headline", v.headline).end_object();
    }
    w.end_array().key("tables").begin_array();
    for (const Table& t : s->tables) {
      w.begin_object().field("key", t.key).field("title", t.title).field("meaning", t.meaning);
      w.field("row_id", t.row_id).field("row_label", t.row_label).field("primary", t.primary);
      w.key("columns").begin_array();
      for (const TableColumn& c : t.columns) {
        w.begin_object();
        write_column_like(w, c.key, c.label, c.meaning, c.higher_is_better, c.format);
        w.end_object();
      }
      w.end_array().end_object();
    }
    w.end_array().key("curves").begin_array();
    for (const Curve& c : s->curves) {
      w.begin_object().field("key", c.key).field("title", c.title).field("meaning", c.meaning);
      w.field("x", c.x).field("x_label", c.x_label).field("y_label", c.y_label);
      w.field("items", c.items).field("item_label", c.item_label).key("series").begin_array();
      for (const Curve::Series& s2 : c.series) w.begin_object().field("key", s2.key).field("label", s2.label).end_object();
      w.end_array().end_object();
    }
    w.end_array().key("charts").begin_array();
    for (const Chart& c : s->charts)
      w.begin_object().field("kind", c.kind).field("key", c.key).field("title", c.title).field("meaning", c.meaning).end_object();
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return w.take();
}

}  // namespace ds
