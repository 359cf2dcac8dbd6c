#include "host/libtorch/heads/registry.hpp"

#include <array>
#include <string_view>
#include <utility>

#include "core/util/error.hpp"

namespace ds::host::libtorch {
namespace {

using Factory = std::unique_ptr<DenseHead> (*)(const HeadConfig&, const std::string&);

// model.head.kind -> architecture (the names are `export --to aoti`'s, python_modules/export.py).
constexpr std::array<std::pair<std::string_view, Factory>, 3> kHeads{{
    {"fcos", make_fcos},
    {"retinanet", make_retinanet},
    {"ssd", make_ssd},  // SSD and SSDlite
}};

}  // namespace

std::unique_ptr<DenseHead> make_dense_head(const HeadConfig& config, const std::string& where) {
  std::string known;
  for (const auto& [name, make] : kHeads) {
    if (name == config.kind) return make(config, where);
    known += (known.empty() ? "" : ", ") + std::string(name);
  }
  throw Error(where + ".kind: unknown kind '" + config.kind + "' (known: " + known + ")");
}

}  // namespace ds::host::libtorch
