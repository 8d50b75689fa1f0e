// Registration of the LSTM cell (include/deer/cells/lstm.hpp).
#include <deer/cells/lstm.hpp>

#include "registry_builtin.hpp"
#include "registry_cells.hpp"

namespace {
struct LstmSpec {
  static constexpr const char* name = "lstm";
  static constexpr const char* description = "LSTM cell, PyTorch conventions (torch.nn.LSTM); state [h, c] of size 2*hidden, dense Jacobian";
  static std::vector<deer::ParamSpec> parameters() { return deer::builtin::cell_parameters("lstm"); }
  static deer::Shape shape(const deer::ParamValues& p) {
    return {2 * p.integer_in("hidden", 1, 32), p.integer_in("inputs", 0, 1 << 20)};
  }
  template <class Real, class Mem>
  static auto make(const deer::Problem& p) {
    using Cell = deer::cells::Lstm<Real, Mem>;
    const auto w = deer::builtin::cell_weights(
        p, [&](unsigned long seed) { return Cell::random_parameters(p.shape.n / 2, p.shape.m, seed); });
    return Cell::from_parameters(w, p.shape.n / 2, p.shape.m);
  }
};
}  // namespace

DEER_DEFINE_BUILTIN(lstm, LstmSpec)
