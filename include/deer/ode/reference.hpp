#pragma once
// SUNDIALS references on the host (compiled into deer::runtime when DEER_HAVE_SUNDIALS is
// defined, i.e. when CMake found SUNDIALS; otherwise only sundials_available() exists):
//   cvode_solve        CVODE, BDF or Adams, dense direct linear solver, tight tolerances,
//                      output at the grid points: the "true" solution of the ODE.
//   arkode_fixed_step  ARKODE ERKStep with one fixed step per grid interval and the SAME
//                      Butcher tableau as deer's explicit scheme: the same discrete map.
// Both take the right-hand side as a HostRhs; host_rhs(rhs) wraps any fp64 functor of the
// rhs.hpp concept (it is called with S = double on the host, so its Views must be host
// accessible). The input signal is U ((T+1) x m, row-major) sampled on the grid and
// interpolated linearly inside each interval, exactly as the discretizations do.
// Every SUNDIALS call is checked; failures throw std::runtime_error naming the call, the
// SUNDIALS flag and message, and what to try.
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include <deer/ode/discretize.hpp>

namespace deer::ode {

struct HostRhs {
  int n = 0;  // state size
  int m = 0;  // input size
  std::function<void(double t, const double* y, const double* u, double* dydt)> f;
};

template <class Rhs>
HostRhs host_rhs(const Rhs& rhs) {
  static_assert(std::is_same_v<typename Rhs::real_type, double>,
                "the SUNDIALS references run in double: instantiate the right-hand side with real_type = double");
  HostRhs h;
  h.n = rhs.state_size();
  h.m = rhs.input_size();
  h.f = [rhs](double t, const double* y, const double* u, double* dydt) {
    rhs.template operator()<double>(t, y, u, dydt);
  };
  return h;
}

// A reference solution: y[(i-1)*n + j] = y_j(t[i]) for i = 1..T (like deer's Y, without y0).
struct Trajectory {
  int n = 0;
  std::vector<double> t;  // the grid, T+1 times
  std::vector<double> y;  // T x n
  long steps = 0;         // internal steps taken
  long rhs_evals = 0;     // right-hand side evaluations
  double operator()(int i, int j) const { return y[size_t(i) * n + j]; }  // state at t[i+1]
};

enum class CvodeMethod { bdf, adams };

struct CvodeOptions {
  CvodeMethod method = CvodeMethod::bdf;
  double rtol = 1e-12;
  double atol = 1e-14;
  long max_steps = 10000000;  // internal steps per output interval
  double max_step = 0;        // 0: no limit
};

inline constexpr bool sundials_available() {
#ifdef DEER_HAVE_SUNDIALS
  return true;
#else
  return false;
#endif
}

#ifdef DEER_HAVE_SUNDIALS
// U: (T+1) x m values (may be empty when m = 0).
Trajectory cvode_solve(const HostRhs& rhs, const std::vector<double>& t, const std::vector<double>& y0,
                       const std::vector<double>& U = {}, const CvodeOptions& opts = {});
Trajectory arkode_fixed_step(const HostRhs& rhs, const Tableau& tableau, const std::vector<double>& t,
                             const std::vector<double>& y0, const std::vector<double>& U = {});

template <class Scheme, class Rhs>
Trajectory arkode_fixed_step(const Rhs& rhs, const std::vector<double>& t, const std::vector<double>& y0,
                             const std::vector<double>& U = {}) {
  static_assert(!Scheme::implicit, "arkode_fixed_step reproduces the explicit schemes only");
  return arkode_fixed_step(host_rhs(rhs), Scheme::tableau(), t, y0, U);
}
template <class Rhs>
Trajectory cvode_solve(const Rhs& rhs, const std::vector<double>& t, const std::vector<double>& y0,
                       const std::vector<double>& U = {}, const CvodeOptions& opts = {},
                       std::enable_if_t<!std::is_same_v<Rhs, HostRhs>, int> = 0) {
  return cvode_solve(host_rhs(rhs), t, y0, U, opts);
}
#endif

}  // namespace deer::ode
