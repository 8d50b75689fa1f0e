#pragma once
// Umbrella header for deer's ODE layer (see docs/ode.md).
#include <deer/ode/deer_ode.hpp>
#include <deer/ode/discretize.hpp>
#include <deer/ode/linalg.hpp>
#include <deer/ode/reference.hpp>
#include <deer/ode/rhs.hpp>
#include <deer/ode/systems.hpp>
#include <deer/ode/validate.hpp>
