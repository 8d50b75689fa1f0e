#pragma once
// A system defined outside deer: a leaky tanh RNN acting element by element,
//   y_i[j] = (1 - leak) y_{i-1}[j] + leak tanh(weight y_{i-1}[j] + x_i[j]),
// so its Jacobian is diagonal and DEER needs only O(n) memory per step.
#include <deer/registry.hpp>
#include <deer/system.hpp>

namespace my {

// The System (include/deer/system.hpp): templated on the scalar S so the Jacobian comes
// from dual numbers; parameters are plain values here (copied to the device by value).
template <class Real>
struct LeakyTanh {
  using real_type = Real;
  static constexpr int max_state = 16;
  static constexpr deer::Structure structure = deer::Structure::diagonal;
  int n = 4;
  Real leak = Real(0.3), weight = Real(0.9);

  KOKKOS_INLINE_FUNCTION int state_size() const { return n; }
  KOKKOS_INLINE_FUNCTION int input_size() const { return n; }
  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(int, const S* y, const Real* x, S* out) const {
    for (int j = 0; j < n; ++j) out[j] = (Real(1) - leak) * y[j] + leak * deer::tanh(weight * y[j] + x[j]);
  }
};

// Its registry entry: name, parameters with defaults, sizes, and how to build it.
struct LeakyTanhSpec {
  static constexpr const char* name = "leaky_tanh";
  static constexpr const char* description = "leaky tanh RNN, element-wise (diagonal Jacobian); from examples/";
  static std::vector<deer::ParamSpec> parameters() {
    return {{"size", 4L, "state size n (= input features; <= 16)"},
            {"leak", 0.3, "leak rate in (0, 1]"},
            {"weight", 0.9, "recurrent weight"}};
  }
  static deer::Shape shape(const deer::ParamValues& p) {
    const int n = p.integer_in("size", 1, 16);
    return {n, n};
  }
  template <class Real, class Mem>
  static LeakyTanh<Real> make(const deer::Problem& p) {
    LeakyTanh<Real> s;
    s.n = p.shape.n;
    s.leak = Real(p.params.real("leak"));
    s.weight = Real(p.params.real("weight"));
    return s;
  }
};

}  // namespace my
