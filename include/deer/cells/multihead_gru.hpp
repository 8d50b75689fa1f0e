#pragma once
// Multi-head GRU: H independent PyTorch-convention GRU cells ("heads") of size d = n/H,
// each reading the whole input x but only its own slice of the state (detached states).
// Each head is evaluated as a Gru (gru.hpp) over its slice of the weights.
// Head h owns y[h*d .. h*d+d), so the Jacobian is block-diagonal with block size d and a
// DEER step costs O(n d^2) instead of O(n^3).
// Parameters (head-major): weight_ih (H, 3d, m), weight_hh (H, 3d, d), bias_ih (H, 3d),
// bias_hh (H, 3d); within a head the rows are the gates r, z, n in blocks of d, as in gru.hpp.
#include <deer/cells/gru.hpp>
#include <deer/parameters.hpp>
#include <deer/system.hpp>

namespace deer::cells {

template <class Real, class Mem, int MaxState = 64, int MaxBlock = MaxState>
struct MultiHeadGru {
  using real_type = Real;
  static constexpr int max_state = MaxState;
  static constexpr int max_block = MaxBlock;
  static constexpr Structure structure = Structure::block_diagonal;
  int n = 0, m = 0, heads = 1, d = 0;
  // Flattened per head: w_ih(h, (g*d + j)*m + l), w_hh(h, (g*d + j)*d + l), b_*(h, g*d + j).
  Kokkos::View<Real**, Kokkos::LayoutRight, Mem> w_ih, w_hh, b_ih, b_hh;

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
    g.w_ih = upload_2d<Real, Mem>(require(p, "multihead_gru", "weight_ih", {H, 3 * D, M}), "deer::mhgru::weight_ih");
    g.w_hh = upload_2d<Real, Mem>(require(p, "multihead_gru", "weight_hh", {H, 3 * D, D}), "deer::mhgru::weight_hh");
    g.b_ih = upload_2d<Real, Mem>(require(p, "multihead_gru", "bias_ih", {H, 3 * D}), "deer::mhgru::bias_ih");
    g.b_hh = upload_2d<Real, Mem>(require(p, "multihead_gru", "bias_hh", {H, 3 * D}), "deer::mhgru::bias_hh");
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

  // Head hd as a GRU of hidden size d (gru.hpp): unmanaged views into this cell's weights.
  using Head = Gru<Real, Mem, MaxBlock>;
  KOKKOS_INLINE_FUNCTION Head head(int hd) const {
    Head g;
    g.n = d;
    g.m = m;
    g.w_ih = decltype(g.w_ih)(w_ih.data() + size_t(hd) * w_ih.extent(1), 3 * d, m);
    g.w_hh = decltype(g.w_hh)(w_hh.data() + size_t(hd) * w_hh.extent(1), 3 * d, d);
    g.b_ih = decltype(g.b_ih)(b_ih.data() + size_t(hd) * b_ih.extent(1), 3 * d);
    g.b_hh = decltype(g.b_hh)(b_hh.data() + size_t(hd) * b_hh.extent(1), 3 * d);
    return g;
  }

  // Head hd alone (lanes.hpp), with the GRU's hand-written Jacobian and its diagonal.
  template <class S>
  KOKKOS_INLINE_FUNCTION void block(int i, int hd, const S* h, const Real* x, S* out) const {
    head(hd)(i, h, x, out);
  }
  KOKKOS_INLINE_FUNCTION void block_jacobian(int i, int hd, const Real* h, const Real* x, Real* out, Real* J) const {
    head(hd).jacobian(i, h, x, out, J);
  }
  KOKKOS_INLINE_FUNCTION void block_jacobian_diagonal(int i, int hd, const Real* h, const Real* x, Real* out,
                                                      Real* dg) const {
    head(hd).jacobian_diagonal(i, h, x, out, dg);
  }

  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(int i, const S* y, const Real* x, S* out) const {
    for (int hd = 0; hd < heads; ++hd) block(i, hd, y + hd * d, x, out + hd * d);
  }
};

}  // namespace deer::cells
