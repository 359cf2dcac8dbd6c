#include "formats/openimages/csv_columns.hpp"

#include "core/util/error.hpp"
#include "core/util/text.hpp"

namespace ds::openimages {

Columns header(CsvReader& csv, std::initializer_list<const char*> required) {
  std::vector<std::string> fields;
  if (!csv.next(fields)) throw Error(csv.name() + ": empty file (expected a header row)");
  Columns c;
  for (std::size_t i = 0; i < fields.size(); ++i) c.index.emplace(std::string(trim(fields[i])), i);
  for (const char* r : required)
    if (!c.find(r)) throw Error(csv.where() + ": no '" + std::string(r) + "' column in the header");
  return c;
}

}  // namespace ds::openimages
