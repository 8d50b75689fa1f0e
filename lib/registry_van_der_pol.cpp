// Registration of the Van der Pol oscillator (deer::ode::VanDerPol).
#include <deer/ode/systems.hpp>

#include "registry_builtin.hpp"
#include "registry_ode.hpp"

namespace {
struct VanDerPolDef {
  static constexpr const char* name = "van_der_pol";
  static constexpr const char* description =
      "Van der Pol oscillator x'' = mu (1 - x^2) x' - x; state [x, x'] (mu = 1 smooth, large mu stiff)";
  using Schemes = std::tuple<deer::ode::Rk4, deer::ode::Trapezoidal>;
  static std::vector<deer::ParamSpec> parameters() { return {{"mu", 1.0, "nonlinear damping"}}; }
  static int state_size(const deer::ParamValues&) { return 2; }
  static constexpr int input_size = 0;
  static std::vector<double> initial_state(const deer::ParamValues&) { return {2.0, 0.0}; }
  template <class Real, class Mem>
  static auto rhs(const deer::Problem& p) {
    deer::ode::VanDerPol<Real> f;
    f.mu = Real(p.params.real("mu"));
    return f;
  }
};
}  // namespace

DEER_DEFINE_BUILTIN(van_der_pol, deer::builtin::OdeSpec<VanDerPolDef>)
