// The `deer` command-line program (deer::driver_main): info, run, validate.
#include <deer/driver.hpp>

#include <CLI/CLI.hpp>
#include <Kokkos_Core.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <unistd.h>

#include <deer/backends.hpp>
#include <deer/case.hpp>
#include <deer/info.hpp>
#include <deer/output.hpp>
#include <deer/registry.hpp>
#include <deer/version.hpp>

namespace deer {

namespace {

struct CliOptions {
  std::string case_path, output, backend, method, precision;
  std::vector<std::string> sets;
  bool quiet = false, verbose = false;
};

// Interrupts and crashes: remove the half-written temporary output file, then let the
// signal do what it would have done (terminate, core dump). unlink, signal and raise are
// async-signal-safe.
extern "C" void on_signal(int sig) {
  const char* tmp = output::current_temporary_path();
  if (tmp && tmp[0]) unlink(tmp);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

std::shared_ptr<spdlog::logger> make_logger(const CliOptions& o) {
  auto log = spdlog::get("deer");
  if (!log) log = spdlog::stderr_color_mt("deer");
  log->set_pattern("[deer %l] %v");
  log->set_level(o.quiet ? spdlog::level::warn : o.verbose ? spdlog::level::debug : spdlog::level::info);
  return log;
}

int cmd_info() {
  const BuildInfo b = build_info();
  fmt::print("deer {}\n", b.deer_version);
  fmt::print("Kokkos {}\n", b.kokkos_version);
  fmt::print("build type: {}\n", b.build_type);
  fmt::print("execution spaces:\n");
  for (const auto& s : b.backends) fmt::print("  {:<8} concurrency {}\n", s.name, s.concurrency);
  fmt::print("default backend: {}\n", backend_name<Kokkos::DefaultExecutionSpace>());
  register_builtin_systems();
  fmt::print("systems:\n");
  for (const auto* e : Registry::instance().list()) {
    std::string refs;
    for (const auto& r : e->references) refs += (refs.empty() ? "" : ", ") + r.first;
    fmt::print("  {} ({}{}): {}\n", e->name, to_string(e->kind), refs.empty() ? "" : "; references: " + refs,
               e->description);
    for (const auto& p : e->parameters)
      fmt::print("    {:<14} = {:<12} {}\n", p.name, to_toml(p.default_value), p.help);
  }
  return 0;
}

// Loads the case with the command line's overrides applied, and checks the backend.
Case load(const CliOptions& o) {
  std::vector<std::string> sets = o.sets;
  auto quoted = [](const std::string& s) { return "\"" + s + "\""; };
  if (!o.method.empty()) sets.push_back("solver.method=" + quoted(o.method));
  if (!o.backend.empty()) sets.push_back("backend=" + quoted(o.backend));
  if (!o.precision.empty()) sets.push_back("precision=" + quoted(o.precision));
  Case c = load_case(o.case_path, sets);
  if (!o.output.empty()) c.output_path = o.output;
  const auto enabled = enabled_backends();
  if (std::find(enabled.begin(), enabled.end(), c.backend) == enabled.end()) {
    std::string names;
    for (const auto& b : enabled) names += (names.empty() ? "" : ", ") + b;
    const bool known = c.backend == "serial" || c.backend == "openmp" || c.backend == "cuda";
    throw CaseError("backend '" + c.backend + "' is " + (known ? "not enabled in this build of deer" : "unknown") +
                    " (enabled: " + names + "); choose one of those with --backend or backend = \"...\"" +
                    (known ? ", or rebuild deer against a Kokkos built with that backend" : ""));
  }
  return c;
}

output::Trajectory to_output(const Trajectory& t, const TimeGrid& g) {
  output::Trajectory o;
  o.name = t.name;
  o.method = t.method;
  o.status = t.status;
  o.backend = t.backend;
  o.iterations = t.iterations;
  o.fallback_ran = t.fallback_ran;
  o.substitutions = t.substitutions;
  o.wall_time_s = t.wall_time_s;
  o.residuals = t.residuals;
  o.error_estimate = t.error_estimate;
  o.time.resize(size_t(t.steps) + 1);
  for (int i = 0; i <= t.steps; ++i) o.time[size_t(i)] = g.time(i);
  o.value = t.value;
  o.batch = size_t(t.batch);
  o.n = size_t(t.n);
  return o;
}

output::Provenance provenance(const Case& c, const Problem& p, const std::string& method) {
  output::Provenance pv;
  pv.case_toml = to_toml(c, &p);
  pv.system = c.system;
  pv.method = method;
  pv.backend = c.backend;
  pv.precision = c.precision;
  pv.deer_version = DEER_VERSION_STRING;
  pv.kokkos_version = build_info().kokkos_version;
  return pv;
}

// The Writer, with an unwritable path reported as bad input.
std::unique_ptr<output::Writer> open_output(const std::string& path) {
  try {
    return std::make_unique<output::Writer>(path);
  } catch (const std::exception& e) {
    throw CaseError(e.what());
  }
}

// Sequences [b0, b1) of the problem as a problem of their own.
Problem slice(const Problem& p, int b0, int b1) {
  Problem q = p;
  q.batch = b1 - b0;
  const size_t in = size_t(p.input_steps) * p.shape.m, n = size_t(p.shape.n);
  q.inputs.assign(p.inputs.begin() + long(b0 * in), p.inputs.begin() + long(b1 * in));
  q.y0.assign(p.y0.begin() + long(b0 * n), p.y0.begin() + long(b1 * n));
  return q;
}

// Logs each Newton iteration as it ends: at debug level every one, at info level (the default)
// one every kProgressEvery seconds once a solve has run that long, so that a long solve shows
// it is moving.
constexpr double kProgressEvery = 2.0;
SolveSettings with_progress(spdlog::logger& log, const SolveSettings& s, const std::string& name) {
  using clock = std::chrono::steady_clock;
  SolveSettings o = s;
  const auto start = clock::now();
  auto last = std::make_shared<clock::time_point>(start);
  o.options.progress = [&log, name, start, last](const Progress& p) {
    const auto now = clock::now();
    const bool due = std::chrono::duration<double>(now - *last).count() >= kProgressEvery;
    const auto level = due ? spdlog::level::info : spdlog::level::debug;
    if (!log.should_log(level)) return;
    if (due) *last = now;
    const std::string where =
        p.steps_done > 0 ? fmt::format(" ({} of {} steps final)", p.steps_done, p.steps) : std::string();
    log.log(level, "{}: iteration {:>3} ({}): max scaled update {:.3e}{}, {:.1f} s", name, p.iteration,
            to_string(p.method), p.update, where, std::chrono::duration<double>(now - start).count());
  };
  return o;
}

// Solves in chunks of `batch_chunk` sequences (all at once when 0), logging each chunk, and
// merges the results: the worst status, the most iterations (with that chunk's residuals),
// the largest error estimate, summed substitutions and times. Live iteration lines name the
// chunk (each chunk's iterations count from 1).
Trajectory solve_chunked(spdlog::logger& log, const SystemEntry& e, const Problem& p, const SolveSettings& s,
                         const std::string& name, int batch_chunk) {
  if (batch_chunk <= 0 || batch_chunk >= p.batch) return e.solve(p, with_progress(log, s, name));
  const int chunks = (p.batch + batch_chunk - 1) / batch_chunk;
  Trajectory all;
  for (int k = 0; k < chunks; ++k) {
    const int b0 = k * batch_chunk, b1 = std::min(p.batch, b0 + batch_chunk);
    Trajectory t = e.solve(slice(p, b0, b1), with_progress(log, s, fmt::format("{} chunk {}/{}", name, k + 1, chunks)));
    log.info("{}: chunk {}/{} (sequences {}..{}): {} after {} iteration(s) in {:.3f} s", name, k + 1, chunks, b0,
             b1 - 1, t.status, t.iterations, t.wall_time_s);
    if (k == 0) {
      all = t;
      all.batch = p.batch;
      all.value.reserve(size_t(p.batch) * (p.time.steps + 1) * p.shape.n);
      continue;
    }
    all.value.insert(all.value.end(), t.value.begin(), t.value.end());
    if (all.status == "converged" && t.status != "converged") {
      all.status = t.status;
      all.message = t.message;
    }
    if (t.iterations > all.iterations) {
      all.iterations = t.iterations;
      all.residuals = t.residuals;
    }
    all.ok = all.ok && t.ok;
    all.fallback_ran = all.fallback_ran || t.fallback_ran;
    all.substitutions += t.substitutions;
    all.guess_run = std::max(all.guess_run, t.guess_run);
    all.wall_time_s += t.wall_time_s;
    all.error_estimate = std::max(all.error_estimate, t.error_estimate);
  }
  return all;
}

Trajectory solve_logged(spdlog::logger& log, const SystemEntry& e, const Problem& p, const SolveSettings& s,
                        const std::string& name, int batch_chunk) {
  log.info("{}: solving {} (batch {}, {} steps, n = {}, m = {}) with {} on {} in {}", name, e.name, p.batch,
           p.time.steps, p.shape.n, p.shape.m, to_string(s.options.method), s.backend, s.precision);
  Trajectory t = solve_chunked(log, e, p, s, name, batch_chunk);
  t.name = name;
  if (!t.residuals.empty()) log.debug("{}: estimated error left {:.3e} (tolerance units)", name, t.error_estimate);
  log.info("{}: {} after {} iteration(s) in {:.3f} s{}{}", name, t.status, t.iterations, t.wall_time_s,
           t.guess_run > 1 ? fmt::format(", first iterate in runs of {} steps", t.guess_run) : "",
           t.fallback_ran ? " (sequential fallback ran)" : "");
  if (!t.message.empty()) log.warn("{}: {}", name, t.message);
  return t;
}

int cmd_run(const CliOptions& o) {
  auto log = make_logger(o);
  const Case c = load(o);
  const Problem p = make_problem(c);
  const SystemEntry& e = Registry::instance().get(c.system);
  auto out = open_output(c.output_path);

  SolveSettings s{c.backend, c.precision, solver_options(c)};
  Trajectory t;
  try {
    t = solve_logged(*log, e, p, s, c.solver.method == "auto" ? "auto" : c.solver.method, c.solver.batch_chunk);
  } catch (const std::invalid_argument& ex) {
    throw CaseError(ex.what());  // sizes the system cannot take, non-finite y0, ...
  }
  if (c.solver.method == "auto") t.name = t.method;

  out->write_parameters(provenance(c, p, t.method));
  out->write_inputs(p.inputs, size_t(p.batch), size_t(p.input_steps), size_t(p.shape.m));
  out->write_trajectory(output::subsample(to_output(t, p.time), c.output_every));
  out->commit();

  if (!o.quiet) {
    fmt::print("system      {} (batch {}, {} steps, n = {}, m = {})\n", c.system, p.batch, p.time.steps, p.shape.n,
               p.shape.m);
    fmt::print("method      {} on {}, {}\n", t.method, t.backend, c.precision);
    fmt::print("status      {}{}\n", t.status, t.fallback_ran ? " (sequential fallback ran)" : "");
    fmt::print("iterations  {}\n", t.iterations);
    if (!t.residuals.empty()) {
      fmt::print("residual    {:.3e} (final max scaled update, tolerance units)\n", t.residuals.back());
      fmt::print("error       {:.3e} (estimated error left, tolerance units; converged: <= 1)\n", t.error_estimate);
    }
    fmt::print("wall time   {:.4f} s\n", t.wall_time_s);
    fmt::print("output      {}\n", c.output_path);
  }
  if (!t.ok) {
    log->error("the {} solve failed ({}); {}", t.method, t.status,
               t.message.empty() ? "try solver.method = \"damped_deer\" or raise solver.max_iterations" : t.message);
    return 1;
  }
  return 0;
}

// Max errors of `a` against the reference `r` and whether |a - r| <= atol + rtol |r| everywhere.
output::ComparisonRow compare(const Trajectory& a, const Trajectory& r, double atol, double rtol) {
  output::ComparisonRow row;
  row.name = a.name;
  row.atol = atol;
  row.rtol = rtol;
  row.passed = a.value.size() == r.value.size();
  if (!row.passed) {
    row.max_abs_error = row.max_rel_error = INFINITY;
    return row;
  }
  for (size_t k = 0; k < a.value.size(); ++k) {
    const double d = std::fabs(a.value[k] - r.value[k]), ref = std::fabs(r.value[k]);
    if (!(d <= atol + rtol * ref)) row.passed = false;  // NaN fails too
    if (!(d <= row.max_abs_error)) row.max_abs_error = d;
    if (ref > atol && !(d / ref <= row.max_rel_error)) row.max_rel_error = d / ref;
  }
  return row;
}

int cmd_validate(const CliOptions& o) {
  auto log = make_logger(o);
  const Case c = load(o);
  const Problem p = make_problem(c);
  const SystemEntry& e = Registry::instance().get(c.system);
  auto out = open_output(c.output_path);

  // The parallel method under test: the case's, unless that is sequential or auto.
  SolveSettings par{c.backend, c.precision, solver_options(c)};
  if (par.options.method == Method::sequential || par.options.method == Method::automatic)
    par.options.method = Method::deer;
  SolveSettings seq = par;
  seq.options.method = Method::sequential;

  std::vector<Trajectory> trajs;
  try {
    trajs.push_back(solve_logged(*log, e, p, seq, "sequential", c.solver.batch_chunk));
    trajs.push_back(solve_logged(*log, e, p, par, to_string(par.options.method), c.solver.batch_chunk));
  } catch (const std::invalid_argument& ex) {
    throw CaseError(ex.what());
  }
  for (const auto& ref : e.references) {
    log->info("{}: running the SUNDIALS reference on the host", ref.first);
    Trajectory t = ref.second(p, c.validate.sundials_rtol, c.validate.sundials_atol);
    t.name = ref.first;
    if (t.status == "not_applicable") {
      log->info("{}: skipped ({})", ref.first, t.message);
      continue;
    }
    log->info("{}: {} in {:.3f} s", ref.first, t.status, t.wall_time_s);
    trajs.push_back(std::move(t));
  }

  const Trajectory& reference = trajs.front();
  std::vector<output::ComparisonRow> rows;
  bool all_passed = reference.ok;
  for (size_t k = 1; k < trajs.size(); ++k) {
    const bool is_ref = k >= 2;
    const bool loose = is_ref && !trajs[k].same_discretization;  // CVODE: plus the discretization error
    auto row = compare(trajs[k], reference, loose ? c.validate.reference_atol : c.validate.atol,
                       loose ? c.validate.reference_rtol : c.validate.rtol);
    // A parallel solve that did not converge only matches through its fallback: not a pass.
    if (!is_ref && trajs[k].status != "converged") row.passed = false;
    if (is_ref && trajs[k].status != "converged") row.passed = false;
    all_passed = all_passed && row.passed;
    rows.push_back(row);
  }

  out->write_parameters(provenance(c, p, trajs[1].method));
  out->write_inputs(p.inputs, size_t(p.batch), size_t(p.input_steps), size_t(p.shape.m));
  for (const auto& t : trajs) out->write_trajectory(output::subsample(to_output(t, p.time), c.output_every));
  out->write_comparison(reference.name, rows);
  out->commit();

  if (!o.quiet) {
    fmt::print("validate {} (batch {}, {} steps, n = {}) on {}, {}; reference: {}\n", c.system, p.batch, p.time.steps,
               p.shape.n, c.backend, c.precision, reference.name);
    fmt::print("{:<14} {:<14} {:>6} {:>10} {:>12} {:>12} {:>20}  {}\n", "trajectory", "status", "iters", "wall s",
               "max abs err", "max rel err", "tolerance atol/rtol", "result");
    fmt::print("{:<14} {:<14} {:>6} {:>10.4f} {:>12} {:>12} {:>20}  {}\n", reference.name, reference.status,
               reference.iterations, reference.wall_time_s, "-", "-", "(reference)", reference.ok ? "" : "FAIL");
    for (size_t k = 1; k < trajs.size(); ++k) {
      const auto& t = trajs[k];
      const auto& r = rows[k - 1];
      fmt::print("{:<14} {:<14} {:>6} {:>10.4f} {:>12.3e} {:>12.3e} {:>20}  {}\n", t.name, t.status, t.iterations,
                 t.wall_time_s, r.max_abs_error, r.max_rel_error, fmt::format("{:.0e}/{:.0e}", r.atol, r.rtol),
                 r.passed ? "pass" : "FAIL");
    }
    fmt::print("output: {}\n", c.output_path);
  }
  if (!all_passed) {
    log->error("validation failed: an error exceeds the case's tolerances (or a solve did not converge); "
               "see the table above, [validate] in the case sets the tolerances");
    return 1;
  }
  return 0;
}

}  // namespace

int driver_main(int argc, char** argv) {
  CliOptions o;
  CLI::App app{"deer: parallel evaluation of sequential models (DEER)"};
  app.require_subcommand(1);
  app.fallthrough();
  app.add_flag("-q,--quiet", o.quiet, "only warnings and errors");
  app.add_flag("-v,--verbose", o.verbose, "also log every Newton iteration");
  auto* info = app.add_subcommand("info", "versions, backends and their concurrency, registered systems");
  auto add_case_options = [&](CLI::App* sub) {
    sub->add_option("case", o.case_path, "case file (TOML; see docs/case-files.md)")->required();
    sub->add_option("-o,--output", o.output, "output HDF5 file (default: output.path of the case)");
    sub->add_option("--backend", o.backend, "serial, openmp or cuda (default: the case's, else Kokkos' default)");
    sub->add_option("--precision", o.precision, "float64 or float32");
    sub->add_option("--set", o.sets, "override a case key, e.g. --set solver.max_iterations=50 (repeatable)")
        ->allow_extra_args(false);
  };
  auto* run = app.add_subcommand("run", "run a case and write its HDF5 output");
  add_case_options(run);
  run->add_option("--method", o.method, "deer, quasi_deer, damped_deer, picard, sequential or auto");
  auto* validate = app.add_subcommand(
      "validate", "run the parallel method, the sequential reference (and SUNDIALS for ODEs) and compare them");
  add_case_options(validate);
  validate->add_option("--method", o.method, "the parallel method to validate (default: the case's, else deer)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT, SIGILL}) std::signal(sig, on_signal);
  const bool own_kokkos = !Kokkos::is_initialized();
  if (own_kokkos) {
    // Kokkos reads its settings from the environment (OMP_NUM_THREADS, ...), not from our argv.
    int kargc = 1;
    char* kargv[] = {argv[0], nullptr};
    Kokkos::initialize(kargc, kargv);
  }
  int rc = 0;
  try {
    if (*info) rc = cmd_info();
    else if (*run) rc = cmd_run(o);
    else if (*validate) rc = cmd_validate(o);
  } catch (const CaseError& e) {
    fmt::print(stderr, "deer: error: {}\n", e.what());
    rc = 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "deer: error: {}\n", e.what());
    rc = 3;
  }
  if (own_kokkos) Kokkos::finalize();
  return rc;
}

}  // namespace deer
