#include "formats/openimages/image_labels.hpp"

#include <algorithm>

#include "core/util/error.hpp"
#include "core/util/text.hpp"
#include "formats/openimages/csv_columns.hpp"

namespace ds::openimages {

std::vector<RawImageLabel> read_image_labels(CsvReader& csv) {
  const Columns c = header(csv, {"ImageID", "LabelName", "Confidence"});
  const std::size_t col_id = *c.find("ImageID"), col_label = *c.find("LabelName"), col_conf = *c.find("Confidence");
  const std::size_t needed = std::max({col_id, col_label, col_conf});
  std::vector<RawImageLabel> out;
  std::vector<std::string> f;
  while (csv.next(f)) {
    if (f.size() <= needed)
      throw Error(csv.where() + ": " + std::to_string(f.size()) + " fields, the header has " + std::to_string(c.index.size()));
    const std::string confidence(trim(f[col_conf]));
    // The challenge's files hold 0 and 1 only; the expansion tool reads anything else as absent.
    if (confidence != "0" && confidence != "1")
      throw Error(csv.where() + ": Confidence: expected 0 (verified absent) or 1 (verified present), got '" +
                  printable(confidence) + "'");
    out.push_back({f[col_id], f[col_label], confidence == "1", csv.where()});
  }
  return out;
}

}  // namespace ds::openimages
