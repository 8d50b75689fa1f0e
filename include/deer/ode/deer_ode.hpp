#pragma once
// The continuous DEER-ODE of Lim et al. (2024): instead of discretizing y' = f(t, y, u) first
// and running Newton on the discrete map, each iteration linearizes the ODE around the
// current trajectory and integrates the LINEAR ODE exactly between grid points:
//
//   on [t_i, t_{i+1}], h = t_{i+1} - t_i, midpoint m: t_m = t_i + h/2,
//   ybar_m = (ybar(t_i) + ybar(t_{i+1})) / 2, u_m = (u(t_i) + u(t_{i+1})) / 2,
//   J = df/dy(t_m, ybar_m, u_m),  z = f(t_m, ybar_m, u_m) - J ybar_m,
//   y' = J y + z  =>  y_{i+1} = exp(hJ) y_i + h phi1(hJ) z,
//
// with exp(hJ) and h phi1(hJ) z read off one exponential of the (n+1) x (n+1) matrix
// [[hJ, hz], [0, 0]]. The pairs (exp(hJ), h phi1(hJ) z) go through the same affine scan as
// every DEER solver (deer::scan_generated). At the fixed point the trajectory satisfies
//   y_{i+1} = exp(hJ_m) y_i + h phi1(hJ_m) (f(y_m) - J_m y_m),  y_m = (y_i + y_{i+1}) / 2,
// an exponential midpoint rule: second order, exact for linear autonomous ODEs. It reduces
// to the implicit midpoint rule as J -> 0. The iteration is Newton's method up to terms
// of second order in h (the dependence of J on the iterate is dropped), so it converges
// fast on fine grids and, like DEER, may fail on chaotic or badly resolved problems.
//
// Method::sequential solves the same discrete equations one step after the other, each step
// by the same local iteration started from the previous state; it is the reference and the
// fallback. Method::deer (and automatic) run the parallel iteration.
#include <string>

#include <deer/ode/linalg.hpp>
#include <deer/ode/rhs.hpp>
#include <deer/solve.hpp>

namespace deer::ode {

namespace detail {

// The affine pair of step i of the linearized flow between ys = ybar(t0) and ye = ybar(t1).
// Returns false when the exponential fails (non-finite input): A, b are then NaN.
template <class Rhs>
KOKKOS_INLINE_FUNCTION bool flow_pair(const Rhs& rhs, typename Rhs::real_type t0, typename Rhs::real_type t1,
                                      const typename Rhs::real_type* ys, const typename Rhs::real_type* ye,
                                      const typename Rhs::real_type* x, typename Rhs::real_type* A,
                                      typename Rhs::real_type* b) {
  using R = typename Rhs::real_type;
  constexpr int N = Rhs::max_state;
  constexpr int N1 = N + 1;
  const int n = rhs.state_size(), m = rhs.input_size(), n1 = n + 1;
  const R h = t1 - t0;
  R ym[N] = {}, um[rhs_traits<Rhs>::max_input] = {}, f[N] = {}, J[N * N], M[N1 * N1], E[N1 * N1];
  for (int j = 0; j < n; ++j) ym[j] = R(0.5) * (ys[j] + ye[j]);
  input_at(m, x, R(0.5), um);
  rhs_jacobian(rhs, t0 + R(0.5) * h, static_cast<const R*>(ym), static_cast<const R*>(um), f, J);
  for (int r = 0; r < n; ++r) {
    R z = f[r];
    for (int c = 0; c < n; ++c) {
      z -= J[r * n + c] * ym[c];
      M[r * n1 + c] = h * J[r * n + c];
    }
    M[r * n1 + n] = h * z;
  }
  for (int c = 0; c < n1; ++c) M[n * n1 + c] = R(0);
  const bool ok = linalg::expm<N1>(n1, M, E);
  const R zero = R(0);
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < n; ++c) A[r * n + c] = ok ? E[r * n1 + c] : zero / zero;
    b[r] = ok ? E[r * n1 + n] : zero / zero;
  }
  return ok;
}

template <class Rhs, class Mem>
struct LinearizedFlowPairs {
  using real_type = typename Rhs::real_type;
  using R = real_type;
  static constexpr int max_state = Rhs::max_state;
  static constexpr int max_block = Rhs::max_state;
  Rhs rhs;
  TimeGrid<R, Mem> t;
  Flat<const R, Mem> X, Yold;  // in `layout`; X has 2m values per step
  ConstStates<R, Mem> y0;
  StepLayout layout;
  int n, m, k;
  KOKKOS_INLINE_FUNCTION void operator()(int s, int i, R* A, R* b) const {
    const R* ys = i == 0 ? y0.data() + size_t(s) * n : Yold.data() + layout.at(s, i - 1, n);
    const R* ye = Yold.data() + layout.at(s, i, n);
    flow_pair(rhs, t(i), t(i + 1), ys, ye, X.data() + layout.at(s, i, 2 * m), A, b);
  }
};

// Step-by-step solution of the same discrete equations, one thread per sequence: each step
// by the local iteration started from the previous state. Counts the steps whose local
// iteration did not converge (their values are then NaN).
template <class Rhs, class Mem>
struct SequentialFlow {
  using R = typename Rhs::real_type;
  static constexpr int N = Rhs::max_state;
  Rhs rhs;
  TimeGrid<R, Mem> t;
  ConstSequence<R, Mem> X;
  ConstStates<R, Mem> y0;
  Sequence<R, Mem> Y;
  double atol, rtol;
  int max_local;
  KOKKOS_INLINE_FUNCTION void operator()(const int s, long& nfail) const {
    const int T = int(Y.extent(1)), n = int(Y.extent(2)), m = rhs.input_size();
    R ys[N], ye[N], yn[N], A[N * N], b[N];
    for (int j = 0; j < n; ++j) ys[j] = y0(s, j);
    for (int i = 0; i < T; ++i) {
      const R* x = X.data() + (size_t(s) * T + i) * (2 * m);
      for (int j = 0; j < n; ++j) ye[j] = ys[j];
      bool conv = false;
      for (int it = 0; it < max_local && !conv; ++it) {
        flow_pair(rhs, t(i), t(i + 1), static_cast<const R*>(ys), static_cast<const R*>(ye), x, A, b);
        conv = true;
        for (int r = 0; r < n; ++r) {
          R v = b[r];
          for (int c = 0; c < n; ++c) v += A[r * n + c] * ys[c];
          yn[r] = v;
        }
        for (int r = 0; r < n; ++r) {
          const R d = compat::fabs(yn[r] - ye[r]);
          if (!(d <= R(atol) + R(rtol) * compat::fabs(yn[r]))) conv = false;
          ye[r] = yn[r];
        }
      }
      if (!conv) {
        ++nfail;
        const R zero = R(0);
        for (int j = 0; j < n; ++j) ye[j] = zero / zero;
      }
      for (int j = 0; j < n; ++j) {
        Y(s, i, j) = ye[j];
        ys[j] = ye[j];
      }
    }
  }
};

}  // namespace detail

// Solves y' = f(t, y, u) on the grid t (T+1 times) with the continuous DEER-ODE.
// X: step inputs (batch, T, 2m) from make_step_inputs (m = 0: (batch, T, 0)), y0: (batch, n),
// Y: (batch, T, n) receives y(t[1..T]) (and holds the initial guess for InitialGuess::user).
// Options: method deer/automatic (parallel) or sequential; atol/rtol/max_iterations/chunk/
// fallback/non_finite/initial_guess as for deer::solve (window must be 0). Same Result as deer::solve.
template <class Space, class Rhs, class TimeView>
Result<Sequence<typename Rhs::real_type, typename Space::memory_space>> solve_continuous(
    const Space& space, const Rhs& rhs, const TimeView& tv,
    const ConstSequence<typename Rhs::real_type, typename Space::memory_space>& X,
    const ConstStates<typename Rhs::real_type, typename Space::memory_space>& y0, const Options& opts,
    const Sequence<typename Rhs::real_type, typename Space::memory_space>& Y) {
  using R = typename Rhs::real_type;
  using Mem = typename Space::memory_space;
  compat::ScopedRegion region("deer::ode::solve_continuous");
  const std::string who = "deer::ode::solve_continuous";
  check_rhs(rhs, who);
  const int batch = int(Y.extent(0)), T = int(Y.extent(1)), n = int(Y.extent(2)), m = rhs.input_size();
  const TimeGrid<R, Mem> t(tv);
  check_grid(t, T, who);
  if (n != rhs.state_size())
    throw std::invalid_argument(who + ": Y has n = " + std::to_string(n) + " but the state size is " +
                                std::to_string(rhs.state_size()) + "; allocate Y as (batch, T, state_size())");
  if (int(X.extent(0)) != batch || int(X.extent(1)) != T || int(X.extent(2)) != 2 * m)
    throw std::invalid_argument(who + ": X must be the step inputs (batch, T, 2m) = (" + std::to_string(batch) + ", " +
                                std::to_string(T) + ", " + std::to_string(2 * m) + "); build it with make_step_inputs");
  if (int(y0.extent(0)) != batch || int(y0.extent(1)) != n)
    throw std::invalid_argument(who + ": y0 must be (batch, n) = (" + std::to_string(batch) + ", " +
                                std::to_string(n) + ")");
  if (opts.max_iterations < 1) throw std::invalid_argument(who + ": max_iterations must be >= 1");
  if (opts.guess_run < 0) throw std::invalid_argument(who + ": guess_run must be >= 0 steps");
  if (opts.window != 0)
    throw std::invalid_argument(who + ": windows (Options::window) are not available for the continuous DEER-ODE; "
                                "set window = 0, or discretize the ODE (deer::ode::discretize) and use deer::solve");
  Method method = opts.method == Method::automatic ? Method::deer : opts.method;
  if (method != Method::deer && method != Method::sequential)
    throw std::invalid_argument(who + ": method " + std::string(to_string(method)) +
                                " is not available for the continuous DEER-ODE; use deer or sequential");
  if (opts.check_inputs) {
    if (deer::detail::count_non_finite(space, X) > 0)
      throw std::invalid_argument(who + ": the inputs contain NaN or Inf; clean the input signal");
    if (deer::detail::count_non_finite(space, y0) > 0)
      throw std::invalid_argument(who + ": the initial state y0 contains NaN or Inf");
  }
  const double atol = opts.atol_for<R>(), rtol = opts.rtol_for<R>();
  const int max_local = 100;

  Result<Sequence<R, Mem>> res;
  res.y = Y;
  res.method = method;
  if (T == 0 || batch == 0) return res;

  auto sequential = [&]() {
    long failed = 0;
    Kokkos::parallel_reduce("deer::ode::deer_ode::sequential", Kokkos::RangePolicy<Space>(space, 0, batch),
                            detail::SequentialFlow<Rhs, Mem>{rhs, t, X, y0, Y, atol, rtol, max_local}, failed);
    return failed;
  };
  if (method == Method::sequential) {
    const long failed = sequential();
    res.sequential_ok = failed == 0;
    if (failed) {
      res.status = Status::max_iterations;
      res.message = "the local iteration of " + std::to_string(failed) +
                    " steps did not converge (their values are NaN); refine the time grid";
    }
    return res;
  }

  const auto plan = deer::detail::NewtonPlan::make<Space, R>(opts, batch, T, n, n, Rhs::max_state);  // dense pairs
  const StepLayout& layout = plan.layout;
  const Flat<const R, Mem> Xf = to_layout(space, layout, X);
  SolveWorkspace<R, Mem> ws;
  deer::detail::Iterates<Space, R> it(space, plan, resolved_guess(opts.initial_guess, method, false), y0, Y, ws);
  auto step = [&](double) {
    return it.step(space, detail::LinearizedFlowPairs<Rhs, Mem>{rhs, t, Xf, it.Yold, y0, layout, n, m, n}, y0, opts);
  };
  auto no_merit = [](const Flat<R, Mem>&) { return 0.0; };
  deer::detail::newton_loop(space, it, opts, true, false, step, no_merit,
                            "refine the time grid or use method = sequential (chaotic systems do not converge)", res);
  it.finish(space, Y);
  if (res.status != Status::converged && opts.fallback) {
    const long failed = sequential();
    res.fallback_ran = true;
    res.sequential_ok = failed == 0;
    res.message += " (the sequential fallback ran; the returned trajectory is sequential)";
  }
  space.fence();
  return res;
}

// Allocating form: the trajectory is returned in Result::y.
template <class Space, class Rhs, class TimeView>
Result<Sequence<typename Rhs::real_type, typename Space::memory_space>> solve_continuous(
    const Space& space, const Rhs& rhs, const TimeView& t,
    const ConstSequence<typename Rhs::real_type, typename Space::memory_space>& X,
    const ConstStates<typename Rhs::real_type, typename Space::memory_space>& y0, const Options& opts = {}) {
  if (opts.initial_guess == InitialGuess::user)
    throw std::invalid_argument(
        "deer::ode::solve_continuous: initial_guess = user needs the overload that takes Y (the guess)");
  Sequence<typename Rhs::real_type, typename Space::memory_space> Y("deer::ode::solve_continuous::Y", y0.extent(0),
                                                                    X.extent(1), rhs.state_size());
  return solve_continuous(space, rhs, t, X, y0, opts, Y);
}

}  // namespace deer::ode
