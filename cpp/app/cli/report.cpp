#include "app/cli/report.hpp"

#include "core/util/json_writer.hpp"

namespace ds::cli {

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string metrics_document(const JsonFields& run_facts, const std::vector<Metrics>& metrics) {
  JsonWriter w(1);
  w.begin_object();
  for (const auto& [k, v] : run_facts) w.key(k).raw(v);
  std::vector<const Section*> sections;
  for (const Metrics& m : metrics) {
    for (const auto& [k, v] : m.json_fields) w.key(k).raw(v);
    for (const Section& s : m.sections) sections.push_back(&s);
  }
  // What every field above is: the report, compare and the Python API render from it.
  w.key("schema").raw(schema_json(sections));
  w.end_object();
  return w.take() + "\n";
}

}  // namespace ds::cli
