#pragma once
// COCO's 'segmentation' value, read straight into a mask::Segmentation: a list of polygons,
// or {"size": [h, w], "counts": "<compressed>" | [runs...]}.
#include <functional>
#include <memory>
#include <string>

#include "core/mask/segmentation.hpp"
#include "core/util/json_source.hpp"

namespace ds::coco {

// `ctx()` names the record and field for errors ("annotations[3] (id 7): 'segmentation'").
std::shared_ptr<const mask::Segmentation> read_segmentation(JsonSource& src, JsonValue value,
                                                             const std::function<std::string()>& ctx);

}  // namespace ds::coco
