#pragma once
// Multi-head GRU: H independent PyTorch-convention GRU cells ("heads") of size d = n/H,
// each reading the whole input x but only its own slice of the state (detached states).
// Each head runs the GRU's equations (gru.hpp, GruEquations) on its slice of the weights.
// Head h owns y[h*d .. h*d+d), so the Jacobian is block-diagonal with block size d and a
// DEER step costs O(n d^2) instead of O(n^3).
// Parameters (head-major): weight_ih (H, 3d, m), weight_hh (H, 3d, d), bias_ih (H, 3d),
// bias_hh (H, 3d); within a head the rows are the gates r, z, n in blocks of d, as in gru.hpp.
// Inputs > 0: the weights held by value, as Gru's (gru.hpp), for exactly Inputs inputs and
// heads of exactly MaxBlock states.
#include <deer/cells/gru.hpp>
#include <deer/parameters.hpp>
#include <deer/system.hpp>

namespace deer::cells {

template <class Real, class Mem, int MaxState = 64, int MaxBlock = MaxState, int Inputs = 0>
struct MultiHeadGru {
  using real_type = Real;
  static constexpr int max_state = MaxState;
  static constexpr int max_block = MaxBlock;
  static constexpr Structure structure = Structure::block_diagonal;
  static constexpr bool by_value = Inputs > 0;
  static_assert(!by_value || sizeof(Real) * 3 * MaxState * (Inputs + MaxBlock + 2) <= kGruByValueBytes,
                "deer::cells::MultiHeadGru: these weights are too large to hold by value; use Inputs = 0");
  int n = 0, m = 0, heads = 1, d = 0;
  // Inputs = 0, flattened per head: w_ih(h, (g*d + j)*m + l), w_hh(h, (g*d + j)*d + l), b_*(h, g*d + j).
  Kokkos::View<Real**, Kokkos::LayoutRight, Mem> w_ih, w_hh, b_ih, b_hh;
  // Inputs > 0 (d = MaxBlock): the same, head after head, by value.
  Kokkos::Array<Real, by_value ? 3 * MaxState * Inputs : 1> v_ih;
  Kokkos::Array<Real, by_value ? 3 * MaxState * MaxBlock : 1> v_hh;
  Kokkos::Array<Real, by_value ? 3 * MaxState : 1> v_bih, v_bhh;

  KOKKOS_INLINE_FUNCTION int state_size() const { return n; }
  KOKKOS_INLINE_FUNCTION int input_size() const { return m; }
  KOKKOS_INLINE_FUNCTION int block_size() const { return d; }

  static void check_sizes(int hidden, int num_heads) {
    if (num_heads < 1 || hidden < 1 || hidden % num_heads != 0)
      throw std::invalid_argument("multihead_gru: hidden size " + std::to_string(hidden) +
                                  " must be a positive multiple of the number of heads " + std::to_string(num_heads));
    if (hidden > MaxState || hidden / num_heads > MaxBlock)
      throw std::invalid_argument("multihead_gru: hidden " + std::to_string(hidden) + " / head size " +
                                  std::to_string(hidden / num_heads) + " exceed MaxState " + std::to_string(MaxState) +
                                  " / MaxBlock " + std::to_string(MaxBlock) + "; raise the template arguments");
  }

  static MultiHeadGru from_parameters(const Parameters& p, int hidden, int inputs, int num_heads) {
    check_sizes(hidden, num_heads);
    const size_t H = num_heads, D = hidden / num_heads, M = inputs;
    MultiHeadGru g;
    g.n = hidden;
    g.m = inputs;
    g.heads = num_heads;
    g.d = hidden / num_heads;
    const Tensor &wi = require(p, "multihead_gru", "weight_ih", {H, 3 * D, M}),
                 &wh = require(p, "multihead_gru", "weight_hh", {H, 3 * D, D}),
                 &bi = require(p, "multihead_gru", "bias_ih", {H, 3 * D}),
                 &bh = require(p, "multihead_gru", "bias_hh", {H, 3 * D});
    if constexpr (by_value) {
      if (inputs != Inputs || int(D) != MaxBlock)
        throw by_value_mismatch("MultiHeadGru<..., " + std::to_string(MaxBlock) + ", " + std::to_string(Inputs) + ">",
                                std::to_string(Inputs) + " inputs and heads of " + std::to_string(MaxBlock) + " states",
                                "m = " + std::to_string(inputs) + ", heads of " + std::to_string(D));
      // Head-major with rows of M (weight_ih) or D (weight_hh) values: the tensors' own order.
      for (size_t j = 0; j < wi.data.size(); ++j) g.v_ih[j] = Real(wi.data[j]);
      for (size_t j = 0; j < wh.data.size(); ++j) g.v_hh[j] = Real(wh.data[j]);
      for (size_t j = 0; j < bi.data.size(); ++j) {
        g.v_bih[j] = Real(bi.data[j]);
        g.v_bhh[j] = Real(bh.data[j]);
      }
    } else {
      g.w_ih = upload_2d<Real, Mem>(wi, "deer::mhgru::weight_ih");
      g.w_hh = upload_2d<Real, Mem>(wh, "deer::mhgru::weight_hh");
      g.b_ih = upload_2d<Real, Mem>(bi, "deer::mhgru::bias_ih");
      g.b_hh = upload_2d<Real, Mem>(bh, "deer::mhgru::bias_hh");
    }
    return g;
  }
  // Each head initialised like a torch.nn.GRU of hidden size d: Uniform(-1/sqrt(d), 1/sqrt(d)).
  static Parameters random_parameters(int hidden, int inputs, int num_heads, unsigned long seed) {
    check_sizes(hidden, num_heads);
    std::mt19937_64 rng(seed);
    const size_t H = num_heads, D = hidden / num_heads, M = inputs;
    const double b = 1.0 / std::sqrt(double(D));
    return {{"weight_ih", random_tensor({H, 3 * D, M}, b, rng)},
            {"weight_hh", random_tensor({H, 3 * D, D}, b, rng)},
            {"bias_ih", random_tensor({H, 3 * D}, b, rng)},
            {"bias_hh", random_tensor({H, 3 * D}, b, rng)}};
  }

  // Head hd's weights, as GruEquations reads them (row r of head hd's 3d rows).
  struct Head {
    const MultiHeadGru& c;
    int hd;
    KOKKOS_INLINE_FUNCTION int dd() const { return by_value ? MaxBlock : c.d; }
    KOKKOS_INLINE_FUNCTION int inputs() const { return by_value ? Inputs : c.m; }
    KOKKOS_INLINE_FUNCTION Real wih(int r, int l) const {
      if constexpr (by_value) return c.v_ih[(hd * 3 * MaxBlock + r) * Inputs + l];
      else return c.w_ih(hd, r * c.m + l);
    }
    KOKKOS_INLINE_FUNCTION Real whh(int r, int l) const {
      if constexpr (by_value) return c.v_hh[(hd * 3 * MaxBlock + r) * MaxBlock + l];
      else return c.w_hh(hd, r * c.d + l);
    }
    KOKKOS_INLINE_FUNCTION Real bih(int r) const {
      if constexpr (by_value) return c.v_bih[hd * 3 * MaxBlock + r];
      else return c.b_ih(hd, r);
    }
    KOKKOS_INLINE_FUNCTION Real bhh(int r) const {
      if constexpr (by_value) return c.v_bhh[hd * 3 * MaxBlock + r];
      else return c.b_hh(hd, r);
    }
  };
  KOKKOS_INLINE_FUNCTION GruEquations<Real, MaxBlock, Head> head(const Head& w) const { return {w, w.dd()}; }

  // Head hd alone (lanes.hpp), with the GRU's hand-written Jacobian and its diagonal.
  template <class S>
  KOKKOS_INLINE_FUNCTION void block(int, int hd, const S* h, const Real* x, S* out) const {
    const Head w{*this, hd};
    head(w).step(h, x, out);
  }
  KOKKOS_INLINE_FUNCTION void block_jacobian(int, int hd, const Real* h, const Real* x, Real* out, Real* J) const {
    const Head w{*this, hd};
    head(w).jacobian(h, x, out, J);
  }
  KOKKOS_INLINE_FUNCTION void block_jacobian_diagonal(int, int hd, const Real* h, const Real* x, Real* out,
                                                      Real* dg) const {
    const Head w{*this, hd};
    head(w).jacobian_diagonal(h, x, out, dg);
  }

  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(int i, const S* y, const Real* x, S* out) const {
    for (int hd = 0; hd < heads; ++hd) block(i, hd, y + hd * d, x, out + hd * d);
  }
};

}  // namespace deer::cells
