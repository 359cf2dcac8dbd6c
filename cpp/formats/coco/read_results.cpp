#include <string>

#include "core/util/error.hpp"
#include "core/util/json_source.hpp"
#include "formats/coco/coco_json.hpp"

namespace ds::coco {

std::vector<Detection> read_results(const std::filesystem::path& results) {
  JsonSource src(results);
  simdjson::ondemand::array records;
  if (const auto code = src.document().get_array().get(records); code != simdjson::SUCCESS)
    src.fail(code, "top level", "an array of detections");
  std::vector<Detection> out;
  // A results file is ~100 bytes per detection; reserving avoids most regrowth.
  out.reserve(src.document_size() / 96 + 16);
  std::size_t index = 0;
  for (auto element : records) {
    Detection det;
    const auto ctx = [&] { return "detection [" + std::to_string(index) + "]"; };
    simdjson::ondemand::value v;
    src.check(element.get(v), ctx());
    enum : unsigned { kImage = 1, kCategory = 2, kBox = 4, kScore = 8 };
    unsigned seen = 0;
    for (auto field : src.get_object(v, ctx)) {
      std::string_view key;
      src.check(field.unescaped_key().get(key), ctx());
      const auto fctx = [&] { return ctx() + ": '" + std::string(key) + "'"; };
      if (key == "image_id") {
        det.image_id = src.get_int(field.value(), fctx);
        seen |= kImage;
      } else if (key == "category_id") {
        det.category_id = src.get_int(field.value(), fctx);
        seen |= kCategory;
      } else if (key == "bbox") {
        src.get_box(field.value(), &det.bbox.x, fctx);
        seen |= kBox;
      } else if (key == "score") {
        det.score = src.get_finite(field.value(), fctx);
        seen |= kScore;
      }
    }
    if (!(seen & kImage)) src.fail(ctx() + ": missing 'image_id'");
    if (!(seen & kCategory)) src.fail(ctx() + ": missing 'category_id'");
    if (!(seen & kBox)) src.fail(ctx() + ": missing 'bbox' (only box results are supported)");
    if (!(seen & kScore)) src.fail(ctx() + ": missing 'score'");
    out.push_back(det);
    ++index;
  }
  return out;
}

}  // namespace ds::coco
