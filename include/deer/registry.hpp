#pragma once
// The system registry: a host-side table  name -> entry  that the `deer` driver runs from
// case files. An entry describes a system (what it is, its parameters and their defaults)
// and holds type-erased functions that build and solve it on a chosen backend and
// precision. The type erasure is host-only (std::function); the device code is the plain
// System template, instantiated here for every enabled Kokkos space and for float/double.
//
// Registering a system is one call in a source file. Write a "spec" struct:
//
//   struct MySpec {
//     static constexpr const char* name = "my_system";
//     static constexpr const char* description = "one line for `deer info`";
//     static constexpr deer::SystemKind kind = deer::SystemKind::rnn;   // optional (rnn)
//     static std::vector<deer::ParamSpec> parameters();                  // names + defaults
//     static deer::Shape shape(const deer::ParamValues& p);              // n and m
//     template <class Real, class Mem>
//     static auto make(const deer::Problem& p);                          // -> a System
//     // optional:
//     static std::vector<double> initial_state(const deer::ParamValues& p);  // y0 (default 0)
//     template <class Space, class Real>                                  // inputs as the system
//     static deer::Sequence<Real, typename Space::memory_space>           // reads them (default:
//     step_inputs(const Space&, const deer::Sequence<Real, typename Space::memory_space>& U);  // as given)
//     static std::vector<std::pair<std::string, deer::ReferenceFn>> references();  // e.g. CVODE
//     template <class Space, class Real>     // instead of make(): run a solver of its own
//     static deer::Result<deer::Sequence<Real, Mem>> solve_with(const Space&, const deer::Problem&,
//         const Sequence& X, const States& y0, const deer::Options&, const Sequence& Y);
//   };
// A reference function returning status "not_applicable" is skipped by `deer validate`.
//
// and register it in a .cpp that ends up in your executable:
//
//   DEER_REGISTER_SYSTEM(MySpec)
//
// (Built-in systems register through deer::register_builtin_systems() instead, because
// static initializers in a static library are dropped by the linker.)
#include <chrono>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <deer/backends.hpp>
#include <deer/options.hpp>
#include <deer/sequence.hpp>
#include <deer/solve.hpp>

namespace deer {

enum class SystemKind { rnn, ode };
inline const char* to_string(SystemKind k) { return k == SystemKind::ode ? "ode" : "rnn"; }

// A parameter value as it appears in a case file.
using ParamValue = std::variant<bool, long, double, std::string, std::vector<double>>;
// The TOML spelling of a value (true, 3, 0.5, "text", [1.0, 2.0]).
std::string to_toml(const ParamValue& v);
// The TOML type name of a value (boolean, integer, float, string, array).
const char* type_name(const ParamValue& v);

struct ParamSpec {
  std::string name;
  ParamValue default_value;
  std::string help;
};

// A system's resolved parameters; the getters name the parameter in their errors.
class ParamValues {
 public:
  std::map<std::string, ParamValue> values;
  std::string owner;  // the system's name, for messages

  double real(const std::string& name) const;  // a float or an integer
  long integer(const std::string& name) const;
  bool boolean(const std::string& name) const;
  std::string string(const std::string& name) const;
  std::vector<double> list(const std::string& name) const;
  // integer(name), checked to lie in [lo, hi].
  int integer_in(const std::string& name, long lo, long hi) const;

 private:
  const ParamValue& at(const std::string& name) const;
};

struct Shape {
  int n = 0;  // state size
  int m = 0;  // input features per step (0: none)
};

// The time grid: steps of size dt from t0 (RNNs: t0 = 0, dt = 1, the step index).
struct TimeGrid {
  double t0 = 0.0, dt = 1.0;
  int steps = 0;
  double time(int i) const { return i == steps && t1 > t0 ? t1 : t0 + dt * i; }
  double t1 = 0.0;  // end time (t0 + steps * dt up to round-off)
};

// Everything a system needs to build and run one case.
struct Problem {
  ParamValues params;
  TimeGrid time;
  int batch = 1;
  Shape shape;
  // Inputs (batch, input_steps, m) row-major: input_steps = steps (rnn: one input per
  // step) or steps + 1 (ode: the signal sampled at every grid point).
  std::vector<double> inputs;
  int input_steps = 0;
  std::vector<double> y0;  // (batch, n)
  std::string case_dir;    // directory of the case file: base of relative paths in parameters
};

// One solve's outcome, on the host, in float64.
struct Trajectory {
  std::string name;     // deer, sequential, cvode, ...
  std::string method;   // the method that ran (after auto resolved)
  std::string status;   // converged, max_iterations, non_finite, diverged, failed
  std::string backend;  // serial, openmp, cuda, host (references)
  std::string message;  // advice when status != converged
  bool ok = true;       // the trajectory can be trusted (converged, or fallback succeeded)
  // References only: the same discrete map as the solvers (e.g. ARKODE with deer's own
  // tableau), so `deer validate` holds it to the tight tolerances; otherwise (CVODE) to
  // validate.reference_atol/rtol, which allow for the discretization error.
  bool same_discretization = false;
  int iterations = 0;
  bool fallback_ran = false;
  long substitutions = 0;
  int guess_run = 0;  // the first iterate's run length (deer::Result::guess_run)
  double wall_time_s = 0.0;
  std::vector<double> residuals;
  double error_estimate = 0.0;  // Result::error_estimate
  int batch = 0, steps = 0, n = 0;
  std::vector<double> value;  // (batch, steps + 1, n), y0 first
};

struct SolveSettings {
  std::string backend = "serial";
  std::string precision = "float64";  // or float32
  Options options;
};

using ReferenceFn = std::function<Trajectory(const Problem&, double rtol, double atol)>;

struct SystemEntry {
  std::string name, description;
  SystemKind kind = SystemKind::rnn;
  std::vector<ParamSpec> parameters;
  std::function<Shape(const ParamValues&)> shape;
  std::function<std::vector<double>(const ParamValues&, int n)> initial_state;
  std::function<Trajectory(const Problem&, const SolveSettings&)> solve;
  // Host references (SUNDIALS) by trajectory name, in the order they run.
  std::vector<std::pair<std::string, ReferenceFn>> references;
};

class Registry {
 public:
  static Registry& instance();
  // Throws when the name is taken or the entry is incomplete.
  void add(SystemEntry e);
  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  // Throws naming the known systems when there is no such entry.
  const SystemEntry& get(const std::string& name) const;
  std::vector<const SystemEntry*> list() const;  // sorted by name

 private:
  std::map<std::string, SystemEntry> entries_;
};

// Registers the systems that ship with deer (idempotent).
void register_builtin_systems();

// ---------------------------------------------------------------------------------------
// Generic machinery behind make_entry<Spec>() (host code; the solve itself is deer::solve).
namespace registry_detail {

template <class S, class = void> struct has_kind : std::false_type {};
template <class S> struct has_kind<S, std::void_t<decltype(S::kind)>> : std::true_type {};
template <class S, class = void> struct has_initial_state : std::false_type {};
template <class S>
struct has_initial_state<S, std::void_t<decltype(S::initial_state(std::declval<const ParamValues&>()))>>
    : std::true_type {};
template <class S, class = void> struct has_references : std::false_type {};
template <class S> struct has_references<S, std::void_t<decltype(S::references())>> : std::true_type {};
template <class S, class Space, class Real, class = void> struct has_solve_with : std::false_type {};
template <class S, class Space, class Real>
struct has_solve_with<S, Space, Real,
                      std::void_t<decltype(S::template solve_with<Space, Real>(
                          std::declval<const Space&>(), std::declval<const Problem&>(),
                          std::declval<const Sequence<Real, typename Space::memory_space>&>(),
                          std::declval<const States<Real, typename Space::memory_space>&>(),
                          std::declval<const Options&>(),
                          std::declval<const Sequence<Real, typename Space::memory_space>&>()))>>
    : std::true_type {};
template <class S, class Space, class Real, class = void> struct has_step_inputs : std::false_type {};
template <class S, class Space, class Real>
struct has_step_inputs<S, Space, Real,
                       std::void_t<decltype(S::template step_inputs<Space, Real>(
                           std::declval<const Space&>(),
                           std::declval<const Sequence<Real, typename Space::memory_space>&>()))>>
    : std::true_type {};

// Solves the problem with Spec's system on Space in precision Real.
template <class Spec, class Space, class Real>
Trajectory solve_on(const Problem& p, const Options& opts) {
  using Mem = typename Space::memory_space;
  Space space;
  const int B = p.batch, T = p.time.steps, n = p.shape.n, m = p.shape.m, Ti = p.input_steps;
  if (p.inputs.size() != size_t(B) * Ti * m || p.y0.size() != size_t(B) * n)
    throw std::logic_error(std::string(Spec::name) + ": the problem's inputs/y0 disagree with Spec::shape()");

  Sequence<Real, Mem> U(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::driver::inputs"), B, Ti, m);
  {
    auto h = Kokkos::create_mirror_view(U);
    for (size_t j = 0; j < p.inputs.size(); ++j) h.data()[j] = Real(p.inputs[j]);
    Kokkos::deep_copy(U, h);
  }
  States<Real, Mem> y0(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::driver::y0"), B, n);
  {
    auto h = Kokkos::create_mirror_view(y0);
    for (size_t j = 0; j < p.y0.size(); ++j) h.data()[j] = Real(p.y0[j]);
    Kokkos::deep_copy(y0, h);
  }
  Sequence<Real, Mem> X;
  if constexpr (has_step_inputs<Spec, Space, Real>::value) X = Spec::template step_inputs<Space, Real>(space, U);
  else X = U;
  Sequence<Real, Mem> Y(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::driver::Y"), B, T, n);
  space.fence();

  // A spec with solve_with() runs its own solver (e.g. a runtime choice among discretizations);
  // otherwise make() builds the System and deer::solve runs it.
  auto run = [&] {
    if constexpr (has_solve_with<Spec, Space, Real>::value) {
      return Spec::template solve_with<Space, Real>(space, p, X, y0, opts, Y);
    } else {
      auto sys = Spec::template make<Real, Mem>(p);
      if (sys.state_size() != n)
        throw std::logic_error(std::string(Spec::name) + ": the built system's state size disagrees with Spec::shape()");
      return solve(space, sys, ConstSequence<Real, Mem>(X), ConstStates<Real, Mem>(y0), opts, Y);
    }
  };
  const auto start = std::chrono::steady_clock::now();
  auto res = run();
  space.fence();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  Trajectory t;
  t.method = to_string(res.method);
  t.name = t.method;
  t.status = to_string(res.status);
  t.backend = backend_name<Space>();
  t.message = res.message;
  t.ok = res.ok();
  t.iterations = res.iterations;
  t.fallback_ran = res.fallback_ran;
  t.substitutions = res.substitutions;
  t.guess_run = res.guess_run;
  t.wall_time_s = wall;
  t.residuals = res.residuals;
  t.error_estimate = res.error_estimate;
  t.batch = B;
  t.steps = T;
  t.n = n;
  t.value.resize(size_t(B) * (T + 1) * n);
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), res.y);
  for (int b = 0; b < B; ++b) {
    double* out = t.value.data() + size_t(b) * (T + 1) * n;
    for (int j = 0; j < n; ++j) out[j] = p.y0[size_t(b) * n + j];
    for (int i = 0; i < T; ++i)
      for (int j = 0; j < n; ++j) out[size_t(i + 1) * n + j] = double(h(b, i, j));
  }
  return t;
}

// Picks the instantiation matching the backend and precision names.
template <class Spec, class Tuple, size_t... I>
Trajectory dispatch(const Problem& p, const SolveSettings& s, std::index_sequence<I...>) {
  Trajectory out;
  bool found = false;
  (
      [&] {
        using Space = std::tuple_element_t<I, Tuple>;
        if constexpr (!std::is_void_v<Space>) {
          if (found || s.backend != backend_name<Space>()) return;
          found = true;
          if (s.precision == "float32") out = solve_on<Spec, Space, float>(p, s.options);
          else if (s.precision == "float64") out = solve_on<Spec, Space, double>(p, s.options);
          else
            throw std::invalid_argument("unknown precision '" + s.precision + "'; use float64 or float32");
        }
      }(),
      ...);
  if (!found) {
    std::string names;
    for (const auto& b : enabled_backends()) names += (names.empty() ? "" : ", ") + b;
    throw std::invalid_argument("backend '" + s.backend + "' is not enabled in this build of deer (enabled: " + names +
                                "); choose one of those, or rebuild against a Kokkos with that backend");
  }
  return out;
}

}  // namespace registry_detail

// The registry entry of a spec (see the top of this file).
template <class Spec>
SystemEntry make_entry() {
  SystemEntry e;
  e.name = Spec::name;
  e.description = Spec::description;
  if constexpr (registry_detail::has_kind<Spec>::value) e.kind = Spec::kind;
  e.parameters = Spec::parameters();
  e.shape = [](const ParamValues& p) { return Spec::shape(p); };
  e.initial_state = [](const ParamValues& p, int n) {
    if constexpr (registry_detail::has_initial_state<Spec>::value) {
      return Spec::initial_state(p);
    } else {
      return std::vector<double>(size_t(n), 0.0);
    }
  };
  e.solve = [](const Problem& p, const SolveSettings& s) {
    return registry_detail::dispatch<Spec, EnabledSpaces>(p, s,
                                                          std::make_index_sequence<std::tuple_size_v<EnabledSpaces>>{});
  };
  if constexpr (registry_detail::has_references<Spec>::value) e.references = Spec::references();
  return e;
}

template <class Spec>
void register_system() {
  Registry::instance().add(make_entry<Spec>());
}

namespace registry_detail {
template <class Spec>
struct AutoRegister {
  AutoRegister() { register_system<Spec>(); }
};
}  // namespace registry_detail

}  // namespace deer

#define DEER_REGISTRY_CAT2(a, b) a##b
#define DEER_REGISTRY_CAT(a, b) DEER_REGISTRY_CAT2(a, b)
// Registers Spec at program start; use it in a source file of the executable itself.
#define DEER_REGISTER_SYSTEM(Spec) \
  static const ::deer::registry_detail::AutoRegister<Spec> DEER_REGISTRY_CAT(deer_register_, __COUNTER__){};
