#pragma once
// The one place that knows Kokkos versions apart. Everything else in deer calls deer::compat.
// Kokkos 3.4.01 (Debian's trilinos source) and Kokkos 4.x are both supported.
#include <Kokkos_Core.hpp>

#if KOKKOS_VERSION >= 30700
#define DEER_KOKKOS_MATH_NS Kokkos
#else
#define DEER_KOKKOS_MATH_NS Kokkos::Experimental
#endif

namespace deer::compat {

// Math functions moved from Kokkos::Experimental (3.4) to Kokkos (3.7+).
template <class T> KOKKOS_INLINE_FUNCTION T tanh(T x) { return DEER_KOKKOS_MATH_NS::tanh(x); }
template <class T> KOKKOS_INLINE_FUNCTION T exp(T x) { return DEER_KOKKOS_MATH_NS::exp(x); }
template <class T> KOKKOS_INLINE_FUNCTION T log(T x) { return DEER_KOKKOS_MATH_NS::log(x); }
template <class T> KOKKOS_INLINE_FUNCTION T sin(T x) { return DEER_KOKKOS_MATH_NS::sin(x); }
template <class T> KOKKOS_INLINE_FUNCTION T cos(T x) { return DEER_KOKKOS_MATH_NS::cos(x); }
template <class T> KOKKOS_INLINE_FUNCTION T sqrt(T x) { return DEER_KOKKOS_MATH_NS::sqrt(x); }
template <class T> KOKKOS_INLINE_FUNCTION T pow(T x, T y) { return DEER_KOKKOS_MATH_NS::pow(x, y); }
template <class T> KOKKOS_INLINE_FUNCTION T fabs(T x) { return DEER_KOKKOS_MATH_NS::fabs(x); }
template <class T> KOKKOS_INLINE_FUNCTION bool isfinite(T x) { return DEER_KOKKOS_MATH_NS::isfinite(x); }

// Profiling regions: Kokkos_Profiling_ScopedRegion.hpp does not exist in 3.4.
class ScopedRegion {
 public:
  explicit ScopedRegion(const std::string& name) { Kokkos::Profiling::pushRegion(name); }
  ~ScopedRegion() { Kokkos::Profiling::popRegion(); }
  ScopedRegion(const ScopedRegion&) = delete;
  ScopedRegion& operator=(const ScopedRegion&) = delete;
};

// Kokkos::DefaultHostExecutionSpace etc. are stable; the backend names are not (HIP moved).
template <class Space> inline std::string space_name() { return Space::name(); }

inline std::string kokkos_version_string() {
  const int v = KOKKOS_VERSION;
  return std::to_string(v / 10000) + "." + std::to_string((v / 100) % 100) + "." +
         std::to_string(v % 100);
}

}  // namespace deer::compat
