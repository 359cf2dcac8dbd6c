// The journal's reader (core/eval/journal): what evaluate --resume replays, and the one-line
// errors for lines whose checksum is right but whose content is not what the sink writes.
#include <gtest/gtest.h>

#include <string>

#include "core/eval/journal.hpp"
#include "core/mask/segmentation.hpp"
#include "core/util/error.hpp"

namespace {

std::string journal(std::initializer_list<std::string_view> lines) {
  std::string text = ds::journal_line(ds::journal_header("run"));
  for (const std::string_view l : lines) text += ds::journal_line(l);
  return text;
}

std::string error_of(const std::string& text) {
  try {
    (void)ds::parse_journal(text, "j.jsonl", "run");
  } catch (const ds::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(Journal, ReplaysBatchesWithMasksAndKeypoints) {
  const std::string text =
      journal({R"({"images":[[1,[7,10,20,30,40,0.9]],[2,[]]],"skipped":[[3,"a.jpg: empty file"]],"next":3})",
               R"({"images":[[4,[7,0,0,10,10,0.5],[[10,10,"T3"]],[[1,2,1]]]],"skipped":[],"next":4})"});
  const ds::JournalReplay r = ds::parse_journal(text, "j.jsonl", "run");
  ASSERT_EQ(r.images.size(), 3u);
  EXPECT_EQ(r.images[0].first, 1);
  ASSERT_EQ(r.images[0].second.size(), 1u);
  EXPECT_EQ(r.images[0].second[0].category_id, 7);
  EXPECT_EQ(r.images[0].second[0].bbox.w, 30);
  EXPECT_EQ(r.images[0].second[0].score, 0.9);
  ASSERT_TRUE(r.images[2].second[0].segmentation && r.images[2].second[0].segmentation->rle);
  EXPECT_EQ(r.images[2].second[0].segmentation->rle->h, 10u);
  EXPECT_EQ(r.images[2].second[0].keypoints, (std::vector<double>{1, 2, 1}));
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].second, "a.jpg: empty file");
  EXPECT_EQ(r.next, 4u);
  EXPECT_EQ(r.whole_bytes, text.size());
}

TEST(Journal, TornAndCorruptLinesEndTheReplay) {
  const std::string whole = journal({R"({"images":[[1,[]]],"skipped":[],"next":1})"});
  std::string torn = whole + ds::journal_line(R"({"images":[[2,[]]],"skipped":[],"next":2})");
  torn.pop_back();  // no newline: the batch being written
  EXPECT_EQ(ds::parse_journal(torn, "j", "run").images.size(), 1u);
  EXPECT_EQ(ds::parse_journal(torn, "j", "run").whole_bytes, whole.size());
  std::string corrupt = whole + ds::journal_line(R"({"images":[[2,[]]],"skipped":[],"next":2})");
  corrupt[whole.size() + 12] ^= 1;
  EXPECT_EQ(ds::parse_journal(corrupt, "j", "run").images.size(), 1u);
}

TEST(Journal, MalformedCheckedLinesNameTheLine) {
  EXPECT_EQ(error_of(journal({R"({"images":[[]],"skipped":[],"next":1})"})),
            "j.jsonl:2: an image entry is [id, detections(, masks)(, keypoints)]");
  EXPECT_EQ(error_of(journal({R"({"images":[[1,[1,2,3]]],"skipped":[],"next":1})"})),
            "j.jsonl:2: image 1: detections are 6 numbers each");
  EXPECT_EQ(error_of(journal({R"({"images":[[1,[1e300,0,0,1,1,1]]],"skipped":[],"next":1})"})),
            "j.jsonl:2: image 1: a category id that is not an integer");
  EXPECT_EQ(error_of(journal({R"({"images":[[1,[1,0,0,1,1,1],[[10,10]]]],"skipped":[],"next":1})"})),
            "j.jsonl:2: a mask is [height, width, counts]");
  EXPECT_NE(error_of(journal({R"({"images":[[1,[1,0,0,1,1,1],[[10,10,"52"]]]],"skipped":[],"next":1})"}))
                .find("j.jsonl:2: image 1: mask 0: "),
            std::string::npos);
  EXPECT_EQ(error_of(journal({R"({"images":[],"skipped":[[1]],"next":1})"})), "j.jsonl:2: a skipped entry is [id, why]");
  EXPECT_NE(error_of(journal({R"({"images":[[1,[]]],"skipped":[],"next":2})", R"({"images":[[1,[]]],"skipped":[],"next":3})"}))
                .find("j.jsonl:3: image id 1 is in the journal twice"),
            std::string::npos);
  EXPECT_NE(error_of(journal({R"({"images":[],"skipped":[],"next":-1})"})).find("j.jsonl:2: a journal line with a right checksum does not parse"),
            std::string::npos);
  EXPECT_NE(error_of(ds::journal_line(ds::journal_header("other"))).find("the journal is of another run"), std::string::npos);
  EXPECT_NE(error_of("").find("no header line"), std::string::npos);
}
