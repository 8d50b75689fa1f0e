#pragma once
// Case files: what to run, in TOML (reference: docs/case-files.md).
//
//   deer::Case c = deer::load_case("data/cases/gru.toml", {"solver.method=sequential"});
//   deer::Problem p = deer::make_problem(c);   // inputs and y0 generated / read, checked
//
// Every key is checked: unknown keys, wrong types and missing fields throw deer::CaseError
// whose message names the key and where it is (file:line).
#include <stdexcept>
#include <string>
#include <vector>

#include <deer/registry.hpp>

namespace deer {

// A mistake in the user's input (case file, --set, input data): the driver exits with 2.
class CaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CaseInputs {
  std::string kind = "zeros";  // zeros, sine, noise, file
  // sine: amplitude * sin(2 pi frequency t + phase + j feature_shift), t the step's time
  double amplitude = 1.0, frequency = 0.05, phase = 0.0, feature_shift = 0.5;
  // noise: Normal(mean, std) from std::mt19937_64(seed)
  double mean = 0.0, std = 1.0;
  long seed = 0;
  // file: CSV (rows = steps, columns = features) or HDF5 dataset (T, m) / (batch, T, m)
  std::string path, dataset;
};

struct CaseSolver {
  std::string method = "deer";  // deer, quasi_deer, damped_deer, picard, sequential, auto
  double atol = -1.0, rtol = -1.0;  // < 0: the precision's default (1e-10 / 1e-5)
  int max_iterations = 100;
  bool fallback = true;
  std::string initial_guess = "auto";   // auto, one_step, y0 (broadcast) or zeros
  int guess_run = 0;                    // one_step in runs of at least this many steps (Options::guess_run; 0: measured)
  std::string non_finite = "substitute";  // substitute or stop
  int chunk = 0;                        // scan chunk, 0 = backend default
  std::string scan = "auto";            // auto, chunked or one_pass (Options::scan)
  int batch_chunk = 0;                  // solve this many sequences at a time (0: all); bounds memory, shows progress
  int window = 0;                       // Newton over windows of this many steps (0: whole sequence; Options::window)
};

struct CaseValidate {
  double atol = -1.0, rtol = -1.0;  // parallel vs sequential; < 0: 1e-6 (float64) / 1e-3 (float32)
  double reference_atol = 1e-3, reference_rtol = 1e-3;  // SUNDIALS vs sequential (discretization error)
  double sundials_atol = 1e-12, sundials_rtol = 1e-10;  // the SUNDIALS integrators' own tolerances
};

struct Case {
  std::string source;  // the file it came from
  std::string title;
  std::string system;
  ParamValues params;              // every parameter, defaults filled in
  std::vector<double> y0;          // n values (broadcast) or batch*n; empty: the system's default
  int batch = 1;
  // Time grid as given (-1 / NaN: not given), resolved in make_problem().
  double t0 = 0.0, t1 = -1.0, dt = -1.0;
  int steps = -1;
  CaseInputs inputs;
  CaseSolver solver;
  std::string backend;             // empty: Kokkos' default execution space
  std::string precision = "float64";
  std::string output_path;         // empty: <case file stem>.h5
  int output_every = 1;
  CaseValidate validate;
};

// Reads and checks a case file; `sets` are "dotted.key=value" overrides applied first
// (value in TOML syntax; a bare word is taken as a string).
Case load_case(const std::string& path, const std::vector<std::string>& sets = {});

// Generates or reads the inputs and y0 and resolves the time grid; checks dimensions and
// that inputs are finite. The system must be registered.
Problem make_problem(const Case& c);

// Solver options of the case.
Options solver_options(const Case& c);

// The fully resolved case (defaults and overrides filled in) as TOML.
std::string to_toml(const Case& c, const Problem* resolved = nullptr);

}  // namespace deer
