#pragma once
// Built-in right-hand sides (rhs.hpp concept): classic test problems and a neural ODE.
//   DampedPendulum   theta'' = -gamma theta' - w0^2 sin(theta) + A cos(Omega t) + u   (n = 2, m = 1)
//   VanDerPol        x'' = mu (1 - x^2) x' - x; mu = 1 smooth, mu = 1000 stiff        (n = 2)
//   LotkaVolterra    x' = a x - b x y,  y' = d x y - g y                              (n = 2)
//   Robertson        stiff chemical kinetics (rates 0.04, 1e4, 3e7)                    (n = 3)
//   Lorenz63         sigma = 10, rho = 28, beta = 8/3: chaotic                         (n = 3)
//   NeuralOde        f(t, y) = W2 tanh(W1 y + b1) + b2 - decay y (weights in Views)
#include <random>
#include <string>

#include <deer/math.hpp>
#include <deer/ode/rhs.hpp>
#include <deer/parameters.hpp>

namespace deer::ode {

template <class Real>
struct DampedPendulum {
  using real_type = Real;
  static constexpr int max_state = 2;
  static constexpr int max_input = 1;
  Real gamma = Real(0.5), w0sq = Real(1), drive = Real(0.5), omega = Real(2.0 / 3.0);  // periodic regime (drive >= ~1.1 is chaotic)
  KOKKOS_INLINE_FUNCTION int state_size() const { return 2; }
  KOKKOS_INLINE_FUNCTION int input_size() const { return 1; }
  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(Real t, const S* y, const Real* u, S* dydt) const {
    dydt[0] = y[1];
    dydt[1] = -gamma * y[1] - w0sq * deer::sin(y[0]) + (drive * deer::cos(omega * t) + u[0]);
  }
};

template <class Real>
struct VanDerPol {
  using real_type = Real;
  static constexpr int max_state = 2;
  static constexpr int max_input = 0;
  Real mu = Real(1);
  KOKKOS_INLINE_FUNCTION int state_size() const { return 2; }
  KOKKOS_INLINE_FUNCTION int input_size() const { return 0; }
  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(Real, const S* y, const Real*, S* dydt) const {
    dydt[0] = y[1];
    dydt[1] = mu * (Real(1) - y[0] * y[0]) * y[1] - y[0];
  }
};

template <class Real>
struct LotkaVolterra {
  using real_type = Real;
  static constexpr int max_state = 2;
  static constexpr int max_input = 0;
  Real a = Real(1.5), b = Real(1), d = Real(1), g = Real(3);
  KOKKOS_INLINE_FUNCTION int state_size() const { return 2; }
  KOKKOS_INLINE_FUNCTION int input_size() const { return 0; }
  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(Real, const S* y, const Real*, S* dydt) const {
    dydt[0] = a * y[0] - b * y[0] * y[1];
    dydt[1] = d * y[0] * y[1] - g * y[1];
  }
};

template <class Real>
struct Robertson {
  using real_type = Real;
  static constexpr int max_state = 3;
  static constexpr int max_input = 0;
  Real k1 = Real(0.04), k2 = Real(3e7), k3 = Real(1e4);
  KOKKOS_INLINE_FUNCTION int state_size() const { return 3; }
  KOKKOS_INLINE_FUNCTION int input_size() const { return 0; }
  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(Real, const S* y, const Real*, S* dydt) const {
    const S r1 = k1 * y[0], r2 = k2 * y[1] * y[1], r3 = k3 * y[1] * y[2];
    dydt[0] = r3 - r1;
    dydt[1] = r1 - r2 - r3;
    dydt[2] = r2;
  }
};

template <class Real>
struct Lorenz63 {
  using real_type = Real;
  static constexpr int max_state = 3;
  static constexpr int max_input = 0;
  Real sigma = Real(10), rho = Real(28), beta = Real(8.0 / 3.0);
  KOKKOS_INLINE_FUNCTION int state_size() const { return 3; }
  KOKKOS_INLINE_FUNCTION int input_size() const { return 0; }
  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(Real, const S* y, const Real*, S* dydt) const {
    dydt[0] = sigma * (y[1] - y[0]);
    dydt[1] = y[0] * (rho - y[2]) - y[1];
    dydt[2] = y[0] * y[1] - beta * y[2];
  }
};

// f(t, y) = W2 tanh(W1 y + b1) + b2 - decay y with W1 (H, n), b1 (H), W2 (n, H), b2 (n) (the
// torchdiffeq/PyTorch nn.Linear convention: weight rows are outputs). MaxState >= n and
// MaxHidden >= H are compile-time capacities. decay (0 by default: the plain network) is a
// leak as in continuous-time RNNs: large enough, it makes the flow contract, so that trajectories
// forget their start and float32 rounding stays bounded over long horizons (docs/ode.md).
template <class Real, class Mem, int MaxState = 8, int MaxHidden = 64>
struct NeuralOde {
  using real_type = Real;
  static constexpr int max_state = MaxState;
  static constexpr int max_input = 0;
  Kokkos::View<Real**, Kokkos::LayoutRight, Mem> W1, W2;
  Kokkos::View<Real*, Mem> b1, b2;
  int n = 0, H = 0;
  Real decay = 0;
  KOKKOS_INLINE_FUNCTION int state_size() const { return n; }
  KOKKOS_INLINE_FUNCTION int input_size() const { return 0; }
  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(Real, const S* y, const Real*, S* dydt) const {
    S h[MaxHidden];
    for (int k = 0; k < H; ++k) {
      S a = S(b1(k));
      for (int j = 0; j < n; ++j) a += W1(k, j) * y[j];
      h[k] = deer::tanh(a);
    }
    for (int r = 0; r < n; ++r) {
      S a = S(b2(r));
      for (int k = 0; k < H; ++k) a += W2(r, k) * h[k];
      dydt[r] = a - decay * y[r];
    }
  }

  // From tensors W1 (H, n), b1 (H), W2 (n, H), b2 (n); shapes are checked.
  static NeuralOde from_parameters(const Parameters& p) {
    auto it = p.find("W1");
    if (it == p.end() || it->second.shape.size() != 2)
      throw std::invalid_argument("deer::ode::NeuralOde: missing 2-D parameter 'W1' of shape (hidden, state)");
    const size_t H = it->second.shape[0], n = it->second.shape[1];
    if (n < 1 || int(n) > MaxState || int(H) > MaxHidden || H < 1)
      throw std::invalid_argument("deer::ode::NeuralOde: state " + std::to_string(n) + " / hidden " +
                                  std::to_string(H) + " exceed the capacities MaxState = " + std::to_string(MaxState) +
                                  ", MaxHidden = " + std::to_string(MaxHidden) + "; raise the template arguments");
    const std::string who = "deer::ode::NeuralOde";
    NeuralOde f;
    f.n = int(n);
    f.H = int(H);
    f.W1 = upload_2d<Real, Mem>(require(p, who, "W1", {H, n}), "deer::ode::NeuralOde::W1");
    f.b1 = upload_1d<Real, Mem>(require(p, who, "b1", {H}), "deer::ode::NeuralOde::b1");
    f.W2 = upload_2d<Real, Mem>(require(p, who, "W2", {n, H}), "deer::ode::NeuralOde::W2");
    f.b2 = upload_1d<Real, Mem>(require(p, who, "b2", {n}), "deer::ode::NeuralOde::b2");
    return f;
  }

  // Seeded random weights, uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) like nn.Linear.
  static Parameters random_parameters(int n, int H, unsigned long seed) {
    std::mt19937_64 rng(seed);
    Parameters p;
    const size_t N = size_t(n), Hs = size_t(H);
    p["W1"] = random_tensor({Hs, N}, 1.0 / std::sqrt(double(n)), rng);
    p["b1"] = random_tensor({Hs}, 1.0 / std::sqrt(double(n)), rng);
    p["W2"] = random_tensor({N, Hs}, 1.0 / std::sqrt(double(H)), rng);
    p["b2"] = random_tensor({N}, 1.0 / std::sqrt(double(H)), rng);
    return p;
  }
};

}  // namespace deer::ode
