#include "core/dataset/check.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "core/util/image_header.hpp"
#include "core/util/text.hpp"

namespace ds {
namespace {

std::string image_label(const Image& im) {
  return "image " + std::to_string(im.id) + " (" + im.file_name + (im.frame >= 0 ? " frame " + std::to_string(im.frame) : "") + ")";
}

std::string box_text(const Box& b) {
  std::string out = "[";
  for (const double v : {b.x, b.y, b.w, b.h}) out += (out.size() > 1 ? ", " : "") + format_double(v);
  return out + "]";
}

// Coordinates written as decimals and scaled back from normalised values are off by far less.
constexpr double kEdgeTolerance = 0.01;

// LVIS' federated labels (images' neg_category_ids / not_exhaustive_category_ids, categories'
// frequency): what lvis-api's evaluation needs of them, and what would contradict itself.
template <class Error, class Warning>
void check_lvis_labels(const Dataset& d, const std::unordered_map<std::int64_t, std::size_t>& image_of,
                       const std::unordered_map<std::int64_t, std::size_t>& class_of, Error& error, Warning& warning) {
  const bool lvis = std::any_of(d.images.begin(), d.images.end(), [](const Image& im) {
    return im.neg_category_ids || im.not_exhaustive_category_ids;
  });
  if (!lvis) return;
  // Categories with annotations on each image (the image's "positive" categories).
  std::unordered_map<std::int64_t, std::map<std::int64_t, std::size_t>> present;
  for (const Annotation& a : d.annotations)
    if (image_of.contains(a.image_id)) ++present[a.image_id][a.category_id];
  for (const Image& im : d.images) {
    const std::string who = image_label(im);
    for (const auto& [name, list] : {std::pair{"neg_category_ids", &im.neg_category_ids},
                                     std::pair{"not_exhaustive_category_ids", &im.not_exhaustive_category_ids}})
      if (!*list)
        error("missing LVIS list", who + ": no '" + name + "' while other images have one (lvis-api needs both on every image)");
    const auto on_image = present.find(im.id);
    const auto count_on_image = [&](std::int64_t c) -> std::size_t {
      if (on_image == present.end()) return 0;
      const auto it = on_image->second.find(c);
      return it == on_image->second.end() ? 0 : it->second;
    };
    std::map<std::int64_t, int> listed;  // 1: negative, 2: not exhaustive
    for (const bool neg : {true, false}) {
      const auto& list = neg ? im.neg_category_ids : im.not_exhaustive_category_ids;
      if (!list) continue;
      const char* name = neg ? "neg_category_ids" : "not_exhaustive_category_ids";
      for (const std::int64_t c : *list) {
        if (!class_of.contains(c))
          error("unknown class", who + ": '" + name + "' names category " + std::to_string(c) + ", which is not in the categories");
        int& seen = listed[c];
        if (seen & (neg ? 1 : 2))
          warning("repeated LVIS label", who + ": '" + name + "' lists category " + std::to_string(c) + " twice");
        seen |= neg ? 1 : 2;
        if (neg && count_on_image(c) > 0)
          error("negative category present", who + ": category " + std::to_string(c) + " is in 'neg_category_ids' but has " +
                                                 std::to_string(count_on_image(c)) + " annotation(s) on the image");
      }
    }
    for (const auto& [c, seen] : listed)
      if (seen == 3)
        error("contradictory LVIS labels", who + ": category " + std::to_string(c) +
                                               " is both verified absent ('neg_category_ids') and not exhaustively annotated ('not_exhaustive_category_ids')");
  }
  for (const Category& c : d.categories)
    if (c.frequency.empty())
      error("LVIS category without frequency", "category " + std::to_string(c.id) + " ('" + c.name +
                                                   "'): no 'frequency' (r, c or f; APr/APc/APf group by it)");
}

}  // namespace

std::size_t DatasetReport::errors() const {
  return static_cast<std::size_t>(std::count_if(problems.begin(), problems.end(), [](const auto& p) { return p.error; }));
}
std::size_t DatasetReport::warnings() const { return problems.size() - errors(); }

DatasetReport check_dataset(const Dataset& d, bool read_images) {
  DatasetReport r;
  const auto error = [&](std::string kind, std::string message) { r.problems.push_back({true, std::move(kind), std::move(message)}); };
  const auto warning = [&](std::string kind, std::string message) { r.problems.push_back({false, std::move(kind), std::move(message)}); };

  for (const std::string& s : d.skipped) error("skipped as malformed", s);
  for (const std::string& s : d.warnings) warning("not read", s);

  r.images = d.images.size();
  // Nothing to evaluate on is an error: usually a wrong folder, split or list file.
  if (d.images.empty())
    error("empty dataset", (d.source.empty() ? std::string("the dataset") : d.source) +
                               ": no images (a wrong folder, split or list file?)");
  std::unordered_map<std::int64_t, std::size_t> image_of;
  std::unordered_map<std::string, std::int64_t> file_of;
  for (std::size_t i = 0; i < d.images.size(); ++i) {
    const Image& im = d.images[i];
    if (!image_of.emplace(im.id, i).second)
      error("duplicate image id", image_label(im) + ": id also used by " + image_label(d.images[image_of[im.id]]));
    // Frames of one video share its file name: a frame, not a file, is the duplicate there.
    const std::string file = im.frame >= 0 ? im.file_name + "#" + std::to_string(im.frame) : im.file_name;
    if (const auto [it, added] = file_of.emplace(file, im.id); !added)
      warning(im.frame >= 0 ? "duplicate frame" : "duplicate file name",
              image_label(im) + ": same " + (im.frame >= 0 ? "frame" : "file") + " as image " + std::to_string(it->second));
  }
  std::unordered_map<std::int64_t, std::size_t> class_of;
  for (const Category& c : d.categories) {
    if (!class_of.emplace(c.id, r.classes.size()).second) {
      error("duplicate category id", "category " + std::to_string(c.id) + " ('" + c.name + "') listed twice");
      continue;
    }
    r.classes.push_back({c.name, c.id, 0, true});
  }

  // Image files: there, readable, and the size the annotations were made for.
  std::vector<bool> size_known(d.images.size(), false);
  std::unordered_set<std::string> videos_seen;
  for (std::size_t i = 0; i < d.images.size(); ++i) {
    const Image& im = d.images[i];
    size_known[i] = im.width > 0 && im.height > 0;
    if (!read_images) continue;
    const auto path = d.image_dir / im.file_name;
    if (im.frame >= 0) {
      // A video frame: the size comes from the annotations (no decoder here); the file must be
      // there, said once per video.
      std::error_code ec;
      if (videos_seen.insert(im.file_name).second && !std::filesystem::is_regular_file(path, ec))
        error("missing video", path.string() + ": video not found (" + image_label(im) + " and its other frames)");
      continue;
    }
    std::string why;
    const auto size = try_read_image_size(path, why);
    if (!size) {
      error(why == "image not found" ? "missing image" : "unreadable image", path.string() + ": " + why + " (" + image_label(im) + ")");
      continue;
    }
    if (size_known[i] && (size->width != im.width || size->height != im.height))
      error("image size differs", path.string() + ": " + std::to_string(size->width) + "x" + std::to_string(size->height) +
                                      " in the file, " + std::to_string(im.width) + "x" + std::to_string(im.height) +
                                      " in the annotations (" + image_label(im) + ")");
  }

  std::unordered_set<std::int64_t> ann_ids;
  std::vector<std::size_t> boxes_on(d.images.size(), 0);
  std::map<std::int64_t, std::size_t> unknown_classes;
  for (const Annotation& a : d.annotations) {
    ++r.boxes;
    const std::string who = "annotation " + std::to_string(a.id);
    if (!ann_ids.insert(a.id).second) error("duplicate annotation id", who + " on image " + std::to_string(a.image_id));
    r.crowd += a.iscrowd;
    r.difficult += a.difficult;
    r.truncated += a.truncated;
    if (a.area < 32.0 * 32.0) ++r.small;
    else if (a.area < 96.0 * 96.0) ++r.medium;
    else ++r.large;
    if (const auto c = class_of.find(a.category_id); c != class_of.end()) {
      ++r.classes[c->second].boxes;
    } else {
      if (unknown_classes[a.category_id]++ == 0)
        error("unknown class", who + " on image " + std::to_string(a.image_id) + ": category " +
                                   std::to_string(a.category_id) + " is not in the categories");
    }
    const auto im = image_of.find(a.image_id);
    if (im == image_of.end()) {
      error("unknown image", who + ": image " + std::to_string(a.image_id) + " is not in the images");
      continue;
    }
    ++boxes_on[im->second];
    const Image& image = d.images[im->second];
    const Box& b = a.bbox;
    const std::string at = who + " on " + image_label(image) + ": box " + box_text(b);
    if (!(std::isfinite(b.x) && std::isfinite(b.y) && std::isfinite(b.w) && std::isfinite(b.h))) {
      error("degenerate box", at + " is not finite");
    } else if (b.w <= 0 || b.h <= 0) {
      error("degenerate box", at + " has " + (b.w <= 0 ? "zero or negative width" : "zero or negative height"));
    } else if (size_known[im->second]) {
      const double W = image.width, H = image.height;
      std::string edges;
      const auto edge = [&](bool crossed, const char* name) {
        if (crossed) edges += (edges.empty() ? "" : ", ") + std::string(name);
      };
      edge(b.x < -kEdgeTolerance, "left");
      edge(b.y < -kEdgeTolerance, "top");
      edge(b.x + b.w > W + kEdgeTolerance, "right");
      edge(b.y + b.h > H + kEdgeTolerance, "bottom");
      if (!edges.empty())
        error("box outside image", at + " crosses the " + edges + " edge of the " + std::to_string(image.width) +
                                       "x" + std::to_string(image.height) + " image");
    }
  }
  for (const auto& [id, n] : unknown_classes) r.classes.push_back({"(unknown id " + std::to_string(id) + ")", id, n, false});
  check_lvis_labels(d, image_of, class_of, error, warning);
  for (std::size_t i = 0; i < d.images.size(); ++i) {
    if (boxes_on[i] > 0) continue;
    ++r.images_without_boxes;
    warning("image without annotations", image_label(d.images[i]));
  }
  return r;
}

std::string format_report(const DatasetReport& r, std::size_t max_per_kind) {
  std::ostringstream out;
  out << "images: " << r.images << " (" << r.images_without_boxes << " without annotations)\n";
  out << "boxes:  " << r.boxes << " (small " << r.small << ", medium " << r.medium << ", large " << r.large;
  if (r.crowd) out << "; crowd " << r.crowd;
  if (r.difficult) out << "; difficult " << r.difficult;
  if (r.truncated) out << "; truncated " << r.truncated;
  out << ")\n";
  out << "classes: " << std::count_if(r.classes.begin(), r.classes.end(), [](const auto& c) { return c.known; }) << "\n";
  // Names and messages come from files: escaped (a NUL or a newline in a file name must not
  // cut or split the report's lines).
  std::size_t width = 4;
  for (const ClassCount& c : r.classes) width = std::max(width, printable(c.name).size());
  for (const ClassCount& c : r.classes) {
    std::string name = printable(c.name);
    name.resize(width, ' ');
    out << "  " << name << "  " << c.boxes << "\n";
  }
  // Problems grouped by kind, errors first, in the order found.
  for (const bool errors : {true, false}) {
    std::vector<std::string> kinds;
    std::map<std::string, std::vector<const DatasetProblem*>> by_kind;
    for (const DatasetProblem& p : r.problems) {
      if (p.error != errors) continue;
      if (!by_kind.contains(p.kind)) kinds.push_back(p.kind);
      by_kind[p.kind].push_back(&p);
    }
    for (const std::string& kind : kinds) {
      const auto& list = by_kind[kind];
      out << (errors ? "error: " : "warning: ") << kind << " (" << list.size() << ")\n";
      for (std::size_t i = 0; i < list.size() && i < max_per_kind; ++i) out << "  " << printable(list[i]->message, 400) << "\n";
      if (list.size() > max_per_kind) out << "  ... and " << list.size() - max_per_kind << " more\n";
    }
  }
  const std::size_t e = r.errors(), w = r.warnings();
  out << (e ? "FAILED: " : "OK: ") << e << (e == 1 ? " error, " : " errors, ") << w << (w == 1 ? " warning\n" : " warnings\n");
  return out.str();
}

}  // namespace ds
