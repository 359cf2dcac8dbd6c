#include "formats/coco/read_segmentation.hpp"

#include <cmath>

#include "core/util/error.hpp"

namespace ds::coco {

std::shared_ptr<const mask::Segmentation> read_segmentation(JsonSource& src, JsonValue value,
                                                             const std::function<std::string()>& ctx) {
  auto out = std::make_shared<mask::Segmentation>();
  simdjson::ondemand::json_type type;
  src.check(value.type().get(type), ctx);
  if (type == simdjson::ondemand::json_type::array) {
    std::size_t n = 0;
    for (auto part : src.get_array(value, ctx)) {
      const auto pctx = [&] { return ctx() + "[" + std::to_string(n) + "]"; };
      simdjson::ondemand::value v;
      src.check(part.get(v), pctx);
      std::vector<double>& polygon = out->polygons.emplace_back();
      for (auto number : src.get_array(v, pctx)) {
        simdjson::ondemand::value x;
        src.check(number.get(x), pctx);
        polygon.push_back(src.get_finite(x, pctx));
      }
      ++n;
    }
    return out;
  }
  if (type != simdjson::ondemand::json_type::object)
    src.fail(ctx() + ": expected a list of polygons or an RLE object {size, counts}");
  bool has_size = false, has_counts = false;
  double size[2] = {0, 0};
  std::string compressed;
  std::vector<std::uint32_t> runs;
  for (auto field : src.get_object(value, ctx)) {
    std::string_view key;
    src.check(field.unescaped_key().get(key), ctx);
    const auto fctx = [&] { return ctx() + ": '" + std::string(key) + "'"; };
    if (key == "size") {
      src.get_numbers(field.value(), size, 2, fctx);
      has_size = true;
    } else if (key == "counts") {
      JsonValue c = field.value();
      simdjson::ondemand::json_type ct;
      src.check(c.type().get(ct), fctx);
      if (ct == simdjson::ondemand::json_type::string) {
        compressed = src.get_string(c, fctx);
        out->rle_compressed = true;
      } else {
        for (auto run : src.get_array(c, fctx)) {
          simdjson::ondemand::value r;
          src.check(run.get(r), fctx);
          const std::int64_t v = src.get_int(std::move(r), fctx);
          if (v < 0 || v > UINT32_MAX) src.fail(fctx() + ": a run length outside 0..2^32-1");
          runs.push_back(static_cast<std::uint32_t>(v));
        }
        out->rle_compressed = false;
      }
      has_counts = true;
    }
  }
  if (!has_size || !has_counts) src.fail(ctx() + ": an RLE needs 'size' [height, width] and 'counts'");
  for (const double s : size)
    if (!(s >= 0 && s <= UINT32_MAX) || std::floor(s) != s)
      src.fail(ctx() + ": 'size': not a pair of whole numbers >= 0");
  const auto h = static_cast<std::uint32_t>(size[0]), w = static_cast<std::uint32_t>(size[1]);
  try {
    out->rle = out->rle_compressed ? mask::from_string(compressed, h, w) : mask::from_counts(std::move(runs), h, w);
  } catch (const Error& e) {
    src.fail(ctx() + ": " + e.what());
  }
  return out;
}

}  // namespace ds::coco
