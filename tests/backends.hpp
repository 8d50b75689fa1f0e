#pragma once
// Test bodies are written once and instantiated for every enabled backend in float and
// double: TYPED_TEST_SUITE(Suite, deer_test::AllCases) gives TypeParam::space / ::real.
#include <gtest/gtest.h>

#include <Kokkos_Core.hpp>

namespace deer_test {

template <class Space, class Real>
struct Case {
  using space = Space;
  using real = Real;
  using mem = typename Space::memory_space;
};

#define DEER_CASES_FOR(S) Case<S, double>, Case<S, float>
#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP) && defined(KOKKOS_ENABLE_CUDA)
using AllCases = ::testing::Types<DEER_CASES_FOR(Kokkos::Serial), DEER_CASES_FOR(Kokkos::OpenMP), DEER_CASES_FOR(Kokkos::Cuda)>;
using DoubleCases = ::testing::Types<Case<Kokkos::Serial, double>, Case<Kokkos::OpenMP, double>, Case<Kokkos::Cuda, double>>;
#elif defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_CUDA)
using AllCases = ::testing::Types<DEER_CASES_FOR(Kokkos::Serial), DEER_CASES_FOR(Kokkos::Cuda)>;
using DoubleCases = ::testing::Types<Case<Kokkos::Serial, double>, Case<Kokkos::Cuda, double>>;
#elif defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
using AllCases = ::testing::Types<DEER_CASES_FOR(Kokkos::Serial), DEER_CASES_FOR(Kokkos::OpenMP)>;
using DoubleCases = ::testing::Types<Case<Kokkos::Serial, double>, Case<Kokkos::OpenMP, double>>;
#elif defined(KOKKOS_ENABLE_SERIAL)
using AllCases = ::testing::Types<DEER_CASES_FOR(Kokkos::Serial)>;
using DoubleCases = ::testing::Types<Case<Kokkos::Serial, double>>;
#else
#error "deer tests need at least the Serial backend"
#endif
#undef DEER_CASES_FOR

// Readable test names: Serial_double, Cuda_float, ...
struct CaseNames {
  template <class C>
  static std::string GetName(int) {
    return std::string(C::space::name()) + (sizeof(typename C::real) == 8 ? "_double" : "_float");
  }
};

// Relative tolerance used when comparing a parallel result with the sequential one.
template <class Real>
constexpr double parallel_tolerance() { return sizeof(Real) == 8 ? 1e-10 : 1e-4; }

}  // namespace deer_test
