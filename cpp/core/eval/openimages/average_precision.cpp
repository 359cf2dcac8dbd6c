#include "core/eval/openimages/average_precision.hpp"

#include <algorithm>

#include "core/eval/coco/numpy_compat.hpp"

namespace ds::openimages {

double average_precision(std::vector<Record> records, double num_gt) {
  if (records.empty()) return 0.0;
  std::stable_sort(records.begin(), records.end(), [](const Record& a, const Record& b) { return a.score < b.score; });
  std::reverse(records.begin(), records.end());
  const std::size_t n = records.size();
  // recall = [0, r..., 1], precision = [0, p..., 0]
  std::vector<double> recall(n + 2), precision(n + 2);
  double tp = 0, fp = 0;
  for (std::size_t i = 0; i < n; ++i) {
    tp += records[i].true_positive ? 1.0 : 0.0;
    fp += records[i].true_positive ? 0.0 : 1.0;
    precision[i + 1] = tp / (tp + fp);
    recall[i + 1] = tp / num_gt;
  }
  recall[n + 1] = 1.0;
  for (std::size_t i = n + 1; i-- > 0;) precision[i] = std::max(precision[i], precision[i + 1]);
  // np.sum over the terms: numpy's pairwise summation.
  std::vector<double> terms;
  for (std::size_t i = 1; i < n + 2; ++i)
    if (recall[i] != recall[i - 1]) terms.push_back((recall[i] - recall[i - 1]) * precision[i]);
  return coco::pairwise_sum(terms);
}

}  // namespace ds::openimages
