// The whole `deer` program, plus the system of this project.
#include <deer/driver.hpp>

#include "leaky_tanh.hpp"

DEER_REGISTER_SYSTEM(my::LeakyTanhSpec)

int main(int argc, char** argv) { return deer::driver_main(argc, argv); }
