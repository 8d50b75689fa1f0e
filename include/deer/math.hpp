#pragma once
// Scalar functions for system definitions: one spelling (deer::tanh, deer::sigmoid, ...)
// that works for float, double and Dual<T>, on host and device.
#include <deer/dual.hpp>

namespace deer {

#define DEER_REAL_FN(name)                                                                   \
  KOKKOS_INLINE_FUNCTION float name(float x) { return compat::name(x); }                   \
  KOKKOS_INLINE_FUNCTION double name(double x) { return compat::name(x); }
DEER_REAL_FN(tanh)
DEER_REAL_FN(exp)
DEER_REAL_FN(log)
DEER_REAL_FN(sin)
DEER_REAL_FN(cos)
DEER_REAL_FN(sqrt)
DEER_REAL_FN(fabs)
#undef DEER_REAL_FN

KOKKOS_INLINE_FUNCTION float sigmoid(float x) { return 1.0f / (1.0f + compat::exp(-x)); }
KOKKOS_INLINE_FUNCTION double sigmoid(double x) { return 1.0 / (1.0 + compat::exp(-x)); }
KOKKOS_INLINE_FUNCTION float pow(float x, float y) { return compat::pow(x, y); }
KOKKOS_INLINE_FUNCTION double pow(double x, double y) { return compat::pow(x, y); }

// Chain rule for each function: value f(v), derivative f'(v) * d.
template <class T> KOKKOS_INLINE_FUNCTION Dual<T> tanh(const Dual<T>& x) {
  const T t = compat::tanh(x.v);
  return {t, (T(1) - t * t) * x.d};
}
template <class T> KOKKOS_INLINE_FUNCTION Dual<T> sigmoid(const Dual<T>& x) {
  const T s = sigmoid(x.v);
  return {s, s * (T(1) - s) * x.d};
}
template <class T> KOKKOS_INLINE_FUNCTION Dual<T> exp(const Dual<T>& x) {
  const T e = compat::exp(x.v);
  return {e, e * x.d};
}
template <class T> KOKKOS_INLINE_FUNCTION Dual<T> log(const Dual<T>& x) { return {compat::log(x.v), x.d / x.v}; }
template <class T> KOKKOS_INLINE_FUNCTION Dual<T> sin(const Dual<T>& x) { return {compat::sin(x.v), compat::cos(x.v) * x.d}; }
template <class T> KOKKOS_INLINE_FUNCTION Dual<T> cos(const Dual<T>& x) { return {compat::cos(x.v), -compat::sin(x.v) * x.d}; }
template <class T> KOKKOS_INLINE_FUNCTION Dual<T> sqrt(const Dual<T>& x) {
  const T s = compat::sqrt(x.v);
  return {s, x.d / (T(2) * s)};
}
template <class T> KOKKOS_INLINE_FUNCTION Dual<T> fabs(const Dual<T>& x) { return x.v < T(0) ? -x : x; }
// x^p for a constant exponent p.
template <class T> KOKKOS_INLINE_FUNCTION Dual<T> pow(const Dual<T>& x, T p) {
  const T y = compat::pow(x.v, p);
  return {y, p * compat::pow(x.v, p - T(1)) * x.d};
}

}  // namespace deer
