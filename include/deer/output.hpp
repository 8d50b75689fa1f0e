#pragma once
// The HDF5 output file of the `deer` driver (schema: docs/hdf5-schema.md).
//
//   deer::output::Writer w("run.h5");      // creates run.h5.tmp-<pid> right away (fails early)
//   w.write_parameters(provenance);
//   w.write_inputs(x, batch, T, m);
//   w.write_trajectory(traj, every);
//   w.write_comparison("sequential", rows);
//   w.commit();                            // closes and renames to run.h5
//
// A Writer destroyed without commit() removes its temporary file, so a failed run leaves
// nothing behind at either name. Every HDF5 call is checked; failures throw
// std::runtime_error naming the file, the object and what to do.
#include <memory>
#include <string>
#include <vector>

namespace deer::output {

struct Provenance {
  std::string case_toml;  // the fully resolved case, as TOML
  std::string system, method, backend, precision;
  std::string deer_version, kokkos_version;
  std::string created;  // ISO 8601 UTC; filled with the current time when empty
};

// One trajectory as stored under /trajectories/<name>.
struct Trajectory {
  std::string name;                // deer, sequential, cvode, ...
  std::string method, status, backend;
  int iterations = 0;
  bool fallback_ran = false;
  long substitutions = 0;
  double wall_time_s = 0.0;
  std::vector<double> residuals;   // per iteration (empty for sequential / references)
  double error_estimate = 0.0;     // of the last iterate, tolerance units (deer::Result)
  std::vector<double> time;        // (K,) time of every state, t0 first
  std::vector<double> value;       // (batch, K, n) row-major, y0 first
  size_t batch = 0, n = 0;
};

struct ComparisonRow {
  std::string name;  // the compared trajectory
  double max_abs_error = 0, max_rel_error = 0, atol = 0, rtol = 0;
  bool passed = false;
};

// Keeps states 0, every, 2*every, ... of a trajectory (time and value alike).
Trajectory subsample(const Trajectory& t, int every);

// The current UTC time as 2026-01-31T12:00:00Z.
std::string iso_time_now();

class Writer {
 public:
  explicit Writer(const std::string& path);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void write_parameters(const Provenance& p);
  void write_inputs(const std::vector<double>& x, size_t batch, size_t T, size_t m);
  void write_trajectory(const Trajectory& t);
  void write_comparison(const std::string& reference, const std::vector<ComparisonRow>& rows);
  // Flushes, closes and renames the temporary file to the final path.
  void commit();
  // Closes and deletes the temporary file (also done by the destructor without commit()).
  void abandon() noexcept;

  const std::string& path() const { return path_; }
  const std::string& temporary_path() const { return tmp_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_, tmp_;
  bool done_ = false;
};

// Path of the temporary file of the Writer currently open in this process (empty if none);
// a signal handler may unlink it (the driver does on SIGINT/SIGTERM).
const char* current_temporary_path() noexcept;

}  // namespace deer::output
