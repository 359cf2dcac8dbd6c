#pragma once
// The architectures' factories (one per file in heads/), listed in registry.cpp.
#include <memory>

#include "host/libtorch/heads/dense_head.hpp"

namespace ds::host::libtorch {

std::unique_ptr<DenseHead> make_fcos(const HeadConfig& config);
std::unique_ptr<DenseHead> make_retinanet(const HeadConfig& config);

}  // namespace ds::host::libtorch
