#pragma once
// The Newton iteration over a whole trajectory, shared by deer::solve (discrete systems) and
// deer::ode::solve_continuous (the continuous DEER-ODE): iterate buffers in the step layout,
// the update check, and the loop with its stopping rules. Each caller supplies the affine
// pairs of one step (a generator for scan_generated).
#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>

#include <deer/layout.hpp>
#include <deer/options.hpp>
#include <deer/scan.hpp>
#include <deer/workspace.hpp>

namespace deer::detail {

// The value 1e300 marks "non-finite seen" in the reduced update error (as a double; the
// scans keep their max in the real type, where the mark is infinity).
inline constexpr double kNonFiniteError = 1e300;

// Stores the new iterate and measures the update in tolerance units. A non-finite value makes
// the error huge so nothing converges on it; SubstituteNonFinite counts and replaces such
// values afterwards, in a pass that runs only then. (Counting here with an atomic on one
// address cost 68 s per iteration on the H200 once a whole iterate overflowed: Kokkos 3.4
// adds to a `long` with a compare-and-swap loop, and every thread contended for it.)
// N: the state capacity; up to 2 (the states the one-pass tile knows at compile time, scalars
// and 2x2 lanes) the loop has a constant bound, so y stays in registers.
// e: the caller's running max, in R (the scans widen it once per thread: a max kept as a
// double cost float32 solves a conversion and a double compare per value).
// Fresh: the iterate Yold is written by the same kernel (NewtonRuns' first iterate), so it is
// read with plain loads rather than through the read-only cache.
template <class R, class Mem, int N, bool Fresh = false>
struct NewtonUpdate {
  Flat<R, Mem> Ynew;
  Flat<const R, Mem> Yold;
  StepLayout layout;
  int n;
  R atol, rtol;
  KOKKOS_INLINE_FUNCTION void operator()(int s, int i, R* y, R& e) const {
    const size_t o = layout.at(s, i, N == 1 ? 1 : n);
    const auto update = [&](int j) {
      if (!compat::isfinite(y[j])) e = compat::infinity<R>();
      const R old = Fresh ? Yold(o + j) : compat::load_readonly(Yold.data() + o + j);
      const R d = compat::divide_approx(compat::fabs(y[j] - old),
                                        atol + rtol * compat::fabs(y[j]));
      e = d > e ? d : e;
      Ynew(o + j) = y[j];
    };
    if constexpr (N <= 2) {
      DEER_UNROLL
      for (int j = 0; j < N; ++j)
        if (j < n) update(j);
    } else {
      for (int j = 0; j < n; ++j) update(j);
    }
  }
};

// Replaces the non-finite values of an iterate (steps of the layout only: padding is never
// read) and counts them.
template <class R, class Mem>
struct SubstituteNonFinite {
  Flat<R, Mem> Y;
  StepLayout layout;
  int n;
  R value;
  KOKKOS_INLINE_FUNCTION void operator()(const int idx, long& count) const {
    int s, i;
    if (!layout.step_at(idx, s, i)) return;
    const size_t o = layout.at(s, i, n);
    for (int j = 0; j < n; ++j)
      if (!compat::isfinite(Y(o + j))) {
        Y(o + j) = value;
        ++count;
      }
  }
};

template <class View>
struct CountNonFinite {
  View v;
  KOKKOS_INLINE_FUNCTION void operator()(const size_t j, long& c) const { c += compat::isfinite(v.data()[j]) ? 0 : 1; }
};

template <class Space, class View>
long count_non_finite(const Space& space, const View& v) {
  long bad = 0;
  Kokkos::parallel_reduce("deer::count_non_finite", Kokkos::RangePolicy<Space, Kokkos::IndexType<size_t>>(space, 0, v.span()),
                          CountNonFinite<View>{v}, bad);
  return bad;
}

// The first iterate: y0 broadcast over every step. Per slot, in any layout (for_each_index);
// BroadcastY0Rows below for batch_first buffers on GPUs.
template <class R, class Mem>
struct BroadcastY0 {
  Flat<R, Mem> Y;
  ConstStates<R, Mem> y0;
  StepLayout layout;
  int n;
  KOKKOS_INLINE_FUNCTION void operator()(const int idx) const {
    int s, i;
    if (!layout.step_at(idx, s, i)) return;
    const size_t o = layout.at(s, i, n);
    for (int j = 0; j < n; ++j) Y(o + j) = y0(s, j);
  }
};

// The same for a batch_first buffer, by teams: team (s, piece) fills `per` steps of sequence
// s, neighbouring threads on neighbouring values, with no division per step for scalar
// states. (H200, session 11, GRU n=1 at T=1e6, 64 MB: BroadcastY0 took 78 us with a team per
// 128 slots and 51 us with resident teams; this takes 18 us.)
template <class R, class Mem>
struct BroadcastY0Rows {
  Flat<R, Mem> Y;
  ConstStates<R, Mem> y0;
  StepLayout layout;
  int n, per;
  template <class Member>
  KOKKOS_INLINE_FUNCTION void operator()(const Member& m) const {
    const int pieces = (layout.T + per - 1) / per, s = m.league_rank() / pieces;
    const int lo = (m.league_rank() - s * pieces) * per, hi = layout.T - lo < per ? layout.T : lo + per;
    R* out = Y.data() + layout.at(s, lo, n);
    const R* y = &y0(s, 0);
    const unsigned len = unsigned(hi - lo) * unsigned(n);
    for (unsigned k = m.team_rank(); k < len; k += m.team_size()) out[k] = y[n == 1 ? 0 : k % unsigned(n)];
  }
};

// Pairs evaluated once into a flat buffer in `layout` (LaidOutPairs in scan.hpp reads them).
template <class Gen, class Mem>
struct EvaluatePairs {
  using R = typename Gen::real_type;
  static constexpr int N = Gen::max_state, K = Gen::max_block;
  Gen gen;
  Flat<R, Mem> Ab;
  StepLayout layout;
  int n, k;
  KOKKOS_INLINE_FUNCTION void operator()(const int idx) const {
    int s, i;
    if (!layout.step_at(idx, s, i)) return;
    R A[N * K], b[N];
    gen(s, i, A, b);
    const int w = n * k + n;
    for (int j = 0; j < n * k; ++j) Ab(layout.component(s, i, j, w)) = A[j];
    for (int j = 0; j < n; ++j) Ab(layout.component(s, i, n * k + j, w)) = b[j];
  }
};

// The error left in the newest Newton iterate (tolerance units), estimated from the last
// three updates: once they shrink faster and faster (theta = update / before below
// before / earlier, Newton's quadratic phase), the rest of the way is at most
// update * theta / (1 - theta), the rate test of CVODE's and RADAU5's Newton iterations; in
// that phase it overstates what is left. Otherwise (fewer updates, earlier < 0; a rate that
// does not fall, as in DEER's first iterations, whose updates sweep along the sequence and
// can shrink and grow again) the update itself.
KOKKOS_INLINE_FUNCTION double error_left(double update, double before, double earlier) {
  if (earlier <= 0.0 || !(before < earlier) || !(update < before)) return update;
  const double theta = update / before;
  if (theta > before / earlier) return update;
  return update * theta / (1.0 - theta);
}
// Whether updates shrinking as from `earlier` to `update` over the last two iterations need more
// than `left` further iterations to reach the tolerance (1): update^2 > (earlier / update)^left.
// In products only, so that the host and the device judge alike.
KOKKOS_INLINE_FUNCTION bool needs_more_than(double update, double earlier, int left) {
  if (left <= 0 || !(update < earlier)) return true;
  const double ratio = earlier / update, target = update * update;
  double reach = 1.0;
  for (int j = 0; j < left && reach < target; ++j) reach *= ratio;
  return reach < target;
}
// Converged once the estimate is within this fraction of the tolerance, or the last update
// is within the tolerance itself (CVODE's default margin, 0.1: the estimate is a model).
inline constexpr double kEstimateMargin = 0.1;

// What the Newton loop does after an accepted update: go on, or stop converged, stalled or
// diverged. The host's loop decides with it, and so does the device for an iteration launched
// before the host has read the update (Iterates::step, gated): both must decide alike.
enum class Next { go_on, converged, stalled, diverged };
// When a Newton loop stops early with Status::stalled.
//  - when_stagnant (every DEER and quasi-DEER loop; not Picard, which can hover until it has
//    fixed enough steps, nor damped steps): from the fifth iteration on, once the last two
//    updates, both within kStagnantBelow tolerance units, are no smaller than 0.9 times the one
//    before them. That is the rounding floor: float32 DEER on a neural ODE of 1e6 steps hovered
//    at 1.1-1.3 tolerance units for 90 iterations (H200, session 16) and would never converge.
//  - when_stalled (callers with somewhere else to go: a window that can still shrink, Auto's
//    quasi-DEER phase that hands over to DEER): sooner, once an update is more than half the
//    one two iterations before, from the fourth on; and with `projected` > 0 also once the rate
//    of the last two updates projects more than that many iterations in all (needs_more_than).
struct GiveUp {
  bool when_stalled = false;
  int projected = 0;
  bool when_stagnant = true;
};
inline constexpr double kStagnantBelow = 1e3;
struct NewtonRules {
  bool rate = false;               // exact Newton steps, no substituted values: the rate test applies
  GiveUp give_up;                  // the verdict `stalled`
  double divergence = 1e308;       // stop as diverged beyond this update
  // err: the update of iteration u (tolerance units); before, earlier: those of u-1, u-2.
  // finite: no value of the iterate was non-finite.
  KOKKOS_INLINE_FUNCTION Next judge(double err, double before, double earlier, int u, bool finite,
                                    double& estimate) const {
    estimate = rate && u >= 3 ? error_left(err, before, earlier) : err;
    if (err <= 1.0 || estimate <= kEstimateMargin) return Next::converged;
    if (give_up.when_stalled && u >= 4 &&
        (err > 0.5 * earlier || (give_up.projected > 0 && needs_more_than(err, earlier, give_up.projected - u))))
      return Next::stalled;
    if (finite && err > divergence) return Next::diverged;
    if (give_up.when_stagnant && u >= 5 && err <= kStagnantBelow && (err < before ? err : before) >= 0.9 * earlier)
      return Next::stalled;
    return Next::go_on;
  }
};

// The device's side of it: after iteration u's scan, whether iteration u + 1 (launched gated)
// runs. A non-finite iterate shuts the gate too: the host substitutes values first.
struct NewtonVerdict {
  NewtonRules rules;
  int u;
  KOKKOS_INLINE_FUNCTION bool operator()(double err, double before, double earlier) const {
    double estimate;
    const bool finite = err < kNonFiniteError;
    return finite && rules.judge(err, before, earlier, u, finite, estimate) == Next::go_on;
  }
};

// A scan launched by Iterates::step: its error when it has run (call < 0), or the one-pass
// call whose error the host collects later.
struct PendingStep {
  double err = 0.0;
  int call = -1;
};

// A number of tolerance units for messages: 1e+30, 3.52.
inline std::string fmt_tolerance(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", v);
  return text;
}

// Up to this many bytes of pairs are stored rather than evaluated twice per iteration.
inline constexpr double kPairStoreBytes = 4e9;

// How one parallel solve scans: chunk length, the scan algorithm for its block size k and
// pairs of at most max_block (scan.hpp's use_one_pass) and the step layout. The one-pass scan
// reads steps in the views' own order, so automatic picks batch_first for it.
struct NewtonPlan {
  int chunk = 1;
  bool one_pass = false;
  StepLayout layout;
  // n: the state size of one sequence (lane) of the layout.
  template <class Space, class R>
  static NewtonPlan make(const Options& opts, int batch, int T, int n, int k, int max_block) {
    NewtonPlan p;
    p.chunk = opts.chunk > 0 ? opts.chunk : default_chunk<Space>(batch, T);
    p.one_pass = use_one_pass<Space, R>(opts.scan, k, max_block, n);
    const StepOrder order =
        p.one_pass && opts.step_order == StepOrder::automatic ? StepOrder::batch_first : opts.step_order;
    p.layout = StepLayout::make<Space>(order, batch, T, p.chunk);
    return p;
  }
};

// The iterates of one parallel solve: the current one (Yold) and the next (Ynew), flat in the
// step layout, in the workspace's buffers. With batch_first, Ynew starts as the caller's Y
// itself (no copy at the end when the last iterate lands there).
template <class Space, class R>
struct Iterates {
  using Mem = typename Space::memory_space;
  NewtonPlan plan;
  StepLayout layout;
  SolveWorkspace<R, Mem>& ws;
  Flat<R, Mem> Yold, Ynew;

  int lanes = 1;     // lanes per sequence of Y (lanes.hpp); the layout's sequences are lanes
  int n = 0;         // the state size of a lane
  // Set by newton_loop before each step: the iteration's number, the loop's rules, and
  // whether the step is launched ahead (gated on the device's verdict on the step before).
  int iteration = 1;
  NewtonRules rules;
  bool ahead = false;

  // The first iterate by the resolved guess (resolved_guess): y0 broadcast over T, zeros, or
  // the trajectory the caller left in Y (warm start); one_step leaves Yold to the solver, which
  // knows the system (StepFromY0 in solve.hpp). y0: the lanes' initial states.
  Iterates(const Space& space, const NewtonPlan& p, InitialGuess guess, const ConstStates<R, Mem>& y0,
           const Sequence<R, Mem>& Y, SolveWorkspace<R, Mem>& w, int lanes_per_sequence = 1)
      : plan(p), layout(p.layout), ws(w), lanes(lanes_per_sequence), n(int(y0.extent(1))) {
    Yold = ws.get(SolveWorkspace<R, Mem>::iterate, layout.span(n));
    Ynew = layout.in_view_order(lanes) ? Flat<R, Mem>(Y.data(), Y.span())
                                       : ws.get(SolveWorkspace<R, Mem>::next, layout.span(n));
    if (guess == InitialGuess::user) {
      if (layout.in_view_order(lanes)) Kokkos::deep_copy(space, Yold, Flat<R, Mem>(Y.data(), Y.span()));
      else to_layout(space, layout, ConstSequence<R, Mem>(Y), lanes, Yold);
    } else if (guess == InitialGuess::zeros) {
      Kokkos::deep_copy(space, Yold, R(0));
    } else if (guess == InitialGuess::broadcast_y0) {
      if (!compat::on_host<Space> && !layout.interleaved) {
        constexpr int per = 4096, team = 256;
        const int pieces = (layout.T + per - 1) / per;
        Kokkos::parallel_for("deer::newton::broadcast_y0",
                             Kokkos::TeamPolicy<Space>(space, layout.batch * pieces, team),
                             BroadcastY0Rows<R, Mem>{Yold, y0, layout, n, per});
      } else {
        // (In teams, for_each_index: with Kokkos 3.4's RangePolicy this pass took 0.16 ms for
        // GRU n=1 at T=1e6, a tenth of the bandwidth of a copy.)
        for_each_index(space, "deer::newton::broadcast_y0", int(layout.span(1)),
                       BroadcastY0<R, Mem>{Yold, y0, layout, n});
      }
    }
  }

  // Whether steps can be launched ahead: the one-pass scan hands its error over by mail.
  bool can_launch_ahead() const { return plan.one_pass; }

  // One scan of `pairs` from Yold into Ynew, launched; collect() gives its update.
  template <class Pairs>
  PendingStep step(const Space& space, const Pairs& pairs, const ConstStates<R, Mem>& y0, const Options& opts) {
    const int k = pairs.k;
    NewtonUpdate<R, Mem, Pairs::max_state, walks<Pairs>::value> upd{Ynew, Yold, layout, n, R(opts.atol_for<R>()),
                                                                      R(opts.rtol_for<R>())};
    // The one-pass scan evaluates every pair once by construction. The chunked scan, with more
    // than one chunk per sequence, evaluates every pair twice (compose, then sweep); evaluating
    // them once in a fully parallel pass and storing them paid on the H200 for blocks of size
    // 1 and 2 (GRU n=1: 6.3 -> 5.5 ms, multi-head GRU n=64: 194 -> 166 ms) and lost for dense
    // n=8 (14.3 -> 21 ms: 72 stored values per step cost more than a second evaluation). So:
    // store small blocks, when they fit.
    const bool store = !plan.one_pass && layout.C > 1 && k <= 2 &&
                       double(layout.span(n * k + n)) * sizeof(R) <= kPairStoreBytes;
    const int chunk = plan.chunk;
    double err;
    if (plan.one_pass) {
      return {0.0, launch_one_pass(space, pairs, upd, y0, layout.T, n, k, ws.scan.one_pass, ahead,
                                   NewtonVerdict{rules, iteration})};
    } else if (store) {
      const Flat<R, Mem> Ab = ws.get(SolveWorkspace<R, Mem>::pairs, layout.span(n * k + n));
      for_each_index(space, "deer::newton::evaluate_pairs", int(layout.span(1)),
                     EvaluatePairs<Pairs, Mem>{pairs, Ab, layout, n, k});
      LaidOutPairs<R, Mem, Pairs::max_state, Pairs::max_block> stored{Ab, layout, n, k};
      err = scan_generated(space, stored, upd, y0, layout.T, n, k, chunk, ws.scan);
    } else {
      err = scan_generated(space, pairs, upd, y0, layout.T, n, k, chunk, ws.scan);
    }
    return {err, -1};
  }
  // A launched step's {max update in tolerance units, non-finite count}; opened: whether the
  // device let the step after it, launched ahead, run.
  std::pair<double, long> collect(const Space& space, const PendingStep& p, const Options& opts, bool& opened) {
    double err = p.err;
    opened = false;
    if (p.call >= 0) err = ws.scan.one_pass.wait(space, p.call, opened);
    long nbad = 0;
    if (err >= kNonFiniteError)
      Kokkos::parallel_reduce("deer::newton::substitute_non_finite",
                              Kokkos::RangePolicy<Space>(space, 0, int(layout.span(1))),
                              SubstituteNonFinite<R, Mem>{Ynew, layout, n, R(opts.substitute_value)}, nbad);
    return {err, nbad};
  }
  void accept() { std::swap(Yold, Ynew); }
  // The newest iterate into the caller's Y.
  void finish(const Space& space, const Sequence<R, Mem>& Y) { from_layout(space, layout, Yold, Y, lanes); }
};


// The Newton loop. step(beta) launches one scan with Jacobians scaled by beta (1 = Newton)
// and returns its PendingStep. With merit (DampedDeer), a step that does not lower merit(Ynew)
// is rejected and retried with beta/4 (see Options::damping_min).
// newton: the steps are exact Newton steps, where the rate test (error_left) applies.
// advice: what to suggest when the iteration stops without converging. give_up: when to stop
// early with status stalled (GiveUp; never for damped steps).
// Undamped one-pass steps are launched one ahead: step u + 1 is queued before the host reads
// step u's update, and runs only if the device's NewtonVerdict on step u lets it; the host
// then finds it running instead of launching it after a round trip (about 25 us per
// iteration on the H200, session 11).
template <class Space, class R, class Res, class Step, class Merit>
void newton_loop(const Space& space, Iterates<Space, R>& it, const Options& opts, bool newton, bool damped, Step&& step,
                 Merit&& merit, const std::string& advice, Res& res, GiveUp give_up = {}) {
  double beta = 1.0;
  double current = damped ? merit(it.Yold) : 0.0;
  const bool pipelined = !damped && it.can_launch_ahead();
  it.rules = NewtonRules{newton && !damped, damped ? GiveUp{false, 0, false} : give_up,
                         damped ? 1e308 : opts.divergence_threshold};
  res.status = Status::max_iterations;
  PendingStep pending, next;
  bool queued = false;  // step res.iterations + 1 is launched already (as `next`)
  while (res.iterations < opts.max_iterations) {
    ++res.iterations;
    const double b = beta < opts.damping_min ? 0.0 : beta;
    it.iteration = res.iterations;
    it.ahead = false;
    if (queued) pending = next;
    else pending = step(b);
    const bool ahead = pipelined && res.iterations < opts.max_iterations;
    if (ahead) {
      it.accept();  // the step ahead reads the iterate this one writes, and writes the other buffer
      it.iteration = res.iterations + 1;
      it.ahead = true;
      next = step(b);
      it.accept();
    }
    bool opened = false;
    const auto [err, nbad] = it.collect(space, pending, opts, opened);
    queued = ahead && opened;
    if (ahead && !opened) it.ws.scan.one_pass.skipped();
    res.residuals.push_back(err);
    res.substitutions += nbad;
    if (opts.progress) opts.progress(Progress{res.method, res.iterations, err, 0, 0});
    if (damped && err > 1.0) {
      // A converged update (err <= 1) is always accepted; so is a pure Picard step (b == 0),
      // which shrinking beta cannot improve on.
      const double r = nbad > 0 ? 1e308 : merit(it.Ynew);
      if (b != 0.0 && !(r < current)) {
        beta *= 0.25;  // reject: keep Yold, retry closer to Picard
        continue;
      }
      current = r;
    }
    if (nbad > 0 && opts.non_finite == NonFinitePolicy::stop) {
      res.status = Status::non_finite;
      res.message = "an iterate became non-finite at iteration " + std::to_string(res.iterations) + "; " + advice;
      break;
    }
    it.accept();
    if (damped) beta = beta < opts.damping_min ? opts.damping_min * 2 : (beta * 2 > 1 ? 1.0 : beta * 2);
    // The rate test for exact Newton steps only (Picard and quasi-DEER converge linearly, and
    // substituted values or damped steps break the rate's meaning).
    if (res.substitutions > 0) it.rules.rate = false;
    const size_t u = res.residuals.size();
    const double before = u >= 2 ? res.residuals[u - 2] : 0.0, earlier = u >= 3 ? res.residuals[u - 3] : 0.0;
    const Next verdict = it.rules.judge(err, before, earlier, int(u), nbad == 0, res.error_estimate);
    if (ahead && opened != (nbad == 0 && verdict == Next::go_on))
      throw std::logic_error("deer: the device and the host judged Newton iteration " + std::to_string(u) +
                             " differently (update " + fmt_tolerance(err) + ")");
    if (verdict == Next::converged) {
      res.status = Status::converged;
      break;
    }
    if (verdict == Next::stalled) {  // (windows retry shorter, Auto's quasi-DEER hands over)
      // The updates hover at the floor: tolerances twice the largest of them clear it.
      const double level = 2.0 * std::max({earlier, before, err});
      res.status = Status::stalled;
      res.message = "the Newton updates stopped shrinking (" + fmt_tolerance(earlier) + ", " + fmt_tolerance(before) +
                    ", " + fmt_tolerance(err) + " tolerance units at iterations " + std::to_string(u - 2) + " to " +
                    std::to_string(u) + "), usually the rounding floor of the precision over this trajectory: "
                    "raise atol/rtol about " + fmt_tolerance(level) + "-fold or solve in float64 (a quasi-DEER "
                    "that converges this slowly: use deer)";
      break;
    }
    if (verdict == Next::diverged) {      // (damped steps are guarded by the merit instead)
      res.status = Status::diverged;
      res.message = "the Newton updates grew beyond " + fmt_tolerance(opts.divergence_threshold) +
                    " tolerance units at iteration " + std::to_string(res.iterations) + "; " + advice;
      break;
    }
  }
  if (res.status == Status::max_iterations)
    res.message = "did not converge in " + std::to_string(opts.max_iterations) + " iterations (last update " +
                  fmt_tolerance(res.residuals.empty() ? 0.0 : res.residuals.back()) + " tolerance units); " + advice;
}

}  // namespace deer::detail
