#pragma once
// Elman (tanh) RNN cell with PyTorch's conventions (torch.nn.RNN, nonlinearity='tanh'):
//   h' = tanh(W_ih x + b_ih + W_hh h + b_hh).
// Parameters: weight_ih (n, m), weight_hh (n, n), bias_ih (n), bias_hh (n).
#include <deer/parameters.hpp>
#include <deer/system.hpp>

namespace deer::cells {

template <class Real, class Mem, int MaxState = 64>
struct Elman {
  using real_type = Real;
  static constexpr int max_state = MaxState;
  static constexpr Structure structure = Structure::dense;
  int n = 0, m = 0;
  Kokkos::View<Real**, Kokkos::LayoutRight, Mem> w_ih, w_hh;
  Kokkos::View<Real*, Mem> b_ih, b_hh;

  KOKKOS_INLINE_FUNCTION int state_size() const { return n; }
  KOKKOS_INLINE_FUNCTION int input_size() const { return m; }

  static Elman from_parameters(const Parameters& p, int hidden, int inputs) {
    if (hidden < 1 || hidden > MaxState)
      throw std::invalid_argument("elman: hidden size " + std::to_string(hidden) + " is outside 1.." +
                                  std::to_string(MaxState) + "; raise the MaxState template argument");
    const size_t H = hidden, M = inputs;
    Elman e;
    e.n = hidden;
    e.m = inputs;
    e.w_ih = upload_2d<Real, Mem>(require(p, "elman", "weight_ih", {H, M}), "deer::elman::weight_ih");
    e.w_hh = upload_2d<Real, Mem>(require(p, "elman", "weight_hh", {H, H}), "deer::elman::weight_hh");
    e.b_ih = upload_1d<Real, Mem>(require(p, "elman", "bias_ih", {H}), "deer::elman::bias_ih");
    e.b_hh = upload_1d<Real, Mem>(require(p, "elman", "bias_hh", {H}), "deer::elman::bias_hh");
    return e;
  }
  // PyTorch's default initialisation: Uniform(-1/sqrt(n), 1/sqrt(n)) for every tensor.
  static Parameters random_parameters(int hidden, int inputs, unsigned long seed) {
    std::mt19937_64 rng(seed);
    const size_t H = hidden, M = inputs;
    const double b = 1.0 / std::sqrt(double(hidden));
    return {{"weight_ih", random_tensor({H, M}, b, rng)},
            {"weight_hh", random_tensor({H, H}, b, rng)},
            {"bias_ih", random_tensor({H}, b, rng)},
            {"bias_hh", random_tensor({H}, b, rng)}};
  }

  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(int, const S* h, const Real* x, S* out) const {
    for (int j = 0; j < n; ++j) {
      Real xa = b_ih(j) + b_hh(j);
      for (int l = 0; l < m; ++l) xa += w_ih(j, l) * x[l];
      S a = xa;
      for (int l = 0; l < n; ++l) a += w_hh(j, l) * h[l];
      out[j] = tanh(a);
    }
  }
};

}  // namespace deer::cells
