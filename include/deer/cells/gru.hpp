#pragma once
// GRU cell with PyTorch's conventions (torch.nn.GRU / GRUCell): gate order r, z, n in
// blocks of n rows, n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1-z) n + z h.
// Parameters: weight_ih (3n, m), weight_hh (3n, n), bias_ih (3n), bias_hh (3n).
#include <type_traits>

#include <deer/parameters.hpp>
#include <deer/system.hpp>

namespace deer::cells {

template <class Real, class Mem, int MaxState = 64>
struct Gru {
  using real_type = Real;
  static constexpr int max_state = MaxState;
  static constexpr Structure structure = Structure::dense;
  int n = 0, m = 0;
  Kokkos::View<Real**, Kokkos::LayoutRight, Mem> w_ih, w_hh;
  Kokkos::View<Real*, Mem> b_ih, b_hh;

  KOKKOS_INLINE_FUNCTION int state_size() const { return n; }

  // Calls f(std::integral_constant<int, C>) with C = n when n is the capacity MaxState (the
  // usual case), else C = 0: loops up to C ? C : n then have a constant bound and unroll.
  // (H200, GRU n=1, T=1e6: the sequential kernel went from 607 to 420 ms.)
  template <class F>
  KOKKOS_INLINE_FUNCTION void sized(const F& f) const {
    if (n == MaxState) f(std::integral_constant<int, MaxState>{});
    else f(std::integral_constant<int, 0>{});
  }
  KOKKOS_INLINE_FUNCTION int input_size() const { return m; }

  static Gru from_parameters(const Parameters& p, int hidden, int inputs) {
    const size_t H = hidden, M = inputs;
    Gru g;
    g.n = hidden;
    g.m = inputs;
    g.w_ih = upload_2d<Real, Mem>(require(p, "gru", "weight_ih", {3 * H, M}), "deer::gru::weight_ih");
    g.w_hh = upload_2d<Real, Mem>(require(p, "gru", "weight_hh", {3 * H, H}), "deer::gru::weight_hh");
    g.b_ih = upload_1d<Real, Mem>(require(p, "gru", "bias_ih", {3 * H}), "deer::gru::bias_ih");
    g.b_hh = upload_1d<Real, Mem>(require(p, "gru", "bias_hh", {3 * H}), "deer::gru::bias_hh");
    return g;
  }
  static Parameters random_parameters(int hidden, int inputs, unsigned long seed) {
    std::mt19937_64 rng(seed);
    const size_t H = hidden, M = inputs;
    const double b = 1.0 / std::sqrt(double(hidden));
    return {{"weight_ih", random_tensor({3 * H, M}, b, rng)},
            {"weight_hh", random_tensor({3 * H, H}, b, rng)},
            {"bias_ih", random_tensor({3 * H}, b, rng)},
            {"bias_hh", random_tensor({3 * H}, b, rng)}};
  }

  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(int, const S* h, const Real* x, S* out) const {
    sized([&](auto size) {
      const int nn = decltype(size)::value ? decltype(size)::value : n;
      for (int j = 0; j < nn; ++j) {
        Real xr = b_ih(j), xz = b_ih(n + j), xn = b_ih(2 * n + j);
        for (int l = 0; l < m; ++l) {
          xr += w_ih(j, l) * x[l];
          xz += w_ih(n + j, l) * x[l];
          xn += w_ih(2 * n + j, l) * x[l];
        }
        S hr = b_hh(j), hz = b_hh(n + j), hn = b_hh(2 * n + j);
        for (int l = 0; l < nn; ++l) {
          hr += w_hh(j, l) * h[l];
          hz += w_hh(n + j, l) * h[l];
          hn += w_hh(2 * n + j, l) * h[l];
        }
        const S r = sigmoid(hr + xr);
        const S z = sigmoid(hz + xz);
        const S c = tanh(xn + r * hn);
        out[j] = (Real(1) - z) * c + z * h[j];
      }
    });
  }

  // f and the diagonal of the Jacobian only (quasi-DEER): O(n) extra work on top of f.
  KOKKOS_INLINE_FUNCTION void jacobian_diagonal(int, const Real* h, const Real* x, Real* out, Real* d) const {
    each_output(h, x, out, [&](int j, int, Real r, Real z, Real c, Real hn) {
      const Real gc = (Real(1) - z) * (Real(1) - c * c);
      d[j] = z * (Real(1) - z) * (h[j] - c) * w_hh(n + j, j) + gc * r * (Real(1) - r) * hn * w_hh(j, j) +
             gc * r * w_hh(2 * n + j, j) + z;
    });
  }

  // For every output j: its gates, out[j] = f_j, then g(j, nn, r, z, c, hn) for the derivative
  // (what jacobian and jacobian_diagonal share; nn is n, a constant where sized() knows it).
  template <class G>
  KOKKOS_INLINE_FUNCTION void each_output(const Real* h, const Real* x, Real* out, const G& g) const {
    sized([&](auto size) {
      const int nn = decltype(size)::value ? decltype(size)::value : n;
      for (int j = 0; j < nn; ++j) {
        Real r, z, c, hn;
        gates(j, nn, h, x, r, z, c, hn);
        out[j] = (Real(1) - z) * c + z * h[j];
        g(j, nn, r, z, c, hn);
      }
    });
  }

  // Gate values of output j: r, z, the candidate c = tanh(x_n + r h_n), and h_n = W_hn h + b_hn.
  // nn: n, a constant where the caller knows it.
  KOKKOS_INLINE_FUNCTION void gates(int j, int nn, const Real* h, const Real* x, Real& r, Real& z, Real& c,
                                    Real& hn) const {
    Real xr = b_ih(j), xz = b_ih(n + j), xn = b_ih(2 * n + j);
    for (int l = 0; l < m; ++l) {
      xr += w_ih(j, l) * x[l];
      xz += w_ih(n + j, l) * x[l];
      xn += w_ih(2 * n + j, l) * x[l];
    }
    Real hr = b_hh(j), hz = b_hh(n + j);
    hn = b_hh(2 * n + j);
    for (int l = 0; l < nn; ++l) {
      hr += w_hh(j, l) * h[l];
      hz += w_hh(n + j, l) * h[l];
      hn += w_hh(2 * n + j, l) * h[l];
    }
    r = sigmoid(hr + xr);
    z = sigmoid(hz + xz);
    c = tanh(xn + r * hn);
  }

  // Hand-written f and dense Jacobian (J[r*n + l] = dh'_r / dh_l), about 3x cheaper than
  // n dual-number evaluations. With a_n = x_n + r*h_n, c = tanh(a_n):
  //   dh'_j/dh_l = z(1-z) W_hz[j,l] (h_j - c) + (1-z)(1-c^2)(r(1-r) W_hr[j,l] h_n + r W_hn[j,l]) + z [j==l]
  KOKKOS_INLINE_FUNCTION void jacobian(int, const Real* h, const Real* x, Real* out, Real* J) const {
    each_output(h, x, out, [&](int j, int nn, Real r, Real z, Real c, Real hn) {
      const Real gz = z * (Real(1) - z) * (h[j] - c);     // through z
      const Real gc = (Real(1) - z) * (Real(1) - c * c);  // through c
      const Real gr = gc * r * (Real(1) - r) * hn;        // through r inside c
      const Real gn = gc * r;                             // through h_n inside c
      Real* Jj = J + j * nn;
      for (int l = 0; l < nn; ++l) Jj[l] = gz * w_hh(n + j, l) + gr * w_hh(j, l) + gn * w_hh(2 * n + j, l);
      Jj[j] += z;
    });
  }
};

}  // namespace deer::cells
