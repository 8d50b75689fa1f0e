// deer-bench: side-by-side timings on one backend, in one process. For every case it
// prints and writes (JSON) the sequential kernel's time, each DEER variant's time,
// Newton iterations, max error against sequential, peak device memory and effective
// bandwidth next to the device-to-device copy bandwidth measured in the same run.
//   deer-bench [--json FILE] [--quick] [--case NAME ...] [--reps N] [--sweep]
// --no-reference skips the sequential run (max_rel_err is then -1, the speedup 0).
// --profile prints the time per kernel of one extra call of each case.
// --method NAME (repeatable) times only those parallel methods.
// --scan forces the scan algorithm of the solves that can run either (diagonal pairs:
// quasi-DEER, k = 1 systems; 2x2 blocks of systems with max_block 2).
// --window N sets the window of the neural ODE's windowed variants (default 10000 steps).
// --tol X sets atol = rtol of the parallel methods (default: the precision's, 1e-5 in float32).
// --sweep adds GRU n=1 and n=8 at T = 1e3, 1e4, 1e5 (the speedup-vs-T plot of python_post).
// Each variant's calls share one deer::SolveWorkspace (a training loop's use); with
// --fresh-workspace every call allocates its own (the first call's cost, every time).
// GRU n=1, n=8 and the multi-head GRU hold their weights by value (gru.hpp, Inputs > 0);
// --views puts them in device Views (any number of inputs), as quasi_gru64 (too large) does.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <Kokkos_Core.hpp>
#include <Kokkos_Random.hpp>
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <deer/backends.hpp>
#include <deer/cells/elman.hpp>
#include <deer/cells/gru.hpp>
#include <deer/cells/lstm.hpp>
#include <deer/cells/multihead_gru.hpp>
#include <deer/ode/discretize.hpp>
#include <deer/ode/systems.hpp>
#include <deer/solve.hpp>

using Space = Kokkos::DefaultExecutionSpace;
using Mem = Space::memory_space;
using R = float;

namespace {

// Peak bytes allocated through Kokkos in the default memory space (Kokkos Tools callbacks).
struct MemoryTracker {
  static inline long current = 0, peak = 0;
  static void on_alloc(Kokkos::Tools::SpaceHandle, const char*, const void*, uint64_t size) {
    current += long(size);
    peak = std::max(peak, current);
  }
  static void on_free(Kokkos::Tools::SpaceHandle, const char*, const void*, uint64_t size) { current -= long(size); }
  static void reset_peak() { peak = current; }
};

// --profile: time of every kernel and deep copy by name (a fence on each side), printed per
// measured call. Slows everything down; for finding where the time goes, not for the figures.
struct KernelProfile {
  static inline std::map<std::string, std::pair<int, double>> total;
  static inline std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> open;
  static void begin(const char* name, const uint32_t, uint64_t* id) {
    Kokkos::fence();
    *id = open.size();
    open.emplace_back(std::string(name), std::chrono::steady_clock::now());
  }
  static void end(uint64_t) {
    Kokkos::fence();
    auto& e = total[open.back().first];
    e.first += 1;
    e.second += std::chrono::duration<double>(std::chrono::steady_clock::now() - open.back().second).count();
    open.pop_back();
  }
  static void begin_copy(Kokkos::Tools::SpaceHandle, const char* dst, const void*, Kokkos::Tools::SpaceHandle,
                         const char*, const void*, uint64_t) {
    uint64_t id;
    begin((std::string("deep_copy -> ") + dst).c_str(), 0, &id);
  }
  static void end_copy() { end(0); }
  static void enable() {
    namespace KT = Kokkos::Tools::Experimental;
    KT::set_begin_parallel_for_callback(begin);
    KT::set_end_parallel_for_callback(end);
    KT::set_begin_parallel_reduce_callback(begin);
    KT::set_end_parallel_reduce_callback(end);
    KT::set_begin_deep_copy_callback(begin_copy);
    KT::set_end_deep_copy_callback(end_copy);
  }
  static void report(const std::string& what) {
    std::vector<std::pair<double, std::string>> rows;
    for (const auto& [name, e] : total) rows.emplace_back(e.second, fmt::format("{:>6} x {}", e.first, name));
    std::sort(rows.rbegin(), rows.rend());
    for (size_t i = 0; i < rows.size() && i < 10; ++i)
      spdlog::info("    profile {}: {:9.3f} ms {}", what, rows[i].first * 1e3, rows[i].second);
    total.clear();
  }
};
bool g_profile = false;

struct Record {
  std::string name, method, status;
  int n = 0, T = 0, batch = 0, iterations = 0;
  double time_ms = 0, sequential_ms = 0, max_rel_err = 0, peak_mb = 0, bandwidth_gbs = 0;
};

int g_reps = 5;
deer::ScanAlgorithm g_scan = deer::ScanAlgorithm::automatic;  // --scan: forced for diagonal pairs
std::vector<std::string> g_methods;  // --method: only these parallel methods (all when empty)
bool g_reference = true;  // --no-reference: skip the sequential run (no error, no speedup)
int g_window = 0;         // --window: steps per window of the windowed neural-ODE variants
double g_tol = -1.0;      // --tol: atol = rtol of the parallel methods (default: the precision's)
deer::InitialGuess g_guess = deer::Options().initial_guess;  // --guess: the first iterate
int g_guess_run = 0;      // --guess-run: Options::guess_run (0: measured)
bool g_fresh_workspace = false;  // --fresh-workspace: every call allocates its buffers

// Uniform random values in [lo, hi) over every element, then a fence. Kokkos' fill_random on
// a (batch, T, n) view runs one thread per batch row (16 threads for a whole GPU); without the
// fence its 30 s for 1.3e8 elements ran into the first timed call (the 29.6 s "diagonal scan"
// and most of the "sequential" GRU time of the first H200 run).
template <class View>
void fill_uniform(const View& v, double lo, double hi, unsigned seed) {
  Kokkos::Random_XorShift64_Pool<Space> pool(seed);
  Kokkos::View<R*, Mem, Kokkos::MemoryTraits<Kokkos::Unmanaged>> flat(v.data(), v.span());
  Kokkos::fill_random(flat, pool, R(lo), R(hi));
  Space().fence();
}

// Mean of g_reps calls after a warm-up; slow calls get fewer repetitions (one call over
// 2 s is reported as measured) so a full run stays within minutes.
template <class F>
double time_ms(F&& f) {
  Space().fence();  // nothing earlier may run into the timed call
  Kokkos::Timer t0;
  f();
  Space().fence();
  const double first = t0.seconds() * 1e3;
  const int reps = first > 2000 ? 0 : (first > 300 ? 1 : g_reps);
  if (reps == 0) return first;
  Kokkos::Timer t;
  for (int r = 0; r < reps; ++r) f();
  Space().fence();
  return t.seconds() * 1e3 / reps;
}

double copy_bandwidth_gbs() {
  const size_t N = size_t(1) << 28;  // 1 GiB of floats
  Kokkos::View<R*, Mem> a(Kokkos::view_alloc(Kokkos::WithoutInitializing, "bench::a"), N),
      b(Kokkos::view_alloc(Kokkos::WithoutInitializing, "bench::b"), N);
  Kokkos::deep_copy(a, R(1));
  const double ms = time_ms([&] { Kokkos::deep_copy(b, a); });
  return 2.0 * N * sizeof(R) / (ms * 1e-3) / 1e9;
}

double max_rel_error(const deer::Sequence<R, Mem>& a, const deer::Sequence<R, Mem>& b) {
  double e = 0;
  const size_t total = a.span();
  auto pa = a.data();
  auto pb = b.data();
  Kokkos::parallel_reduce(
      "bench::max_rel_error", Kokkos::RangePolicy<Space>(0, total),
      KOKKOS_LAMBDA(const size_t j, double& m) {
        const double d = deer::compat::fabs(double(pa[j]) - double(pb[j])) / (1.0 + deer::compat::fabs(double(pb[j])));
        if (d > m || d != d) m = (d != d) ? 1e300 : d;
      },
      Kokkos::Max<double>(e));
  return e;
}

// A parallel method, over windows of `window` steps when > 0 (Options::window).
struct Variant {
  deer::Method method;
  int window = 0;
};

// Times Sequential and the given DEER variants on one system.
template <class Sys>
void bench_system(const std::string& name, const Sys& sys, int batch, int T, const std::vector<Variant>& variants,
                  std::vector<Record>& out) {
  const int n = sys.state_size(), m = sys.input_size();
  spdlog::info("case {}: n={} m={} T={} batch={}", name, n, m, T, batch);
  deer::Sequence<R, Mem> X("bench::X", batch, T, m), Yseq("bench::Yseq", batch, T, n), Y("bench::Y", batch, T, n);
  deer::States<R, Mem> y0("bench::y0", batch, n);
  fill_uniform(X, -1, 1, 42);
  fill_uniform(y0, -0.5, 0.5, 43);
  deer::Options seq;
  seq.method = deer::Method::sequential;
  seq.check_inputs = false;
  const double seq_ms = g_reference ? time_ms([&] { deer::solve(Space(), sys, X, y0, seq, Yseq); }) : 0.0;
  const double must_move = double(batch) * T * (m + n) * sizeof(R);
  if (g_reference) {
    out.push_back({name, "sequential", "converged", n, T, batch, 0, seq_ms, seq_ms, 0.0, 0.0, must_move / (seq_ms * 1e6)});
    spdlog::info("  sequential {:.3f} ms", seq_ms);
  }
  for (const auto& [method, window] : variants) {
    if (!g_methods.empty() && !std::count(g_methods.begin(), g_methods.end(), deer::to_string(method))) continue;
    deer::Options o;
    o.method = method;
    o.fallback = false;
    o.check_inputs = false;
    o.window = window;
    o.atol = o.rtol = g_tol;
    o.initial_guess = g_guess;
    o.guess_run = g_guess_run;
    std::string label = deer::to_string(method);
    if (window > 0) label += fmt::format("/w{}", window);
    const bool diagonal = method == deer::Method::quasi_deer || method == deer::Method::picard;
    const int k = diagonal ? 1 : deer::block_size(sys);
    const int n = sys.state_size() / deer::lanes_of(sys);
    const int max_block = diagonal ? 1 : deer::system_traits<Sys>::max_block;
    const bool either = deer::detail::one_pass_refusal<Space, R>(k, max_block, n).empty();
    if (g_scan != deer::ScanAlgorithm::automatic && either) {
      o.scan = g_scan;
      label += g_scan == deer::ScanAlgorithm::chunked ? "/chunked" : "/one_pass";
    }
    deer::Result<deer::Sequence<R, Mem>> res;
    Kokkos::deep_copy(Y, R(0));  // nothing of the previous variant may count for this one
    MemoryTracker::reset_peak();
    const long before = MemoryTracker::current;
    deer::SolveWorkspace<R, Mem> ws;
    auto call = [&] {
      if (g_fresh_workspace) ws.release();
      res = deer::solve(Space(), sys, X, y0, o, Y, ws);
    };
    const double ms = time_ms(call);
    const double peak_mb = (MemoryTracker::peak - before) / 1e6;
    if (g_profile) {
      KernelProfile::total.clear();
      call();
      KernelProfile::report(name + " " + deer::to_string(method));
    }
    Record r{name, label, deer::to_string(res.status), n, T, batch, res.iterations, ms, seq_ms,
             g_reference ? max_rel_error(Y, Yseq) : -1.0, peak_mb, must_move / (ms * 1e6)};
    spdlog::info("  {} {:.3f} ms, {} iterations, status {}, max rel err {:.2e}, extra memory {:.1f} MB, first iterate in "
                 "runs of {}", r.method, ms, r.iterations, r.status, r.max_rel_err, peak_mb, res.guess_run);
    std::string last;
    for (size_t j = res.residuals.size() > 30 ? res.residuals.size() - 30 : 0; j < res.residuals.size(); ++j)
      last += fmt::format(" {:.3g}", res.residuals[j]);
    spdlog::info("    updates (tolerance units):{}; estimated error left {:.3g}", last, res.error_estimate);
    if (res.status != deer::Status::converged) spdlog::info("    {}", res.message);
    out.push_back(r);
  }
}

// The diagonal affine scan y_i = a_i y_{i-1} + b_i on stored (batch, T, 1) views, with both
// scan algorithms (scan.hpp) and buffers kept between calls (affine_scan's workspace form).
// The chunked result is the reference for the one-pass one.
void bench_diagonal_scan(long elements, std::vector<Record>& out, double copy_gbs) {
  const int batch = 16, T = int(elements / batch);
  spdlog::info("case diag_scan: {} elements", double(batch) * T);
  deer::Sequence<R, Mem> A("bench::A", batch, T, 1), b("bench::b", batch, T, 1), Y("bench::Y", batch, T, 1),
      Yref("bench::Yref", batch, T, 1);
  deer::States<R, Mem> y0("bench::y0", batch, 1);
  fill_uniform(A, -0.9, 0.9, 7);
  fill_uniform(b, -1, 1, 8);
  deer::ScanWorkspace<R, Mem> ws;
  for (auto algorithm : {deer::ScanAlgorithm::chunked, deer::ScanAlgorithm::one_pass}) {
    deer::ScanOptions o;
    o.algorithm = algorithm;
    const auto& dst = algorithm == deer::ScanAlgorithm::chunked ? Yref : Y;
    const double ms = time_ms([&] { deer::affine_scan<1, 1>(Space(), A, b, y0, dst, 1, o, ws); });
    if (g_profile) {
      KernelProfile::total.clear();
      deer::affine_scan<1, 1>(Space(), A, b, y0, dst, 1, o, ws);
      KernelProfile::report("diag_scan");
    }
    const char* name = algorithm == deer::ScanAlgorithm::chunked ? "chunked" : "one_pass";
    const double err = algorithm == deer::ScanAlgorithm::chunked ? 0.0 : max_rel_error(Y, Yref);
    const double gbs = 12.0 * batch * T / (ms * 1e-3) / 1e9;
    out.push_back({"diag_scan", name, "done", 1, T, batch, 0, ms, 0, err, 0, gbs});
    spdlog::info("  {} {:.3f} ms, {:.0f} GB/s = {:.0f}% of copy, max rel diff to chunked {:.2e}", name, ms, gbs,
                 100 * gbs / copy_gbs, err);
  }
}

template <int N, int Inputs>
deer::cells::Gru<R, Mem, N, Inputs> make_gru(int n, int m) {
  using G = deer::cells::Gru<R, Mem, N, Inputs>;
  return G::from_parameters(G::random_parameters(n, m, 1), n, m);
}

// GRU n=1 and n=8 with 1 and 8 inputs: weights held by value, or in Views with --views.
bool g_views = false;
template <int N>
void bench_gru(const std::string& name, int T, const std::vector<Variant>& variants, std::vector<Record>& out) {
  if (g_views) bench_system(name, make_gru<N, 0>(N, N), 16, T, variants, out);
  else bench_system(name, make_gru<N, N>(N, N), 16, T, variants, out);
}

// Dense cells with weights in Views, inputs as many as hidden units.
template <int N>
void bench_elman(const std::string& name, int T, const std::vector<Variant>& variants, std::vector<Record>& out) {
  using E = deer::cells::Elman<R, Mem, N>;
  bench_system(name, E::from_parameters(E::random_parameters(N, N, 1), N, N), 16, T, variants, out);
}
template <int H>
void bench_lstm(const std::string& name, int T, const std::vector<Variant>& variants, std::vector<Record>& out) {
  using L = deer::cells::Lstm<R, Mem, 2 * H>;
  bench_system(name, L::from_parameters(L::random_parameters(H, H, 1), H, H), 16, T, variants, out);
}

// Neural ODE: tanh MLP 8 -> 32 -> 8 (weights seed 5) with a leak `decay`, 3/8-rule RK4
// (torchdiffeq's rk4) over T steps of 0.001.
auto neural_ode_bench_system(int T, R decay) {
  using Node = deer::ode::NeuralOde<R, Mem, 8, 32>;
  auto rhs = Node::from_parameters(Node::random_parameters(8, 32, 5));
  rhs.decay = decay;
  return deer::ode::discretize<deer::ode::Rk38>(rhs, deer::ode::uniform_grid<R, Mem>(0.0, 0.001 * T, T));
}

}  // namespace

void write_json(const std::string& json, const std::vector<Record>& rec, double copy_gbs);

int main(int argc, char** argv) {
  Kokkos::ScopeGuard guard(argc, argv);
  std::string json;
  bool quick = false, sweep = false;
  std::vector<std::string> only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json" && i + 1 < argc) json = argv[++i];
    else if (a == "--quick") quick = true;
    else if (a == "--sweep") sweep = true;
    else if (a == "--profile") g_profile = true;
    else if (a == "--no-reference") g_reference = false;
    else if (a == "--fresh-workspace") g_fresh_workspace = true;
    else if (a == "--views") g_views = true;
    else if (a == "--scan" && i + 1 < argc) {
      const std::string v = argv[++i];
      if (v == "chunked") g_scan = deer::ScanAlgorithm::chunked;
      else if (v == "one_pass") g_scan = deer::ScanAlgorithm::one_pass;
      else if (v != "automatic") {
        fmt::print(stderr, "deer-bench: --scan takes automatic, chunked or one_pass, not '{}'\n", v);
        return 2;
      }
    } else if (a == "--reps" && i + 1 < argc) g_reps = std::max(1, std::atoi(argv[++i]));
    else if (a == "--case" && i + 1 < argc) only.push_back(argv[++i]);
    else if (a == "--method" && i + 1 < argc) g_methods.push_back(argv[++i]);
    else if (a == "--window" && i + 1 < argc) g_window = std::max(1, std::atoi(argv[++i]));
    else if (a == "--tol" && i + 1 < argc) {
      g_tol = std::atof(argv[++i]);
      if (!(g_tol > 0)) {
        fmt::print(stderr, "deer-bench: --tol takes a positive number (atol = rtol), not '{}'\n", argv[i]);
        return 2;
      }
    }
    else if (a == "--guess" && i + 1 < argc) {
      const std::string v = argv[++i];
      if (v == "auto") g_guess = deer::InitialGuess::automatic;
      else if (v == "y0") g_guess = deer::InitialGuess::broadcast_y0;
      else if (v == "one_step") g_guess = deer::InitialGuess::one_step;
      else if (v == "zeros") g_guess = deer::InitialGuess::zeros;
      else {
        fmt::print(stderr, "deer-bench: --guess takes auto, y0, one_step or zeros, not '{}'\n", v);
        return 2;
      }
    }
    else if (a == "--guess-run" && i + 1 < argc) {
      const std::string v = argv[++i];
      g_guess_run = v == "auto" ? 0 : std::atoi(v.c_str());
      if (g_guess_run < 1 && v != "auto") {
        fmt::print(stderr, "deer-bench: --guess-run takes auto or a run length of at least 1 step, not '{}'\n", v);
        return 2;
      }
    }
    else if (a == "--help" || a == "-h") {
      fmt::print("deer-bench [--json FILE] [--quick] [--reps N] [--case NAME]... [--sweep] [--profile] [--no-reference]\n"
                 "           [--scan automatic|chunked|one_pass] [--method NAME]... [--window N] [--fresh-workspace]\n"
                 "           [--views] [--tol X] [--guess auto|y0|one_step|zeros] [--guess-run auto|STEPS]\n"
                 "cases: diag_scan gru1 gru8 mhgru64 node8 node8_decay quasi_gru64; on request only: elman8 elman16 lstm4 lstm8\n"
                 "       gru4 gru16\n");
      return 0;
    } else {
      fmt::print(stderr, "deer-bench: unknown argument '{}' (see --help)\n", a);
      return 2;
    }
  }
  auto want = [&](const std::string& c) { return only.empty() || std::count(only.begin(), only.end(), c); };
  Kokkos::Tools::Experimental::set_allocate_data_callback(MemoryTracker::on_alloc);
  Kokkos::Tools::Experimental::set_deallocate_data_callback(MemoryTracker::on_free);
  if (g_profile) KernelProfile::enable();
  spdlog::info("deer-bench on {} (concurrency {}), float32, {} timed calls per figure, {}, GRU weights {}",
               Space::name(), Space().concurrency(), g_reps,
               g_fresh_workspace ? "buffers allocated per call" : "buffers kept between calls (SolveWorkspace)",
               g_views ? "in Views" : "by value");
  const int scale = quick ? 100 : 1;
  std::vector<Record> rec;
  const double copy_gbs = copy_bandwidth_gbs();
  spdlog::info("device-to-device copy: {:.0f} GB/s", copy_gbs);
  rec.push_back({"copy", "deep_copy", "done", 0, 0, 0, 0, 0, 0, 0, 0, copy_gbs});
  const std::vector<Variant> all = {{deer::Method::deer}, {deer::Method::quasi_deer}, {deer::Method::automatic}};
  if (want("diag_scan")) bench_diagonal_scan(134217728L / scale, rec, copy_gbs);
  if (want("gru1")) bench_gru<1>("gru1", 1000000 / scale, all, rec);
  write_json(json, rec, copy_gbs);
  if (want("gru8")) bench_gru<8>("gru8", 100000 / scale, all, rec);
  write_json(json, rec, copy_gbs);
  if (want("mhgru64")) {
    // 32 heads of 2, 4 inputs: weights by value (6 KB), or in Views with --views.
    const std::vector<Variant> mh_variants = {{deer::Method::deer}, {deer::Method::quasi_deer}, {deer::Method::automatic}};
    using MH = deer::cells::MultiHeadGru<R, Mem, 64, 2>;
    using MV = deer::cells::MultiHeadGru<R, Mem, 64, 2, 4>;
    const auto p = MH::random_parameters(64, 4, 32, 3);
    if (g_views) bench_system("mhgru64", MH::from_parameters(p, 64, 4, 32), 16, 100000 / scale, mh_variants, rec);
    else bench_system("mhgru64", MV::from_parameters(p, 64, 4, 32), 16, 100000 / scale, mh_variants, rec);
  }
  write_json(json, rec, copy_gbs);
  if (want("node8")) {
    // Newton over the whole [0, 1000] diverges (the linearisation grows past float range; in
    // float64 too), so windows too: --window N, or windows of 10000 steps (t = 10 each). The
    // trajectory drifts to |y| ~ 1000, where float32 sequential is itself about 1e-2 off
    // float64 (docs/performance.md, session 12): max_rel_err here compares two roundings.
    const int T = 1000000 / scale;
    const int w = std::min(T, g_window > 0 ? g_window : 10000);
    bench_system("node8", neural_ode_bench_system(T, R(0)), 16, T,
                 {{deer::Method::deer}, {deer::Method::quasi_deer}, {deer::Method::damped_deer},
                  {deer::Method::deer, w}, {deer::Method::quasi_deer, w}},
                 rec);
    write_json(json, rec, copy_gbs);
  }
  if (want("node8_decay")) {
    // The same network with a leak of 1 (y' = MLP(y) - y): its flow contracts, so the float32
    // sequential run is a fair reference (docs/ode.md, NeuralOde) and Newton needs no windows.
    const int T = 1000000 / scale;
    bench_system("node8_decay", neural_ode_bench_system(T, R(1)), 16, T, all, rec);
    write_json(json, rec, copy_gbs);
  }
  if (sweep)
    for (int T : {1000, 10000, 100000}) {
      bench_gru<1>("gru1", T / scale, {{deer::Method::deer}}, rec);
      bench_gru<8>("gru8", T / scale, {{deer::Method::deer}}, rec);
      write_json(json, rec, copy_gbs);
    }
  // Other dense systems, for Auto's rule on GPUs (docs/solvers.md, Auto): run only when asked for.
  const auto asked = [&](const std::string& c) { return std::count(only.begin(), only.end(), c) > 0; };
  if (asked("elman8")) bench_elman<8>("elman8", 100000 / scale, all, rec);
  if (asked("elman16")) bench_elman<16>("elman16", 100000 / scale, all, rec);
  if (asked("lstm4")) bench_lstm<4>("lstm4", 100000 / scale, all, rec);  // state [h, c] of 8
  if (asked("lstm8")) bench_lstm<8>("lstm8", 100000 / scale, all, rec);  // state of 16
  if (asked("gru4")) bench_gru<4>("gru4", 100000 / scale, all, rec);
  if (asked("gru16")) bench_gru<16>("gru16", 100000 / scale, all, rec);
  write_json(json, rec, copy_gbs);
  if (want("quasi_gru64"))
    bench_system("quasi_gru64", make_gru<64, 0>(64, 4), 16, 1000000 / scale, {{deer::Method::quasi_deer}}, rec);

  fmt::print("\n{:<12} {:<18} {:>4} {:>8} {:>11} {:>11} {:>8} {:>5} {:>10} {:>9} {:>9}\n", "case", "method", "n", "T",
             "time_ms", "seq_ms", "speedup", "iters", "max_rel", "peak_MB", "GB/s");
  for (const auto& r : rec)
    fmt::print("{:<12} {:<18} {:>4} {:>8} {:>11.3f} {:>11.3f} {:>8.1f} {:>5} {:>10.2e} {:>9.1f} {:>9.0f}\n", r.name,
               r.method, r.n, r.T, r.time_ms, r.sequential_ms, r.time_ms > 0 ? r.sequential_ms / r.time_ms : 0.0,
               r.iterations, r.max_rel_err, r.peak_mb, r.bandwidth_gbs);
  write_json(json, rec, copy_gbs);
  return 0;
}

void write_json(const std::string& json, const std::vector<Record>& rec, double copy_gbs) {
  if (!json.empty()) {
    std::ofstream f(json);
    f << "{\"backend\": \"" << Space::name() << "\", \"copy_gbs\": " << copy_gbs << ", \"records\": [\n";
    for (size_t i = 0; i < rec.size(); ++i) {
      const auto& r = rec[i];
      f << fmt::format(
          "  {{\"case\": \"{}\", \"method\": \"{}\", \"status\": \"{}\", \"n\": {}, \"T\": {}, \"batch\": {}, "
          "\"iterations\": {}, \"time_ms\": {}, \"sequential_ms\": {}, \"max_rel_err\": {}, \"peak_mb\": {}, "
          "\"bandwidth_gbs\": {}}}{}\n",
          r.name, r.method, r.status, r.n, r.T, r.batch, r.iterations, r.time_ms, r.sequential_ms, r.max_rel_err,
          r.peak_mb, r.bandwidth_gbs, i + 1 < rec.size() ? "," : "");
    }
    f << "]}\n";
  }
}
