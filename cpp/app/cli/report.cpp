#include "app/cli/report.hpp"

#include "core/util/json_writer.hpp"

namespace ds::cli {

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

}  // namespace ds::cli
