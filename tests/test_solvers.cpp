// Every solver against Sequential on small systems; error handling and fallbacks.
#include <Kokkos_Random.hpp>
#include <deer/cells/gru.hpp>
#include <deer/solve.hpp>

#include "backends.hpp"

using namespace deer_test;

template <class C>
class Solvers : public ::testing::Test {};
TYPED_TEST_SUITE(Solvers, AllCases, CaseNames);

TYPED_TEST(Solvers, GruDeerMatchesSequential) {
  using R = typename TypeParam::real;
  using Space = typename TypeParam::space;
  using Mem = typename TypeParam::mem;
  const int n = 5, m = 3, batch = 3;
  auto gru = deer::cells::Gru<R, Mem, 8>::from_parameters(deer::cells::Gru<R, Mem, 8>::random_parameters(n, m, 7), n, m);
  for (int T : {1, 2, 1000}) {
    deer::Sequence<R, Mem> X("X", batch, T, m);
    deer::States<R, Mem> y0("y0", batch, n);
    Kokkos::Random_XorShift64_Pool<Space> pool(5);
    Kokkos::fill_random(X, pool, R(-1), R(1));
    Kokkos::fill_random(y0, pool, R(-1), R(1));
    deer::Options seq;
    seq.method = deer::Method::sequential;
    auto ref = deer::solve(Space(), gru, X, y0, seq);
    for (auto method : {deer::Method::deer, deer::Method::quasi_deer, deer::Method::damped_deer}) {
      deer::Options o;
      o.method = method;
      o.fallback = false;
      o.chunk = 7;
      auto res = deer::solve(Space(), gru, X, y0, o);
      EXPECT_EQ(res.status, deer::Status::converged) << deer::to_string(method) << " T=" << T << " " << res.message;
      auto a = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), res.y);
      auto b = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), ref.y);
      double err = 0;
      for (size_t j = 0; j < a.span(); ++j) err = std::max(err, std::abs(double(a.data()[j]) - double(b.data()[j])));
      EXPECT_LE(err, parallel_tolerance<R>()) << deer::to_string(method) << " T=" << T;
    }
  }
}
