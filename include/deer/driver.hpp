#pragma once
// The `deer` command-line program as a library call, so that projects registering their
// own systems get the whole driver:
//
//   #include <deer/driver.hpp>
//   #include <deer/registry.hpp>
//   DEER_REGISTER_SYSTEM(MySpec)
//   int main(int argc, char** argv) { return deer::driver_main(argc, argv); }
//
// Subcommands: info, run, validate (docs/user-guide.md). Exit codes: 0 success; 1 the
// solver did not converge or validation found errors above tolerance (the output file is
// written and records it); 2 bad input (case file, options, input data, output path; no
// output file is left); 3 any other failure. Initializes Kokkos unless the caller did.
namespace deer {

int driver_main(int argc, char** argv);

}  // namespace deer
