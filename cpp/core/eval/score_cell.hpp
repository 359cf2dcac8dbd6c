#pragma once
// A score column of the per-class tables printed for people: 7 characters wide, "-" where there
// is no score (a negative value: the class has no ground truth).
#include <cstdio>
#include <string>

namespace ds {

inline std::string score_cell(double v, int decimals) {
  char b[32];
  if (v < 0)
    std::snprintf(b, sizeof b, "%7s", "-");
  else
    std::snprintf(b, sizeof b, "%7.*f", decimals, v);
  return b;
}

}  // namespace ds
