#pragma once
// Multi-head GRU: H independent PyTorch-convention GRU cells ("heads") of size d = n/H,
// each reading the whole input x but only its own slice of the state (detached states).
// Head h owns y[h*d .. h*d+d), so the Jacobian is block-diagonal with block size d and a
// DEER step costs O(n d^2) instead of O(n^3).
// Parameters (head-major): weight_ih (H, 3d, m), weight_hh (H, 3d, d), bias_ih (H, 3d),
// bias_hh (H, 3d); within a head the rows are the gates r, z, n in blocks of d, as in gru.hpp.
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

  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(int, const S* y, const Real* x, S* out) const {
    for (int hd = 0; hd < heads; ++hd) {
      const S* h = y + hd * d;
      for (int j = 0; j < d; ++j) {
        Real xr = b_ih(hd, j), xz = b_ih(hd, d + j), xn = b_ih(hd, 2 * d + j);
        for (int l = 0; l < m; ++l) {
          xr += w_ih(hd, j * m + l) * x[l];
          xz += w_ih(hd, (d + j) * m + l) * x[l];
          xn += w_ih(hd, (2 * d + j) * m + l) * x[l];
        }
        S hr = b_hh(hd, j), hz = b_hh(hd, d + j), hn = b_hh(hd, 2 * d + j);
        for (int l = 0; l < d; ++l) {
          hr += w_hh(hd, j * d + l) * h[l];
          hz += w_hh(hd, (d + j) * d + l) * h[l];
          hn += w_hh(hd, (2 * d + j) * d + l) * h[l];
        }
        const S r = sigmoid(hr + xr);
        const S z = sigmoid(hz + xz);
        const S c = tanh(xn + r * hn);
        out[hd * d + j] = (Real(1) - z) * c + z * h[j];
      }
    }
  }
};

}  // namespace deer::cells
