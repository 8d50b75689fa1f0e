// Registration of Robertson's stiff chemical kinetics (deer::ode::Robertson).
#include <deer/ode/systems.hpp>

#include "registry_builtin.hpp"
#include "registry_ode.hpp"

namespace {
struct RobertsonDef {
  static constexpr const char* name = "robertson";
  static constexpr const char* description =
      "Robertson's stiff chemical kinetics (3 species, rates k1, k2, k3); implicit schemes only";
  using Schemes = std::tuple<deer::ode::ImplicitEuler, deer::ode::Trapezoidal>;
  static std::vector<deer::ParamSpec> parameters() {
    return {{"k1", 0.04, "rate of A -> B"}, {"k2", 3e7, "rate of 2B -> B + C"}, {"k3", 1e4, "rate of B + C -> A + C"}};
  }
  static int state_size(const deer::ParamValues&) { return 3; }
  static constexpr int input_size = 0;
  static std::vector<double> initial_state(const deer::ParamValues&) { return {1.0, 0.0, 0.0}; }
  template <class Real, class Mem>
  static auto rhs(const deer::Problem& p) {
    deer::ode::Robertson<Real> f;
    f.k1 = Real(p.params.real("k1"));
    f.k2 = Real(p.params.real("k2"));
    f.k3 = Real(p.params.real("k3"));
    return f;
  }
};
}  // namespace

DEER_DEFINE_BUILTIN(robertson, deer::builtin::OdeSpec<RobertsonDef>)
