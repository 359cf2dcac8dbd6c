// The Open Images challenge metric's parts on cases worked out by hand (tests/test_openimages.py
// checks the whole against the numpy port of the TF evaluation).
#include <gtest/gtest.h>

#include "core/eval/openimages/average_precision.hpp"
#include "core/eval/openimages/matching.hpp"
#include "core/util/error.hpp"
#include "formats/openimages/hierarchy.hpp"

using namespace ds;
using namespace ds::openimages;

namespace {

ScoredBox det(double x0, double y0, double x1, double y1, double score) { return {{y0, x0, y1, x1}, score}; }
GtBox box(double x0, double y0, double x1, double y1, bool group_of = false) { return {{y0, x0, y1, x1}, group_of}; }

}  // namespace

TEST(OpenImagesMatching, GroupOfBoxAbsorbsDetectionsIntoOneTruePositiveAtTheHighestScore) {
  // Three small detections inside the group-of box (intersection over their own area 1) and one
  // outside everything; sorted by descending score, as the caller hands them.
  const std::vector<ScoredBox> dets = {det(0.5, 0.5, 1, 1, 0.95), det(0, 0, 0.1, 0.1, 0.9), det(0.2, 0.2, 0.3, 0.3, 0.8),
                                       det(0.1, 0.1, 0.2, 0.2, 0.7)};
  const std::vector<GtBox> gt = {box(0, 0, 0.5, 0.5, true)};
  std::vector<Record> out;
  match_image_class(dets, gt, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].score, 0.95);  // the outside one: a false positive, first
  EXPECT_FALSE(out[0].true_positive);
  EXPECT_EQ(out[1].score, 0.9);  // the group: one true positive at its best score, last
  EXPECT_TRUE(out[1].true_positive);
}

TEST(OpenImagesMatching, NoFallbackToAFreeBoxWhenTheBestIsTaken) {
  // A [0,0,1,1] and B [0.3,0,1.3,1]; the second detection overlaps A most (0.82) and B enough
  // (0.54), but A is taken: a false positive, B stays unmatched.
  const std::vector<ScoredBox> dets = {det(0, 0, 1, 1, 0.9), det(0.1, 0, 1.1, 1, 0.8)};
  const std::vector<GtBox> gt = {box(0, 0, 1, 1), box(0.3, 0, 1.3, 1)};
  std::vector<Record> out;
  match_image_class(dets, gt, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].true_positive);
  EXPECT_FALSE(out[1].true_positive);
}

TEST(OpenImagesMatching, GroupOfBoxAbsorbingOnlyZeroScoresAddsNothing) {
  const std::vector<ScoredBox> dets = {det(0, 0, 0.1, 0.1, 0.0)};
  std::vector<Record> out;
  match_image_class(dets, std::vector<GtBox>{box(0, 0, 0.5, 0.5, true)}, out);
  EXPECT_TRUE(out.empty());  // the reference's scores_group_of > 0 selector
}

TEST(OpenImagesAveragePrecision, MonotoneEnvelopeOverRecallSteps) {
  // FP 0.95, TP 0.9, TP 0.6 with 2 ground truths: precision 0, 1/2, 2/3 at recall 0, 1/2, 1.
  EXPECT_DOUBLE_EQ(average_precision({{0.6, true}, {0.95, false}, {0.9, true}}, 2), 2.0 / 3.0);
  EXPECT_EQ(average_precision({}, 3), 0.0);
  // Equal scores: the later record first (np.argsort(scores)[::-1] with a stable sort).
  EXPECT_EQ(average_precision({{0.5, true}, {0.5, false}}, 1), 0.5);
  EXPECT_EQ(average_precision({{0.5, false}, {0.5, true}}, 1), 1.0);
}

TEST(OpenImagesHierarchy, TwoParentsAndTheRoot) {
  const Hierarchy h = read_hierarchy_text(
      R"({"LabelName": "r", "Subcategory": [{"LabelName": "a", "Subcategory": [{"LabelName": "c"}]},
          {"Subcategory": [{"LabelName": "c"}], "LabelName": "b"}]})",
      "h.json");
  EXPECT_EQ(h.root, "r");
  ASSERT_EQ(h.edges.size(), 4u);
  EXPECT_EQ(h.edges[0].child, "c");
  EXPECT_EQ(h.edges[0].parent, "a");
  EXPECT_EQ(h.edges[2].child, "c");
  EXPECT_EQ(h.edges[2].parent, "b");  // its LabelName comes after its children
  EXPECT_EQ(h.edges[3].parent, "r");
  EXPECT_TRUE(h.edges[2].where.starts_with("h.json:2:"));
}

TEST(OpenImagesHierarchy, BadShapesAreErrors) {
  const auto message = [](const char* json) {
    try {
      (void)read_hierarchy_text(json, "h.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(R"({"LabelName": "r", "Subcategory": [{"LabelName": "a", "Subcategory": [{"LabelName": "a"}]}]})")
                .find("cycle"),
            std::string::npos);
  EXPECT_NE(message(R"({"LabelName": "r", "Subcategory": [{"Subcategory": []}]})").find("no 'LabelName'"), std::string::npos);
  EXPECT_NE(message(R"({"LabelName": "r", "Subcategory": [{"LabelName": "r"}]})").find("root"), std::string::npos);
  EXPECT_NE(message(R"([1, 2])").find("h.json"), std::string::npos);
}
