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
  // A results file is ~90 bytes per detection; reserving avoids most regrowth.
  out.reserve(src.document_size() / 80 + 16);
  std::size_t index = 0;
  for (auto element : records) {
    Detection det;
    const auto ctx = [&] { return "detection [" + std::to_string(index) + "]"; };
    simdjson::ondemand::value v;
    src.check(element.get(v), ctx());
    enum : unsigned { kImage = 1, kCategory = 2, kBox = 4, kScore = 8 };
    unsigned seen = 0;
    for (auto field : src.get_object(v, ctx)) {
      // Raw key bytes compared in place: unescaping every key of 500k records costs more than
      // the numbers. (A key spelled with \u escapes would not match: no writer does that.)
      simdjson::ondemand::raw_json_string key;
      src.check(field.key().get(key), ctx());
      const auto named = [&](const char* name) { return [&ctx, name] { return ctx() + ": '" + name + "'"; }; };
      if (key == "image_id") {
        det.image_id = src.get_int(field.value(), named("image_id"));
        seen |= kImage;
      } else if (key == "category_id") {
        det.category_id = src.get_int(field.value(), named("category_id"));
        seen |= kCategory;
      } else if (key == "bbox") {
        src.get_box(field.value(), &det.bbox.x, named("bbox"));
        seen |= kBox;
      } else if (key == "score") {
        det.score = src.get_finite(field.value(), named("score"));
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
