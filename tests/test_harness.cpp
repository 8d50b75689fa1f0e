// Proves the harness: each enabled backend runs a reduction that matches a host loop.
#include <Kokkos_Core.hpp>

#include "backends.hpp"

using namespace deer_test;

template <class C>
class Harness : public ::testing::Test {};
TYPED_TEST_SUITE(Harness, AllCases, CaseNames);

// Kernels live in free functions: CUDA forbids extended lambdas inside gtest's private TestBody.
template <class Space, class R>
void reduction_matches_host_loop() {
  const int n = 100003;
  Kokkos::View<R*, typename Space::memory_space> v("v", n);
  Kokkos::parallel_for(
      "fill", Kokkos::RangePolicy<Space>(0, n), KOKKOS_LAMBDA(const int i) { v(i) = R(i % 7) * R(0.5); });
  double sum = 0;
  Kokkos::parallel_reduce(
      "sum", Kokkos::RangePolicy<Space>(0, n), KOKKOS_LAMBDA(const int i, double& s) { s += double(v(i)); }, sum);
  double host = 0;
  for (int i = 0; i < n; ++i) host += double(R(i % 7) * R(0.5));
  EXPECT_DOUBLE_EQ(sum, host);
}

TYPED_TEST(Harness, ReductionMatchesHostLoop) {
  reduction_matches_host_loop<typename TypeParam::space, typename TypeParam::real>();
}
