// Registration of the Lorenz-63 system (deer::ode::Lorenz63).
#include <deer/ode/systems.hpp>

#include "registry_builtin.hpp"
#include "registry_ode.hpp"

namespace {
struct Lorenz63Def {
  static constexpr const char* name = "lorenz63";
  static constexpr const char* description =
      "Lorenz-63 x' = sigma (y - x), y' = x (rho - z) - y, z' = x y - beta z (chaotic for the defaults: "
      "keep t1 short or use damped_deer)";
  using Schemes = std::tuple<deer::ode::Rk4, deer::ode::Trapezoidal>;
  static std::vector<deer::ParamSpec> parameters() {
    return {{"sigma", 10.0, "Prandtl number"}, {"rho", 28.0, "Rayleigh number"}, {"beta", 8.0 / 3.0, "geometry factor"}};
  }
  static int state_size(const deer::ParamValues&) { return 3; }
  static constexpr int input_size = 0;
  static std::vector<double> initial_state(const deer::ParamValues&) { return {1.0, 1.0, 1.0}; }
  template <class Real, class Mem>
  static auto rhs(const deer::Problem& p) {
    deer::ode::Lorenz63<Real> f;
    f.sigma = Real(p.params.real("sigma"));
    f.rho = Real(p.params.real("rho"));
    f.beta = Real(p.params.real("beta"));
    return f;
  }
};
}  // namespace

DEER_DEFINE_BUILTIN(lorenz63, deer::builtin::OdeSpec<Lorenz63Def>)
