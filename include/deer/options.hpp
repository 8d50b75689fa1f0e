#pragma once
// Solver options and results: one small options object in, one result out; the library
// never prints, failures carry advice in Result::message.
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace deer {

enum class StepOrder { automatic, batch_first, interleaved };
enum class ScanAlgorithm { automatic, chunked, one_pass };
enum class Method { sequential, deer, quasi_deer, damped_deer, picard, automatic };
// one_step: every step taken once from y0, y_i = f_i(y0); automatic: one_step for DEER and
// damped DEER, broadcast_y0 for quasi-DEER and Picard (docs/solvers.md, Initial guesses).
enum class InitialGuess { broadcast_y0, zeros, user, one_step, automatic };
enum class NonFinitePolicy { substitute, stop };
// stalled: the Newton updates stopped shrinking (newton.hpp, GiveUp), which near the tolerance is
// usually the rounding floor of the precision over a long trajectory.
enum class Status { converged, max_iterations, non_finite, diverged, stalled };

inline const char* to_string(Method m) {
  switch (m) {
    case Method::sequential: return "sequential";
    case Method::deer: return "deer";
    case Method::quasi_deer: return "quasi_deer";
    case Method::damped_deer: return "damped_deer";
    case Method::picard: return "picard";
    case Method::automatic: return "auto";
  }
  return "unknown";
}
inline const char* to_string(Status s) {
  switch (s) {
    case Status::converged: return "converged";
    case Status::max_iterations: return "max_iterations";
    case Status::non_finite: return "non_finite";
    case Status::diverged: return "diverged";
    case Status::stalled: return "stalled";
  }
  return "unknown";
}
// The first iterate a parallel method starts from: Options::initial_guess with automatic
// resolved (one_step where an iteration costs several evaluations, DEER's Jacobians and scan,
// so that one pass of evaluations for an iteration fewer pays; quasi-DEER's and Picard's cost
// about one, H200 session 17: GRU n=16 quasi-DEER 10.8 -> 12.6 ms). step_map: whether the
// system has one (solve_continuous has none and starts one_step from the broadcast).
inline InitialGuess resolved_guess(InitialGuess g, Method m, bool step_map) {
  if (g == InitialGuess::automatic)
    g = m == Method::deer || m == Method::damped_deer ? InitialGuess::one_step : InitialGuess::broadcast_y0;
  return g == InitialGuess::one_step && !step_map ? InitialGuess::broadcast_y0 : g;
}
inline Method method_from_string(const std::string& s) {
  for (Method m : {Method::sequential, Method::deer, Method::quasi_deer, Method::damped_deer, Method::picard,
                   Method::automatic})
    if (s == to_string(m)) return m;
  throw std::invalid_argument("unknown method '" + s +
                              "'; use one of: sequential, deer, quasi_deer, damped_deer, picard, auto");
}

// What Options::progress is told after each Newton iteration.
struct Progress {
  Method method = Method::deer;  // the iteration's method (Auto's quasi-DEER first: quasi_deer, then deer)
  int iteration = 0;             // 1, 2, ... over the whole solve (every window, both of Auto's phases)
  double update = 0.0;           // its max scaled update, tolerance units (<= 1: converged)
  int steps_done = 0;            // steps already final in every sequence (windows before this one)
  int steps = 0;                 // T
};

struct Options {
  Method method = Method::automatic;
  // Tolerances, elementwise: atol + rtol*|y|. Converged when every element of the Newton
  // update is within them, or when the rate at which the updates shrink puts the error left
  // in the new iterate within a tenth of them (Result::error_estimate; docs/solvers.md).
  // Negative means the default for the precision (double: 1e-10 / 1e-10, float: 1e-5 / 1e-5).
  double atol = -1.0;
  double rtol = -1.0;
  int max_iterations = 100;
  // The first Newton iterate: automatic, one_step (every step taken once from y0;
  // solve_continuous, which has no step map, starts from the broadcast y0 instead),
  // broadcast_y0, zeros, or user (the output trajectory passed to solve() holds the initial
  // guess: a warm start).
  InitialGuess initial_guess = InitialGuess::automatic;
  // one_step in runs: every step of the first iterate is reached by a run of at least this
  // many steps taken in sequence from y0, y_i = f_i(y_{i-1}) within the run (fewer only where
  // the sequence starts; 1: every step from y0). A system that forgets its start carries more of
  // the trajectory into the first iterate with longer runs, which can save DEER iterations.
  // Where DEER's scan runs in one pass, its first iteration takes the runs itself; elsewhere a
  // pass of runs comes first. 0 (default): measured before the solve, as the steps after which
  // runs from y0 and from elsewhere agree within a tenth of the tolerance on samples of the
  // sequence; 1 where they do not within 256 steps (or T/16), or T < 1024 (Result::guess_run
  // tells; docs/solvers.md, Initial guesses; measured there).
  int guess_run = 0;
  NonFinitePolicy non_finite = NonFinitePolicy::substitute;
  double substitute_value = 0.0;
  bool fallback = true;          // run Sequential when the parallel method fails
  bool check_inputs = true;      // reject NaN/Inf in inputs and y0 before solving
  int chunk = 0;                 // scan chunk length; 0 = backend default
  // Order of the Newton iterates in memory (layout.hpp): automatic = interleaved on GPUs,
  // batch_first on the host. Results do not depend on it beyond rounding.
  StepOrder step_order = StepOrder::automatic;
  // The affine scan under each iteration (scan.hpp): automatic = one pass with look-back for
  // diagonal Jacobians on GPUs (quasi-DEER, Picard, k = 1 systems), chunked otherwise.
  // one_pass with a block size above 1 is an error.
  ScanAlgorithm scan = ScanAlgorithm::automatic;
  // DampedDeer: Jacobians are scaled by beta in (0, 1] (1 = Newton, 0 = Picard). A step is
  // accepted only if the new trajectory is finite and has a smaller fixed-point residual
  // max |y_i - f(y_{i-1})| (tolerance units) than the current one; otherwise it is retried
  // with beta/4. An accepted step doubles beta (up to 1); below damping_min the step is
  // pure Picard, which is always accepted. Costs one extra f evaluation pass per step.
  double damping_min = 1e-3;
  // An update larger than this (in tolerance units) stops the iteration as diverged.
  double divergence_threshold = 1e30;
  // Steps per window (0: the whole sequence at once). With a window, the parallel methods solve
  // consecutive windows one after another, each from the last state of the one before. Newton
  // linearizes around a guess; over a long horizon of an unstable system the linearized
  // recurrence grows past what floats hold and the iteration diverges, while a short window
  // converges. A window that fails is retried shorter (down to 16 steps) and the length grows
  // back after successes, so this is the longest window. Parallelism per window is
  // batch x window steps.
  int window = 0;
  // Called on the calling thread after every Newton iteration (rejected damped steps too), for
  // logs and progress bars on long solves; not called by the sequential method, which is one
  // kernel. It must not throw: a step launched ahead may be in flight when it is called.
  std::function<void(const Progress&)> progress;

  template <class Real>
  double atol_for() const { return atol >= 0 ? atol : (sizeof(Real) >= 8 ? 1e-10 : 1e-5); }
  template <class Real>
  double rtol_for() const { return rtol >= 0 ? rtol : (sizeof(Real) >= 8 ? 1e-10 : 1e-5); }
};

template <class View>
struct Result {
  View y;                                  // the trajectory (batch, T, n)
  Status status = Status::converged;       // of the requested method (before any fallback)
  // The method that was asked for, after Auto resolved; Auto's quasi-DEER that DEER took over
  // from reports deer (solve.hpp, detail::quasi_first).
  Method method = Method::sequential;
  int iterations = 0;                      // scans run (rejected damped steps included), all windows
  int windows = 1;                         // windows solved (Options::window; retries not counted)
  std::vector<double> residuals;           // max scaled update per iteration
  // The last iterate's estimated max error in tolerance units: for DEER's Newton steps in
  // their quadratic phase, from the rate at which the updates shrink (newton.hpp,
  // error_left); otherwise the last update. Converged: the last update <= 1 or this <= 0.1.
  double error_estimate = 0.0;
  long substitutions = 0;                  // non-finite values replaced in iterates
  // The first iterate's run length (Options::guess_run, as measured where it was 0; the longest
  // over windows); 0 where the first iterate was not one_step (a broadcast, a warm start).
  int guess_run = 0;
  bool fallback_ran = false;               // y comes from Sequential after a failure
  std::string message;                     // advice when status != converged
  // The returned trajectory can be trusted: converged, or recomputed sequentially.
  bool ok() const { return status == Status::converged || (fallback_ran && sequential_ok); }
  bool sequential_ok = true;               // Sequential (or the fallback) produced finite values
};

}  // namespace deer
