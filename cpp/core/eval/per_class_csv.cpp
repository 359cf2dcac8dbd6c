#include "core/eval/per_class_csv.hpp"

#include <simdjson.h>

#include <cstdint>
#include <map>
#include <vector>

#include "core/util/csv.hpp"
#include "core/util/error.hpp"
#include "core/util/text.hpp"

namespace ds {

namespace {

using simdjson::dom::element;

// The element at a dotted path ("voc.per_class", "best.f1"); nothing when a level is missing.
std::optional<element> at_path(element e, std::string_view path) {
  while (!path.empty()) {
    const std::size_t dot = path.find('.');
    const std::string_view part = path.substr(0, dot);
    element next;
    if (!e.is_object() || e.get_object().at_key(part).get(next) != simdjson::SUCCESS) return std::nullopt;
    e = next;
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  return e;
}

// A cell as metrics.json writes the value (numbers as format_double does, shortest round trip).
std::string cell(const std::optional<element>& v) {
  if (!v) return "";
  switch (v->type()) {
    case simdjson::dom::element_type::INT64: return std::to_string(int64_t(*v));
    case simdjson::dom::element_type::UINT64: return std::to_string(uint64_t(*v));
    case simdjson::dom::element_type::DOUBLE: return format_double(double(*v));
    case simdjson::dom::element_type::STRING: return std::string(std::string_view(*v));
    case simdjson::dom::element_type::BOOL: return bool(*v) ? "true" : "false";
    default: return "";  // null, or a list / object: not one cell
  }
}

// A row id as text, so ids written as 3 and 3.0 by two tables are one row.
std::string row_key(const element& id) {
  if (id.is_int64()) return std::to_string(int64_t(id));
  if (id.is_uint64()) return std::to_string(uint64_t(id));
  if (id.is_double()) {
    const double d = double(id);
    if (d == static_cast<double>(static_cast<int64_t>(d))) return std::to_string(static_cast<int64_t>(d));
    return format_double(d);
  }
  if (id.is_string()) return std::string(std::string_view(id));
  return "";
}

struct Row {
  std::string id, name;
  std::vector<std::string> cells;
};

}  // namespace

std::optional<std::string> per_class_csv(std::string_view metrics_json) {
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(metrics_json.data(), metrics_json.size()).get(doc) != simdjson::SUCCESS)
    throw Error("per_class.csv: metrics.json does not parse (a bug: we wrote it)");
  const std::optional<element> sections = at_path(doc, "schema.sections");
  if (!sections || !sections->is_array()) return std::nullopt;

  std::vector<std::string> header = {"category_id", "name"};
  std::vector<Row> rows;
  std::map<std::string, std::size_t> row_of;
  bool first_table = true;
  for (element section : sections->get_array()) {
    const std::string section_id = cell(at_path(section, "id"));
    const std::optional<element> tables = at_path(section, "tables");
    if (!tables || !tables->is_array()) continue;
    for (element table : tables->get_array()) {
      if (cell(at_path(table, "row_id")) != "category_id") continue;
      const std::string key = cell(at_path(table, "key"));
      const std::optional<element> data = at_path(doc, key);
      const std::optional<element> columns = at_path(table, "columns");
      if (!data || !columns || !columns->is_array()) continue;
      const std::string row_label = cell(at_path(table, "row_label"));
      // The table's own path names its columns apart ("voc.per_class" -> "voc.", a slice's
      // "slices.night.per_class" -> "slices.night."); a top-level key, its section's id.
      const std::size_t dot = key.rfind('.');
      const std::string prefix = first_table ? "" : dot == std::string::npos ? section_id + "." : key.substr(0, dot + 1);
      first_table = false;
      std::vector<std::string> keys;
      for (element c : columns->get_array()) {
        keys.push_back(cell(at_path(c, "key")));
        header.push_back(prefix + keys.back());
      }
      // Rows are a list of objects, or an object of objects keyed by the row's id.
      std::vector<std::pair<std::string, element>> items;
      if (data->is_array()) {
        for (element r : data->get_array()) {
          const std::optional<element> id = at_path(r, "category_id");
          if (id) items.emplace_back(row_key(*id), r);
        }
      } else if (data->is_object()) {
        for (auto [k, r] : data->get_object()) items.emplace_back(std::string(k), r);
      }
      const std::size_t width = header.size() - 2;
      for (auto& [id, r] : items) {
        auto [it, fresh] = row_of.try_emplace(id, rows.size());
        if (fresh) rows.push_back({id, cell(at_path(r, row_label.empty() ? "name" : row_label)), {}});
        Row& row = rows[it->second];
        if (row.name.empty()) row.name = cell(at_path(r, row_label.empty() ? "name" : row_label));
        row.cells.resize(width - keys.size());
        for (const std::string& k : keys) row.cells.push_back(cell(at_path(r, k)));
      }
    }
  }
  if (header.size() == 2) return std::nullopt;
  std::string out;
  const auto line = [&out](const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) out += ',';
      append_csv_field(out, fields[i]);
    }
    out += '\n';
  };
  line(header);
  for (Row& r : rows) {
    r.cells.resize(header.size() - 2);
    std::vector<std::string> fields = {r.id, r.name};
    fields.insert(fields.end(), r.cells.begin(), r.cells.end());
    line(fields);
  }
  return out;
}

std::filesystem::path per_class_csv_path(const std::filesystem::path& metrics_file) {
  return metrics_file.parent_path() / kPerClassCsv;
}

}  // namespace ds
