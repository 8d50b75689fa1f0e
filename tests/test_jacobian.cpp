// Jacobians: dual numbers == the hand-written GRU Jacobian == central finite differences,
// for dense, diagonal and block-diagonal structures, and the true-diagonal (quasi-DEER)
// path, evaluated inside kernels on every backend.
#include <random>

#include <deer/cells/elman.hpp>
#include <deer/cells/gru.hpp>
#include <deer/cells/lstm.hpp>
#include <deer/cells/multihead_gru.hpp>
#include <deer/lanes.hpp>
#include <deer/system.hpp>

#include "backends.hpp"

using namespace deer_test;

namespace {

// Hides a system's hand-written jacobian(), so linearize() falls back to dual numbers.
template <class Sys>
struct DualOnly {
  using real_type = typename Sys::real_type;
  static constexpr int max_state = Sys::max_state;
  static constexpr deer::Structure structure = Sys::structure;
  Sys sys;
  KOKKOS_INLINE_FUNCTION int state_size() const { return sys.state_size(); }
  KOKKOS_INLINE_FUNCTION int input_size() const { return sys.input_size(); }
  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(int i, const S* y, const real_type* x, S* out) const {
    sys(i, y, x, out);
  }
};

// Elementwise system with a declared diagonal Jacobian: y'_j = a_j tanh(y_j) + sin(y_j x_j) / 2.
template <class R>
struct Elementwise {
  using real_type = R;
  static constexpr int max_state = 4;
  static constexpr deer::Structure structure = deer::Structure::diagonal;
  int n = 4;
  KOKKOS_INLINE_FUNCTION int state_size() const { return n; }
  KOKKOS_INLINE_FUNCTION int input_size() const { return n; }
  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(int, const S* y, const R* x, S* out) const {
    for (int j = 0; j < n; ++j) out[j] = R(0.3 + 0.2 * j) * deer::tanh(y[j]) + R(0.5) * deer::sin(y[j] * x[j]);
  }
};

struct HostJacobians {
  int n = 0, k = 0, P = 0;
  std::vector<double> J;      // (P, n*k) from linearize() with the declared structure
  std::vector<double> diag;   // (P, n)   from linearize(..., k = 1, true_diagonal)
  std::vector<double> fd;     // (P, n*n) central differences of the full Jacobian
  std::vector<double> f_lin;  // (P, n)   f from linearize()
  std::vector<double> f;      // (P, n)   f from operator()
};

template <class C, class Sys>
HostJacobians jacobians(const Sys& sys, int P, unsigned seed) {
  using R = typename C::real;
  using Space = typename C::space;
  using Mem = typename C::mem;
  constexpr int N = Sys::max_state;
  const int n = sys.state_size(), m = sys.input_size(), k = deer::block_size(sys);
  Kokkos::View<R**, Kokkos::LayoutRight, Mem> Y("Y", P, n), X("X", P, m > 0 ? m : 1);
  auto hY = Kokkos::create_mirror_view(Y);
  auto hX = Kokkos::create_mirror_view(X);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uy(-1.5, 1.5), ux(-1, 1);
  for (size_t j = 0; j < hY.span(); ++j) hY.data()[j] = R(uy(rng));
  for (size_t j = 0; j < hX.span(); ++j) hX.data()[j] = R(ux(rng));
  Kokkos::deep_copy(Y, hY);
  Kokkos::deep_copy(X, hX);
  Kokkos::View<R**, Kokkos::LayoutRight, Mem> J("J", P, n * k), D("D", P, n), FD("FD", P, n * n), F1("F1", P, n),
      F2("F2", P, n);
  // Step for central differences: error O(h^2) + O(eps/h).
  const R h = sizeof(R) == 8 ? R(1e-5) : R(1e-2);
  Kokkos::parallel_for(
      "deer::test::jacobians", Kokkos::RangePolicy<Space>(0, P), KOKKOS_LAMBDA(const int p) {
        R yp[N] = {}, f[N] = {}, Jp[N * N] = {}, yq[N] = {}, fp[N] = {}, fm[N] = {};
        const R* x = &X(p, 0);
        for (int j = 0; j < n; ++j) yp[j] = Y(p, j);
        deer::linearize(sys, 0, yp, x, f, Jp, k, false);
        for (int j = 0; j < n * k; ++j) J(p, j) = Jp[j];
        for (int j = 0; j < n; ++j) F1(p, j) = f[j];
        deer::linearize(sys, 0, yp, x, f, Jp, 1, true);
        for (int j = 0; j < n; ++j) D(p, j) = Jp[j];
        sys(0, static_cast<const R*>(yp), x, f);
        for (int j = 0; j < n; ++j) F2(p, j) = f[j];
        for (int c = 0; c < n; ++c) {
          for (int j = 0; j < n; ++j) yq[j] = yp[j];
          yq[c] = yp[c] + h;
          sys(0, static_cast<const R*>(yq), x, fp);
          yq[c] = yp[c] - h;
          sys(0, static_cast<const R*>(yq), x, fm);
          for (int r = 0; r < n; ++r) FD(p, r * n + c) = (fp[r] - fm[r]) / (R(2) * h);
        }
      });
  auto copy = [](auto v) {
    auto hv = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
    return std::vector<double>(hv.data(), hv.data() + hv.span());
  };
  HostJacobians out;
  out.n = n;
  out.k = k;
  out.P = P;
  out.J = copy(J);
  out.diag = copy(D);
  out.fd = copy(FD);
  out.f_lin = copy(F1);
  out.f = copy(F2);
  return out;
}

// Checks J (structure k) and the true diagonal against finite differences, and that the
// finite-difference Jacobian is zero outside the declared blocks.
template <class R>
void expect_matches_fd(const HostJacobians& a, const std::string& what) {
  const double tol = sizeof(R) == 8 ? 1e-8 : 2e-3;  // central differences' own accuracy
  const int n = a.n, k = a.k;
  double ej = 0, ed = 0, eoff = 0, ef = 0, scale = 0;
  for (int p = 0; p < a.P; ++p) {
    for (int r = 0; r < n; ++r) {
      for (int c = 0; c < n; ++c) {
        const double fdv = a.fd[size_t(p) * n * n + r * n + c];
        scale = std::max(scale, std::abs(fdv));
        if (c / k == r / k) ej = std::max(ej, std::abs(a.J[size_t(p) * n * k + r * k + (c % k)] - fdv));
        else eoff = std::max(eoff, std::abs(fdv));
      }
      ed = std::max(ed, std::abs(a.diag[size_t(p) * n + r] - a.fd[size_t(p) * n * n + r * n + r]));
      ef = std::max(ef, std::abs(a.f_lin[size_t(p) * n + r] - a.f[size_t(p) * n + r]));
    }
  }
  EXPECT_GT(scale, 0.05) << what << ": degenerate test point (Jacobian ~ 0)";
  EXPECT_LE(ej, tol) << what << ": Jacobian vs finite differences";
  EXPECT_LE(ed, tol) << what << ": true diagonal vs finite differences";
  EXPECT_LE(eoff, tol) << what << ": finite differences outside the declared blocks";
  EXPECT_EQ(ef, 0.0) << what << ": linearize() value differs from operator()";
}

}  // namespace

template <class C>
class Jacobian : public ::testing::Test {};
TYPED_TEST_SUITE(Jacobian, AllCases, CaseNames);

// A system with a hand-written (dense) Jacobian and its diagonal against the same system
// through dual numbers (DualOnly) and finite differences.
template <class C, class Sys>
void expect_hand_written_equals_dual(const Sys& sys, unsigned seed, const std::string& what) {
  using R = typename C::real;
  static_assert(deer::system_traits<Sys>::has_jacobian, "a hand-written Jacobian was expected");
  static_assert(!deer::system_traits<DualOnly<Sys>>::has_jacobian, "DualOnly hides it");
  const int n = sys.state_size();
  const auto hand = jacobians<C>(sys, 33, seed);
  const auto dual = jacobians<C>(DualOnly<Sys>{sys}, 33, seed);
  double e = 0, ef = 0;
  for (size_t j = 0; j < hand.J.size(); ++j) e = std::max(e, std::abs(hand.J[j] - dual.J[j]));
  for (size_t j = 0; j < hand.f_lin.size(); ++j) ef = std::max(ef, std::abs(hand.f_lin[j] - dual.f_lin[j]));
  EXPECT_LE(e, sizeof(R) == 8 ? 1e-14 : 2e-6) << what << ": hand-written vs dual";
  EXPECT_LE(ef, sizeof(R) == 8 ? 1e-15 : 1e-6) << what << ": hand-written f vs dual f";
  // The true diagonal (hand-written when the system has one) must agree with the full J.
  for (int p = 0; p < hand.P; ++p)
    for (int r = 0; r < n; ++r)
      EXPECT_NEAR(hand.diag[size_t(p) * n + r], hand.J[size_t(p) * n * n + r * n + r], sizeof(R) == 8 ? 1e-14 : 2e-6)
          << what;
  expect_matches_fd<R>(hand, what + " hand");
  expect_matches_fd<R>(dual, what + " dual");
}

TYPED_TEST(Jacobian, GruHandWrittenEqualsDualEqualsFiniteDifferences) {
  using G = deer::cells::Gru<typename TypeParam::real, typename TypeParam::mem, 8>;
  using GV = deer::cells::Gru<typename TypeParam::real, typename TypeParam::mem, 8, 3>;  // weights by value
  for (int n : {1, 3, 8}) {
    const auto p = G::random_parameters(n, 3, 100 + n);
    expect_hand_written_equals_dual<TypeParam>(G::from_parameters(p, n, 3), 1, "gru n=" + std::to_string(n));
    expect_hand_written_equals_dual<TypeParam>(GV::from_parameters(p, n, 3), 1, "by-value gru n=" + std::to_string(n));
    // The same weights either way: the same f and Jacobians.
    const auto a = jacobians<TypeParam>(G::from_parameters(p, n, 3), 33, 5);
    const auto b = jacobians<TypeParam>(GV::from_parameters(p, n, 3), 33, 5);
    double e = 0;
    for (size_t j = 0; j < a.J.size(); ++j) e = std::max(e, std::abs(a.J[j] - b.J[j]));
    for (size_t j = 0; j < a.f_lin.size(); ++j) e = std::max(e, std::abs(a.f_lin[j] - b.f_lin[j]));
    EXPECT_LE(e, sizeof(typename TypeParam::real) == 8 ? 1e-14 : 1e-6) << "gru n=" << n << ": by value vs Views";
  }
}

// One head of the multi-head GRU as a lane (lanes.hpp): its hand-written block Jacobian,
// for heads of 1, 2 and 3 (the capacity), first and last head.
TYPED_TEST(Jacobian, MultiHeadGruLaneHandWrittenEqualsDual) {
  using MH = deer::cells::MultiHeadGru<typename TypeParam::real, typename TypeParam::mem, 6, 3>;
  for (int heads : {6, 3, 2}) {
    const auto mh = MH::from_parameters(MH::random_parameters(6, 2, heads, 30 + heads), 6, 2, heads);
    for (int b : {0, heads - 1})
      expect_hand_written_equals_dual<TypeParam>(deer::BlockOf<MH>{mh, b, 6 / heads}, 40 + b,
                                                 "multihead_gru lane " + std::to_string(b) + " of " +
                                                     std::to_string(heads));
  }
  // Weights held by value (heads of exactly 3 states, 2 inputs): the same blocks.
  using MV = deer::cells::MultiHeadGru<typename TypeParam::real, typename TypeParam::mem, 6, 3, 2>;
  const auto p = MH::random_parameters(6, 2, 2, 35);
  const auto mh = MH::from_parameters(p, 6, 2, 2);
  const auto mv = MV::from_parameters(p, 6, 2, 2);
  for (int b : {0, 1}) {
    expect_hand_written_equals_dual<TypeParam>(deer::BlockOf<MV>{mv, b, 3}, 50 + b, "by-value multihead_gru lane");
    const auto a = jacobians<TypeParam>(deer::BlockOf<MH>{mh, b, 3}, 33, 7);
    const auto v = jacobians<TypeParam>(deer::BlockOf<MV>{mv, b, 3}, 33, 7);
    double e = 0;
    for (size_t j = 0; j < a.J.size(); ++j) e = std::max(e, std::abs(a.J[j] - v.J[j]));
    for (size_t j = 0; j < a.f_lin.size(); ++j) e = std::max(e, std::abs(a.f_lin[j] - v.f_lin[j]));
    EXPECT_LE(e, sizeof(typename TypeParam::real) == 8 ? 1e-14 : 1e-6) << "lane " << b << ": by value vs Views";
  }
}

TYPED_TEST(Jacobian, DenseCellsMatchFiniteDifferences) {
  using R = typename TypeParam::real;
  using Mem = typename TypeParam::mem;
  using E = deer::cells::Elman<R, Mem, 8>;
  using L = deer::cells::Lstm<R, Mem, 8>;
  expect_matches_fd<R>(jacobians<TypeParam>(E::from_parameters(E::random_parameters(5, 2, 3), 5, 2), 33, 2), "elman");
  // LSTM: state [h, c] of 2*3 values; the c -> c' and c -> h' blocks are exercised.
  expect_matches_fd<R>(jacobians<TypeParam>(L::from_parameters(L::random_parameters(3, 2, 4), 3, 2), 33, 3), "lstm");
}

TYPED_TEST(Jacobian, BlockDiagonalMatchesFiniteDifferences) {
  using R = typename TypeParam::real;
  using Mem = typename TypeParam::mem;
  for (int heads : {1, 2, 3, 6}) {
    using MH = deer::cells::MultiHeadGru<R, Mem, 6, 6>;
    const auto mh = MH::from_parameters(MH::random_parameters(6, 2, heads, 7 + heads), 6, 2, heads);
    const auto a = jacobians<TypeParam>(mh, 33, 5);
    EXPECT_EQ(a.k, 6 / heads);
    expect_matches_fd<R>(a, "multihead_gru heads=" + std::to_string(heads));
  }
}

TYPED_TEST(Jacobian, DiagonalMatchesFiniteDifferences) {
  using R = typename TypeParam::real;
  const auto a = jacobians<TypeParam>(Elementwise<R>{}, 33, 6);
  EXPECT_EQ(a.k, 1);
  expect_matches_fd<R>(a, "elementwise (diagonal)");
}
