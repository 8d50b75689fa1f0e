#pragma once
// Shared part of the ODE registrations: a right-hand side (include/deer/ode/systems.hpp)
// becomes a registry spec with a runtime `scheme` parameter (each allowed scheme is one
// instantiation of deer::solve; the list is kept short to bound compile time), the input
// signal sampled on the grid, and the SUNDIALS references (CVODE: the ODE's solution;
// ARKODE with deer's own tableau: the same discrete map, explicit schemes only).
//
// A Def provides:
//   name, description, Schemes (std::tuple of scheme types; the first is the default),
//   static std::vector<ParamSpec> parameters();
//   static int state_size(const ParamValues&);  static constexpr int input_size;
//   static std::vector<double> initial_state(const ParamValues&);
//   template <class Real, class Mem> static auto rhs(const Problem&);
#include <chrono>
#include <string>
#include <tuple>
#include <vector>

#include <deer/ode/deer_ode.hpp>
#include <deer/ode/discretize.hpp>
#include <deer/ode/reference.hpp>
#include <deer/ode/rhs.hpp>
#include <deer/registry.hpp>
#include <deer/solve.hpp>

namespace deer::builtin {

template <class Tuple, size_t... I>
std::vector<std::string> scheme_names(std::index_sequence<I...>) {
  return {std::tuple_element_t<I, Tuple>::name()...};
}

template <class Def>
struct OdeSpec {
  static constexpr const char* name = Def::name;
  static constexpr const char* description = Def::description;
  static constexpr SystemKind kind = SystemKind::ode;
  using Schemes = typename Def::Schemes;
  static constexpr size_t num_schemes = std::tuple_size_v<Schemes>;

  // The discretizations of Schemes, then the continuous DEER-ODE (deer_ode.hpp), whose fixed
  // point is an exponential midpoint rule.
  static constexpr const char* continuous = "exponential_midpoint";
  static std::vector<std::string> schemes() {
    auto v = scheme_names<Schemes>(std::make_index_sequence<num_schemes>{});
    v.push_back(continuous);
    return v;
  }
  static std::string scheme_list() {
    std::string s;
    for (const auto& x : schemes()) s += (s.empty() ? "" : ", ") + x;
    return s;
  }

  static std::vector<ParamSpec> parameters() {
    auto p = Def::parameters();
    p.push_back({"scheme", schemes().front(), "discretization: " + scheme_list()});
    return p;
  }
  static Shape shape(const ParamValues& p) {
    const auto all = schemes();
    const std::string s = p.string("scheme");
    if (std::find(all.begin(), all.end(), s) == all.end())
      throw std::invalid_argument("scheme = \"" + s + "\" is not available for system '" + std::string(name) +
                                  "'; choose one of: " + scheme_list());
    return {Def::state_size(p), Def::input_size};
  }
  static std::vector<double> initial_state(const ParamValues& p) { return Def::initial_state(p); }

  // Step inputs [u(t_i), u(t_{i+1})] from the signal on the grid (batch, T+1, m).
  template <class Space, class Real>
  static Sequence<Real, typename Space::memory_space> step_inputs(
      const Space& space, const Sequence<Real, typename Space::memory_space>& U) {
    return ode::make_step_inputs<Space, Real>(space, ConstSequence<Real, typename Space::memory_space>(U));
  }

  template <class Space, class Real>
  static Result<Sequence<Real, typename Space::memory_space>> solve_with(
      const Space& space, const Problem& p, const Sequence<Real, typename Space::memory_space>& X,
      const States<Real, typename Space::memory_space>& y0, const Options& opts,
      const Sequence<Real, typename Space::memory_space>& Y) {
    using Mem = typename Space::memory_space;
    const auto t = ode::uniform_grid<Real, Mem>(p.time.t0, p.time.t1, p.time.steps);
    const auto rhs = Def::template rhs<Real, Mem>(p);
    const std::string want = p.params.string("scheme");
    if (want == continuous) {
      if (opts.method != Method::deer && opts.method != Method::sequential && opts.method != Method::automatic)
        throw std::invalid_argument(std::string("scheme = \"") + continuous +
                                    "\" (the continuous DEER-ODE) runs with method deer, sequential or auto, not " +
                                    to_string(opts.method) + "; change solver.method or the scheme");
      return ode::solve_continuous(space, rhs, ode::TimeGrid<Real, Mem>(t), ConstSequence<Real, Mem>(X),
                                   ConstStates<Real, Mem>(y0), opts, Y);
    }
    Result<Sequence<Real, Mem>> res;
    bool found = false;
    for_each_scheme([&](auto tag) {
      using Scheme = typename decltype(tag)::type;
      if (found || want != Scheme::name()) return;
      found = true;
      const auto sys = ode::discretize<Scheme>(rhs, ode::TimeGrid<Real, Mem>(t));
      res = solve(space, sys, ConstSequence<Real, Mem>(X), ConstStates<Real, Mem>(y0), opts, Y);
    });
    if (!found) throw std::invalid_argument("unknown scheme '" + want + "'; choose one of: " + scheme_list());
    return res;
  }

  template <class F>
  static void for_each_scheme(F&& f) {
    for_each_impl(f, std::make_index_sequence<num_schemes>{});
  }
  template <class T> struct Tag { using type = T; };
  template <class F, size_t... I>
  static void for_each_impl(F& f, std::index_sequence<I...>) {
    (f(Tag<std::tuple_element_t<I, Schemes>>{}), ...);
  }

  static std::vector<std::pair<std::string, ReferenceFn>> references() {
    if constexpr (!ode::sundials_available()) {
      return {};
    } else {
      return {{"cvode", &cvode}, {"arkode", &arkode}};
    }
  }

  // Per sequence of the batch: the host right-hand side (fp64), y0 and the input signal.
  template <class Solve>
  static Trajectory run_reference(const Problem& p, const std::string& method, Solve&& one) {
    Trajectory out;
    out.method = method;
    out.backend = "host";
    out.status = "converged";
    out.batch = p.batch;
    out.steps = p.time.steps;
    out.n = p.shape.n;
    const int n = p.shape.n, m = p.shape.m, T = p.time.steps;
    std::vector<double> t(size_t(T) + 1);
    for (int i = 0; i <= T; ++i) t[size_t(i)] = p.time.time(i);
    out.value.resize(size_t(p.batch) * (T + 1) * n);
    const auto start = std::chrono::steady_clock::now();
    for (int b = 0; b < p.batch; ++b) {
      const std::vector<double> y0(p.y0.begin() + long(b) * n, p.y0.begin() + long(b + 1) * n);
      const std::vector<double> U(p.inputs.begin() + long(b) * (T + 1) * m,
                                  p.inputs.begin() + long(b + 1) * (T + 1) * m);
      const ode::Trajectory r = one(t, y0, U);
      double* dst = out.value.data() + size_t(b) * (T + 1) * n;
      std::copy(y0.begin(), y0.end(), dst);
      std::copy(r.y.begin(), r.y.end(), dst + n);
      out.iterations = int(std::min<long>(r.steps, 2147483647L));
    }
    out.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
  }

  static Trajectory cvode(const Problem& p, double rtol, double atol) {
#ifdef DEER_HAVE_SUNDIALS
    const auto rhs = Def::template rhs<double, Kokkos::HostSpace>(p);
    ode::CvodeOptions o;
    o.rtol = rtol;
    o.atol = atol;
    return run_reference(p, "cvode_bdf", [&](const auto& t, const auto& y0, const auto& U) {
      return ode::cvode_solve(rhs, t, y0, U, o);
    });
#else
    (void)rtol;
    (void)atol;
    Trajectory t;
    t.status = "not_applicable";
    t.message = "deer was built without SUNDIALS";
    (void)p;
    return t;
#endif
  }

  static Trajectory arkode(const Problem& p, double, double) {
    Trajectory out;
    out.status = "not_applicable";
    out.message = "ARKODE reproduces explicit schemes only; scheme = " + p.params.string("scheme");
#ifdef DEER_HAVE_SUNDIALS
    const auto rhs = Def::template rhs<double, Kokkos::HostSpace>(p);
    const std::string want = p.params.string("scheme");
    for_each_scheme([&](auto tag) {
      using Scheme = typename decltype(tag)::type;
      if constexpr (!Scheme::implicit) {
        if (want != Scheme::name()) return;
        out = run_reference(p, std::string("arkode_erk_") + Scheme::name(),
                            [&](const auto& t, const auto& y0, const auto& U) {
                              return ode::arkode_fixed_step<Scheme>(rhs, t, y0, U);
                            });
        out.same_discretization = true;
      }
    });
#endif
    return out;
  }
};

}  // namespace deer::builtin
