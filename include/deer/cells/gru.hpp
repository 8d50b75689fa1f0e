#pragma once
// GRU cell with PyTorch's conventions (torch.nn.GRU / GRUCell): gate order r, z, n in
// blocks of n rows, n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1-z) n + z h.
// Parameters: weight_ih (3n, m), weight_hh (3n, n), bias_ih (3n), bias_hh (3n).
//
// Inputs = 0 (the default): any number of inputs m, the weights in device Views. Inputs > 0:
// exactly that many inputs, and the weights held by value in the cell (at most
// kGruByValueBytes), so every index into them is a constant once n = MaxState. On a GPU the
// kernel's functor, and so the cell, sits in the constant bank: a weight is then an operand of
// the multiply itself, with no load and no index arithmetic. (H200, session 8: ncu counted
// 366 instructions per step in GRU n=1 DEER's one-pass kernel, 190 of them integer, index and
// branch instructions, 16 global loads; docs/performance.md has what by-value weights gave.)
#include <stdexcept>
#include <string>
#include <type_traits>

#include <deer/parameters.hpp>
#include <deer/system.hpp>

namespace deer::cells {

// The most bytes of weights a cell holds by value (Kokkos keeps a kernel's functor in 32 KiB
// of constant memory; the rest of the functor needs some of it).
inline constexpr size_t kGruByValueBytes = 16384;

// The GRU's equations for n outputs on weights w: anything with wih(r, l), whh(r, l), bih(r),
// bhh(r) (rows r of the gates r, z, n in blocks of n) and inputs(). Gru is one such w, a head
// of MultiHeadGru another. MaxState: the capacity of n.
template <class Real, int MaxState, class W>
struct GruEquations {
  const W& w;
  int n;

  // Calls f(std::integral_constant<int, C>) with C = n when n is the capacity MaxState (the
  // usual case), else C = 0: loops up to C ? C : n then have a constant bound and unroll.
  // (H200, GRU n=1, T=1e6: the sequential kernel went from 607 to 420 ms.)
  template <class F>
  KOKKOS_INLINE_FUNCTION void sized(const F& f) const {
    if (MaxState == 1 || n == MaxState) f(std::integral_constant<int, MaxState>{});  // (n <= MaxState)
    else f(std::integral_constant<int, 0>{});
  }

  template <class S>
  KOKKOS_INLINE_FUNCTION void step(const S* h, const Real* x, S* out) const {
    sized([&](auto size) {
      const int nn = decltype(size)::value ? decltype(size)::value : n;
      for (int j = 0; j < nn; ++j) {
        Real xr, xz, xn;
        input_gates(j, nn, x, xr, xz, xn);
        S hr = w.bhh(j), hz = w.bhh(nn + j), hn = w.bhh(2 * nn + j);
        for (int l = 0; l < nn; ++l) {
          hr += w.whh(j, l) * h[l];
          hz += w.whh(nn + j, l) * h[l];
          hn += w.whh(2 * nn + j, l) * h[l];
        }
        const S r = sigmoid(hr + xr);
        const S z = sigmoid(hz + xz);
        const S c = tanh(xn + r * hn);
        out[j] = (Real(1) - z) * c + z * h[j];
      }
    });
  }

  // f and the diagonal of the Jacobian only (quasi-DEER): O(n) extra work on top of f.
  KOKKOS_INLINE_FUNCTION void jacobian_diagonal(const Real* h, const Real* x, Real* out, Real* d) const {
    each_output(h, x, out, [&](int j, int nn, Real r, Real z, Real c, Real hn) {
      const Real gc = (Real(1) - z) * (Real(1) - c * c);
      d[j] = z * (Real(1) - z) * (h[j] - c) * w.whh(nn + j, j) + gc * r * (Real(1) - r) * hn * w.whh(j, j) +
             gc * r * w.whh(2 * nn + j, j) + z;
    });
  }

  // Hand-written f and dense Jacobian (J[r*n + l] = dh'_r / dh_l), about 3x cheaper than
  // n dual-number evaluations. With a_n = x_n + r*h_n, c = tanh(a_n):
  //   dh'_j/dh_l = z(1-z) W_hz[j,l] (h_j - c) + (1-z)(1-c^2)(r(1-r) W_hr[j,l] h_n + r W_hn[j,l]) + z [j==l]
  KOKKOS_INLINE_FUNCTION void jacobian(const Real* h, const Real* x, Real* out, Real* J) const {
    each_output(h, x, out, [&](int j, int nn, Real r, Real z, Real c, Real hn) {
      const Real gz = z * (Real(1) - z) * (h[j] - c);     // through z
      const Real gc = (Real(1) - z) * (Real(1) - c * c);  // through c
      const Real gr = gc * r * (Real(1) - r) * hn;        // through r inside c
      const Real gn = gc * r;                             // through h_n inside c
      Real* Jj = J + j * nn;
      for (int l = 0; l < nn; ++l) Jj[l] = gz * w.whh(nn + j, l) + gr * w.whh(j, l) + gn * w.whh(2 * nn + j, l);
      Jj[j] += z;
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

  // The input parts of output j's gates: W_i{r,z,n} x + b_i{r,z,n}. nn: n, a constant where
  // the caller knows it.
  KOKKOS_INLINE_FUNCTION void input_gates(int j, int nn, const Real* x, Real& xr, Real& xz, Real& xn) const {
    xr = w.bih(j), xz = w.bih(nn + j), xn = w.bih(2 * nn + j);
    for (int l = 0; l < w.inputs(); ++l) {
      xr += w.wih(j, l) * x[l];
      xz += w.wih(nn + j, l) * x[l];
      xn += w.wih(2 * nn + j, l) * x[l];
    }
  }

  // Gate values of output j: r, z, the candidate c = tanh(x_n + r h_n), and h_n = W_hn h + b_hn.
  KOKKOS_INLINE_FUNCTION void gates(int j, int nn, const Real* h, const Real* x, Real& r, Real& z, Real& c,
                                    Real& hn) const {
    Real xr, xz, xn;
    input_gates(j, nn, x, xr, xz, xn);
    Real hr = w.bhh(j), hz = w.bhh(nn + j);
    hn = w.bhh(2 * nn + j);
    for (int l = 0; l < nn; ++l) {
      hr += w.whh(j, l) * h[l];
      hz += w.whh(nn + j, l) * h[l];
      hn += w.whh(2 * nn + j, l) * h[l];
    }
    r = sigmoid(hr + xr);
    z = sigmoid(hz + xz);
    c = tanh(xn + r * hn);
  }
};

// The message for weights that do not fit a by-value cell's template arguments.
inline std::invalid_argument by_value_mismatch(const std::string& cell, const std::string& expected,
                                               const std::string& got) {
  return std::invalid_argument("deer::cells::" + cell + " holds its weights by value for " + expected + ", not " +
                               got + "; pick those template arguments, or Inputs = 0 for weights in Views");
}

template <class Real, class Mem, int MaxState = 64, int Inputs = 0>
struct Gru {
  using real_type = Real;
  static constexpr int max_state = MaxState;
  static constexpr Structure structure = Structure::dense;
  static constexpr bool by_value = Inputs > 0;
  static_assert(!by_value || sizeof(Real) * 3 * MaxState * (Inputs + MaxState + 2) <= kGruByValueBytes,
                "deer::cells::Gru: these weights are too large to hold by value; use Inputs = 0 (weights in Views)");
  int n = 0, m = 0;
  // Inputs = 0: the weights, (3n, m), (3n, n), (3n), (3n).
  Kokkos::View<Real**, Kokkos::LayoutRight, Mem> w_ih, w_hh;
  Kokkos::View<Real*, Mem> b_ih, b_hh;
  // Inputs > 0: the same, by value; row r of weight_ih at r * Inputs, of weight_hh at r * MaxState.
  Kokkos::Array<Real, by_value ? 3 * MaxState * Inputs : 1> v_ih;
  Kokkos::Array<Real, by_value ? 3 * MaxState * MaxState : 1> v_hh;
  Kokkos::Array<Real, by_value ? 3 * MaxState : 1> v_bih, v_bhh;

  KOKKOS_INLINE_FUNCTION Real wih(int r, int l) const {
    if constexpr (by_value) return v_ih[r * Inputs + l];
    else return w_ih(r, l);
  }
  KOKKOS_INLINE_FUNCTION Real whh(int r, int l) const {
    if constexpr (by_value) return v_hh[r * MaxState + l];
    else return w_hh(r, l);
  }
  KOKKOS_INLINE_FUNCTION Real bih(int r) const {
    if constexpr (by_value) return v_bih[r];
    else return b_ih(r);
  }
  KOKKOS_INLINE_FUNCTION Real bhh(int r) const {
    if constexpr (by_value) return v_bhh[r];
    else return b_hh(r);
  }
  // The number of inputs, a constant when held by value.
  KOKKOS_INLINE_FUNCTION int inputs() const { return by_value ? Inputs : m; }

  KOKKOS_INLINE_FUNCTION int state_size() const { return n; }
  KOKKOS_INLINE_FUNCTION int input_size() const { return m; }

  static Gru from_parameters(const Parameters& p, int hidden, int inputs) {
    const size_t H = hidden, M = inputs;
    Gru g;
    g.n = hidden;
    g.m = inputs;
    const Tensor &wi = require(p, "gru", "weight_ih", {3 * H, M}), &wh = require(p, "gru", "weight_hh", {3 * H, H}),
                 &bi = require(p, "gru", "bias_ih", {3 * H}), &bh = require(p, "gru", "bias_hh", {3 * H});
    if constexpr (by_value) {
      if (inputs != Inputs || hidden < 1 || hidden > MaxState)
        throw by_value_mismatch("Gru<..., " + std::to_string(MaxState) + ", " + std::to_string(Inputs) + ">",
                                std::to_string(Inputs) + " inputs and at most " + std::to_string(MaxState) + " states",
                                "m = " + std::to_string(inputs) + ", n = " + std::to_string(hidden));
      for (size_t r = 0; r < 3 * H; ++r) {
        for (size_t l = 0; l < M; ++l) g.v_ih[r * Inputs + l] = Real(wi.data[r * M + l]);
        for (size_t l = 0; l < H; ++l) g.v_hh[r * MaxState + l] = Real(wh.data[r * H + l]);
        g.v_bih[r] = Real(bi.data[r]);
        g.v_bhh[r] = Real(bh.data[r]);
      }
    } else {
      g.w_ih = upload_2d<Real, Mem>(wi, "deer::gru::weight_ih");
      g.w_hh = upload_2d<Real, Mem>(wh, "deer::gru::weight_hh");
      g.b_ih = upload_1d<Real, Mem>(bi, "deer::gru::bias_ih");
      g.b_hh = upload_1d<Real, Mem>(bh, "deer::gru::bias_hh");
    }
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

  KOKKOS_INLINE_FUNCTION GruEquations<Real, MaxState, Gru> equations() const { return {*this, n}; }
  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(int, const S* h, const Real* x, S* out) const {
    equations().step(h, x, out);
  }
  KOKKOS_INLINE_FUNCTION void jacobian(int, const Real* h, const Real* x, Real* out, Real* J) const {
    equations().jacobian(h, x, out, J);
  }
  KOKKOS_INLINE_FUNCTION void jacobian_diagonal(int, const Real* h, const Real* x, Real* out, Real* d) const {
    equations().jacobian_diagonal(h, x, out, d);
  }
};

}  // namespace deer::cells
