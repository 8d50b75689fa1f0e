#pragma once
// Umbrella header: everything a user needs to define a system and solve it.
#include <deer/compat.hpp>
#include <deer/dual.hpp>
#include <deer/math.hpp>
#include <deer/options.hpp>
#include <deer/scan.hpp>
#include <deer/sequence.hpp>
#include <deer/solve.hpp>
#include <deer/system.hpp>
#include <deer/version.hpp>
#include <deer/workspace.hpp>
