#include <gtest/gtest.h>

#include "core/classes/class_map.hpp"
#include "core/util/error.hpp"

using namespace ds;

TEST(ClassMap, MatchesByNormalizedNameAndSynonym) {
  const std::vector<std::string> model = {"__background__", "Aeroplane", "dining_table", "tvmonitor", "unicorn"};
  const std::vector<Category> cats = {{1, "airplane", ""}, {2, "dining table", ""}, {3, "tv", ""}, {4, "cat", ""}};
  const ClassMapping m = map_classes(model, cats);
  EXPECT_FALSE(m.category_of[0]);
  EXPECT_EQ(m.category_of[1], 1);
  EXPECT_EQ(m.category_of[2], 2);
  EXPECT_EQ(m.category_of[3], 3);
  EXPECT_FALSE(m.category_of[4]);
  EXPECT_EQ(m.unmapped_model_classes, std::vector<std::string>{"unicorn"});
  EXPECT_EQ(m.uncovered_categories, std::vector<std::string>{"cat"});
}

TEST(ClassMap, ExplicitMapWinsAndIsChecked) {
  const std::vector<std::string> model = {"kitty"};
  const std::vector<Category> cats = {{4, "cat", ""}};
  EXPECT_EQ(map_classes(model, cats, {{"kitty", "cat"}}).category_of[0], 4);
  EXPECT_THROW(map_classes(model, cats, {{"doggo", "cat"}}), Error);
  EXPECT_THROW(map_classes(model, cats, {{"kitty", "dog"}}), Error);
}
