// Registration of the driven damped pendulum (deer::ode::DampedPendulum).
#include <deer/ode/systems.hpp>

#include "registry_builtin.hpp"
#include "registry_ode.hpp"

namespace {
struct PendulumDef {
  static constexpr const char* name = "pendulum";
  static constexpr const char* description =
      "driven damped pendulum theta'' = -gamma theta' - omega0^2 sin(theta) + drive cos(drive_frequency t) + u(t); "
      "state [theta, theta'], input u";
  using Schemes = std::tuple<deer::ode::Rk4, deer::ode::Trapezoidal>;
  static std::vector<deer::ParamSpec> parameters() {
    return {{"gamma", 0.5, "damping"},
            {"omega0", 1.0, "natural frequency"},
            {"drive", 0.5, "amplitude of the periodic drive (>~1.1 is chaotic)"},
            {"drive_frequency", 2.0 / 3.0, "angular frequency of the drive"}};
  }
  static int state_size(const deer::ParamValues&) { return 2; }
  static constexpr int input_size = 1;
  static std::vector<double> initial_state(const deer::ParamValues&) { return {1.0, 0.0}; }
  template <class Real, class Mem>
  static auto rhs(const deer::Problem& p) {
    deer::ode::DampedPendulum<Real> f;
    const double w0 = p.params.real("omega0");
    f.gamma = Real(p.params.real("gamma"));
    f.w0sq = Real(w0 * w0);
    f.drive = Real(p.params.real("drive"));
    f.omega = Real(p.params.real("drive_frequency"));
    return f;
  }
};
}  // namespace

DEER_DEFINE_BUILTIN(pendulum, deer::builtin::OdeSpec<PendulumDef>)
