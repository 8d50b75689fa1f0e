#pragma once
// Discretization adapters: an ODE right-hand side (rhs.hpp) on a time grid becomes a deer
// System (system.hpp) whose step i maps y(t[i]) to y(t[i+1]). Any deer::solve method then
// runs it: Sequential is the textbook integrator, DEER solves all steps at once.
//
//   auto sys = deer::ode::discretize<deer::ode::Rk4>(rhs, t);        // t: View of T+1 times
//   auto X   = deer::ode::make_step_inputs(space, U);                 // U (batch, T+1, m)
//   auto res = deer::solve(space, sys, X, y0, opts);                  // res.y (batch, T, n)
//
// Explicit schemes are Runge-Kutta tableaux (ExplicitEuler, Heun, Midpoint, Rk4, Rk38); the
// SUNDIALS reference runs ARKODE with the very same tableau(). Stage j of step i sees the
// input u at t[i] + c_j h on the straight line between u(t[i]) and u(t[i+1]).
//
// Implicit schemes (ImplicitEuler, Trapezoidal) solve
//     G(y) = y - y_prev - h theta f(t[i+1], y, u1) - h (1 - theta) f(t[i], y_prev, u0) = 0
// inside the step by Newton's method with M = I - h theta J (J from dual numbers of the
// right-hand side at the current value, dense LU with partial pivoting). The iteration runs
// in the step's scalar type S: when DEER feeds dual numbers, each Newton update propagates the
// tangent as  dy <- dy - M^-1 (M dy - dG0)  = M^-1 dG0, so once the values have converged the
// tangent is exactly (I - h theta J)^-1 (I + h (1 - theta) J0) dy_prev: the per-step block of
// the whole-trajectory Newton system. No explicit fallback is taken. A step whose inner Newton
// fails returns NaN, which the solvers report (status non_finite / fallback), never a wrong
// number with a success status.
#include <string>

#include <deer/ode/linalg.hpp>
#include <deer/ode/rhs.hpp>
#include <deer/system.hpp>

namespace deer::ode {

// An explicit Runge-Kutta tableau with at most 4 stages (c, lower-triangular a, weights b).
struct Tableau {
  int stages = 1;
  int order = 1;
  double c[4] = {0, 0, 0, 0};
  double a[4][4] = {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
  double b[4] = {0, 0, 0, 0};
};

struct ExplicitEuler {
  static constexpr bool implicit = false;
  static const char* name() { return "explicit_euler"; }
  KOKKOS_INLINE_FUNCTION static constexpr Tableau tableau() { return Tableau{1, 1, {0, 0, 0, 0}, {}, {1, 0, 0, 0}}; }
};
// Heun's method (explicit trapezoidal rule).
struct Heun {
  static constexpr bool implicit = false;
  static const char* name() { return "heun"; }
  KOKKOS_INLINE_FUNCTION static constexpr Tableau tableau() {
    return Tableau{2, 2, {0, 1, 0, 0}, {{0, 0, 0, 0}, {1, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}, {0.5, 0.5, 0, 0}};
  }
};
// The explicit midpoint rule (torchdiffeq's `midpoint`).
struct Midpoint {
  static constexpr bool implicit = false;
  static const char* name() { return "midpoint"; }
  KOKKOS_INLINE_FUNCTION static constexpr Tableau tableau() {
    return Tableau{2, 2, {0, 0.5, 0, 0}, {{0, 0, 0, 0}, {0.5, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}, {0, 1, 0, 0}};
  }
};
// The classic fourth-order Runge-Kutta method.
struct Rk4 {
  static constexpr bool implicit = false;
  static const char* name() { return "rk4"; }
  KOKKOS_INLINE_FUNCTION static constexpr Tableau tableau() {
    return Tableau{4,
                   4,
                   {0, 0.5, 0.5, 1},
                   {{0, 0, 0, 0}, {0.5, 0, 0, 0}, {0, 0.5, 0, 0}, {0, 0, 1, 0}},
                   {1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0}};
  }
};
// Kutta's 3/8 rule (torchdiffeq's fixed-grid `rk4`).
struct Rk38 {
  static constexpr bool implicit = false;
  static const char* name() { return "rk4_38"; }
  KOKKOS_INLINE_FUNCTION static constexpr Tableau tableau() {
    return Tableau{4,
                   4,
                   {0, 1.0 / 3.0, 2.0 / 3.0, 1},
                   {{0, 0, 0, 0}, {1.0 / 3.0, 0, 0, 0}, {-1.0 / 3.0, 1, 0, 0}, {1, -1, 1, 0}},
                   {0.125, 0.375, 0.375, 0.125}};
  }
};
// Backward (implicit) Euler: theta = 1, order 1, L-stable.
struct ImplicitEuler {
  static constexpr bool implicit = true;
  static constexpr int order = 1;
  static const char* name() { return "implicit_euler"; }
  KOKKOS_INLINE_FUNCTION static constexpr double theta() { return 1.0; }
};
// The trapezoidal rule (Crank-Nicolson): theta = 1/2, order 2, A-stable.
struct Trapezoidal {
  static constexpr bool implicit = true;
  static constexpr int order = 2;
  static const char* name() { return "trapezoidal"; }
  KOKKOS_INLINE_FUNCTION static constexpr double theta() { return 0.5; }
};

template <class Scheme>
constexpr int scheme_order() {
  if constexpr (Scheme::implicit) return Scheme::order;
  else return Scheme::tableau().order;
}

// Settings of the inner Newton solve of the implicit schemes.
struct ImplicitOptions {
  int max_iterations = 30;
};

template <class Rhs, class Scheme, class Mem>
struct Discretized {
  using real_type = typename Rhs::real_type;
  using R = real_type;
  static constexpr int max_state = Rhs::max_state;
  static constexpr int max_input = rhs_traits<Rhs>::max_input;
  static constexpr Structure structure = Structure::dense;

  Rhs rhs;
  TimeGrid<R, Mem> t;
  int newton_max = 30;

  KOKKOS_INLINE_FUNCTION int state_size() const { return rhs.state_size(); }
  KOKKOS_INLINE_FUNCTION int input_size() const { return 2 * rhs.input_size(); }

  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(int i, const S* yp, const R* x, S* y) const {
    const R t0 = t(i), h = t(i + 1) - t(i);
    if constexpr (Scheme::implicit) implicit_step(t0, h, yp, x, y);
    else explicit_step(t0, h, yp, x, y);
  }

  template <class S>
  KOKKOS_INLINE_FUNCTION void explicit_step(R t0, R h, const S* yp, const R* x, S* y) const {
    constexpr int N = max_state;
    const Tableau tb = Scheme::tableau();
    const int n = rhs.state_size(), m = rhs.input_size();
    S k[4][N], ys[N] = {};
    R u[max_input] = {};
    for (int st = 0; st < tb.stages; ++st) {
      for (int j = 0; j < n; ++j) {
        S acc = yp[j];
        for (int l = 0; l < st; ++l)
          if (tb.a[st][l] != 0.0) acc += (h * R(tb.a[st][l])) * k[l][j];
        ys[j] = acc;
      }
      input_at(m, x, R(tb.c[st]), u);
      rhs(t0 + R(tb.c[st]) * h, static_cast<const S*>(ys), static_cast<const R*>(u), static_cast<S*>(k[st]));
    }
    for (int j = 0; j < n; ++j) {
      S acc = S(R(0));
      for (int st = 0; st < tb.stages; ++st)
        if (tb.b[st] != 0.0) acc += R(tb.b[st]) * k[st][j];
      y[j] = yp[j] + h * acc;
    }
  }

  template <class S>
  KOKKOS_INLINE_FUNCTION void implicit_step(R t0, R h, const S* yp, const R* x, S* y) const {
    constexpr int N = max_state;
    const int n = rhs.state_size(), m = rhs.input_size();
    const R theta = R(Scheme::theta());
    const R* u0 = x;
    const R* u1 = x + m;
    S g0[N], fy[N], G[N];
    for (int j = 0; j < n; ++j) g0[j] = S(R(0));
    if (theta != R(1)) {
      rhs(t0, yp, u0, g0);
      for (int j = 0; j < n; ++j) g0[j] = (h * (R(1) - theta)) * g0[j];
    }
    for (int j = 0; j < n; ++j) y[j] = yp[j];  // stiff-safe start: the previous state
    R yv[N] = {}, fv[N], M[N * N];
    int piv[N];
    const R eps = detail::epsilon<R>();
    bool close = false, ok = false;
    for (int it = 0; it < newton_max && !ok; ++it) {
      for (int j = 0; j < n; ++j) yv[j] = value(y[j]);
      rhs_jacobian(rhs, t0 + h, yv, u1, fv, M);
      for (int j = 0; j < n * n; ++j) M[j] = -(h * theta) * M[j];
      for (int j = 0; j < n; ++j) M[j * n + j] += R(1);
      rhs(t0 + h, static_cast<const S*>(y), u1, static_cast<S*>(fy));
      for (int j = 0; j < n; ++j) G[j] = y[j] - yp[j] - (h * theta) * fy[j] - g0[j];
      if (!linalg::lu_factor(n, M, piv)) break;
      linalg::lu_solve(n, static_cast<const R*>(M), static_cast<const int*>(piv), G);
      R dmax = 0, ymax = 0;
      for (int j = 0; j < n; ++j) {
        y[j] -= G[j];
        const R d = compat::fabs(value(G[j]));
        const R a = compat::fabs(value(y[j]));
        if (!(d <= dmax)) dmax = d;  // NaN-propagating max
        if (a > ymax) ymax = a;
      }
      if (!compat::isfinite(dmax)) break;
      // Quadratic convergence: once the update is below sqrt(eps) relative, one more
      // iteration reaches round-off (and makes the dual tangent exact); stop at round-off.
      if (close || dmax <= R(64) * eps * ymax) ok = true;
      else if (dmax <= compat::sqrt(eps) * (ymax > R(0) ? ymax : R(1))) close = true;
    }
    if (!ok) {
      const R zero = R(0);
      for (int j = 0; j < n; ++j) y[j] = S(zero / zero);  // honest failure: NaN
    }
  }
};

// Builds the System for scheme Scheme (a tag: ExplicitEuler, Heun, Midpoint, Rk4, Rk38,
// ImplicitEuler, Trapezoidal) over the time grid t (T+1 times in the memory space Mem).
template <class Scheme, class Rhs, class TimeView>
Discretized<Rhs, Scheme, typename TimeView::memory_space> discretize(const Rhs& rhs, const TimeView& t,
                                                                    ImplicitOptions io = {}) {
  using Mem = typename TimeView::memory_space;
  using R = typename Rhs::real_type;
  static_assert(std::is_same_v<typename TimeView::non_const_value_type, R>,
                "the time grid must hold the right-hand side's real_type");
  check_rhs(rhs, std::string("deer::ode::discretize<") + Scheme::name() + ">");
  if (t.extent(0) < 2)
    throw std::invalid_argument("deer::ode::discretize: the time grid needs at least 2 points (t[0] and one step)");
  check_grid(TimeGrid<R, Mem>(t), int(t.extent(0)) - 1, "deer::ode::discretize");
  if (io.max_iterations < 1)
    throw std::invalid_argument("deer::ode::discretize: ImplicitOptions::max_iterations must be >= 1");
  return Discretized<Rhs, Scheme, Mem>{rhs, TimeGrid<R, Mem>(t), io.max_iterations};
}

}  // namespace deer::ode
