#pragma once
// deer::solve(space, system, inputs, y0, options) -> Result: every solver, one call shape.
//   Sequential  the reference: one kernel, one thread per sequence, looping over T.
//   Deer        Newton on the whole trajectory with the Jacobian of the declared structure.
//   QuasiDeer   Newton with only the diagonal of the Jacobian (O(n) memory per step).
//   DampedDeer  Newton with Jacobians scaled by an adaptive beta (trust region towards Picard).
//   Picard      fixed-point sweeps y_i <- f(y_{i-1}^(k)) over the whole trajectory.
//   Auto        picks one of the above by backend and size (see choose_method).
#include <algorithm>
#include <cmath>
#include <string>

#include <deer/lanes.hpp>
#include <deer/newton.hpp>
#include <deer/options.hpp>
#include <deer/scan.hpp>
#include <deer/sequence.hpp>
#include <deer/system.hpp>
#include <deer/workspace.hpp>

namespace deer {

namespace detail {

enum class Linearization { exact, true_diagonal, none };

// Where the solvers read lane s's inputs and previous state: X and the iterate are flat (X in
// `xlayout`, one row per sequence; the iterate in `layout`, one row per lane), y0 is per lane.
template <class Sys, class Mem>
struct LaneData {
  using R = typename Sys::real_type;
  Sys sys;
  Flat<const R, Mem> X;
  ConstStates<R, Mem> y0;
  StepLayout layout, xlayout;
  int n, m, lanes;  // n: a lane's state size
  KOKKOS_INLINE_FUNCTION const R* x(int s, int i) const {
    return X.data() + xlayout.at(system_traits<Sys>::has_block ? s / lanes : s, i, m);
  }
  KOKKOS_INLINE_FUNCTION const R* y_prev(const R* Y, int s, int i) const {
    return i == 0 ? start(s) : Y + layout.at(s, i - 1, system_traits<Sys>::lane_max_state == 1 ? 1 : n);
  }
  KOKKOS_INLINE_FUNCTION const R* start(int s) const {
    return y0.data() + size_t(s) * (system_traits<Sys>::lane_max_state == 1 ? 1 : n);
  }
};

// The first iterate of InitialGuess::one_step: every step taken once from y0, y_i = f_i(y0),
// all steps at once (one evaluation each). A value that is not finite keeps y0's.
// A thread takes G steps of one lane, evaluates them all into registers, then stores: the
// lane's parameters are loaded once for the G evaluations. batch_first: the Warp threads of a
// warp share a block of Warp*G consecutive steps, thread t taking steps t, t + Warp, ..., so
// that each load and store of the warp is contiguous; interleaved: G consecutive steps of one
// chunk, neighbouring threads taking neighbouring chunks. (H200, multi-head GRU, session 18:
// one step per thread, 1.37 ms, was issue-bound on the indexed parameter loads, 366
// instructions per head step; four consecutive steps per thread, 0.92 ms and 212, on the L1
// traffic of loads and stores 64 and 32 bytes apart across the warp.)
template <class Sys, class Mem>
struct StepFromY0 {
  using R = typename Sys::real_type;
  static constexpr int N = system_traits<Sys>::lane_max_state;
  static constexpr int G = N <= 2 ? 4 : N <= 4 ? 2 : 1;  // (registers: G * N values held)
  static constexpr int Warp = compat::on_host<Mem> ? 1 : 32;
  LaneData<Sys, Mem> d;
  Flat<R, Mem> Y;
  int groups() const { return d.layout.template groups<G, Warp>(); }
  KOKKOS_INLINE_FUNCTION void operator()(const int idx) const {
    const StepLayout& l = d.layout;
    int s, i0, stride, end;  // the lane; its steps i0, i0 + stride, ... below end
    l.group_at<G, Warp>(idx, s, i0, stride, end);
    const int n = N == 1 ? 1 : d.n;
    const R* y0 = d.start(s);
    R y[G][N] = {};
    // A whole group without a check per step, so that the evaluations share one block of code
    // and with it the parameters' loads; loops of constant length, so that y stays in registers.
    const auto take = [&](auto whole) {
      with_lane(d.sys, d.lanes, int(s), n, [&](const auto& f) {
        DEER_UNROLL
        for (int v = 0; v < G; ++v) {
          const int i = i0 + v * stride;
          if (decltype(whole)::value || i < end) f(i, y0, d.x(int(s), i), static_cast<R*>(y[v]));
        }
      });
    };
    if (i0 + (G - 1) * stride < end) take(std::true_type{});
    else take(std::false_type{});
    DEER_UNROLL
    for (int v = 0; v < G; ++v) {
      const int i = i0 + v * stride;
      if (i >= end) break;
      R* out = Y.data() + l.at(int(s), i, n);
      DEER_UNROLL
      for (int j = 0; j < N; ++j)
        if (j < n) out[j] = compat::isfinite(y[v][j]) ? y[v][j] : y0[j];
    }
  }
};

// One step of a run of the first iterate: y <- f_i(y), a value that is not finite replaced
// by y0's (the run goes on from it); out, where given, gets the new y.
template <int N, class F, class R>
KOKKOS_INLINE_FUNCTION void run_step(const F& f, int i, int n, R* y, const R* x, const R* y0, R* out = nullptr) {
  R next[N] = {};
  f(i, static_cast<const R*>(y), x, next);
  DEER_UNROLL
  for (int j = 0; j < N; ++j)
    if (j < n) {
      y[j] = compat::isfinite(next[j]) ? next[j] : y0[j];
      if (out) out[j] = y[j];
    }
}

// The first iterate of InitialGuess::one_step with Options::guess_run > 1: runs of C steps of a
// lane, each from y0 taken `lead` steps before its first step (those states are not kept) and
// its steps in sequence. A thread per run; neighbouring threads on neighbouring runs of one
// lane, so that a warp evaluates one lane (one head's parameters).
template <class Sys, class Mem>
struct RunsFromY0 {
  using R = typename Sys::real_type;
  static constexpr int N = system_traits<Sys>::lane_max_state;
  LaneData<Sys, Mem> d;
  Flat<R, Mem> Y;
  int C, lead;
  KOKKOS_INLINE_FUNCTION int per_lane() const { return (d.layout.T + C - 1) / C; }
  int runs() const { return d.layout.batch * per_lane(); }
  KOKKOS_INLINE_FUNCTION void operator()(const int idx) const {
    const StepLayout& l = d.layout;
    const int per = per_lane(), s = idx / per, i0 = (idx - s * per) * C;
    const int end = l.T - i0 < C ? l.T : i0 + C;
    const int n = N == 1 ? 1 : d.n;
    const R* y0 = d.start(s);
    R y[N] = {};
    for (int j = 0; j < n; ++j) y[j] = y0[j];
    with_lane(d.sys, d.lanes, s, n, [&](const auto& f) {
      for (int i = i0 - lead > 0 ? i0 - lead : 0; i < i0; ++i) run_step<N>(f, i, n, y, d.x(s, i), y0);
      for (int i = i0; i < end; ++i) run_step<N>(f, i, n, y, d.x(s, i), y0, Y.data() + l.at(s, i, n));
    });
  }
};

// The same runs for a batch_first iterate (the one-pass scan's), staged in team scratch: a
// team takes `team` neighbouring runs of one lane, V steps of each at a time. The team copies
// those steps' inputs into scratch (neighbouring threads on neighbouring values, contiguous in
// batch_first), each thread takes its run's V steps from there and leaves the states there, and
// the team copies them out. A thread per run reading and writing memory itself touches a line
// per thread at every step, its neighbours' steps being C apart (H200, multi-head GRU, runs of
// 16: 1.73 ms that way, 1.24 ms staged, 0.69 for one_step's pass; docs/performance.md, session
// 21). What is left is the parameters' loads every step; four runs per thread to share them
// were slower (2.09 ms). The `lead` steps before a run read their inputs from memory directly.
template <class Sys, class Mem>
struct StagedRunsFromY0 {
  using R = typename Sys::real_type;
  static constexpr int N = system_traits<Sys>::lane_max_state;
  // Threads per team (one on the host, where it only serves the tests), and scratch bytes per
  // thread (16 KiB a team on GPUs: several teams per SM, to hide the runs' dependency chains).
  static constexpr int team = compat::on_host<Mem> ? 1 : 64;
  static constexpr int kScratchPerThread = 256;
  LaneData<Sys, Mem> d;
  Flat<R, Mem> Y;
  int C, lead, V;  // run length; steps taken before it; steps of each run per round
  // Steps per round: as few rounds as fit the scratch, of equal length (0: not even one step
  // fits; use RunsFromY0).
  static int steps_per_round(int C, int m, int n) {
    const int most = (kScratchPerThread / int(sizeof(R)) - 2) / (m + n);
    if (most < 1) return 0;
    const int rounds = (C + most - 1) / most;
    return (C + rounds - 1) / rounds;
  }
  // A run's V inputs (m each) and V states (n each) per thread, rows padded by one value so
  // that the threads reading their rows at one offset meet in different banks.
  KOKKOS_INLINE_FUNCTION static size_t scratch_bytes(int V, int m, int n) {
    return sizeof(R) * size_t(team) * size_t(V * m + 1 + V * n + 1);
  }
  KOKKOS_INLINE_FUNCTION int teams_per_lane() const { return (d.layout.T + C * team - 1) / (C * team); }
  int league() const { return d.layout.batch * teams_per_lane(); }

  // f(q, e) for the e-th value (of w per step) of the round's steps of run r0 + q, for every
  // (q, e) of the team: neighbouring threads on neighbouring e. Stepped digit by digit (a
  // division per value would cost about what the copy does).
  template <class F>
  KOKKOS_INLINE_FUNCTION static void each_value(int t, int w, int v0, int r0, int C, int T, int V, const F& f) {
    const int W = V * w;
    int q = t / W, e = t - q * W;
    const int dq = team / W, de = team - dq * W;
    for (; q < team; q += dq, e += de) {
      if (e >= W) {
        e -= W;
        ++q;
        if (q >= team) break;
      }
      const long i = long(r0 + q) * C + v0;  // (long: runs past the lane's last reach beyond T)
      if (i >= T) continue;
      const int left = C - v0 < T - int(i) ? C - v0 : T - int(i);  // steps of the run left
      if (e < (left < V ? left : V) * w) f(q, int(i), e);
    }
  }

  template <class Member>
  KOKKOS_INLINE_FUNCTION void operator()(const Member& mb) const {
    const StepLayout& l = d.layout;
    const int per = teams_per_lane(), s = mb.league_rank() / per, r0 = (mb.league_rank() - s * per) * team;
    const int t = mb.team_rank(), T = l.T, n = N == 1 ? 1 : d.n, m = d.m;
    const int xw = V * m + 1, yw = V * n + 1;
    R* xs = static_cast<R*>(mb.team_scratch(0).get_shmem_aligned(scratch_bytes(V, m, n), sizeof(R)));
    R* ys = xs + team * xw;
    const R* y0 = d.start(s);
    R y[N] = {};
    for (int j = 0; j < n; ++j) y[j] = y0[j];
    const long i0 = long(r0 + t) * C;  // this thread's run
    if (i0 < T)
      with_lane(d.sys, d.lanes, s, n, [&](const auto& f) {
        for (int i = i0 - lead > 0 ? int(i0) - lead : 0; i < i0; ++i) run_step<N>(f, i, n, y, d.x(s, i), y0);
      });
    for (int v0 = 0; v0 < C; v0 += V) {
      each_value(t, m, v0, r0, C, T, V, [&](int q, int i, int e) { xs[q * xw + e] = d.x(s, i)[e]; });
      mb.team_barrier();
      with_lane(d.sys, d.lanes, s, n, [&](const auto& f) {
        for (int u = 0; u < V && v0 + u < C && i0 + v0 + u < T; ++u)
          run_step<N>(f, int(i0) + v0 + u, n, y, xs + t * xw + u * m, y0, ys + t * yw + u * n);
      });
      mb.team_barrier();
      each_value(t, n, v0, r0, C, T, V, [&](int q, int i, int e) { Y.data()[l.at(s, i, n) + e] = ys[q * yw + e]; });
      mb.team_barrier();
    }
  }
};

// The first iterate in runs of at least W steps (Options::guess_run) into Y: runs of W steps,
// each taken from y0 W - 1 steps before its first. Staged in team scratch where the iterate is
// batch_first and `staged` (by default on GPUs), else a thread per run.
template <class Space, class Sys, class Mem = typename Space::memory_space>
void guess_runs(const Space& space, const LaneData<Sys, Mem>& d, const Flat<typename Sys::real_type, Mem>& Y, int W,
                bool staged = !compat::on_host<Space>) {
  using Staged = StagedRunsFromY0<Sys, Mem>;
  const int C = W < d.layout.T ? W : d.layout.T, lead = C - 1;  // (a run of T: the sequence, from y0)
  const int V = Staged::steps_per_round(C, d.m, d.n);
  if (staged && !d.layout.interleaved && V > 0) {
    const Staged pass{d, Y, C, lead, V};
    const size_t bytes = Staged::scratch_bytes(V, d.m, d.n) + sizeof(typename Sys::real_type);  // (+ alignment)
    Kokkos::parallel_for("deer::solve::guess_runs",
                         Kokkos::TeamPolicy<Space>(space, pass.league(), Staged::team)
                             .set_scratch_size(0, Kokkos::PerTeam(bytes)),
                         pass);
  } else {
    const RunsFromY0<Sys, Mem> pass{d, Y, C, lead};
    Kokkos::parallel_for("deer::solve::guess_runs", Kokkos::RangePolicy<Space>(space, 0, pass.runs()), pass);
  }
}

// Options::guess_run = 0 (automatic): how long a run from y0 must be before the system has
// forgotten y0, measured on samples. Each sample thread takes a lane at a point q of its
// sequence and two trajectories through the same inputs from there: b from y0 `burn` steps
// before q (a state the sequence could have at q), a from y0 at q. The run length is the number
// of steps after which a is within a tenth of the tolerance of b, the most over all samples.
// A sample that does not get there within `cap` steps, or whose distance does not shrink fast
// enough to get there (checked at 16, 32, 64, ... steps from the rate so far), reports kNever,
// and measured_run answers 1: the system does not forget y0 quickly (or not at all: a drift,
// an unstable map).
template <class Sys, class Mem>
struct ForgettingProbe {
  using R = typename Sys::real_type;
  static constexpr int N = system_traits<Sys>::lane_max_state;
  static constexpr int kNever = 1 << 30;
  LaneData<Sys, Mem> d;
  int per_lane, cap, burn;
  double atol, rtol;
  int samples() const { return d.layout.batch * per_lane; }
  KOKKOS_INLINE_FUNCTION void operator()(const int idx, int& most) const {
    const int s = idx / per_lane, r = idx - s * per_lane, T = d.layout.T;
    const int n = N == 1 ? 1 : d.n;
    const int q = burn + int(long(T - cap - burn) * (2 * r + 1) / (2 * per_lane));  // spread over the sequence
    const R* y0 = d.start(s);
    R a[N] = {}, b[N] = {};
    for (int j = 0; j < n; ++j) a[j] = b[j] = y0[j];
    int steps = kNever;
    with_lane(d.sys, d.lanes, s, n, [&](const auto& f) {
      for (int i = q - burn; i < q; ++i) run_step<N>(f, i, n, b, d.x(s, i), y0);
      double first = 0;  // the distance after one step, tolerance units
      for (int k = 1; k <= cap; ++k) {
        run_step<N>(f, q + k - 1, n, a, d.x(s, q + k - 1), y0);
        run_step<N>(f, q + k - 1, n, b, d.x(s, q + k - 1), y0);
        double dist = 0;
        for (int j = 0; j < n; ++j) {
          const double u =
              compat::fabs(double(a[j]) - double(b[j])) / (atol + rtol * compat::fabs(double(b[j])));
          if (!(u <= dist)) dist = compat::isfinite(u) ? u : 1e308;  // (NaN, Inf: far)
        }
        if (dist <= 0.1) {
          steps = k;
          break;
        }
        if (k == 1) first = dist;
        // Steps still needed at the geometric rate so far; give up when beyond the cap.
        if (k >= 16 && (k & (k - 1)) == 0 &&
            (!(dist < first) || compat::log(dist / 0.1) * (k - 1) / compat::log(first / dist) > cap - k))
          break;
      }
    });
    if (steps > most) most = steps;
  }
};

// The run length of Options::guess_run = 0 for T steps of the lanes in d (ForgettingProbe): the
// samples' most, or 1 (every step from y0, one_step) where a sample did not forget y0 within the
// cap or the sequence is too short to measure (under 1024 steps). The cap, 256 steps or T/16,
// and the samples' burn-in, 32 steps or the cap, keep the probe's sequential steps within an
// eighth of T; samples: 1024, spread over the lanes, or one per lane where there are more.
template <class Space, class Sys, class Mem = typename Space::memory_space>
int measured_run(const Space& space, const LaneData<Sys, Mem>& d, double atol, double rtol) {
  const int T = d.layout.T, lanes = d.layout.batch;
  if (T < 1024) return 1;
  const int cap = std::min(256, T / 16), burn = std::min(32, cap);
  const ForgettingProbe<Sys, Mem> probe{d, std::max(1, 1024 / lanes), cap, burn, atol, rtol};
  int most = 0;
  Kokkos::parallel_reduce("deer::solve::forgetting_probe", Kokkos::RangePolicy<Space>(space, 0, probe.samples()),
                          probe, Kokkos::Max<int>(most));
  return most <= cap ? std::max(most, 1) : 1;
}

// The affine pair of one Newton step at the current iterate Yold (flat, in `layout`):
//   A_i = beta * J_i,  b_i = f(y_{i-1}) - A_i y_{i-1}   (y_{i-1} from Yold, or y0 at i = 0).
template <class Sys, class Mem, int K>
struct NewtonPairs {
  using real_type = typename Sys::real_type;
  using R = real_type;
  static constexpr int max_state = system_traits<Sys>::lane_max_state;
  static constexpr int max_block = K;
  LaneData<Sys, Mem> d;
  Flat<const R, Mem> Yold;
  int k;  // the Jacobian's block size as linearised (1 for the diagonal ones)
  R beta;
  Linearization lin;
  // The step's inputs and previous state, fetched ahead (scan_one_pass.hpp, has_prefetch).
  KOKKOS_INLINE_FUNCTION void prefetch(int s, int i) const {
    compat::prefetch(d.x(s, i));
    compat::prefetch(d.y_prev(Yold.data(), s, i));
  }
  // k: a constant for diagonal pairs and where the one-pass tile gives it (KC > 0), so that
  // loops fold away; else read from the member where used (a local copy of it ran GRU n=8's
  // DEER sweep slower: 72 -> 85 registers, sessions 9 and 19).
  template <int KC = 0>
  KOKKOS_INLINE_FUNCTION int kb() const { return KC > 0 ? KC : K == 1 ? 1 : k; }
  KOKKOS_INLINE_FUNCTION void operator()(int s, int i, R* A, R* b) const { pair<0, 0>(s, i, A, b); }
  // In a one-pass tile of blocks of KB (scan_one_pass.hpp, generate): k is KB, and so is n
  // where a lane is one block. As constants, every index into A, b and the pair's own arrays
  // is known, so they stay in registers. (With n and k read at run time they lived in local
  // memory: H200, multi-head GRU, session 19.)
  template <int KB>
  KOKKOS_INLINE_FUNCTION void operator()(int s, int i, R* A, R* b, TileBlock<KB>) const {
    pair<max_state == KB ? KB : 0, KB>(s, i, A, b);
  }
  // The pair, with the state size n and the block size k as constants where NC and KC are
  // not 0.
  template <int NC, int KC>
  KOKKOS_INLINE_FUNCTION void pair(int s, int i, R* A, R* b) const {
    const int n = NC > 0 ? NC : max_state == 1 ? 1 : d.n;
    const R* yp = d.y_prev(Yold.data(), s, i);
    with_lane(d.sys, d.lanes, s, n, [&](const auto& f) {
      R fy[max_state] = {};
      pair_at<NC, KC>(f, i, yp, d.x(s, i), A, b, fy);
    });
  }
  // The pair of step i of the lane's system f, linearised at yp; fy gets f(yp).
  template <int NC, int KC, class F>
  KOKKOS_INLINE_FUNCTION void pair_at(const F& f, int i, const R* yp, const R* x, R* A, R* b, R* fy) const {
    const int n = NC > 0 ? NC : max_state == 1 ? 1 : d.n;
    if (lin == Linearization::none) {
      f(i, yp, x, fy);
      for (int j = 0; j < n; ++j) b[j] = fy[j];
      for (int j = 0; j < n * kb<KC>(); ++j) A[j] = R(0);
      return;
    }
    R Ay[max_state] = {};
    linearize(f, i, yp, x, fy, A, kb<KC>(), lin == Linearization::true_diagonal);
    if (beta != R(1))
      for (int j = 0; j < n * kb<KC>(); ++j) A[j] *= beta;
    block_apply<max_state, K>(n, kb<KC>(), A, yp, Ay);
    for (int r = 0; r < n; ++r) b[r] = fy[r] - Ay[r];
  }
};

// DEER's first iterate (runs of at least W steps, Options::guess_run) and its first iteration in
// one pass, for the one-pass tiles (walks, scan_one_pass.hpp). The tile hands each thread the
// segment of steps it composes; the thread takes the W - 1 steps before its segment from y0 and
// then the segment's steps in sequence, linearising each step at the state before it. That
// state's f is the next state, so one evaluation per step gives both the pair and the first
// iterate (written to `first`, where the update check reads it): no separate pass of runs and
// no round trip of the first iterate through memory (H200: docs/performance.md, session 22).
// The first iterate is the same as the runs pass's guarantee (every step reached by a run of at
// least W steps from y0, fewer only where the sequence starts) but laid out by the tile's
// segments; a segment's first step is linearised at the state its own run reached there.
template <class Sys, class Mem, int K>
struct NewtonRuns : NewtonPairs<Sys, Mem, K> {
  using R = typename Sys::real_type;
  static constexpr bool walks = true;
  Flat<R, Mem> first;
  int W;
  // The steps' inputs, fetched ahead (the previous states are the walk's own).
  KOKKOS_INLINE_FUNCTION void prefetch(int s, int i) const { compat::prefetch(this->d.x(s, i)); }
  // Steps lo .. hi-1 of lane s, in sequence from y0 after the W - 1 steps before them; put(i, A,
  // b) gets each pair.
  template <int KB, class Put>
  KOKKOS_INLINE_FUNCTION void walk(int s, int lo, int hi, const Put& put) const {
    constexpr int N = system_traits<Sys>::lane_max_state;
    const LaneData<Sys, Mem>& d = this->d;
    const int n = N == KB ? KB : d.n;
    const R* y0 = d.start(s);
    R y[N] = {};
    for (int j = 0; j < n; ++j) y[j] = y0[j];
    with_lane(d.sys, d.lanes, s, n, [&](const auto& f) {
      for (int i = lo - W + 1 > 0 ? lo - W + 1 : 0; i < lo; ++i) run_step<N>(f, i, n, y, d.x(s, i), y0);
      for (int i = lo; i < hi; ++i) {
        R A[N * K], b[N], fy[N] = {};
        this->template pair_at<N == KB ? KB : 0, KB>(f, i, y, d.x(s, i), A, b, fy);
        put(i, A, b);
        R* out = first.data() + d.layout.at(s, i, n);
        DEER_UNROLL
        for (int j = 0; j < N; ++j)
          if (j < n) out[j] = y[j] = compat::isfinite(fy[j]) ? fy[j] : y0[j];
      }
    });
  }
};

// Whether DEER's first iteration takes the first iterate's runs of at least W > 1 steps itself
// (NewtonRuns): where its scan runs in one pass, and the W - 1 steps a segment's thread takes
// before its segment are at most two segments (beyond, the pass of runs, whose runs take about
// two steps per step kept, costs less). T steps of `sequences` lanes of n states in blocks of k.
template <class Space, class R>
bool walks_runs(int W, const NewtonPlan& plan, int n, int k, int T, int sequences) {
  return W > 1 && plan.one_pass && W - 1 <= 2 * one_pass_segment<Space, R>(n, k, T, sequences);
}

// max over all steps of |y_i - f(y_{i-1})| / (atol + rtol |y_i|): the fixed-point residual
// of a trajectory in `layout`, in tolerance units (huge when anything is non-finite).
// DampedDeer's merit function.
template <class Sys, class Mem>
struct ScaledResidual {
  using R = typename Sys::real_type;
  LaneData<Sys, Mem> d;
  Flat<const R, Mem> Y;
  double atol, rtol;
  KOKKOS_INLINE_FUNCTION void operator()(const int idx, double& e) const {
    int s, i;
    if (!d.layout.step_at(idx, s, i)) return;
    const int n = d.n;
    R f[system_traits<Sys>::lane_max_state] = {};
    with_lane(d.sys, d.lanes, s, d.n, [&](const auto& sys) { sys(i, d.y_prev(Y.data(), s, i), d.x(s, i), f); });
    const R* y = Y.data() + d.layout.at(s, i, n);
    for (int j = 0; j < n; ++j) {
      const double u = compat::fabs(double(y[j]) - double(f[j])) / (atol + rtol * compat::fabs(double(y[j])));
      const double uu = compat::isfinite(u) ? u : 1e308;  // NaN compares false: map it (and Inf) high
      if (uu > e) e = uu;
    }
  }
};

// The sequential reference: one thread per lane (lanes.hpp; a sequence without them) loops
// over T.
template <class Sys, class Mem>
struct SequentialSweep {
  using R = typename Sys::real_type;
  static constexpr int N = system_traits<Sys>::lane_max_state;
  Sys sys;
  ConstSequence<R, Mem> X;
  ConstStates<R, Mem> y0;
  Sequence<R, Mem> Y;
  int lanes;
  KOKKOS_INLINE_FUNCTION void operator()(const int lane, long& nbad) const {
    const int T = int(Y.extent(1)), n = int(Y.extent(2)) / lanes, m = int(X.extent(2));
    const int s = lane / lanes, h0 = (lane % lanes) * n;  // sequence, first component
    R y[N] = {}, yn[N] = {};
    for (int j = 0; j < n; ++j) y[j] = y0(s, h0 + j);
    with_lane(sys, lanes, lane, n, [&](const auto& f) {
      for (int i = 0; i < T; ++i) {
        f(i, static_cast<const R*>(y), X.data() + (size_t(s) * T + i) * m, static_cast<R*>(yn));
        for (int j = 0; j < n; ++j) {
          y[j] = yn[j];
          Y(s, i, h0 + j) = yn[j];
          if (!compat::isfinite(yn[j])) ++nbad;
        }
      }
    });
  }
};

}  // namespace detail

namespace detail {
// Auto on a GPU with dense Jacobian blocks of 3..16: their DEER scan is chunked, and one of its
// iterations costs several of quasi-DEER's one-pass ones (H200, GRU n=8, T=1e5: 1.8 against
// 0.27 ms; DEER converged in 4, quasi-DEER in 11). So quasi-DEER goes first, for at most this
// many iterations (half of max_iterations if that is fewer) and only while its updates do not
// stall; DEER then goes on from its iterate (solve_quasi_first).
inline constexpr int kQuasiFirstIterations = 20;
// ... and only while, from the fourth iteration on, the rate of its last two updates projects at
// most this many iterations in all (GiveUp::projected). A dense DEER iteration cost 3.2 to 35
// quasi-DEER ones on the seven dense systems measured (session 15), and DEER took 4 or 5, so 16
// quasi-DEER iterations cost at most about DEER's whole solve; slower ones (Elman n=16: 20
// iterations, 1.55x DEER's time) hand over early.
inline constexpr int kQuasiFirstProjected = 16;
inline constexpr int kOnePassMaxBlock = 2;      // DEER's scan runs in one pass up to this block size
inline constexpr int kQuasiFirstMaxBlock = 16;  // beyond, quasi-DEER alone
template <class Space>
bool quasi_first(int k, int T) {
  return !compat::on_host<Space> && long(T) >= 64 && k > kOnePassMaxBlock && k <= kQuasiFirstMaxBlock;
}
}  // namespace detail

// Auto's rule. On the host, Newton's extra work (two passes per iteration, several
// iterations) only pays with many cores. On a GPU: DEER where its scan runs in one pass
// (blocks of 1 and 2); quasi-DEER first for dense blocks up to 16 (then DEER if it has not
// converged: detail::quasi_first); quasi-DEER alone beyond (block products cost O(k^3) a step).
template <class Space, class Sys>
Method choose_method(const Space& space, const Sys& sys, int batch, int T) {
  const int k = block_size(sys);
  if constexpr (compat::on_host<Space>) {
    (void)k;
    const long work = long(batch) * T;
    return (space.concurrency() >= 16 && work >= 100000) ? Method::deer : Method::sequential;
  } else {
    if (long(T) < 64) return Method::sequential;
    if (k <= detail::kOnePassMaxBlock) return Method::deer;
    return Method::quasi_deer;
  }
}

// The sequential reference: one thread per sequence (per lane with block(), lanes.hpp) loops
// over T, in one kernel on a GPU. Returns the number of non-finite values produced.
template <class Space, class Sys>
long run_sequential(const Space& space, const Sys& sys,
                    const ConstSequence<typename Sys::real_type, typename Space::memory_space>& X,
                    const ConstStates<typename Sys::real_type, typename Space::memory_space>& y0,
                    const Sequence<typename Sys::real_type, typename Space::memory_space>& Y) {
  long bad = 0;
  const int lanes = lanes_of(sys);
  Kokkos::parallel_reduce("deer::solve::sequential", Kokkos::RangePolicy<Space>(space, 0, int(Y.extent(0)) * lanes),
                          detail::SequentialSweep<Sys, typename Space::memory_space>{sys, X, y0, Y, lanes}, bad);
  return bad;
}

namespace detail {

// opts for one part of a solve (a window, one of Auto's phases): its progress reports count the
// `iterations` of the parts before it and the `steps_done` by earlier windows, out of `steps`.
inline Options reporting(const Options& opts, int iterations, int steps_done, int steps) {
  Options o = opts;
  if (opts.progress)
    o.progress = [report = opts.progress, iterations, steps_done, steps](const Progress& p) {
      Progress q = p;
      q.iteration += iterations;
      q.steps_done = steps_done;
      q.steps = steps;
      report(q);
    };
  return o;
}

// A part's counts added to the whole solve's.
template <class View>
void absorb(Result<View>& res, const Result<View>& part) {
  res.iterations += part.iterations;
  res.residuals.insert(res.residuals.end(), part.residuals.begin(), part.residuals.end());
  res.substitutions += part.substitutions;
  res.guess_run = std::max(res.guess_run, part.guess_run);
}

// The parallel methods on the whole of X (res.method already resolved, not sequential).
template <class Space, class Sys, class R = typename Sys::real_type, class Mem = typename Space::memory_space>
void solve_newton(const Space& space, const Sys& sys, const ConstSequence<R, Mem>& X, const ConstStates<R, Mem>& y0,
                  const Options& opts, const Sequence<R, Mem>& Y, Result<Sequence<R, Mem>>& res,
                  SolveWorkspace<R, Mem>& ws, GiveUp give_up = {}) {
  using Traits = system_traits<Sys>;
  const int batch = int(Y.extent(0)), T = int(Y.extent(1)), m = int(X.extent(2));
  const int k = block_size(sys), lanes = lanes_of(sys), n = int(Y.extent(2)) / lanes;
  const bool diagonal = res.method == Method::quasi_deer || res.method == Method::picard;
  const auto plan =
      NewtonPlan::make<Space, R>(opts, batch * lanes, T, n, diagonal ? 1 : k, diagonal ? 1 : Traits::max_block);
  const StepLayout& layout = plan.layout;
  const StepLayout xlayout = layout.with_batch(batch);
  const ConstStates<R, Mem> y0l = lane_states(space, y0, lanes);
  const Flat<R, Mem> xbuf =
      xlayout.in_view_order(1) ? Flat<R, Mem>() : ws.get(SolveWorkspace<R, Mem>::inputs, xlayout.span(m));
  const LaneData<Sys, Mem> d{sys, to_layout(space, xlayout, X, 1, xbuf), y0l, layout, xlayout, n, m, lanes};
  const InitialGuess guess = resolved_guess(opts.initial_guess, res.method, true);
  Iterates<Space, R> it(space, plan, guess, y0l, Y, ws, lanes);
  // Runs of at least W steps for the first iterate (Options::guess_run; 0: measured): DEER takes
  // them in its first iteration where its scan runs in one pass (NewtonRuns; damped DEER needs
  // the first iterate's residual before its first iteration), else a pass of runs first.
  const int W = guess != InitialGuess::one_step ? 1
                : opts.guess_run > 0            ? std::min(opts.guess_run, T)
                                                : measured_run(space, d, opts.atol_for<R>(), opts.rtol_for<R>());
  if (guess == InitialGuess::one_step) res.guess_run = std::max(res.guess_run, W);
  const bool walk = res.method == Method::deer && walks_runs<Space, R>(W, plan, n, k, T, batch * lanes);
  if (guess == InitialGuess::one_step && !walk) {
    if (W > 1) {
      guess_runs(space, d, it.Yold, W);
    } else {
      // (Registers for 8 teams of 128 per SM where a thread takes one step, whose long
      // dependency chain needs many warps to hide it; 4 where it takes several, which hide
      // each other.)
      const StepFromY0<Sys, Mem> pass{d, it.Yold};
      for_each_index<StepFromY0<Sys, Mem>::G == 1 ? 8 : 4>(space, "deer::solve::one_step_guess", pass.groups(), pass);
    }
  }
  const bool damped = res.method == Method::damped_deer;
  auto step = [&](double beta) {
    if (res.method == Method::quasi_deer)
      return it.step(space, NewtonPairs<Sys, Mem, 1>{d, it.Yold, 1, R(1), Linearization::true_diagonal}, y0l,
                     opts);
    if (res.method == Method::picard)
      return it.step(space, NewtonPairs<Sys, Mem, 1>{d, it.Yold, 1, R(0), Linearization::none}, y0l, opts);
    const NewtonPairs<Sys, Mem, Traits::max_block> exact{d, it.Yold, k, R(beta), Linearization::exact};
    if (walk && it.iteration == 1)
      return it.step(space, NewtonRuns<Sys, Mem, Traits::max_block>{exact, it.Yold, W}, y0l, opts);
    return it.step(space, exact, y0l, opts);
  };
  auto merit = [&](const Flat<R, Mem>& Yf) {
    double r = 0;
    Kokkos::parallel_reduce("deer::solve::residual", Kokkos::RangePolicy<Space>(space, 0, int(layout.span(1))),
                            ScaledResidual<Sys, Mem>{d, Yf, opts.atol_for<R>(), opts.rtol_for<R>()},
                            Kokkos::Max<double>(r));
    return r;
  };
  if (res.method == Method::picard) give_up.when_stagnant = false;  // it can hover until it fixes enough steps
  newton_loop(space, it, opts, res.method == Method::deer, damped, step, merit,
              "try method = damped_deer, a window (Options::window), raise max_iterations or loosen "
              "atol/rtol (chaotic systems: use sequential)",
              res, give_up);
  it.finish(space, Y);
}

// Auto's quasi-DEER first (detail::quasi_first): at most `budget` quasi-DEER iterations,
// stopping once they stall; if they did not converge, DEER from their last iterate (from the
// caller's first guess instead if they diverged or went non-finite). res.method says which method
// produced the trajectory; iterations and residuals count both.
template <class Space, class Sys, class R = typename Sys::real_type, class Mem = typename Space::memory_space>
void solve_quasi_first(const Space& space, const Sys& sys, const ConstSequence<R, Mem>& X,
                       const ConstStates<R, Mem>& y0, const Options& opts, const Sequence<R, Mem>& Y,
                       Result<Sequence<R, Mem>>& res, SolveWorkspace<R, Mem>& ws, int budget) {
  Sequence<R, Mem> guess;  // the caller's guess, kept in case DEER must start from it
  if (opts.initial_guess == InitialGuess::user) {
    guess = Sequence<R, Mem>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::solve::guess"), Y.extent(0),
                             Y.extent(1), Y.extent(2));
    Kokkos::deep_copy(space, guess, Y);
  }
  const int T = int(Y.extent(1));
  Options q = reporting(opts, 0, 0, T);
  q.method = Method::quasi_deer;
  q.max_iterations = std::max(1, std::min(budget, opts.max_iterations / 2));
  res.method = Method::quasi_deer;
  solve_newton(space, sys, X, y0, q, Y, res, ws, GiveUp{true, kQuasiFirstProjected});
  if (res.status == Status::converged || res.iterations >= opts.max_iterations) return;
  Options d = reporting(opts, res.iterations, 0, T);
  d.method = Method::deer;
  d.max_iterations = opts.max_iterations - res.iterations;
  if ((res.status == Status::max_iterations || res.status == Status::stalled) && res.substitutions == 0)
    d.initial_guess = InitialGuess::user;
  else if (guess.data()) Kokkos::deep_copy(space, Y, guess);
  Result<Sequence<R, Mem>> r;
  r.y = Y;
  r.method = Method::deer;
  solve_newton(space, sys, X, y0, d, Y, r, ws);
  res.method = Method::deer;
  res.status = r.status;
  res.message = r.message;
  res.error_estimate = r.error_estimate;
  absorb(res, r);
}

// Options::window: consecutive windows of at most opts.window steps, each a Newton solve from
// the last state of the one before. A window that fails is solved again a quarter as long, from
// the same state, down to kMinWindow steps; after kWindowGrowth successes in a row it doubles
// again, up to opts.window. Attempts that can still shrink stop early (after
// kWindowAttemptIterations, once the updates stall, or at the first non-finite iterate): a
// window too long for float32 stalls just above the tolerance rather than diverging
// (docs/solvers.md, Windows). A failure at the smallest window ends the solve.
inline constexpr int kMinWindow = 16;
inline constexpr int kWindowAttemptIterations = 25;
inline constexpr int kWindowGrowth = 3;

template <class Space, class Sys, class R = typename Sys::real_type, class Mem = typename Space::memory_space>
void solve_windows(const Space& space, const Sys& sys, const ConstSequence<R, Mem>& X, const ConstStates<R, Mem>& y0,
                   const Options& opts, const Sequence<R, Mem>& Y, Result<Sequence<R, Mem>>& res,
                   SolveWorkspace<R, Mem>& ws) {
  const int batch = int(Y.extent(0)), T = int(Y.extent(1)), n = int(Y.extent(2)), m = int(X.extent(2));
  Sequence<R, Mem> Xw, Yw;
  States<R, Mem> start(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::solve::window_y0"), batch, n);
  Kokkos::deep_copy(space, start, y0);
  res.windows = 0;
  int w = opts.window, successes = 0;
  for (int w0 = 0; w0 < T;) {
    const int len = std::min(w, T - w0);
    if (int(Xw.extent(1)) != len) {
      Xw = Sequence<R, Mem>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::solve::window_X"), batch, len, m);
      Yw = Sequence<R, Mem>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::solve::window_Y"), batch, len, n);
    }
    const auto steps = Kokkos::make_pair(w0, w0 + len);
    Kokkos::deep_copy(space, Xw, Kokkos::subview(X, Kokkos::ALL, steps, Kokkos::ALL));
    if (opts.initial_guess == InitialGuess::user)
      Kokkos::deep_copy(space, Yw, Kokkos::subview(Y, Kokkos::ALL, steps, Kokkos::ALL));
    const bool can_shrink = len > kMinWindow;
    Options o = reporting(opts, res.iterations, w0, T);
    if (can_shrink) {
      o.max_iterations = std::min(opts.max_iterations, kWindowAttemptIterations);
      o.non_finite = NonFinitePolicy::stop;
    }
    Result<Sequence<R, Mem>> r;
    r.method = res.method;
    solve_newton(space, Shifted<Sys>{sys, w0}, ConstSequence<R, Mem>(Xw), ConstStates<R, Mem>(start), o, Yw, r, ws,
                 GiveUp{can_shrink});
    absorb(res, r);
    if (r.status != Status::converged && can_shrink) {
      w = std::max(kMinWindow, len / 4);
      successes = 0;
      continue;
    }
    Kokkos::deep_copy(space, Kokkos::subview(Y, Kokkos::ALL, steps, Kokkos::ALL), Yw);
    ++res.windows;
    res.error_estimate = std::max(res.error_estimate, r.error_estimate);
    if (r.status != Status::converged) {
      res.status = r.status;
      res.message = "in the window of steps " + std::to_string(w0) + ".." + std::to_string(w0 + len - 1) +
                    " (already the shortest, " + std::to_string(kMinWindow) + " steps or fewer): " + r.message;
      return;
    }
    Kokkos::deep_copy(space, start, Kokkos::subview(Yw, Kokkos::ALL, len - 1, Kokkos::ALL));
    w0 += len;
    if (++successes == kWindowGrowth) {
      w = int(std::min<long>(opts.window, 2L * w));
      successes = 0;
    }
  }
}

}  // namespace detail

// Solves y_i = f(y_{i-1}, x_i), i = 0..T-1, for every sequence of the batch, into Y.
// X: (batch, T, m), y0: (batch, n), Y: (batch, T, n); Y holds the initial guess on entry
// when options.initial_guess == InitialGuess::user. ws: the parallel methods' buffers, kept
// for the next call (workspace.hpp).
template <class Space, class Sys>
Result<Sequence<typename Sys::real_type, typename Space::memory_space>> solve(
    const Space& space, const Sys& sys,
    const ConstSequence<typename Sys::real_type, typename Space::memory_space>& X,
    const ConstStates<typename Sys::real_type, typename Space::memory_space>& y0,
    const Options& opts, const Sequence<typename Sys::real_type, typename Space::memory_space>& Y,
    SolveWorkspace<typename Sys::real_type, typename Space::memory_space>& ws) {
  using R = typename Sys::real_type;
  using Mem = typename Space::memory_space;
  using Traits = system_traits<Sys>;
  compat::ScopedRegion region("deer::solve");

  const int batch = int(Y.extent(0)), T = int(Y.extent(1)), n = int(Y.extent(2));
  const int m = int(X.extent(2));
  auto shape_error = [&](const std::string& what) {
    throw std::invalid_argument("deer::solve: " + what);
  };
  if (n != sys.state_size())
    shape_error("the output has n = " + std::to_string(n) + " but the system's state size is " +
                std::to_string(sys.state_size()) + "; allocate Y as (batch, T, state_size())");
  if (n < 1 || n > Traits::max_state)
    shape_error("state size " + std::to_string(n) + " is outside 1.." + std::to_string(Traits::max_state) +
                " (the system's max_state); raise max_state in the system's definition");
  const int k = block_size(sys);
  if (k < 1 || k > Traits::max_block || n % k != 0)
    shape_error("Jacobian block size " + std::to_string(k) + " must divide the state size " + std::to_string(n) +
                " and be <= max_block " + std::to_string(Traits::max_block));
  if (m != sys.input_size())
    shape_error("the inputs have m = " + std::to_string(m) + " features per step but the system expects " +
                std::to_string(sys.input_size()) + "; pass X as (batch, T, input_size())");
  if (int(X.extent(0)) != batch || int(X.extent(1)) != T)
    shape_error("inputs are (" + std::to_string(X.extent(0)) + ", " + std::to_string(X.extent(1)) +
                ", m) but the output is (" + std::to_string(batch) + ", " + std::to_string(T) +
                ", n); X and Y must share batch and T");
  if (int(y0.extent(0)) != batch || int(y0.extent(1)) != n)
    shape_error("y0 must be (batch, n) = (" + std::to_string(batch) + ", " + std::to_string(n) + ")");
  if (!X.span_is_contiguous() || !y0.span_is_contiguous() || !Y.span_is_contiguous())
    shape_error("X, y0 and Y must be contiguous views (a padded or strided view is not); deep_copy it into a new view");
  if (opts.max_iterations < 1) shape_error("max_iterations must be >= 1");
  if (opts.window < 0) shape_error("window must be >= 0 steps (0: the whole sequence in one Newton solve)");
  if (opts.guess_run < 0)
    shape_error("guess_run must be >= 0 steps (0: measured, 1: every step of the first iterate from y0)");
  if (opts.check_inputs) {
    if (detail::count_non_finite(space, X) > 0)
      shape_error("the inputs contain NaN or Inf; clean the input data (or set check_inputs = false)");
    if (detail::count_non_finite(space, y0) > 0)
      shape_error("the initial state y0 contains NaN or Inf");
  }

  Result<Sequence<R, Mem>> res;
  res.y = Y;
  res.method = opts.method == Method::automatic ? choose_method(space, sys, batch, T) : opts.method;
  if (T == 0 || batch == 0) return res;

  if (res.method == Method::sequential) {
    const long bad = run_sequential(space, sys, X, y0, Y);
    res.sequential_ok = bad == 0;
    if (bad) {
      res.status = Status::non_finite;
      res.message = "the sequential solution contains " + std::to_string(bad) +
                    " non-finite values: the model itself overflows for these inputs";
    }
    return res;
  }

  // (Through Shifted, as the windows, so that the Newton machinery is compiled once per system.)
  const bool quasi_first = opts.method == Method::automatic && detail::quasi_first<Space>(k, T);
  if (opts.window > 0 && opts.window < T) {
    if (quasi_first) res.method = Method::deer;  // windows keep plain DEER (docs/solvers.md, Auto)
    detail::solve_windows(space, sys, X, y0, opts, Y, res, ws);
  } else if (quasi_first)
    detail::solve_quasi_first(space, Shifted<Sys>{sys, 0}, X, y0, opts, Y, res, ws, detail::kQuasiFirstIterations);
  else
    detail::solve_newton(space, Shifted<Sys>{sys, 0}, X, y0, detail::reporting(opts, 0, 0, T), Y, res, ws);
  if (res.status != Status::converged && opts.fallback) {
    const long nbad = run_sequential(space, sys, X, y0, Y);
    res.fallback_ran = true;
    res.sequential_ok = nbad == 0;
    res.message += " (the sequential fallback ran; the returned trajectory is sequential)";
  }
  space.fence();
  return res;
}

// The same with buffers of its own (allocated and freed by this call).
template <class Space, class Sys>
Result<Sequence<typename Sys::real_type, typename Space::memory_space>> solve(
    const Space& space, const Sys& sys,
    const ConstSequence<typename Sys::real_type, typename Space::memory_space>& X,
    const ConstStates<typename Sys::real_type, typename Space::memory_space>& y0,
    const Options& opts, const Sequence<typename Sys::real_type, typename Space::memory_space>& Y) {
  SolveWorkspace<typename Sys::real_type, typename Space::memory_space> ws;
  return solve(space, sys, X, y0, opts, Y, ws);
}

// Allocating form: returns the trajectory in Result::y.
template <class Space, class Sys>
Result<Sequence<typename Sys::real_type, typename Space::memory_space>> solve(
    const Space& space, const Sys& sys,
    const ConstSequence<typename Sys::real_type, typename Space::memory_space>& X,
    const ConstStates<typename Sys::real_type, typename Space::memory_space>& y0,
    const Options& opts = {}) {
  if (opts.initial_guess == InitialGuess::user)
    throw std::invalid_argument("deer::solve: initial_guess = user needs the overload that takes Y (the guess)");
  Sequence<typename Sys::real_type, typename Space::memory_space> Y("deer::solve::Y", X.extent(0), X.extent(1),
                                                                    sys.state_size());
  return solve(space, sys, X, y0, opts, Y);
}

}  // namespace deer
