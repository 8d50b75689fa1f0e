#pragma once
// The right-hand side concept for ODEs  y'(t) = f(t, y, u(t)), and the time grid.
//
//   struct MyRhs {
//     using real_type = double;                   // parameter precision
//     static constexpr int max_state = 3;         // compile-time capacity (>= state_size())
//     static constexpr int max_input = 1;         // optional (default 8): capacity of input_size()
//     KOKKOS_FUNCTION int state_size() const;     // n
//     KOKKOS_FUNCTION int input_size() const;     // m (0 when there is no input signal)
//     template <class S>                          // S = real_type, Dual<real_type>, ...
//     KOKKOS_FUNCTION void operator()(real_type t, const S* y, const real_type* u, S* dydt) const;
//   };
//
// The functor is copied to the device by value (keep arrays in Views) and is also called on
// the host with S = double by the SUNDIALS references, so a functor meant for both must be
// built with host-accessible Views for the reference runs.
//
// Time grid: a View of T+1 increasing times; t[0] belongs to y0 and step i goes from t[i]
// to t[i+1] (so Y(:, i, :) is y(t[i+1])). The input signal is sampled on the grid,
// U (batch, T+1, m); inside step i it is the straight line between U(:, i) and U(:, i+1).
// The discretized systems therefore read, for step i, the 2m values
// x = [u(t[i]), u(t[i+1])]: make_step_inputs() builds that (batch, T, 2m) tensor.
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <deer/dual.hpp>
#include <deer/math.hpp>
#include <deer/sequence.hpp>

namespace deer::ode {

template <class Real, class Mem>
using TimeGrid = Kokkos::View<const Real*, Mem>;

namespace detail {
template <class Rhs, class = void> struct has_max_input : std::false_type {};
template <class Rhs> struct has_max_input<Rhs, std::void_t<decltype(Rhs::max_input)>> : std::true_type {};

// Machine epsilon without std::numeric_limits (not usable in device code everywhere).
template <class R> KOKKOS_INLINE_FUNCTION constexpr R epsilon() { return sizeof(R) >= 8 ? R(2.220446049250313e-16) : R(1.1920929e-7); }
}  // namespace detail

template <class Rhs>
struct rhs_traits {
  using real_type = typename Rhs::real_type;
  static constexpr int max_state = Rhs::max_state;
  static constexpr int max_input = [] {
    if constexpr (detail::has_max_input<Rhs>::value) return Rhs::max_input > 0 ? Rhs::max_input : 1;
    else return 8;
  }();
  static_assert(max_state >= 1, "Rhs::max_state must be >= 1");
  static_assert(std::is_floating_point_v<real_type>, "Rhs::real_type must be float or double");
};

// Host-side check of an Rhs against its compile-time capacities; throws with the fix.
template <class Rhs>
void check_rhs(const Rhs& rhs, const std::string& who) {
  using Tr = rhs_traits<Rhs>;
  if (rhs.state_size() < 1 || rhs.state_size() > Tr::max_state)
    throw std::invalid_argument(who + ": the right-hand side has state size " + std::to_string(rhs.state_size()) +
                                " outside 1.." + std::to_string(Tr::max_state) +
                                " (its max_state); raise max_state in its definition");
  if (rhs.input_size() < 0 || rhs.input_size() > Tr::max_input)
    throw std::invalid_argument(who + ": the right-hand side has input size " + std::to_string(rhs.input_size()) +
                                " above its max_input " + std::to_string(Tr::max_input) +
                                "; declare static constexpr int max_input in its definition");
}

// Host check of a time grid: T+1 strictly increasing finite times.
template <class Real, class Mem>
void check_grid(const TimeGrid<Real, Mem>& t, int T, const std::string& who) {
  if (int(t.extent(0)) != T + 1)
    throw std::invalid_argument(who + ": the time grid has " + std::to_string(t.extent(0)) + " points but T = " +
                                std::to_string(T) + " steps need T+1 (t[0] is the time of y0)");
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), t);
  for (int i = 0; i < T; ++i)
    if (!(h(i + 1) > h(i)))
      throw std::invalid_argument(who + ": the time grid must increase strictly; t[" + std::to_string(i + 1) +
                                  "] = " + std::to_string(double(h(i + 1))) + " <= t[" + std::to_string(i) + "]");
}

// t[i] = t0 + i (t1 - t0) / T, i = 0..T (computed in double, stored as Real).
template <class Real, class Mem>
Kokkos::View<Real*, Mem> uniform_grid(double t0, double t1, int T) {
  if (T < 1 || !(t1 > t0))
    throw std::invalid_argument("deer::ode::uniform_grid: need T >= 1 steps and t1 > t0");
  Kokkos::View<Real*, Mem> t("deer::ode::grid", T + 1);
  auto h = Kokkos::create_mirror_view(t);
  for (int i = 0; i <= T; ++i) h(i) = Real(i == T ? t1 : t0 + (t1 - t0) * double(i) / double(T));
  Kokkos::deep_copy(t, h);
  return t;
}

// A grid from host values (e.g. read from a file).
template <class Real, class Mem>
Kokkos::View<Real*, Mem> grid_from(const std::vector<double>& times) {
  Kokkos::View<Real*, Mem> t("deer::ode::grid", times.size());
  auto h = Kokkos::create_mirror_view(t);
  for (size_t i = 0; i < times.size(); ++i) h(i) = Real(times[i]);
  Kokkos::deep_copy(t, h);
  return t;
}

// Step inputs from a signal sampled on the grid: U (batch, T+1, m) -> X (batch, T, 2m),
namespace detail {
template <class Real, class Mem>
struct PairNeighbours {
  ConstSequence<Real, Mem> U;
  Sequence<Real, Mem> X;
  KOKKOS_INLINE_FUNCTION void operator()(const int idx) const {
    const int T = int(X.extent(1)), m = int(U.extent(2));
    const int s = idx / T, i = idx % T;
    for (int j = 0; j < m; ++j) {
      X(s, i, j) = U(s, i, j);
      X(s, i, m + j) = U(s, i + 1, j);
    }
  }
};
}  // namespace detail

// X(s, i) = [U(s, i), U(s, i+1)].
template <class Space, class Real>
Sequence<Real, typename Space::memory_space> make_step_inputs(
    const Space& space, const ConstSequence<Real, typename Space::memory_space>& U) {
  const int batch = int(U.extent(0)), T = int(U.extent(1)) - 1, m = int(U.extent(2));
  if (T < 0) throw std::invalid_argument("deer::ode::make_step_inputs: U must be (batch, T+1, m) with T+1 >= 1");
  Sequence<Real, typename Space::memory_space> X("deer::ode::step_inputs", batch, T, 2 * m);
  Kokkos::parallel_for("deer::ode::make_step_inputs", Kokkos::RangePolicy<Space>(space, 0, batch * T),
                       detail::PairNeighbours<Real, typename Space::memory_space>{U, X});
  return X;
}

// Empty step inputs (batch, T, 0) for autonomous right-hand sides without a signal.
template <class Real, class Mem>
Sequence<Real, Mem> no_inputs(int batch, int T) {
  return Sequence<Real, Mem>("deer::ode::no_inputs", batch, T, 0);
}

// u at the fraction c in [0, 1] of a step: the straight line between u0 = x[0..m) and u1 = x[m..2m).
template <class R>
KOKKOS_INLINE_FUNCTION void input_at(int m, const R* x, R c, R* u) {
  for (int j = 0; j < m; ++j) u[j] = x[j] + c * (x[m + j] - x[j]);
}

// f = rhs(t, y, u) and its Jacobian J (row-major n x n, J[r*n+c] = df_r/dy_c) at plain
// values y, from n dual-number evaluations.
template <class Rhs>
KOKKOS_INLINE_FUNCTION void rhs_jacobian(const Rhs& rhs, typename Rhs::real_type t,
                                         const typename Rhs::real_type* y, const typename Rhs::real_type* u,
                                         typename Rhs::real_type* f, typename Rhs::real_type* J) {
  using R = typename Rhs::real_type;
  constexpr int N = Rhs::max_state;
  const int n = rhs.state_size();
  Dual<R> yd[N], fd[N];
  for (int c = 0; c < n; ++c) {
    for (int j = 0; j < n; ++j) yd[j] = Dual<R>(y[j], j == c ? R(1) : R(0));
    rhs(t, static_cast<const Dual<R>*>(yd), u, static_cast<Dual<R>*>(fd));
    for (int r = 0; r < n; ++r) J[r * n + c] = fd[r].d;
    if (c == 0)
      for (int r = 0; r < n; ++r) f[r] = fd[r].v;
  }
}

}  // namespace deer::ode
