// The deer command-line program: everything lives in deer::driver_main (lib/driver.cpp),
// so projects with their own systems get the same program (examples/external_system).
#include <deer/driver.hpp>

int main(int argc, char** argv) { return deer::driver_main(argc, argv); }
