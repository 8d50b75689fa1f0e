// Registration of the multi-head GRU cell (include/deer/cells/multihead_gru.hpp).
#include <deer/cells/multihead_gru.hpp>

#include "registry_builtin.hpp"
#include "registry_cells.hpp"

namespace {
struct MultiHeadGruSpec {
  static constexpr const char* name = "multihead_gru";
  static constexpr const char* description =
      "multi-head GRU: independent GRU heads of size hidden/heads, block-diagonal Jacobian";
  static std::vector<deer::ParamSpec> parameters() {
    auto p = deer::builtin::cell_parameters("multihead_gru", 16, 3);
    p.insert(p.begin() + 1, deer::ParamSpec{"heads", 4L, "number of heads (must divide hidden; hidden/heads <= 16)"});
    return p;
  }
  static deer::Shape shape(const deer::ParamValues& p) {
    const int hidden = p.integer_in("hidden", 1, 64), heads = p.integer_in("heads", 1, 64);
    if (hidden % heads != 0 || hidden / heads > 16)
      throw std::invalid_argument("multihead_gru: hidden = " + std::to_string(hidden) + " must be a multiple of heads = " +
                                  std::to_string(heads) + " with head size hidden/heads <= 16; change hidden or heads");
    return {hidden, p.integer_in("inputs", 0, 1 << 20)};
  }
  template <class Real, class Mem>
  static auto make(const deer::Problem& p) {
    using Cell = deer::cells::MultiHeadGru<Real, Mem, 64, 16>;
    const int heads = int(p.params.integer("heads"));
    const auto w = deer::builtin::cell_weights(
        p, [&](unsigned long seed) { return Cell::random_parameters(p.shape.n, p.shape.m, heads, seed); });
    return Cell::from_parameters(w, p.shape.n, p.shape.m, heads);
  }
};
}  // namespace

DEER_DEFINE_BUILTIN(multihead_gru, MultiHeadGruSpec)
