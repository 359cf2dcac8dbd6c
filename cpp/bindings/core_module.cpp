// Thin, declarative bindings over the core. Logic lives in the C++ core or in
// python_modules/coco.py, never here.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <optional>

#include "core/dataset/check.hpp"
#include "core/eval/analysis/label_error_task.hpp"
#include "core/eval/analysis/object_records.hpp"
#include "core/eval/coco/coco_evaluator.hpp"
#include "core/eval/coco/evaluate.hpp"
#include "core/eval/coco/incremental.hpp"
#include "core/eval/coco/oks.hpp"
#include "core/eval/coco/results.hpp"
#include "core/eval/coco/summarize.hpp"
#include "core/eval/per_class_csv.hpp"
#include "core/eval/score.hpp"
#include "core/eval/slices/slice_rules.hpp"
#include "core/util/error.hpp"
#include "formats/coco/coco_json.hpp"
#include "formats/convert.hpp"
#include "bindings/detection_arrays.hpp"
#include "formats/dataset_file.hpp"
#include "formats/mot/score_sequences.hpp"
#include "formats/openimages/challenge_detections.hpp"
#include "formats/format.hpp"

// Detections stay a C++ vector on the Python side (500k Python objects would cost seconds).
PYBIND11_MAKE_OPAQUE(std::vector<ds::Detection>)

namespace py = pybind11;
using namespace ds;

namespace {

// A read-only numpy view of a vector owned by `owner` (kept alive by the array).
py::array_t<double> view(const std::vector<double>& v, std::vector<py::ssize_t> shape, py::handle owner) {
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t step = sizeof(double);
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = step;
    step *= shape[i];
  }
  py::array_t<double> a(shape, strides, v.data(), owner);
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

template <class T>
using Column = py::array_t<T, py::array::c_style | py::array::forcecast>;

template <class T, int Flags>
std::span<const T> span_of(const py::array_t<T, Flags>& a) {
  return {a.data(), static_cast<std::size_t>(a.size())};
}

// One side of an image for IncrementalEvaluator: views of the arrays (kept alive by the caller
// for the call). Boxes are float32 or float64 (n, 4); masks (n, h, w) uint8.
template <class T>
using Array = py::array_t<T, py::array::c_style>;

coco::ImageArrays image_arrays(const py::object& boxes, const Array<std::int64_t>& labels,
                               const std::optional<Array<double>>& scores,
                               const std::optional<Array<std::uint8_t>>& crowd,
                               const std::optional<Array<double>>& area,
                               const std::optional<Array<std::uint8_t>>& masks) {
  coco::ImageArrays a;
  a.rows = static_cast<std::size_t>(labels.size());
  a.labels = span_of(labels);
  if (scores) a.scores = span_of(*scores);
  if (crowd) a.crowd = span_of(*crowd);
  if (area) a.area = span_of(*area);
  if (!boxes.is_none()) {
    if (py::isinstance<Array<float>>(boxes)) a.boxes_f32 = boxes.cast<Array<float>>().data();
    else if (py::isinstance<Array<double>>(boxes)) a.boxes_f64 = boxes.cast<Array<double>>().data();
    else throw py::type_error("boxes: expected a C-contiguous float32 or float64 (n, 4) array");
  }
  if (masks) {
    a.masks = masks->data();
    a.mask_h = static_cast<std::uint32_t>(masks->shape(1));
    a.mask_w = static_cast<std::uint32_t>(masks->shape(2));
  }
  return a;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "Detection Studio's C++ core";
  py::register_exception<Error>(m, "Error", PyExc_ValueError);

  py::class_<Box>(m, "Box")
      .def(py::init<double, double, double, double>(), py::arg("x"), py::arg("y"), py::arg("w"), py::arg("h"))
      .def_readwrite("x", &Box::x).def_readwrite("y", &Box::y)
      .def_readwrite("w", &Box::w).def_readwrite("h", &Box::h);
  py::class_<Image>(m, "Image")
      .def(py::init<>())
      .def_readwrite("id", &Image::id).def_readwrite("file_name", &Image::file_name)
      .def_readwrite("width", &Image::width).def_readwrite("height", &Image::height)
      .def_readwrite("frame", &Image::frame)
      .def("__repr__", [](const Image& im) {
        return "Image(id=" + std::to_string(im.id) + ", file_name='" + im.file_name + "', " + std::to_string(im.width) +
               "x" + std::to_string(im.height) + ")";
      });
  py::class_<Category>(m, "Category")
      .def(py::init<>())
      .def_readwrite("id", &Category::id).def_readwrite("name", &Category::name)
      .def_readwrite("supercategory", &Category::supercategory)
      .def("__repr__", [](const Category& c) { return "Category(id=" + std::to_string(c.id) + ", name='" + c.name + "')"; })
      .def_readwrite("keypoint_names", &Category::keypoint_names).def_readwrite("skeleton", &Category::skeleton);
  py::class_<Annotation>(m, "Annotation")
      .def(py::init<>())
      .def_readwrite("id", &Annotation::id).def_readwrite("image_id", &Annotation::image_id)
      .def_readwrite("category_id", &Annotation::category_id).def_readwrite("bbox", &Annotation::bbox)
      .def_readwrite("area", &Annotation::area).def_readwrite("iscrowd", &Annotation::iscrowd)
      .def_readwrite("difficult", &Annotation::difficult).def_readwrite("truncated", &Annotation::truncated)
      .def_readwrite("keypoints", &Annotation::keypoints).def_readwrite("num_keypoints", &Annotation::num_keypoints)
      .def_readwrite("track_id", &Annotation::track_id);
  py::class_<Detection>(m, "Detection")
      .def(py::init<>())
      .def_readwrite("image_id", &Detection::image_id).def_readwrite("category_id", &Detection::category_id)
      .def_readwrite("bbox", &Detection::bbox).def_readwrite("score", &Detection::score)
      .def_readonly("mask_area", &Detection::mask_area)
      .def_readonly("keypoints", &Detection::keypoints);

  py::class_<Dataset>(m, "Dataset")
      .def(py::init<>())
      .def_readwrite("images", &Dataset::images)
      .def_readwrite("categories", &Dataset::categories)
      .def_readwrite("annotations", &Dataset::annotations)
      .def_readwrite("image_dir", &Dataset::image_dir)
      .def_readwrite("source", &Dataset::source)
      .def_readonly("skipped", &Dataset::skipped)
      .def_readonly("warnings", &Dataset::warnings)
      // The annotations as NumPy columns (one pass in C++: a million records stay fast).
      .def("annotation_columns", [](const Dataset& d) {
        const std::size_t n = d.annotations.size();
        py::array_t<std::int64_t> ids(n), image_ids(n), category_ids(n);
        py::array_t<double> boxes({n, std::size_t{4}}), area(n);
        py::array_t<bool> crowd(n);
        auto i = ids.mutable_unchecked<1>(), im = image_ids.mutable_unchecked<1>(), c = category_ids.mutable_unchecked<1>();
        auto b = boxes.mutable_unchecked<2>();
        auto a = area.mutable_unchecked<1>();
        auto cr = crowd.mutable_unchecked<1>();
        for (std::size_t k = 0; k < n; ++k) {
          const Annotation& x = d.annotations[k];
          const auto r = static_cast<py::ssize_t>(k);
          i(r) = x.id, im(r) = x.image_id, c(r) = x.category_id;
          b(r, 0) = x.bbox.x, b(r, 1) = x.bbox.y, b(r, 2) = x.bbox.w, b(r, 3) = x.bbox.h;
          a(r) = x.area;
          cr(r) = x.iscrowd;
        }
        py::dict out;
        out["id"] = ids, out["image_id"] = image_ids, out["category_id"] = category_ids;
        out["bbox"] = boxes, out["area"] = area, out["iscrowd"] = crowd;
        return out;
      });
  py::class_<DatasetProblem>(m, "DatasetProblem")
      .def_readonly("error", &DatasetProblem::error)
      .def_readonly("kind", &DatasetProblem::kind)
      .def_readonly("message", &DatasetProblem::message);
  py::class_<DatasetReport>(m, "DatasetReport")
      .def_readonly("images", &DatasetReport::images).def_readonly("boxes", &DatasetReport::boxes)
      .def_readonly("problems", &DatasetReport::problems)
      .def("errors", &DatasetReport::errors).def("warnings", &DatasetReport::warnings);
  m.def("load_dataset_file",
        [](const std::filesystem::path& file, const std::filesystem::path& image_dir, bool masks, bool skip_bad) {
          return load_dataset_file(file, {.skip_bad = skip_bad, .masks = masks}, image_dir);
        },
        py::arg("file"), py::arg("image_dir"), py::arg("masks"), py::arg("skip_bad"), py::call_guard<py::gil_scoped_release>(),
        "A dataset.yaml, a run config's dataset, or a COCO / LVIS instances json.");
  m.def("check_dataset", &check_dataset, py::arg("dataset"), py::arg("read_images") = true,
        py::call_guard<py::gil_scoped_release>(), "`check`'s counts and problems.");
  m.def("format_report", &format_report, py::arg("report"), py::arg("max_per_kind") = 10, "`check`'s text.");
  m.def("format_names", [] {
    std::vector<std::string> names;
    for (const DatasetFormat* f : all_formats()) names.emplace_back(f->name());
    return names;
  });
  m.def("refuse_video_frames", [](const Dataset& d, const std::string& format) { refuse_video_frames(d, find_format(format)); },
        py::arg("dataset"), py::arg("format"));
  m.def("check_convert_target", &check_convert_target, py::arg("output"), py::arg("dataset"), py::arg("spec_file"));
  m.def("convert_dataset",
        [](const Dataset& d, const std::string& format, const std::filesystem::path& output, bool copy_images) {
          return convert_dataset(d, find_format(format), output, copy_images);
        },
        py::arg("dataset"), py::arg("format"), py::arg("output"), py::arg("copy_images"),
        py::call_guard<py::gil_scoped_release>(), "`convert`'s writing; returns its notes.");

  py::class_<std::vector<Detection>>(m, "Detections")
      .def("__len__", [](const std::vector<Detection>& v) { return v.size(); })
      .def("__getitem__", [](const std::vector<Detection>& v, std::size_t i) { return v.at(i); });

  m.def("read_coco",
        [](const std::filesystem::path& p, const std::filesystem::path& dir, bool masks) { return coco::read_instances_file(p, dir, false, masks); },
        py::arg("annotations"), py::arg("image_dir") = std::filesystem::path(), py::arg("masks") = false,
        py::call_guard<py::gil_scoped_release>(), "Read a COCO instances JSON file (with masks: segmentations too).");
  m.def("read_results", [](const std::filesystem::path& p) { return coco::read_results(p); }, py::arg("path"), py::call_guard<py::gil_scoped_release>(),
        "Read a COCO results JSON file (a list of detections).");
  m.def("read_challenge_detections", &openimages::read_challenge_detections, py::arg("path"), py::arg("gt"),
        py::call_guard<py::gil_scoped_release>(),
        "Read an Open Images challenge detection CSV (ImageID, LabelName, Score, XMin, XMax, YMin, YMax) "
        "against its ground truth's image and class ids.");
  m.def("read_coco_text", &coco::read_instances_text, py::arg("json"), py::arg("label"), py::arg("masks") = false,
        py::call_guard<py::gil_scoped_release>(), "Read COCO instances JSON text (with masks: segmentations too).");
  m.def("read_mask_results", [](const std::filesystem::path& p) { return coco::read_mask_results(p); }, py::arg("path"),
        py::call_guard<py::gil_scoped_release>(), "Read a COCO results file with its masks, as loadRes does.");
  m.def("read_mask_results_text", &coco::read_mask_results_text, py::arg("json"), py::arg("label"),
        py::call_guard<py::gil_scoped_release>(), "Read COCO results JSON text with its masks.");
  m.def("read_keypoint_results", [](const std::filesystem::path& p) { return coco::read_keypoint_results(p); }, py::arg("path"),
        py::call_guard<py::gil_scoped_release>(), "Read a COCO keypoint results file, as loadRes does.");
  m.def("read_keypoint_results_text", &coco::read_keypoint_results_text, py::arg("json"), py::arg("label"),
        py::call_guard<py::gil_scoped_release>(), "Read COCO keypoint results JSON text.");
  m.def("detections_from_columns",
        [](const Column<std::int64_t>& image_ids, const Column<std::int64_t>& category_ids,
           const Column<double>& boxes, const Column<double>& scores, const std::string& source) {
          return coco::detections_from_columns(span_of(image_ids), span_of(category_ids),
                                               span_of(boxes), span_of(scores), source);
        },
        py::arg("image_ids"), py::arg("category_ids"), py::arg("boxes"), py::arg("scores"),
        py::arg("source"), "Detections from NumPy columns (N, N, N x 4 boxes xywh, N).");
  m.def("write_results", [](const std::vector<Detection>& d) { return coco::results_json(d); });
  m.def("detection_arrays", [](const std::vector<Detection>& d) { return bindings::detection_arrays(d); },
        py::arg("detections"), "Detections as NumPy columns (image_id, category_id, bbox N x 4, score; masks, keypoints).");

  py::enum_<coco::IouType>(m, "IouType")
      .value("bbox", coco::IouType::kBbox)
      .value("segm", coco::IouType::kSegm)
      .value("boundary", coco::IouType::kBoundary)
      .value("keypoints", coco::IouType::kKeypoints);
  py::class_<coco::Params>(m, "Params")
      .def(py::init(&coco::Params::defaults), py::arg("iou_type") = coco::IouType::kBbox)
      .def_readwrite("iou_type", &coco::Params::iou_type)
      .def_readwrite("img_ids", &coco::Params::img_ids)
      .def_readwrite("cat_ids", &coco::Params::cat_ids)
      .def_readwrite("iou_thrs", &coco::Params::iou_thrs)
      .def_readwrite("rec_thrs", &coco::Params::rec_thrs)
      .def_readwrite("max_dets", &coco::Params::max_dets)
      .def_readwrite("area_rng", &coco::Params::area_rng)
      .def_readwrite("area_lbl", &coco::Params::area_lbl)
      .def_readwrite("use_cats", &coco::Params::use_cats)
      .def_readwrite("boundary_dilation_ratio", &coco::Params::boundary_dilation_ratio)
      .def_readwrite("kpt_oks_sigmas", &coco::Params::kpt_oks_sigmas);

  py::class_<coco::EvalResult>(m, "EvalResult")
      .def_readonly("params", &coco::EvalResult::params)
      .def_property_readonly("precision", [](py::object self) {
        const auto& e = self.cast<const coco::EvalResult&>().arrays;
        return view(e.precision, {py::ssize_t(e.T), py::ssize_t(e.R), py::ssize_t(e.K), py::ssize_t(e.A), py::ssize_t(e.M)}, self);
      })
      .def_property_readonly("recall", [](py::object self) {
        const auto& e = self.cast<const coco::EvalResult&>().arrays;
        return view(e.recall, {py::ssize_t(e.T), py::ssize_t(e.K), py::ssize_t(e.A), py::ssize_t(e.M)}, self);
      })
      .def_property_readonly("scores", [](py::object self) {
        const auto& e = self.cast<const coco::EvalResult&>().arrays;
        return view(e.scores, {py::ssize_t(e.T), py::ssize_t(e.R), py::ssize_t(e.K), py::ssize_t(e.A), py::ssize_t(e.M)}, self);
      });

  // std::span has no pybind11 caster: these lambdas only name the vector type.
  using Detections = std::vector<Detection>;
  m.def("check_result_images",
        [](const Dataset& gt, const Detections& d, const std::string& source) { coco::check_result_images(gt, d, source); },
        py::arg("gt"), py::arg("detections"), py::arg("source"));
  m.def("keypoint_oks",
        [](const Detections& d, const std::vector<std::size_t>& order, const std::vector<Annotation>& gts,
           const std::vector<double>& sigmas) {
          std::vector<const Detection*> dts;
          for (const std::size_t i : order) dts.push_back(&d.at(i));
          std::vector<const Annotation*> gt_ptrs;
          for (const Annotation& a : gts) gt_ptrs.push_back(&a);
          std::vector<double> out(dts.size() * gts.size()), scratch;
          coco::keypoint_oks(dts, gt_ptrs, coco::oks_vars(sigmas), out, scratch);
          return out;
        },
        py::arg("detections"), py::arg("order"), py::arg("gts"), py::arg("sigmas"),
        "OKS of detections[order] (rows) and gts (columns), as computeOks (for tests).");
  m.def("has_duplicate_annotation_ids", &coco::has_duplicate_annotation_ids, py::arg("gt"));
  m.def("evaluate",
        [](const Dataset& gt, const Detections& d, const coco::Params& p, int threads) { return coco::evaluate(gt, d, p, threads); },
        py::arg("gt"), py::arg("detections"), py::arg("params"), py::arg("threads") = 0,
        py::call_guard<py::gil_scoped_release>(), "COCO bbox, segm, boundary or keypoints evaluate + accumulate.");
  m.def("summarize", [](const coco::EvalResult& r) {
          const auto items = coco::summarize(r);
          return py::make_tuple(coco::stats_of(items), coco::format_summary(items, r.params));
        },
        py::arg("result"), "The stats (12; 10 for keypoints) and the text pycocotools prints.");

  py::enum_<coco::BoxFormat>(m, "BoxFormat")
      .value("xyxy", coco::BoxFormat::kXyxy)
      .value("xywh", coco::BoxFormat::kXywh)
      .value("cxcywh", coco::BoxFormat::kCxcywh);
  py::class_<coco::IncrementalEvaluator>(m, "IncrementalEvaluator",
                                         "COCO bbox/segm evaluation one image at a time (core/eval/coco/incremental).")
      .def(py::init([](std::vector<coco::IouType> types, coco::BoxFormat format, std::vector<double> iou_thrs,
                       std::vector<double> rec_thrs, std::vector<int> max_dets, bool micro, bool macro, bool keep_ious) {
             coco::IncrementalOptions o;
             o.iou_types = std::move(types);
             o.box_format = format;
             o.params.iou_thrs = std::move(iou_thrs);
             o.params.rec_thrs = std::move(rec_thrs);
             o.params.max_dets = std::move(max_dets);
             o.micro = micro;
             o.macro = macro;
             o.keep_ious = keep_ious;
             return coco::IncrementalEvaluator(std::move(o));
           }),
           py::arg("iou_types"), py::arg("box_format"), py::arg("iou_thrs"), py::arg("rec_thrs"), py::arg("max_dets"),
           py::arg("micro"), py::arg("macro"), py::arg("keep_ious"))
      .def("add_image",
           [](coco::IncrementalEvaluator& e, const py::object& gt_boxes, const Array<std::int64_t>& gt_labels,
              const std::optional<Array<std::uint8_t>>& gt_crowd, const std::optional<Array<double>>& gt_area,
              const std::optional<Array<std::uint8_t>>& gt_masks, const py::object& dt_boxes,
              const Array<std::int64_t>& dt_labels, const Array<double>& dt_scores,
              const std::optional<Array<std::uint8_t>>& dt_masks, const std::string& where) {
             const coco::ImageArrays gt = image_arrays(gt_boxes, gt_labels, std::nullopt, gt_crowd, gt_area, gt_masks);
             const coco::ImageArrays dt = image_arrays(dt_boxes, dt_labels, dt_scores, std::nullopt, std::nullopt, dt_masks);
             py::gil_scoped_release release;
             e.add_image(gt, dt, where);
           },
           py::arg("gt_boxes"), py::arg("gt_labels"), py::arg("gt_crowd"), py::arg("gt_area"), py::arg("gt_masks"),
           py::arg("dt_boxes"), py::arg("dt_labels"), py::arg("dt_scores"), py::arg("dt_masks"), py::arg("where"))
      .def_property_readonly("images", &coco::IncrementalEvaluator::images)
      .def_property_readonly("gt_images", &coco::IncrementalEvaluator::gt_images)
      .def_property_readonly("dt_images", &coco::IncrementalEvaluator::dt_images)
      .def_property_readonly("classes", &coco::IncrementalEvaluator::classes)
      .def("evaluated_images", &coco::IncrementalEvaluator::evaluated_images)
      .def("accumulate", &coco::IncrementalEvaluator::accumulate, py::arg("type_index"), py::arg("micro"),
           py::call_guard<py::gil_scoped_release>())
      .def("ious",
           [](const coco::IncrementalEvaluator& e, std::size_t type_index, bool micro) {
             const coco::KeptIous& k = e.ious(type_index, micro);
             return py::make_tuple(py::array_t<std::int64_t>(k.image.size(), k.image.data()),
                                   py::array_t<std::int64_t>(k.category.size(), k.category.data()),
                                   py::array_t<std::uint32_t>(k.rows.size(), k.rows.data()),
                                   py::array_t<std::uint32_t>(k.cols.size(), k.cols.data()),
                                   py::array_t<std::uint64_t>(k.offset.size(), k.offset.data()),
                                   py::array_t<float>(k.values.size(), k.values.data()));
           },
           py::arg("type_index"), py::arg("micro"), "(image, category, rows, cols, offset, values) of the kept IoU matrices.")
      .def("serialize", [](const coco::IncrementalEvaluator& e) { return py::bytes(e.serialize()); })
      .def("merged",
           [](const coco::IncrementalEvaluator& e, const std::vector<std::string>& states) {
             return coco::IncrementalEvaluator::merge(e.options(), states);
           },
           py::arg("states"), "An evaluator with these options holding the records of `states` (rank order).");
  m.def("category_stats", &coco::category_stats, py::arg("result"), py::arg("k"),
        "pycocotools' stats with catIds = [category k] alone.");

  m.def("evaluator_names", [] {
    const auto names = ds::evaluator_names();
    return std::vector<std::string>(names.begin(), names.end());
  });
  m.def("analysis_names", [] {
    const auto names = ds::analysis_names();
    return std::vector<std::string>(names.begin(), names.end());
  });
  m.def("default_analysis_names", [] {
    const auto names = ds::default_analysis_names();
    return std::vector<std::string>(names.begin(), names.end());
  });
  m.def("evaluator_reads_masks", [](const std::string& name) { return ds::evaluator_reads_masks(name); }, py::arg("name"));
  m.def("metric_for_iou_type", &ds::metric_for_iou_type, py::arg("iou_type"));
  py::class_<EvaluatorOptions>(m, "ScoreOptions", "`score`'s options (core/eval/evaluator.hpp EvaluatorOptions)")
      .def(py::init<>())
      .def_readwrite("threads", &EvaluatorOptions::threads)
      .def_readwrite("analysis_iou", &EvaluatorOptions::analysis_iou)
      .def_readwrite("score_threshold", &EvaluatorOptions::score_threshold)
      .def_readwrite("calibration_bins", &EvaluatorOptions::calibration_bins)
      .def_readwrite("calibration_iou", &EvaluatorOptions::calibration_iou)
      .def_readwrite("f_beta", &EvaluatorOptions::f_beta)
      .def_readwrite("boundary_dilation_ratio", &EvaluatorOptions::boundary_dilation_ratio)
      .def("set_matching", [](EvaluatorOptions& o, const std::string& metric) { o.analysis_matching = evaluator_matching(metric); },
           py::arg("metric"), "The analyses match as this metric does (score sets its first metric's).")
      .def("set_slices_file",
           [](EvaluatorOptions& o, const std::filesystem::path& file, std::size_t samples) {
             slices::SliceSpecs specs = slices::read_slices(file);
             specs.bootstrap_samples = samples;
             o.slices = std::make_shared<const slices::SliceSpecs>(std::move(specs));
           },
           py::arg("file"), py::arg("bootstrap_samples"), "--slices SLICES.yaml (--slice-bootstrap N).")
      .def("set_slices_text",
           [](EvaluatorOptions& o, const std::string& text, const std::string& label, std::size_t samples) {
             slices::SliceSpecs specs = slices::read_slices_text(text, label);
             specs.bootstrap_samples = samples;
             o.slices = std::make_shared<const slices::SliceSpecs>(std::move(specs));
           },
           py::arg("text"), py::arg("label"), py::arg("bootstrap_samples"), "Slices from YAML or JSON text.");
  m.def("score_document",
        [](const Dataset& gt, const Detections& d, const std::vector<std::string>& metrics,
           const std::vector<std::string>& analyses, const EvaluatorOptions& o, const std::string& gt_label,
           const std::string& dt_label) {
          const ScoreDocument doc = ds::score_document(gt, d, metrics, analyses, o, gt_label, dt_label);
          return std::pair<std::string, std::string>(doc.metrics_json, doc.text);
        },
        py::arg("gt"), py::arg("detections"), py::arg("metrics"), py::arg("analyses"), py::arg("options"),
        py::arg("gt_label"), py::arg("dt_label"), py::call_guard<py::gil_scoped_release>(),
        "`score`'s evaluation: (metrics.json's text, the printed tables).");
  m.def("object_records_csv",
        [](const Dataset& gt, const Detections& d, const std::vector<double>& ious, const EvaluatorOptions& o) {
          return analysis::object_records_csv(gt, analysis::all_image_ids(gt), d, ious, analysis::Overlap::of(o));
        },
        py::arg("gt"), py::arg("detections"), py::arg("ious"), py::arg("options"), py::call_guard<py::gil_scoped_release>(),
        "--export-objects' records (CSV text) of every image of `gt`.");
  m.def("object_record_column_kind", &analysis::object_record_column_kind, py::arg("name"),
        "'i', 'f' or 's': how the object records' column is typed (as their Parquet export).");
  m.def("write_object_records", &analysis::write_object_records, py::arg("path"), py::arg("csv"),
        py::call_guard<py::gil_scoped_release>(), "Writes the records (Parquet for a .parquet name), atomically.");
  m.def("label_error_task",
        [](const Dataset& gt, const Detections& d, const EvaluatorOptions& o) {
          analysis::LabelErrorTask t = analysis::find_label_error_task(gt, d, analysis::all_image_ids(gt), o);
          return std::pair<Dataset, std::size_t>(std::move(t.task), t.candidates);
        },
        py::arg("gt"), py::arg("detections"), py::arg("options"), py::call_guard<py::gil_scoped_release>(),
        "--export-label-errors' task (a dataset to write with convert_dataset) and how many candidates it holds.");
  m.def("score_tracking_document",
        [](const std::string& gt, const std::string& dt, std::size_t threads) {
          const mot::ScoredSequences scored = mot::score_sequences(gt, dt, threads);
          return std::pair<std::string, std::string>(
              metrics_document(score_facts(gt, dt, scored.frames, scored.boxes), {scored.metrics}), scored.metrics.text);
        },
        py::arg("gt"), py::arg("dt"), py::arg("threads"), py::call_guard<py::gil_scoped_release>(),
        "`score --metric tracking`'s evaluation: (metrics.json's text, the printed table).");
  m.def("per_class_csv", [](const std::string& metrics_json) { return ds::per_class_csv(metrics_json); },
        py::arg("metrics_json"), "per_class.csv of a metrics.json text (None: no per-class table).");
}
