#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/util/error.hpp"
#include "core/util/json_source.hpp"
#include "core/util/json_writer.hpp"
#include "formats/coco/coco_json.hpp"

namespace fs = std::filesystem;

namespace {

fs::path write_temp(const std::string& name, const std::string& text) {
  const fs::path p = fs::temp_directory_path() / ("ds_json_test_" + name);
  std::ofstream(p) << text;
  return p;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ds::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(JsonSyntax, LocatesTheFirstError) {
  const auto e = ds::find_json_syntax_error("{\n  \"a\": [1, 2,,]\n}");
  ASSERT_FALSE(e.message.empty());
  EXPECT_EQ(e.offset, 15u);
  EXPECT_TRUE(ds::find_json_syntax_error("{\"a\": [1, 2.5e3, \"x\\n\"]}").message.empty());
  EXPECT_NE(ds::find_json_syntax_error("[NaN]").message.find("NaN"), std::string::npos);
  // The value it is in, so a NaN score names its record.
  EXPECT_EQ(ds::find_json_syntax_error("[{\"a\": 1}, {\"score\": NaN}]").path, "[1].score");
  EXPECT_EQ(ds::find_json_syntax_error("{\"x\": {\"bbox\": [1, -Infinity]}}").path, "x.bbox[1]");
}

TEST(CocoJson, SyntaxErrorNamesFileLineAndColumn) {
  const auto p = write_temp("syntax.json", "{\"images\": [\n  {\"id\": 1,}\n]}");
  const std::string msg = error_of([&] { ds::coco::read_instances(p, {}); });
  EXPECT_NE(msg.find(p.string() + ":2:12: invalid JSON"), std::string::npos) << msg;
}

TEST(CocoJson, ContentErrorNamesRecordAndField) {
  const auto p = write_temp("content.json",
                            "{\"images\": [{\"id\": 1}], \"categories\": [{\"id\": 1, \"name\": \"a\"}],\n"
                            " \"annotations\": [{\"id\": 7, \"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, \"x\", 4]}]}");
  const std::string msg = error_of([&] { ds::coco::read_instances(p, {}); });
  EXPECT_NE(msg.find("annotations[0] (id 7): 'bbox': expected a number"), std::string::npos) << msg;
}

TEST(CocoJson, NegativeSizeAndNaNScoreAreRejected) {
  const auto neg = write_temp("neg.json", "[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, -3, 4], \"score\": 0.5}]");
  EXPECT_NE(error_of([&] { ds::coco::read_results(neg); }).find("detection [0]: 'bbox': negative width or height"),
            std::string::npos);
  const auto nan = write_temp("nan.json", "[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 3, 4], \"score\": NaN}]");
  EXPECT_NE(error_of([&] { ds::coco::read_results(nan); }).find("NaN and Infinity are not valid"), std::string::npos);
}

TEST(CocoJson, ResultsRoundTripExactly) {
  std::vector<ds::Detection> d = {{3, 5, {0.1, 0.2, 10.000000000000002, 7.0}, 0.123456789012345678}};
  const auto p = write_temp("rt.json", ds::coco::results_json(d));
  const auto back = ds::coco::read_results(p);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].bbox.w, d[0].bbox.w);
  EXPECT_EQ(back[0].score, d[0].score);
  EXPECT_EQ(back[0].image_id, 3);
}

// A large results file is read in two halves on two threads, cut at a "}, {" near the middle;
// a cut inside a string or a nested value must not change what is read (the halves then fail
// to parse and the file is read whole).
TEST(CocoJson, ResultsReadInHalvesEqualResultsReadWhole) {
  const std::string rec = "{\"image_id\": 1, \"category_id\": 2, \"bbox\": [1, 2, 3, 4], \"score\": 0.5}";
  const std::vector<std::string> files = {
      "[" + rec + ", " + rec + ",\n " + rec + "]",
      // The middle "}, {" sits in a string, then in a nested list of objects.
      "[" + rec + ", {\"image_id\": 3, \"category_id\": 2, \"bbox\": [0, 0, 1, 1], \"score\": 1, "
            "\"note\": \"}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}\"}]",
      "[" + rec + ", {\"image_id\": 3, \"category_id\": 2, \"bbox\": [0, 0, 1, 1], \"score\": 1, "
            "\"extra\": [{\"a\": 1}, {\"a\": 2}, {\"a\": 3}, {\"a\": 4}, {\"a\": 5}, {\"a\": 6}]}]",
      "[" + rec + "]",
      // Many records: many pieces when they are small, a "}, {" in a string among them.
      "[" + rec + ", " + rec + ", " + rec + ", {\"image_id\": 4, \"category_id\": 2, \"bbox\": [0, 0, 1, 1], "
            "\"score\": 1, \"note\": \"}, {}, {\"}, " + rec + ", " + rec + ", " + rec + ", " + rec + "]",
  };
  int n = 0;
  for (const std::string& text : files) {
    const auto p = write_temp("halves" + std::to_string(n++) + ".json", text);
    const auto whole = ds::coco::read_results(p, SIZE_MAX);
    // Two pieces, and pieces of 40 bytes: a cut after every record or two.
    for (const std::size_t piece : {ds::coco::kResultsPieceBytes, std::size_t{40}}) {
      const auto halves = ds::coco::read_results(p, 0, piece);
      ASSERT_EQ(whole.size(), halves.size()) << text;
      for (std::size_t i = 0; i < whole.size(); ++i) {
        EXPECT_EQ(whole[i].image_id, halves[i].image_id);
        EXPECT_EQ(whole[i].score, halves[i].score);
        EXPECT_EQ(whole[i].bbox.w, halves[i].bbox.w);
      }
    }
  }
  // A bad file read in halves still reports its first error, located.
  const auto bad = write_temp("halves_bad.json", "[" + rec + ", " + rec + ", {\"image_id\": 1}]");
  for (const std::size_t piece : {ds::coco::kResultsPieceBytes, std::size_t{40}}) {
    const std::string msg = error_of([&] { ds::coco::read_results(bad, 0, piece); });
    EXPECT_NE(msg.find("detection [2]: missing 'category_id'"), std::string::npos) << msg;
  }
}
