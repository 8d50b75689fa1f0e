#pragma once
// Validation helpers: compare trajectories (max absolute and relative error) and measure
// the convergence order of a discretization (error at the final time vs step size, fitted
// slope on a log-log scale) against a reference value such as tight-tolerance CVODE.
#include <cmath>
#include <string>
#include <vector>

#include <deer/ode/discretize.hpp>
#include <deer/solve.hpp>

namespace deer::ode {

struct ErrorStats {
  double max_abs = 0;  // max_j |a_j - b_j|
  double max_rel = 0;  // max_j |a_j - b_j| / max(|b_j|, floor), floor = rel_floor * max_j |b_j|
  double ref_max = 0;  // max_j |b_j| (the scale of the reference)
};

// Errors of a against the reference b (same length). rel_floor keeps components that pass
// near zero from turning the relative error into noise; 0 gives the pure element-wise one.
inline ErrorStats compare(const std::vector<double>& a, const std::vector<double>& b, double rel_floor = 1e-6) {
  if (a.size() != b.size())
    throw std::invalid_argument("deer::ode::compare: the trajectories have " + std::to_string(a.size()) + " and " +
                                std::to_string(b.size()) + " values; compare the same grid and state");
  ErrorStats e;
  for (double v : b) e.ref_max = std::fmax(e.ref_max, std::fabs(v));
  const double floor = rel_floor * e.ref_max;
  for (size_t j = 0; j < a.size(); ++j) {
    const double d = std::fabs(a[j] - b[j]);
    const double scale = std::fmax(std::fabs(b[j]), floor);
    // NaN anywhere must show up as a failure, not vanish in fmax.
    if (!(d == d)) {
      e.max_abs = e.max_rel = NAN;
      return e;
    }
    e.max_abs = std::fmax(e.max_abs, d);
    if (scale > 0) e.max_rel = std::fmax(e.max_rel, d / scale);
    else if (d > 0) e.max_rel = INFINITY;
  }
  return e;
}

// A View's values on the host, flattened in its (LayoutRight) order, as double.
template <class View>
std::vector<double> to_host_vector(const View& v) {
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
  std::vector<double> out(h.span());
  for (size_t j = 0; j < h.span(); ++j) out[j] = double(h.data()[j]);
  return out;
}

// Least-squares slope of log(err) against log(h): the observed order of convergence.
inline double fitted_order(const std::vector<double>& h, const std::vector<double>& err) {
  if (h.size() != err.size() || h.size() < 2)
    throw std::invalid_argument("deer::ode::fitted_order: need at least two (h, error) pairs");
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double k = double(h.size());
  for (size_t i = 0; i < h.size(); ++i) {
    if (!(h[i] > 0) || !(err[i] > 0))
      throw std::invalid_argument("deer::ode::fitted_order: step sizes and errors must be positive (an error of 0 "
                                  "means the study is at round-off; use larger steps)");
    const double x = std::log(h[i]), y = std::log(err[i]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  return (k * sxy - sx * sy) / (k * sxx - sx * sx);
}

struct OrderStudy {
  std::vector<int> steps;    // T of each run
  std::vector<double> h;     // (t1 - t0) / T
  std::vector<double> error; // max abs error at t1
  double order = 0;          // fitted slope
  bool all_converged = true; // every deer::solve run converged (or was sequential)
};

// Integrates rhs (autonomous or with its own time dependence; the input signal is zero)
// from t0 to t1 with scheme Scheme on uniform grids of each T in `steps`, through
// deer::solve with `opts` (sequential or a DEER method), and measures the max abs error
// at t1 against y_ref (the exact or reference solution at t1).
template <class Scheme, class Space, class Rhs>
OrderStudy order_study(const Space& space, const Rhs& rhs, double t0, double t1, const std::vector<double>& y0,
                       const std::vector<double>& y_ref, const std::vector<int>& steps, const Options& opts = {}) {
  using R = typename Rhs::real_type;
  using Mem = typename Space::memory_space;
  const int n = rhs.state_size(), m = rhs.input_size();
  if (int(y0.size()) != n || int(y_ref.size()) != n)
    throw std::invalid_argument("deer::ode::order_study: y0 and y_ref must have the state size " + std::to_string(n));
  OrderStudy st;
  for (int T : steps) {
    auto t = uniform_grid<R, Mem>(t0, t1, T);
    auto sys = discretize<Scheme>(rhs, t);
    Sequence<R, Mem> X("deer::ode::order_study::X", 1, T, 2 * m);
    States<R, Mem> y0d("deer::ode::order_study::y0", 1, n);
    auto y0h = Kokkos::create_mirror_view(y0d);
    for (int j = 0; j < n; ++j) y0h(0, j) = R(y0[j]);
    Kokkos::deep_copy(y0d, y0h);
    auto res = solve(space, sys, X, y0d, opts);
    if (!res.ok() || (res.method != Method::sequential && res.status != Status::converged)) st.all_converged = false;
    auto yh = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), res.y);
    double e = 0;
    for (int j = 0; j < n; ++j) {
      const double d = std::fabs(double(yh(0, T - 1, j)) - y_ref[j]);
      e = (d == d) ? std::fmax(e, d) : NAN;
    }
    st.steps.push_back(T);
    st.h.push_back((t1 - t0) / T);
    st.error.push_back(e);
  }
  st.order = fitted_order(st.h, st.error);
  return st;
}

}  // namespace deer::ode
