// Registration of the Elman (tanh) cell (include/deer/cells/elman.hpp).
#include <deer/cells/elman.hpp>

#include "registry_builtin.hpp"
#include "registry_cells.hpp"

namespace {
struct ElmanSpec {
  static constexpr const char* name = "elman";
  static constexpr const char* description = "Elman tanh RNN cell, PyTorch conventions (torch.nn.RNN), dense Jacobian";
  static std::vector<deer::ParamSpec> parameters() { return deer::builtin::cell_parameters("elman"); }
  static deer::Shape shape(const deer::ParamValues& p) {
    return {p.integer_in("hidden", 1, 64), p.integer_in("inputs", 0, 1 << 20)};
  }
  template <class Real, class Mem>
  static auto make(const deer::Problem& p) {
    using Cell = deer::cells::Elman<Real, Mem>;
    const auto w = deer::builtin::cell_weights(
        p, [&](unsigned long seed) { return Cell::random_parameters(p.shape.n, p.shape.m, seed); });
    return Cell::from_parameters(w, p.shape.n, p.shape.m);
  }
};
}  // namespace

DEER_DEFINE_BUILTIN(elman, ElmanSpec)
