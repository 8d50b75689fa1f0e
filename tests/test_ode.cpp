// ODE layer on every backend: each discretization of each non-chaotic built-in system solved
// by DEER equals Sequential; the continuous DEER-ODE equals its sequential form; the neural
// ODE reproduces torchdiffeq (golden_torch.h5); Lorenz-63 failure is reported honestly.
#include <Kokkos_Random.hpp>
#include <deer/hdf5.hpp>
#include <deer/ode/ode.hpp>

#include "backends.hpp"
#include "golden.hpp"

using namespace deer_test;

namespace {

template <class R, class Mem>
deer::States<R, Mem> make_states(const std::vector<std::vector<double>>& rows) {
  deer::States<R, Mem> y0("test::y0", rows.size(), rows.at(0).size());
  auto h = Kokkos::create_mirror_view(y0);
  for (size_t s = 0; s < rows.size(); ++s)
    for (size_t j = 0; j < rows[s].size(); ++j) h(s, j) = R(rows[s][j]);
  Kokkos::deep_copy(y0, h);
  return y0;
}

// max |a - b| / max(1, max |b|): absolute for O(1) states, relative for large ones.
template <class V>
double scaled_diff(const V& a, const V& b) {
  auto x = deer::ode::to_host_vector(a);
  auto y = deer::ode::to_host_vector(b);
  const auto e = deer::ode::compare(x, y);
  return e.max_abs / std::max(1.0, e.ref_max);
}

// Smooth random input signal on the grid: U (batch, T+1, m).
template <class Space, class R>
deer::Sequence<R, typename Space::memory_space> smooth_signal(int batch, int T, int m, unsigned seed) {
  using Mem = typename Space::memory_space;
  deer::Sequence<R, Mem> U("test::U", batch, T + 1, m);
  auto h = Kokkos::create_mirror_view(U);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> amp(-0.5, 0.5);
  for (int s = 0; s < batch; ++s)
    for (int j = 0; j < m; ++j) {
      const double a = amp(rng), w = 1 + amp(rng);
      for (int i = 0; i <= T; ++i) h(s, i, j) = R(a * std::sin(w * 0.05 * i));
    }
  Kokkos::deep_copy(U, h);
  return U;
}

// Alternates the iterate layout (layout.hpp) between calls, so both run on every backend.
deer::StepOrder next_order() {
  static int calls = 0;
  return ++calls % 2 ? deer::StepOrder::interleaved : deer::StepOrder::batch_first;
}

// Solves sys sequentially and with DEER (chunk 7: several scan levels) and compares. With
// plain_may_fail, plain Newton may stop (it must then say so and return the sequential
// trajectory through the fallback), and damped DEER must converge to the same answer.
template <class Space, class Sys, class XV, class YV>
void expect_deer_equals_sequential(const Sys& sys, const XV& X, const YV& y0, const std::string& what,
                                   bool plain_may_fail = false) {
  using R = typename Sys::real_type;
  deer::Options seq;
  seq.method = deer::Method::sequential;
  auto ref = deer::solve(Space(), sys, X, y0, seq);
  ASSERT_EQ(ref.status, deer::Status::converged) << what << ": " << ref.message;
  deer::Options o;
  o.method = deer::Method::deer;
  o.fallback = plain_may_fail;
  o.chunk = 7;
  o.step_order = next_order();
  o.max_iterations = 300;
  auto res = deer::solve(Space(), sys, X, y0, o);
  if (plain_may_fail && res.status != deer::Status::converged) {
    EXPECT_TRUE(res.fallback_ran && res.ok() && !res.message.empty()) << what;
    EXPECT_EQ(scaled_diff(res.y, ref.y), 0.0) << what << ": the fallback must return the sequential trajectory";
    o.method = deer::Method::damped_deer;
    o.fallback = false;
    res = deer::solve(Space(), sys, X, y0, o);
  }
  EXPECT_EQ(res.status, deer::Status::converged) << what << " (" << deer::to_string(o.method) << "): " << res.message;
  EXPECT_FALSE(res.fallback_ran) << what;
  EXPECT_LE(scaled_diff(res.y, ref.y), parallel_tolerance<R>())
      << what << " (" << deer::to_string(o.method) << ") after " << res.iterations << " iterations";
}

template <class Space, class Rhs, class XV, class YV, class TV>
void all_schemes(const Rhs& rhs, const TV& t, const XV& X, const YV& y0, const std::string& name, bool explicit_ok,
                 bool plain_may_fail = false) {
  using namespace deer::ode;
  const bool f = plain_may_fail;
  if (explicit_ok) {
    expect_deer_equals_sequential<Space>(discretize<ExplicitEuler>(rhs, t), X, y0, name + "/explicit_euler", f);
    expect_deer_equals_sequential<Space>(discretize<Heun>(rhs, t), X, y0, name + "/heun", f);
    expect_deer_equals_sequential<Space>(discretize<Midpoint>(rhs, t), X, y0, name + "/midpoint", f);
    expect_deer_equals_sequential<Space>(discretize<Rk4>(rhs, t), X, y0, name + "/rk4", f);
    expect_deer_equals_sequential<Space>(discretize<Rk38>(rhs, t), X, y0, name + "/rk4_38", f);
  }
  expect_deer_equals_sequential<Space>(discretize<ImplicitEuler>(rhs, t), X, y0, name + "/implicit_euler", f);
  expect_deer_equals_sequential<Space>(discretize<Trapezoidal>(rhs, t), X, y0, name + "/trapezoidal", f);
}

}  // namespace

template <class C>
class Ode : public ::testing::Test {};
TYPED_TEST_SUITE(Ode, AllCases, CaseNames);

TYPED_TEST(Ode, DeerEqualsSequentialEverySchemeEverySystem) {
  using R = typename TypeParam::real;
  using Space = typename TypeParam::space;
  using Mem = typename TypeParam::mem;
  namespace ode = deer::ode;
  const int T = 200, batch = 2;
  // h = 0.025: on coarser grids plain Newton from the broadcast y0 diverges for the explicit
  // Euler / midpoint maps of the oscillators (an honest, reported failure; see Lorenz below).
  auto t = ode::uniform_grid<R, Mem>(0.0, 5.0, T);
  {  // driven pendulum with a random input signal (exercises the u interpolation)
    auto U = smooth_signal<Space, R>(batch, T, 1, 3);
    auto X = ode::make_step_inputs<Space, R>(Space(), U);
    all_schemes<Space>(ode::DampedPendulum<R>{}, t, X, make_states<R, Mem>({{1.0, 0.0}, {-2.0, 1.0}}), "pendulum",
                       true);
  }
  auto X0 = ode::no_inputs<R, Mem>(batch, T);
  // Van der Pol's explicit Euler map sits at the edge: plain Newton converged on the host but
  // diverged (1e51 at iteration 22) on the H200, where FMA contraction changes the rounding.
  // So, as for Lotka-Volterra below: a failure must be reported, and damped DEER converges.
  all_schemes<Space>(ode::VanDerPol<R>{}, t, X0, make_states<R, Mem>({{2.0, 0.0}, {0.5, -1.0}}), "vdp1", true,
                     true);
  // Lotka-Volterra's exponential phases make products of step Jacobians huge: plain Newton from
  // the broadcast y0 can overshoot beyond the divergence threshold (measured in fp64 for the
  // explicit Euler/Heun/midpoint maps on [0, 5]). It must report that; damped DEER converges.
  all_schemes<Space>(ode::LotkaVolterra<R>{}, t, X0, make_states<R, Mem>({{1.0, 1.0}, {3.0, 0.5}}), "lotka", true,
                     true);
  {
    using Net = ode::NeuralOde<R, Mem, 4, 16>;
    auto net = Net::from_parameters(Net::random_parameters(3, 16, 11));
    all_schemes<Space>(net, t, X0, make_states<R, Mem>({{0.1, -0.2, 0.3}, {1.0, 0.5, -0.5}}), "neural_random", true);
    net.decay = R(2);  // a leak: the same network's flow contracts
    all_schemes<Space>(net, t, X0, make_states<R, Mem>({{0.1, -0.2, 0.3}, {1.0, 0.5, -0.5}}), "neural_decay", true);
  }
  {  // stiff problems: implicit schemes only (explicit ones are unstable at these steps)
    auto tv = ode::uniform_grid<R, Mem>(0.0, 200.0, T);  // h = 1 (h = 2.5 defeats the inner Newton)
    ode::VanDerPol<R> vdp;
    vdp.mu = R(1000);
    all_schemes<Space>(vdp, tv, X0, make_states<R, Mem>({{2.0, 0.0}, {1.5, 0.0}}), "vdp1000", false);
    // Robertson on a user-given geometric grid 0, 1e-5 ... 100.
    std::vector<double> g(T + 1);
    g[0] = 0;
    for (int i = 1; i <= T; ++i) g[i] = 1e-5 * std::pow(1e7, double(i - 1) / (T - 1));
    auto tr = ode::grid_from<R, Mem>(g);
    all_schemes<Space>(ode::Robertson<R>{}, tr, X0, make_states<R, Mem>({{1.0, 0.0, 0.0}, {0.9, 0.0, 0.1}}),
                       "robertson", false);
  }
}

TYPED_TEST(Ode, ContinuousDeerOdeEqualsItsSequentialForm) {
  using R = typename TypeParam::real;
  using Space = typename TypeParam::space;
  using Mem = typename TypeParam::mem;
  namespace ode = deer::ode;
  const int T = 300, batch = 2;
  auto t = ode::uniform_grid<R, Mem>(0.0, 6.0, T);
  auto run = [&](const auto& rhs, const auto& X, const auto& y0, const std::string& what) {
    deer::Options seq;
    seq.method = deer::Method::sequential;
    seq.atol = seq.rtol = sizeof(R) == 8 ? 1e-13 : 1e-6;
    auto ref = ode::solve_continuous(Space(), rhs, t, X, y0, seq);
    ASSERT_TRUE(ref.ok()) << what << ": " << ref.message;
    deer::Options o = seq;
    o.method = deer::Method::deer;
    o.fallback = false;
    o.chunk = 7;
    o.step_order = next_order();
    o.max_iterations = 200;
    auto res = ode::solve_continuous(Space(), rhs, t, X, y0, o);
    EXPECT_EQ(res.status, deer::Status::converged) << what << ": " << res.message;
    EXPECT_LE(scaled_diff(res.y, ref.y), parallel_tolerance<R>()) << what << " after " << res.iterations;
  };
  auto U = smooth_signal<Space, R>(batch, T, 1, 5);
  run(ode::DampedPendulum<R>{}, ode::make_step_inputs<Space, R>(Space(), U),
      make_states<R, Mem>({{1.0, 0.0}, {-2.0, 1.0}}), "pendulum");
  auto X0 = ode::no_inputs<R, Mem>(batch, T);
  run(ode::VanDerPol<R>{}, X0, make_states<R, Mem>({{2.0, 0.0}, {0.5, -1.0}}), "vdp1");
  run(ode::LotkaVolterra<R>{}, X0, make_states<R, Mem>({{1.0, 1.0}, {3.0, 0.5}}), "lotka");
  using Net = ode::NeuralOde<R, Mem, 4, 16>;
  run(Net::from_parameters(Net::random_parameters(3, 16, 12)), X0,
      make_states<R, Mem>({{0.1, -0.2, 0.3}, {1.0, 0.5, -0.5}}), "neural_random");
}

// Chaos: Newton over a long Lorenz-63 trajectory cannot converge. The solver must say so and
// hand back the sequential trajectory, never a wrong one marked converged.
TYPED_TEST(Ode, LorenzLongHorizonIsReportedHonestly) {
  using R = typename TypeParam::real;
  using Space = typename TypeParam::space;
  using Mem = typename TypeParam::mem;
  namespace ode = deer::ode;
  const int T = 2000;  // t in [0, 20], about 18 Lyapunov times
  auto t = ode::uniform_grid<R, Mem>(0.0, 20.0, T);
  auto sys = ode::discretize<ode::Rk4>(ode::Lorenz63<R>{}, t);
  auto X = ode::no_inputs<R, Mem>(1, T);
  auto y0 = make_states<R, Mem>({{1.0, 1.0, 1.0}});
  deer::Options seq;
  seq.method = deer::Method::sequential;
  auto ref = deer::solve(Space(), sys, X, y0, seq);
  for (auto method : {deer::Method::deer, deer::Method::damped_deer}) {
    deer::Options o;
    o.method = method;
    o.max_iterations = 20;
    o.chunk = 7;
    auto res = deer::solve(Space(), sys, X, y0, o);
    if (res.status == deer::Status::converged) {
      // Only acceptable if the answer really is the sequential one.
      EXPECT_LE(scaled_diff(res.y, ref.y), parallel_tolerance<R>()) << deer::to_string(method);
    } else {
      EXPECT_TRUE(res.fallback_ran) << deer::to_string(method);
      EXPECT_FALSE(res.message.empty()) << deer::to_string(method);
      EXPECT_TRUE(res.ok()) << deer::to_string(method) << ": " << res.message;
      EXPECT_EQ(scaled_diff(res.y, ref.y), 0.0) << deer::to_string(method) << ": the fallback must be sequential";
    }
  }
  // The continuous DEER-ODE on the same problem: the same honesty.
  deer::Options o;
  o.max_iterations = 20;
  o.chunk = 7;
  auto res = ode::solve_continuous(Space(), ode::Lorenz63<R>{}, t, X, y0, o);
  deer::Options so = o;
  so.method = deer::Method::sequential;
  auto cref = ode::solve_continuous(Space(), ode::Lorenz63<R>{}, t, X, y0, so);
  if (res.status != deer::Status::converged) {
    EXPECT_TRUE(res.fallback_ran);
    EXPECT_EQ(scaled_diff(res.y, cref.y), 0.0);
  } else {
    EXPECT_LE(scaled_diff(res.y, cref.y), parallel_tolerance<R>());
  }
}

TYPED_TEST(Ode, ImplicitStepFailureIsNaNNotSilent) {
  using R = typename TypeParam::real;
  using Space = typename TypeParam::space;
  using Mem = typename TypeParam::mem;
  namespace ode = deer::ode;
  // One inner Newton iteration cannot solve a nonlinear implicit step: the result must be
  // flagged (NaN -> status non_finite), not returned as if it were the solution.
  auto t = ode::uniform_grid<R, Mem>(0.0, 10.0, 20);
  ode::ImplicitOptions io;
  io.max_iterations = 1;
  auto sys = ode::discretize<ode::ImplicitEuler>(ode::VanDerPol<R>{}, t, io);
  deer::Options seq;
  seq.method = deer::Method::sequential;
  auto res = deer::solve(Space(), sys, ode::no_inputs<R, Mem>(1, 20), make_states<R, Mem>({{2.0, 0.0}}), seq);
  EXPECT_EQ(res.status, deer::Status::non_finite);
  EXPECT_FALSE(res.ok());
}

TEST(OdeApi, BadArgumentsThrowWithAdvice) {
  using Mem = Kokkos::HostSpace;
  namespace ode = deer::ode;
  Kokkos::View<double*, Mem> bad("t", 3);  // zeros: not increasing
  EXPECT_THROW(ode::discretize<ode::Rk4>(ode::VanDerPol<double>{}, bad), std::invalid_argument);
  try {
    ode::discretize<ode::Rk4>(ode::VanDerPol<double>{}, bad);
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("increase"), std::string::npos) << e.what();
  }
  EXPECT_THROW((ode::uniform_grid<double, Mem>(1.0, 0.0, 10)), std::invalid_argument);
  using Net = ode::NeuralOde<double, Mem, 2, 4>;
  EXPECT_THROW(Net::from_parameters(Net::random_parameters(3, 4, 1)), std::invalid_argument);
  auto t = ode::uniform_grid<double, Mem>(0.0, 1.0, 10);
  deer::Options o;
  o.method = deer::Method::quasi_deer;
  auto y0 = make_states<double, Mem>({{1.0, 0.0}});
  auto X = ode::no_inputs<double, Mem>(1, 10);
  EXPECT_THROW(ode::solve_continuous(Kokkos::DefaultHostExecutionSpace(), ode::VanDerPol<double>{}, t, X, y0, o),
               std::invalid_argument);
}

// NeuralOde's decay is a leak: f with decay d is the plain network's f minus d y.
TEST(OdeApi, NeuralOdeDecayIsALeak) {
  using Net = deer::ode::NeuralOde<double, Kokkos::HostSpace, 3, 8>;
  auto net = Net::from_parameters(Net::random_parameters(3, 8, 2));
  const double y[3] = {0.3, -1.2, 2.0};
  double plain[3], leaky[3];
  net(0.0, y, nullptr, plain);
  net.decay = 1.5;
  net(0.0, y, nullptr, leaky);
  for (int j = 0; j < 3; ++j) {
    double f = net.b2(j);  // the network by hand
    for (int k = 0; k < 8; ++k) {
      double a = net.b1(k);
      for (int c = 0; c < 3; ++c) a += net.W1(k, c) * y[c];
      f += net.W2(j, k) * std::tanh(a);
    }
    EXPECT_NEAR(plain[j], f, 1e-14);
    EXPECT_NEAR(leaky[j], f - 1.5 * y[j], 1e-14);
  }
}

TEST(OdeLinalg, ExpmMatchesKnownExponentials) {
  namespace la = deer::ode::linalg;
  // Rotation generator: exp([[0, -w], [w, 0]]) = [[cos w, -sin w], [sin w, cos w]], at a norm
  // that needs squaring.
  for (double w : {0.1, 3.0, 40.0}) {
    double A[4] = {0, -w, w, 0}, E[4];
    ASSERT_TRUE(la::expm<2>(2, A, E));
    EXPECT_NEAR(E[0], std::cos(w), 1e-13 * std::max(1.0, w));
    EXPECT_NEAR(E[1], -std::sin(w), 1e-13 * std::max(1.0, w));
    EXPECT_NEAR(E[2], std::sin(w), 1e-13 * std::max(1.0, w));
  }
  // Nilpotent + diagonal: exp([[a, 1], [0, a]]) = e^a [[1, 1], [0, 1]].
  double A[4] = {-2, 1, 0, -2}, E[4];
  ASSERT_TRUE(la::expm<2>(2, A, E));
  EXPECT_NEAR(E[0], std::exp(-2.0), 1e-15);
  EXPECT_NEAR(E[1], std::exp(-2.0), 1e-15);
  EXPECT_NEAR(E[2], 0.0, 1e-15);
  double B[4] = {NAN, 0, 0, 0};
  EXPECT_FALSE(la::expm<2>(2, B, E));
  // LU with pivoting solves a system that needs a row swap.
  double M[9] = {0, 2, 1, 1, 1, 1, 2, 1, 3};
  int piv[3];
  ASSERT_TRUE(la::lu_factor(3, M, piv));
  double b[3] = {7, 6, 13};  // solution (1, 2, 3)
  la::lu_solve(3, M, piv, b);
  EXPECT_NEAR(b[0], 1, 1e-14);
  EXPECT_NEAR(b[1], 2, 1e-14);
  EXPECT_NEAR(b[2], 3, 1e-14);
  double S[4] = {1, 2, 2, 4};
  EXPECT_FALSE(la::lu_factor(2, S, piv));
}

// torchdiffeq fixed-grid euler / midpoint / rk4 (3/8 rule) with the stored MLP weights.
template <class C>
class OdeGolden : public ::testing::Test {};
TYPED_TEST_SUITE(OdeGolden, DoubleCases, CaseNames);

TYPED_TEST(OdeGolden, NeuralOdeReproducesTorchdiffeq) {
  using Space = typename TypeParam::space;
  using Mem = typename TypeParam::mem;
  namespace ode = deer::ode;
  std::string tried;
  const std::string file = golden_file(tried);
  if (file.empty()) {
    ADD_FAILURE() << "golden_torch.h5 not found; tried:" << tried
                  << ". Copy ../shared/data/golden_torch.h5 to data/golden/ or set DEER_SHARED_DATA.";
    return;
  }
  const deer::Parameters p = deer::read_parameters(file, "neural_ode");
  using Net = ode::NeuralOde<double, Mem, 2, 16>;
  const Net net = Net::from_parameters(p);
  const deer::Tensor& tt = p.at("t");
  const deer::Tensor& y0t = p.at("y0");  // (batch, n)
  const int T = int(tt.size()) - 1, batch = int(y0t.shape.at(0)), n = int(y0t.shape.at(1));
  auto t = ode::grid_from<double, Mem>(tt.data);
  auto y0 = to_states<double, Mem>(y0t);
  auto X = ode::no_inputs<double, Mem>(batch, T);
  auto check = [&](const auto& sys, const std::string& key) {
    const deer::Tensor& ref = p.at(key);  // (T+1, batch, n); row 0 is y0
    ASSERT_EQ(ref.shape, (std::vector<size_t>{size_t(T + 1), size_t(batch), size_t(n)}));
    for (auto method : {deer::Method::sequential, deer::Method::deer}) {
      deer::Options o;
      o.method = method;
      o.fallback = false;
      o.chunk = 7;
      o.atol = o.rtol = 1e-13;
      auto res = deer::solve(Space(), sys, X, y0, o);
      EXPECT_EQ(res.status, deer::Status::converged) << key << " " << deer::to_string(method) << res.message;
      auto y = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), res.y);
      double err = 0;
      for (int i = 1; i <= T; ++i)
        for (int s = 0; s < batch; ++s)
          for (int j = 0; j < n; ++j)
            err = std::max(err, std::abs(y(s, i - 1, j) - ref.data[(size_t(i) * batch + s) * n + j]));
      EXPECT_LE(err, 1e-12) << key << " via " << deer::to_string(method) << " (" << res.iterations << " iterations)";
      std::printf("[ golden ] neural_ode %-8s via %-10s max abs error %.3e\n", key.c_str(), deer::to_string(method),
                  err);
    }
  };
  check(ode::discretize<ode::ExplicitEuler>(net, t), "euler");
  check(ode::discretize<ode::Midpoint>(net, t), "midpoint");
  check(ode::discretize<ode::Rk38>(net, t), "rk4");
  check(ode::discretize<ode::Rk4>(net, t), "numpy_rk4_classic");
  check(ode::discretize<ode::Rk38>(net, t), "numpy_rk4_three_eighths");
}
