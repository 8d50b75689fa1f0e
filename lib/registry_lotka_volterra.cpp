// Registration of the Lotka-Volterra predator-prey model (deer::ode::LotkaVolterra).
#include <deer/ode/systems.hpp>

#include "registry_builtin.hpp"
#include "registry_ode.hpp"

namespace {
struct LotkaVolterraDef {
  static constexpr const char* name = "lotka_volterra";
  static constexpr const char* description = "Lotka-Volterra x' = a x - b x y, y' = d x y - g y; state [prey, predator]";
  using Schemes = std::tuple<deer::ode::Rk4, deer::ode::Trapezoidal>;
  static std::vector<deer::ParamSpec> parameters() {
    return {{"a", 1.5, "prey growth rate"},
            {"b", 1.0, "predation rate"},
            {"d", 1.0, "predator growth per prey"},
            {"g", 3.0, "predator death rate"}};
  }
  static int state_size(const deer::ParamValues&) { return 2; }
  static constexpr int input_size = 0;
  static std::vector<double> initial_state(const deer::ParamValues&) { return {4.0, 2.0}; }
  template <class Real, class Mem>
  static auto rhs(const deer::Problem& p) {
    deer::ode::LotkaVolterra<Real> f;
    f.a = Real(p.params.real("a"));
    f.b = Real(p.params.real("b"));
    f.d = Real(p.params.real("d"));
    f.g = Real(p.params.real("g"));
    return f;
  }
};
}  // namespace

DEER_DEFINE_BUILTIN(lotka_volterra, deer::builtin::OdeSpec<LotkaVolterraDef>)
