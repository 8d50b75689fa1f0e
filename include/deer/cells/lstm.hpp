#pragma once
// LSTM cell with PyTorch's conventions (torch.nn.LSTMCell): gate order i, f, g, o in
// blocks of n rows,
//   i = sig(W_ii x + b_ii + W_hi h + b_hi), f = sig(...), g = tanh(...), o = sig(...),
//   c' = f c + i g,  h' = o tanh(c').
// The DEER state is y = [h (n values), c (n values)], so state_size() = 2n and MaxState
// bounds 2n. Parameters: weight_ih (4n, m), weight_hh (4n, n), bias_ih (4n), bias_hh (4n).
#include <deer/parameters.hpp>
#include <deer/system.hpp>

namespace deer::cells {

template <class Real, class Mem, int MaxState = 64>
struct Lstm {
  using real_type = Real;
  static constexpr int max_state = MaxState;
  static constexpr Structure structure = Structure::dense;
  int n = 0, m = 0;  // hidden size n (state size 2n), inputs m
  Kokkos::View<Real**, Kokkos::LayoutRight, Mem> w_ih, w_hh;
  Kokkos::View<Real*, Mem> b_ih, b_hh;

  KOKKOS_INLINE_FUNCTION int state_size() const { return 2 * n; }
  KOKKOS_INLINE_FUNCTION int input_size() const { return m; }
  KOKKOS_INLINE_FUNCTION int hidden_size() const { return n; }

  static Lstm from_parameters(const Parameters& p, int hidden, int inputs) {
    if (hidden < 1 || 2 * hidden > MaxState)
      throw std::invalid_argument("lstm: hidden size " + std::to_string(hidden) + " needs a state of " +
                                  std::to_string(2 * hidden) + " values but MaxState is " + std::to_string(MaxState) +
                                  "; raise the MaxState template argument to >= 2*hidden");
    const size_t H = hidden, M = inputs;
    Lstm c;
    c.n = hidden;
    c.m = inputs;
    c.w_ih = upload_2d<Real, Mem>(require(p, "lstm", "weight_ih", {4 * H, M}), "deer::lstm::weight_ih");
    c.w_hh = upload_2d<Real, Mem>(require(p, "lstm", "weight_hh", {4 * H, H}), "deer::lstm::weight_hh");
    c.b_ih = upload_1d<Real, Mem>(require(p, "lstm", "bias_ih", {4 * H}), "deer::lstm::bias_ih");
    c.b_hh = upload_1d<Real, Mem>(require(p, "lstm", "bias_hh", {4 * H}), "deer::lstm::bias_hh");
    return c;
  }
  // PyTorch's default initialisation: Uniform(-1/sqrt(n), 1/sqrt(n)) for every tensor.
  static Parameters random_parameters(int hidden, int inputs, unsigned long seed) {
    std::mt19937_64 rng(seed);
    const size_t H = hidden, M = inputs;
    const double b = 1.0 / std::sqrt(double(hidden));
    return {{"weight_ih", random_tensor({4 * H, M}, b, rng)},
            {"weight_hh", random_tensor({4 * H, H}, b, rng)},
            {"bias_ih", random_tensor({4 * H}, b, rng)},
            {"bias_hh", random_tensor({4 * H}, b, rng)}};
  }

  // y = [h, c] -> out = [h', c'].
  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(int, const S* y, const Real* x, S* out) const {
    const S* h = y;
    const S* c = y + n;
    for (int j = 0; j < n; ++j) {
      Real xa[4];
      for (int g = 0; g < 4; ++g) {
        xa[g] = b_ih(g * n + j) + b_hh(g * n + j);
        for (int l = 0; l < m; ++l) xa[g] += w_ih(g * n + j, l) * x[l];
      }
      S a[4] = {S(xa[0]), S(xa[1]), S(xa[2]), S(xa[3])};
      for (int l = 0; l < n; ++l)
        for (int g = 0; g < 4; ++g) a[g] += w_hh(g * n + j, l) * h[l];
      const S ig = sigmoid(a[0]);
      const S fg = sigmoid(a[1]);
      const S gg = tanh(a[2]);
      const S og = sigmoid(a[3]);
      const S cn = fg * c[j] + ig * gg;
      out[n + j] = cn;
      out[j] = og * tanh(cn);
    }
  }
};

}  // namespace deer::cells
