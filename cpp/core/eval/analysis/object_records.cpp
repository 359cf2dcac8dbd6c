#include "core/eval/analysis/object_records.hpp"

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <type_traits>
#include <variant>
#include <unordered_map>

#include "core/util/csv.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/parquet.hpp"
#include "core/util/text.hpp"

namespace ds::analysis {
namespace {

std::string number(double v) { return format_double(v); }

std::string threshold_label(double t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", t);
  return buf;
}

const char* status_of(DetectionOutcome o) {
  switch (o) {
    case DetectionOutcome::kTruePositive: return "TP";
    case DetectionOutcome::kFalsePositive: return "FP";
    case DetectionOutcome::kCrowd: return "ignored";
    case DetectionOutcome::kBelowThreshold: break;
  }
  return "";
}

const char* status_of(TruthOutcome o) {
  switch (o) {
    case TruthOutcome::kMatched: return "TP";
    case TruthOutcome::kMissed: return "FN";
    case TruthOutcome::kCrowd: return "ignored";
  }
  return "";
}

void row(std::string& out, std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (const std::string_view f : fields) {
    if (!first) out += ',';
    append_csv_field(out, f);
    first = false;
  }
}

}  // namespace

char object_record_column_kind(std::string_view name) {
  if (name == "id" || name == "image_id" || name == "category_id" || name.starts_with("match@")) return 'i';
  if (name == "score" || name.starts_with("iou@")) return 'f';
  return 's';
}

std::string object_records_parquet(const std::string& csv) {
  CsvReader reader("object records", csv);
  std::vector<std::string> fields;
  reader.next(fields);
  std::vector<ParquetColumn> columns;
  for (const std::string& name : fields) {
    ParquetColumn c{name, std::vector<std::optional<std::string>>{}};
    const char kind = object_record_column_kind(name);
    if (kind == 'i')
      c.values = std::vector<std::optional<std::int64_t>>{};
    else if (kind == 'f')
      c.values = std::vector<std::optional<double>>{};
    columns.push_back(std::move(c));
  }
  while (reader.next(fields)) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const std::string& f = i < fields.size() ? fields[i] : std::string();
      std::visit(
          [&](auto& v) {
            using T = typename std::decay_t<decltype(v)>::value_type::value_type;
            if (f.empty()) {
              v.emplace_back(std::nullopt);
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
              v.emplace_back(std::strtoll(f.c_str(), nullptr, 10));
            } else if constexpr (std::is_same_v<T, double>) {
              v.emplace_back(std::strtod(f.c_str(), nullptr));
            } else {
              v.emplace_back(f);
            }
          },
          columns[i].values);
    }
  }
  return parquet_file(columns);
}

void write_object_records(const std::filesystem::path& path, const std::string& csv) {
  // FILE.parquet: the same records, typed (a small writer of our own: no Arrow to link).
  write_file_atomic(path, path.extension() == ".parquet" ? object_records_parquet(csv) : csv);
}

std::string object_records_csv(const Dataset& gt, std::span<const std::int64_t> image_ids,
                               std::span<const Detection> dts, std::span<const double> ious, const Overlap& overlap) {
  if (ious.empty()) throw Error("object records: no IoU threshold given");
  for (const double t : ious)
    if (!(t > 0 && t <= 1)) throw Error("object records: IoU threshold " + number(t) + " is not above 0 and at most 1");
  std::unordered_map<std::int64_t, const Category*> cats;
  for (const Category& c : gt.categories) cats.emplace(c.id, &c);
  const auto class_of = [&](std::int64_t id) -> std::string {
    const auto c = cats.find(id);
    return c == cats.end() ? "" : c->second->name;
  };

  std::string out;
  row(out, {"kind", "id", "image_id", "file_name", "category_id", "class", "score"});
  for (const double t : ious) {
    const std::string at = "@" + threshold_label(t);
    out += ',';
    row(out, {"status" + at, "match" + at, "iou" + at});
  }
  out += '\n';
  for (const ImageBoxes& im : image_boxes(gt, image_ids, dts, overlap, std::numeric_limits<std::size_t>::max())) {
    std::vector<ImageMatch> matches;
    for (const double t : ious) matches.push_back(im.match(t));
    // Each ground truth's detection, per threshold (the match lists it the other way round).
    const std::size_t G = im.gts.size();
    std::vector<std::ptrdiff_t> truth_partner(ious.size() * G, -1);
    for (std::size_t k = 0; k < matches.size(); ++k)
      for (std::size_t d = 0; d < im.dts.size(); ++d)
        if (matches[k].matched_truth[d] >= 0)
          truth_partner[k * G + static_cast<std::size_t>(matches[k].matched_truth[d])] = static_cast<std::ptrdiff_t>(d);
    const std::string image_id = std::to_string(im.image->id);
    for (std::size_t g = 0; g < G; ++g) {
      const Annotation& a = im.gts[g];
      row(out, {"gt", std::to_string(a.id), image_id, im.image->file_name, std::to_string(a.category_id),
                class_of(a.category_id), ""});
      for (std::size_t k = 0; k < matches.size(); ++k) {
        const std::ptrdiff_t d = truth_partner[k * G + g];
        const auto du = static_cast<std::size_t>(d);
        out += ',';
        row(out, {status_of(matches[k].truth[g]), d < 0 ? "" : std::to_string(im.dt_source[du] + 1),
                  d < 0 ? "" : number(im.iou(du, g))});
      }
      out += '\n';
    }
    for (std::size_t d = 0; d < im.dts.size(); ++d) {
      const Detection& x = im.dts[d];
      row(out, {"dt", std::to_string(im.dt_source[d] + 1), image_id, im.image->file_name,
                std::to_string(x.category_id), class_of(x.category_id), number(x.score)});
      for (const ImageMatch& m : matches) {
        const std::ptrdiff_t g = m.matched_truth[d];
        const auto gu = static_cast<std::size_t>(g);
        out += ',';
        row(out, {status_of(m.detections[d]), g < 0 ? "" : std::to_string(im.gts[gu].id),
                  g < 0 ? "" : number(im.iou(d, gu))});
      }
      out += '\n';
    }
  }
  return out;
}

}  // namespace ds::analysis
