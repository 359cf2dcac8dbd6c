#pragma once
// The architectures' factories (one per file in heads/), listed in registry.cpp. `where` names
// model.head in errors.
#include <memory>
#include <string>

#include "host/libtorch/heads/dense_head.hpp"

namespace ds::host::libtorch {

std::unique_ptr<DenseHead> make_fcos(const HeadConfig& config, const std::string& where);
std::unique_ptr<DenseHead> make_retinanet(const HeadConfig& config, const std::string& where);
std::unique_ptr<DenseHead> make_ssd(const HeadConfig& config, const std::string& where);

}  // namespace ds::host::libtorch
