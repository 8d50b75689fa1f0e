// Registration of the neural ODE f(y) = W2 tanh(W1 y + b1) + b2 - decay y (deer::ode::NeuralOde).
#include <cmath>
#include <stdexcept>
#include <string>

#include <deer/ode/systems.hpp>

#include "registry_builtin.hpp"
#include "registry_cells.hpp"
#include "registry_ode.hpp"

namespace {
struct NeuralOdeDef {
  static constexpr const char* name = "neural_ode";
  static constexpr const char* description =
      "neural ODE y' = W2 tanh(W1 y + b1) + b2 - decay y (one hidden layer, nn.Linear conventions)";
  using Schemes = std::tuple<deer::ode::Rk4, deer::ode::Trapezoidal>;
  static std::vector<deer::ParamSpec> parameters() {
    return {{"state", 2L, "state size n (<= 8)"},
            {"hidden", 16L, "hidden units H (<= 64)"},
            {"seed", 1L, "seed of the random weights when no weights file is given"},
            {"weights", std::string(), "HDF5 file with W1 (H, n), b1 (H), W2 (n, H), b2 (n); empty: random"},
            {"group", std::string("neural_ode"), "group inside the weights file"},
            {"decay", 0.0, "leak: y' gets - decay * y (0: the plain network; large enough, the flow contracts)"}};
  }
  static int state_size(const deer::ParamValues& p) {
    p.integer_in("hidden", 1, 64);
    return p.integer_in("state", 1, 8);
  }
  static constexpr int input_size = 0;
  static std::vector<double> initial_state(const deer::ParamValues& p) {
    return std::vector<double>(size_t(p.integer("state")), 0.5);
  }
  template <class Real, class Mem>
  static auto rhs(const deer::Problem& p) {
    using F = deer::ode::NeuralOde<Real, Mem>;
    const int n = int(p.params.integer("state")), H = int(p.params.integer("hidden"));
    const auto w = deer::builtin::cell_weights(p, [&](unsigned long seed) { return F::random_parameters(n, H, seed); });
    F f = F::from_parameters(w);
    const double decay = p.params.real("decay");
    if (!std::isfinite(decay))
      throw std::invalid_argument("neural_ode: parameter 'decay' must be a finite number (got " + std::to_string(decay) + ")");
    f.decay = Real(decay);
    if (f.n != n || f.H != H)
      throw std::invalid_argument("neural_ode: the weights file holds n = " + std::to_string(f.n) + ", H = " +
                                  std::to_string(f.H) + " but the case says state = " + std::to_string(n) +
                                  ", hidden = " + std::to_string(H) + "; make them agree");
    return f;
  }
};
}  // namespace

DEER_DEFINE_BUILTIN(neural_ode, deer::builtin::OdeSpec<NeuralOdeDef>)
