#pragma once
// The built-in systems: one X(name) per lib/registry_<name>.cpp. Each of those files
// defines deer::builtin::register_<name>() with DEER_DEFINE_BUILTIN (one file per system,
// so the registrations compile in parallel and a change recompiles one system only).
#include <deer/registry.hpp>

#define DEER_BUILTIN_SYSTEMS(X)                                                        \
  X(gru) X(elman) X(lstm) X(multihead_gru) X(pendulum) X(van_der_pol) X(lotka_volterra) \
  X(robertson) X(lorenz63) X(neural_ode)

namespace deer::builtin {
#define DEER_DECLARE_BUILTIN(name) void register_##name();
DEER_BUILTIN_SYSTEMS(DEER_DECLARE_BUILTIN)
#undef DEER_DECLARE_BUILTIN
}  // namespace deer::builtin

#define DEER_DEFINE_BUILTIN(name, Spec) \
  void deer::builtin::register_##name() { ::deer::register_system<Spec>(); }
