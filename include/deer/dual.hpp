#pragma once
// Forward-mode dual numbers with one tangent direction. Jacobians are assembled from
// several evaluations with chosen seeds (see jacobian.hpp), so one tangent is enough
// and the type stays small enough for registers on a GPU.
#include <deer/compat.hpp>

namespace deer {

template <class T>
struct Dual {
  T v{};  // value
  T d{};  // directional derivative
  KOKKOS_INLINE_FUNCTION constexpr Dual() = default;
  KOKKOS_INLINE_FUNCTION constexpr Dual(T value) : v(value), d(0) {}  // NOLINT: constants promote
  KOKKOS_INLINE_FUNCTION constexpr Dual(T value, T deriv) : v(value), d(deriv) {}
  KOKKOS_INLINE_FUNCTION Dual& operator+=(const Dual& o) { v += o.v; d += o.d; return *this; }
  KOKKOS_INLINE_FUNCTION Dual& operator-=(const Dual& o) { v -= o.v; d -= o.d; return *this; }
  KOKKOS_INLINE_FUNCTION Dual& operator*=(const Dual& o) { d = d * o.v + v * o.d; v *= o.v; return *this; }
  KOKKOS_INLINE_FUNCTION Dual& operator/=(const Dual& o) { *this = *this / o; return *this; }
  KOKKOS_INLINE_FUNCTION friend Dual operator+(const Dual& a, const Dual& b) { return {a.v + b.v, a.d + b.d}; }
  KOKKOS_INLINE_FUNCTION friend Dual operator-(const Dual& a, const Dual& b) { return {a.v - b.v, a.d - b.d}; }
  KOKKOS_INLINE_FUNCTION friend Dual operator-(const Dual& a) { return {-a.v, -a.d}; }
  KOKKOS_INLINE_FUNCTION friend Dual operator*(const Dual& a, const Dual& b) { return {a.v * b.v, a.d * b.v + a.v * b.d}; }
  KOKKOS_INLINE_FUNCTION friend Dual operator/(const Dual& a, const Dual& b) {
    const T q = a.v / b.v;
    return {q, (a.d - q * b.d) / b.v};
  }
  KOKKOS_INLINE_FUNCTION friend bool operator<(const Dual& a, const Dual& b) { return a.v < b.v; }
  KOKKOS_INLINE_FUNCTION friend bool operator>(const Dual& a, const Dual& b) { return a.v > b.v; }
  KOKKOS_INLINE_FUNCTION friend bool operator<=(const Dual& a, const Dual& b) { return a.v <= b.v; }
  KOKKOS_INLINE_FUNCTION friend bool operator>=(const Dual& a, const Dual& b) { return a.v >= b.v; }
};

template <class T> struct is_dual : std::false_type {};
template <class T> struct is_dual<Dual<T>> : std::true_type {};

// The plain value of a scalar or a dual (for branches inside systems).
template <class T> KOKKOS_INLINE_FUNCTION T value(T x) { return x; }
template <class T> KOKKOS_INLINE_FUNCTION T value(const Dual<T>& x) { return x.v; }

}  // namespace deer
