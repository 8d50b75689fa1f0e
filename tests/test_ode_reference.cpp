// deer's ODE integrators against SUNDIALS (host, fp64): ARKODE with the same tableau gives the
// same discrete map; CVODE at tight tolerance gives the convergence orders, the stiff
// problems' accuracy and the continuous DEER-ODE's accuracy. Numbers are printed with
// "[ ode ]" so the test log documents what was measured.
#include <cstdio>

#include <deer/ode/ode.hpp>

#include "backends.hpp"

#ifndef DEER_HAVE_SUNDIALS

TEST(OdeReference, RequiresSundials) { GTEST_SKIP() << "built without SUNDIALS"; }

#else

namespace {

namespace ode = deer::ode;
using Space = Kokkos::DefaultHostExecutionSpace;
using Mem = Space::memory_space;

deer::States<double, Mem> states(const std::vector<double>& y) {
  deer::States<double, Mem> v("test::y0", 1, y.size());
  for (size_t j = 0; j < y.size(); ++j) v(0, j) = y[j];
  return v;
}
std::vector<double> grid(const Kokkos::View<double*, Mem>& t) { return ode::to_host_vector(t); }

// A smooth input signal sampled on the grid, as a host vector and as step inputs.
std::vector<double> signal(const std::vector<double>& t) {
  std::vector<double> U(t.size());
  for (size_t i = 0; i < t.size(); ++i) U[i] = 0.3 * std::sin(1.7 * t[i]);
  return U;
}
deer::Sequence<double, Mem> step_inputs(const std::vector<double>& U, int m) {
  const int T = int(U.size() / m) - 1;
  deer::Sequence<double, Mem> Uv("test::U", 1, T + 1, m);
  for (int i = 0; i <= T; ++i)
    for (int j = 0; j < m; ++j) Uv(0, i, j) = U[size_t(i) * m + j];
  return ode::make_step_inputs<Space, double>(Space(), Uv);
}

// deer's sequential run of Scheme on (rhs, t, U) vs ARKODE's fixed-step run with its tableau.
template <class Scheme, class Rhs>
void expect_same_map(const Rhs& rhs, const Kokkos::View<double*, Mem>& t, const std::vector<double>& y0,
                     const std::vector<double>& U, const std::string& what) {
  const int T = int(t.extent(0)) - 1, m = rhs.input_size();
  auto X = m ? step_inputs(U, m) : ode::no_inputs<double, Mem>(1, T);
  for (auto method : {deer::Method::sequential, deer::Method::deer}) {
    deer::Options o;
    o.method = method;
    o.atol = o.rtol = 1e-14;
    o.chunk = 7;
    o.fallback = false;
    auto res = deer::solve(Space(), ode::discretize<Scheme>(rhs, t), X, states(y0), o);
    ASSERT_EQ(res.status, deer::Status::converged) << what << ": " << res.message;
    const auto ark = ode::arkode_fixed_step<Scheme>(rhs, grid(t), y0, m ? U : std::vector<double>{});
    EXPECT_EQ(ark.steps, T) << what << ": ARKODE must take exactly one step per grid interval";
    const auto e = ode::compare(ode::to_host_vector(res.y), ark.y);
    // Sequential is the same arithmetic: element-wise relative (components near zero are
    // measured against 1e-6 of the trajectory's scale). DEER's answer is the Newton fixed point,
    // equal to round-off relative to the trajectory's scale.
    if (method == deer::Method::sequential) EXPECT_LE(e.max_rel, 1e-12) << what << " via sequential";
    else EXPECT_LE(e.max_abs / e.ref_max, 1e-12) << what << " via deer";
    std::printf("[ ode ] %-28s %-10s vs ARKODE fixed-step: max abs %.2e  max rel %.2e  normwise rel %.2e\n",
                what.c_str(), deer::to_string(method), e.max_abs, e.max_rel, e.max_abs / e.ref_max);
  }
}

}  // namespace

TEST(OdeReference, ExplicitSchemesMatchArkodeFixedStep) {
  auto t = ode::uniform_grid<double, Mem>(0.0, 10.0, 400);
  const auto U = signal(grid(t));
  const ode::DampedPendulum<double> pend;
  expect_same_map<ode::ExplicitEuler>(pend, t, {1.0, 0.0}, U, "pendulum/explicit_euler");
  expect_same_map<ode::Heun>(pend, t, {1.0, 0.0}, U, "pendulum/heun");
  expect_same_map<ode::Midpoint>(pend, t, {1.0, 0.0}, U, "pendulum/midpoint");
  expect_same_map<ode::Rk4>(pend, t, {1.0, 0.0}, U, "pendulum/rk4");
  expect_same_map<ode::Rk38>(pend, t, {1.0, 0.0}, U, "pendulum/rk4_38");
  // A non-uniform user grid on another system.
  std::vector<double> g(301);
  for (int i = 0; i <= 300; ++i) g[i] = 8.0 * std::pow(i / 300.0, 1.3);
  auto tg = ode::grid_from<double, Mem>(g);
  expect_same_map<ode::Rk4>(ode::LotkaVolterra<double>{}, tg, {1.0, 1.0}, {}, "lotka(nonuniform)/rk4");
  expect_same_map<ode::Rk38>(ode::VanDerPol<double>{}, tg, {2.0, 0.0}, {}, "vdp1(nonuniform)/rk4_38");
}

namespace {
// Order study for one scheme on the driven pendulum (no input signal) over [0, 2].
template <class Scheme>
double study(const std::vector<int>& steps, int expected, deer::Method method = deer::Method::sequential) {
  const ode::DampedPendulum<double> pend;
  const std::vector<double> y0 = {1.0, 0.5};
  const std::vector<double> tt = {0.0, 2.0};
  ode::CvodeOptions co;
  co.rtol = 1e-13;
  co.atol = 1e-15;
  const auto ref = ode::cvode_solve(pend, tt, y0, std::vector<double>{0.0, 0.0}, co);
  const std::vector<double> yref = {ref(0, 0), ref(0, 1)};
  deer::Options o;
  o.method = method;
  o.atol = o.rtol = 1e-14;
  o.chunk = 7;
  const auto st = ode::order_study<Scheme>(Space(), pend, 0.0, 2.0, y0, yref, steps, o);
  EXPECT_TRUE(st.all_converged) << Scheme::name();
  std::printf("[ ode ] order %-15s via %-10s:", Scheme::name(), deer::to_string(method));
  for (size_t i = 0; i < st.h.size(); ++i) std::printf(" h=%.4g err=%.3e;", st.h[i], st.error[i]);
  std::printf(" fitted order %.3f (expected %d)\n", st.order, expected);
  EXPECT_NEAR(st.order, double(expected), 0.3) << Scheme::name();
  return st.order;
}
}  // namespace

TEST(OdeReference, ConvergenceOrdersAgainstCvode) {
  EXPECT_EQ(ode::scheme_order<ode::ExplicitEuler>(), 1);
  EXPECT_EQ(ode::scheme_order<ode::Rk38>(), 4);
  study<ode::ExplicitEuler>({100, 200, 400, 800}, 1);
  study<ode::ImplicitEuler>({100, 200, 400, 800}, 1);
  study<ode::ImplicitEuler>({100, 200, 400, 800}, 1, deer::Method::deer);
  study<ode::Heun>({50, 100, 200, 400}, 2);
  study<ode::Midpoint>({50, 100, 200, 400}, 2);
  study<ode::Trapezoidal>({50, 100, 200, 400}, 2);
  study<ode::Trapezoidal>({50, 100, 200, 400}, 2, deer::Method::deer);
  study<ode::Rk4>({10, 20, 40, 80}, 4);
  study<ode::Rk38>({10, 20, 40, 80}, 4);
  study<ode::Rk4>({10, 20, 40, 80}, 4, deer::Method::deer);
}

TEST(OdeReference, CvodeBdfAndAdamsAgree) {
  auto t = ode::uniform_grid<double, Mem>(0.0, 10.0, 50);
  const auto g = grid(t);
  ode::CvodeOptions bdf, adams;
  adams.method = ode::CvodeMethod::adams;
  const auto U = signal(g);
  const auto a = ode::cvode_solve(ode::DampedPendulum<double>{}, g, {1.0, 0.0}, U, bdf);
  const auto b = ode::cvode_solve(ode::DampedPendulum<double>{}, g, {1.0, 0.0}, U, adams);
  const auto e = ode::compare(a.y, b.y);
  std::printf("[ ode ] CVODE BDF vs Adams (pendulum, rtol 1e-12): max abs %.2e (steps %ld / %ld)\n", e.max_abs,
              a.steps, b.steps);
  EXPECT_LE(e.max_abs, 1e-9);
  EXPECT_GT(a.steps, 50);
}

namespace {
// Implicit Euler via DEER on a stiff problem at T and 2T steps vs CVODE BDF: the error must be
// the first-order discretization error (halves with the step) and small.
template <class Rhs>
void stiff_case(const Rhs& rhs, const std::vector<double>& y0, const std::function<std::vector<double>(int)>& make_grid,
                int T, double max_err, const std::string& what) {
  double prev = 0;
  for (int k = 0; k < 2; ++k) {
    const int Tk = T << k;
    const std::vector<double> g = make_grid(Tk);
    auto t = ode::grid_from<double, Mem>(g);
    deer::Options o;
    o.method = deer::Method::deer;
    o.fallback = false;
    o.max_iterations = 500;
    auto res = deer::solve(Space(), ode::discretize<ode::ImplicitEuler>(rhs, t), ode::no_inputs<double, Mem>(1, Tk),
                           states(y0), o);
    ASSERT_EQ(res.status, deer::Status::converged) << what << ": " << res.message;
    ode::CvodeOptions co;
    co.rtol = 1e-11;
    co.atol = 1e-14;
    const auto ref = ode::cvode_solve(rhs, g, y0, {}, co);
    const auto e = ode::compare(ode::to_host_vector(res.y), ref.y);
    std::printf("[ ode ] %-10s implicit Euler via DEER, T=%5d (%3d iterations) vs CVODE BDF: max abs %.3e\n",
                what.c_str(), Tk, res.iterations, e.max_abs);
    EXPECT_LE(e.max_abs, max_err / (1 << k)) << what;
    if (k == 1) {
      EXPECT_GT(e.max_abs / prev, 0.35) << what << ": the error should halve (first order)";
      EXPECT_LT(e.max_abs / prev, 0.65) << what << ": the error should halve (first order)";
    }
    prev = e.max_abs;
  }
}
}  // namespace

TEST(OdeReference, StiffImplicitEulerViaDeerAgreesWithCvodeBdf) {
  ode::VanDerPol<double> vdp;
  vdp.mu = 1000;
  stiff_case(
      vdp, {2.0, 0.0},
      [](int T) {
        std::vector<double> g(T + 1);
        for (int i = 0; i <= T; ++i) g[i] = 500.0 * i / T;
        return g;
      },
      500, 1e-2, "vdp1000");
  stiff_case(
      ode::Robertson<double>{}, {1.0, 0.0, 0.0},
      [](int T) {  // geometric grid 0, 1e-5 .. 40 (T points after 0)
        std::vector<double> g(T + 1);
        g[0] = 0;
        for (int i = 1; i <= T; ++i) g[i] = 1e-5 * std::pow(4e6, double(i - 1) / (T - 1));
        return g;
      },
      400, 2e-2, "robertson");
}

TEST(OdeReference, ContinuousDeerOdeAgainstCvode) {
  const ode::VanDerPol<double> vdp;
  const std::vector<double> y0 = {2.0, 0.0};
  std::vector<double> hs, errs;
  for (int T : {50, 100, 200, 400}) {
    auto t = ode::uniform_grid<double, Mem>(0.0, 5.0, T);
    deer::Options o;
    o.method = deer::Method::deer;
    o.fallback = false;
    o.atol = o.rtol = 1e-13;
    o.chunk = 7;
    auto res = ode::solve_continuous(Space(), vdp, t, ode::no_inputs<double, Mem>(1, T), states(y0), o);
    ASSERT_EQ(res.status, deer::Status::converged) << res.message;
    ode::CvodeOptions co;
    co.rtol = 1e-13;
    co.atol = 1e-15;
    const auto ref = ode::cvode_solve(vdp, grid(t), y0, {}, co);
    const auto e = ode::compare(ode::to_host_vector(res.y), ref.y);
    std::printf("[ ode ] continuous DEER-ODE vdp1 T=%4d (%2d iterations): max abs error vs CVODE %.3e\n", T,
                res.iterations, e.max_abs);
    hs.push_back(5.0 / T);
    errs.push_back(e.max_abs);
  }
  const double order = ode::fitted_order(hs, errs);
  std::printf("[ ode ] continuous DEER-ODE fitted order %.3f (expected 2)\n", order);
  EXPECT_NEAR(order, 2.0, 0.3);
  EXPECT_LE(errs.back(), 1e-3);
}

namespace {
// y' = A y + c with constant A and c.
struct Linear {
  using real_type = double;
  static constexpr int max_state = 2;
  KOKKOS_INLINE_FUNCTION int state_size() const { return 2; }
  KOKKOS_INLINE_FUNCTION int input_size() const { return 0; }
  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(double, const S* y, const double*, S* d) const {
    d[0] = -0.5 * y[0] + 2.0 * y[1];
    d[1] = -2.0 * y[0] - 0.5 * y[1] + 1.0;
  }
};
}  // namespace

TEST(OdeReference, ContinuousDeerOdeIsExactForLinearSystems) {
  // y' = A y with constant A: the linearized flow is the exact flow, so the DEER-ODE answer
  // equals CVODE's to the latter's tolerance whatever the step.
  auto t = ode::uniform_grid<double, Mem>(0.0, 10.0, 20);
  deer::Options o;
  o.method = deer::Method::deer;
  o.fallback = false;
  auto res = ode::solve_continuous(Space(), Linear{}, t, ode::no_inputs<double, Mem>(1, 20), states({1.0, 0.0}), o);
  ASSERT_EQ(res.status, deer::Status::converged);
  EXPECT_LE(res.iterations, 3);
  const auto ref = ode::cvode_solve(Linear{}, grid(t), {1.0, 0.0});
  EXPECT_LE(ode::compare(ode::to_host_vector(res.y), ref.y).max_abs, 1e-10);
}

TEST(OdeReference, SundialsFailuresBecomeClearErrors) {
  ode::HostRhs bad;
  bad.n = 1;
  bad.f = [](double, const double*, const double*, double*) { throw std::runtime_error("boom in rhs"); };
  try {
    ode::cvode_solve(bad, {0.0, 1.0}, {1.0});
    ADD_FAILURE() << "expected an exception";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("CVode"), std::string::npos) << msg;
    EXPECT_NE(msg.find("boom in rhs"), std::string::npos) << msg;
  }
  try {
    ode::arkode_fixed_step(bad, ode::Rk4::tableau(), {0.0, 1.0}, {1.0});
    ADD_FAILURE() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("boom in rhs"), std::string::npos) << e.what();
  }
  // Blow-up: y' = y^2 from 1 reaches infinity at t = 1.
  ode::HostRhs blow;
  blow.n = 1;
  blow.f = [](double, const double* y, const double*, double* d) { d[0] = y[0] * y[0]; };
  EXPECT_THROW(ode::cvode_solve(blow, {0.0, 2.0}, {1.0}), std::runtime_error);
  EXPECT_THROW(ode::cvode_solve(blow, {0.0, 2.0}, {1.0, 2.0}), std::invalid_argument);  // wrong y0 size
  EXPECT_THROW(ode::cvode_solve(blow, {1.0, 0.0}, {1.0}), std::invalid_argument);       // decreasing grid
}

#endif
