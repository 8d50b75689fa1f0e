#pragma once
// The affine scan: y_i = A_i y_{i-1} + b_i over a batch of sequences, the one primitive
// under every DEER solver. A_i is block-diagonal with block size k (k = 1: diagonal,
// k = n: dense) in the layout of system.hpp.
//
// Algorithm (chunked, recursive): the T steps are cut into chunks of L steps.
//  1. compose: each chunk composes its pairs into one (P_c, q_c) sequentially;
//  2. the chunk-end states obey the same recurrence s_c = P_c s_{c-1} + q_c: solve it by
//     calling this scan again on the C-1 summaries (until one chunk is left);
//  3. sweep: each chunk restarts from its start state and applies its pairs in order.
// The pairs come from a generator functor, not from memory, so a Newton step can compute
// A_i, b_i on the fly in both passes instead of storing dense Jacobians (O(T n) memory).
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <deer/compat.hpp>
#include <deer/layout.hpp>
#include <deer/scan_one_pass.hpp>
#include <deer/sequence.hpp>

namespace deer {

enum class Direction { forward, reverse };

struct ScanOptions {
  Direction direction = Direction::forward;
  int chunk = 0;  // steps per chunk; 0 picks one for the backend
  // automatic: on GPUs the pairs are first packed into the interleaved order (layout.hpp).
  StepOrder order = StepOrder::automatic;
  // automatic: the one-pass scan (scan_one_pass.hpp) for diagonal pairs and 2x2 blocks (of
  // pairs with max_block 2) on GPUs, else chunked.
  ScanAlgorithm algorithm = ScanAlgorithm::automatic;
};

namespace detail {

// out[r] = sum_c A[r*k + c] * y[(r/k)*k + c]. N, K: compile-time capacities of n, k; for
// small ones the loops get constant bounds, so the arrays can stay in registers.
template <int N, int K, class R>
KOKKOS_INLINE_FUNCTION void block_apply(int n, int k, const R* A, const R* y, R* out) {
  if constexpr (N * K <= 64) {
    if (n == N && k == K) {
      for (int r = 0; r < N; ++r) {
        R s = 0;
        for (int c = 0; c < K; ++c) s += A[r * K + c] * y[(r / K) * K + c];
        out[r] = s;
      }
      return;
    }
  }
  for (int r = 0; r < n; ++r) {
    const R* a = A + r * k;
    const R* yb = y + (r / k) * k;
    R s = 0;
    for (int c = 0; c < k; ++c) s += a[c] * yb[c];
    out[r] = s;
  }
}

// P <- A P for block-diagonal A and P of block size k, one column at a time (tmp: n values).
template <int N, int K, class R>
KOKKOS_INLINE_FUNCTION void block_compose(int n, int k, const R* A, R* P, R* tmp) {
  if constexpr (N * K <= 64) {
    if (n == N && k == K) {
      for (int c = 0; c < K; ++c) {
        for (int r = 0; r < N; ++r) {
          R s = 0;
          for (int l = 0; l < K; ++l) s += A[r * K + l] * P[((r / K) * K + l) * K + c];
          tmp[r] = s;
        }
        for (int r = 0; r < N; ++r) P[r * K + c] = tmp[r];
      }
      return;
    }
  }
  for (int c = 0; c < k; ++c) {
    for (int r = 0; r < n; ++r) {
      const int base = (r / k) * k;
      R s = 0;
      for (int l = 0; l < k; ++l) s += A[r * k + l] * P[(base + l) * k + c];
      tmp[r] = s;
    }
    for (int r = 0; r < n; ++r) P[r * k + c] = tmp[r];
  }
}

template <class Space>
inline int default_chunk(int batch, int T) {
#ifdef KOKKOS_ENABLE_CUDA
  // GPU: about one chunk per resident thread (an H200 keeps ~270k threads in flight);
  // longer chunks mean fewer recursion levels and launches, shorter ones more parallelism.
  // A power of two, so that the interleaved layout indexes with shifts (layout.hpp).
  if constexpr (std::is_same_v<Space, Kokkos::Cuda>) {
    const long want = (long(batch) * T) / 262144;
    int L = 16;
    while (L < 256 && 2L * L <= want) L *= 2;
    return L;
  }
#endif
  // Host: a few chunks per thread are enough; longer chunks mean less extra work.
  const int conc = Space().concurrency();
  const long target = 4L * conc;
  const long per_seq = (target + batch - 1) / batch;
  const long L = (static_cast<long>(T) + per_seq - 1) / per_seq;
  return static_cast<int>(L < 16 ? 16 : L);
}

// Whether a scan of n components in blocks of k (pairs of at most max_block) runs one pass
// (scan_one_pass.hpp: k = 1, or k = 2 = max_block, in a tile that fits) or chunked (below).
// automatic: one pass where it can on GPUs; on the host the chunked scan's long chunks already
// read everything about once, and it needs no spinning between threads.
template <class Space, class R>
bool use_one_pass(ScanAlgorithm a, int k, int max_block, int n) {
  const std::string why = detail::one_pass_refusal<Space, R>(k, max_block, n);
  if (a == ScanAlgorithm::one_pass && !why.empty())
    throw std::invalid_argument("deer: " + why + "; use ScanAlgorithm::chunked or automatic");
  if (a != ScanAlgorithm::automatic) return a == ScanAlgorithm::one_pass;
  constexpr bool host = compat::on_host<Space>;
  return why.empty() && !host;
}

// Pairs stored in memory: A (batch, steps, n*k), b (batch, steps, n). Only loads (the one-pass
// scan's tiles then stream: scan_one_pass.hpp, loads_only), and prefetches a step's pairs.
template <class R, class Mem, int N, int K>
struct StoredPairs {
  using real_type = R;
  static constexpr int max_state = N;
  static constexpr int max_block = K;
  static constexpr bool loads_only = true;
  ConstSequence<R, Mem> A, b;
  int n, k;
  KOKKOS_INLINE_FUNCTION void prefetch(int s, int i) const {
    const int nn = N == 1 ? 1 : n, nk = N * K == 1 ? 1 : n * k;
    const size_t step = step_index(s, int(b.extent(1)), i);
    compat::prefetch(A.data() + step * nk);
    compat::prefetch(b.data() + step * nn);
  }
  KOKKOS_INLINE_FUNCTION void operator()(int s, int i, R* a, R* bb) const {
    const int nn = N == 1 ? 1 : n, nk = N * K == 1 ? 1 : n * k;  // constant for scalar scans
    const size_t step = step_index(s, int(b.extent(1)), i);        // (contiguous views)
    for (int j = 0; j < nk; ++j) a[j] = A.data()[step * nk + j];
    for (int j = 0; j < nn; ++j) bb[j] = b.data()[step * nn + j];
  }
};

// Pairs stored in a flat buffer in `layout`, component by component: the n*k values of A, then
// the n of b, per step.
template <class R, class Mem, int N, int K>
struct LaidOutPairs {
  using real_type = R;
  static constexpr int max_state = N;
  static constexpr int max_block = K;
  Flat<const R, Mem> Ab;
  StepLayout layout;
  int n, k;
  KOKKOS_INLINE_FUNCTION void operator()(int s, int i, R* A, R* b) const {
    const int w = n * k + n;
    for (int j = 0; j < n * k; ++j) A[j] = Ab(layout.component(s, i, j, w));
    for (int j = 0; j < n; ++j) b[j] = Ab(layout.component(s, i, n * k + j, w));
  }
};

// Packs A (batch, T, n*k) and b (batch, T, n) into LaidOutPairs' buffer; one thread per step
// in the views' order (see Relayout in layout.hpp).
template <class R, class Mem>
struct PackPairs {
  ConstSequence<R, Mem> A, b;
  Flat<R, Mem> Ab;
  StepLayout layout;
  int n, k;
  KOKKOS_INLINE_FUNCTION void operator()(const int idx) const {
    const int s = idx / layout.T, i = idx % layout.T, w = n * k + n;
    for (int j = 0; j < n * k; ++j) Ab(layout.component(s, i, j, w)) = A(s, i, j);
    for (int j = 0; j < n; ++j) Ab(layout.component(s, i, n * k + j, w)) = b(s, i, j);
  }
};

// Writes every state to a view; contributes nothing to the returned error. N: the state
// capacity (for N = 1 the loop is constant, so y stays in registers).
template <class R, class Mem, int N>
struct StoreStates {
  Sequence<R, Mem> Y;
  template <class E>
  KOKKOS_INLINE_FUNCTION void operator()(int s, int i, R* y, E&) const {
    const int n = N == 1 ? 1 : int(Y.extent(2));
    R* row = Y.data() + size_t(step_index(s, int(Y.extent(1)), i)) * n;  // (a contiguous view)
    for (int j = 0; j < n; ++j) row[j] = y[j];
  }
};

// Runs the generator and the output functor backwards in time.
template <class Gen>
struct Reversed {
  using real_type = typename Gen::real_type;
  static constexpr int max_state = Gen::max_state;
  static constexpr int max_block = Gen::max_block;
  static constexpr bool loads_only = detail::loads_only<Gen>::value;
  Gen g;
  int T;
  KOKKOS_INLINE_FUNCTION void operator()(int s, int i, real_type* a, real_type* b) const { g(s, T - 1 - i, a, b); }
  template <class G = Gen>
  KOKKOS_INLINE_FUNCTION auto prefetch(int s, int i) const -> decltype(std::declval<const G&>().prefetch(s, i)) {
    g.prefetch(s, T - 1 - i);
  }
};
template <class Out>
struct ReversedOut {
  Out o;
  int T;
  template <class R>
  KOKKOS_INLINE_FUNCTION void operator()(int s, int i, R* y, R& e) const { o(s, T - 1 - i, y, e); }
};

}  // namespace detail

// Buffers for the chunk summaries of every recursion level, kept between calls so that
// Newton iterations do not allocate.
template <class R, class Mem>
class ScanWorkspace {
 public:
  struct Level {
    Kokkos::View<R***, Kokkos::LayoutRight, Mem> P, q, S;
  };
  Level& level(int depth, int batch, int chunks, int n, int k) {
    if (static_cast<int>(levels_.size()) <= depth) levels_.resize(depth + 1);
    Level& L = levels_[depth];
    if (L.P.extent(0) != size_t(batch) || L.P.extent(1) < size_t(chunks) || L.P.extent(2) != size_t(n * k) ||
        L.q.extent(2) != size_t(n)) {
      const std::string d = std::to_string(depth);
      L.P = decltype(L.P)(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::scan::P" + d), batch, chunks, n * k);
      L.q = decltype(L.q)(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::scan::q" + d), batch, chunks, n);
      L.S = decltype(L.S)(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::scan::S" + d), batch, chunks, n);
    }
    return L;
  }
  OnePassWorkspace<R, Mem> one_pass;
  // One slot per chunk of the top level: each sweep thread's max update error.
  Kokkos::View<double*, Mem> errors(int chunks) {
    if (errors_.extent(0) < size_t(chunks))
      errors_ = Kokkos::View<double*, Mem>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::scan::errors"), chunks);
    return errors_;
  }

 private:
  std::vector<Level> levels_;
  Kokkos::View<double*, Mem> errors_;
};

namespace detail {

// Runs f(idx) for idx in [0, count): on a GPU one thread per index in blocks of 128.
// (With a RangePolicy, Kokkos 3.4 chose blocks of 32 threads for the compose pass, half the
// H200's occupancy, and its parallel_reduce ran the sweep on a quarter of the threads, each
// walking four chunks one after the other; seen with ncu.)
template <class F>
struct PerIndex {
  F f;
  int count;
  template <class Member>
  KOKKOS_INLINE_FUNCTION void operator()(const Member& m) const {
    const unsigned stride = unsigned(m.league_size()) * unsigned(m.team_size());  // (count < 2^31: no overflow)
    for (unsigned idx = unsigned(m.league_rank() * m.team_size() + m.team_rank()); idx < unsigned(count); idx += stride)
      f(int(idx));
  }
};
// MinTeams > 0: ask for registers such that MinTeams teams of 128 share an SM (8: 64 per
// thread), for evaluations whose long dependency chains need many warps to hide them.
template <int MinTeams = 0, class Space, class F>
void for_each_index(const Space& space, const std::string& name, int count, const F& f) {
  if (count <= 0) return;
  if constexpr (compat::on_host<Space>) {
    Kokkos::parallel_for(name, Kokkos::RangePolicy<Space>(space, 0, count), f);
  } else {
    // As many teams as run at once, each thread taking several indices: one index per thread
    // spent most of a pass on starting teams (H200, session 11: the broadcast of the first
    // Newton iterate, 1.6e7 steps, took 78 us).
    constexpr int team = 128;
    using Policy = std::conditional_t<(MinTeams > 0), Kokkos::TeamPolicy<Space, Kokkos::LaunchBounds<team, MinTeams>>,
                                      Kokkos::TeamPolicy<Space>>;
    const int resident = int(space.concurrency() / team), needed = (count + team - 1) / team;
    Kokkos::parallel_for(name, Policy(space, needed < resident ? needed : resident, team), PerIndex<F>{f, count});
  }
}

// Pass 1: chunk c (of the first C-1) of sequence s composes its L pairs into (P, q).
template <class Gen, class Mem>
struct ComposeChunks {
  using R = typename Gen::real_type;
  static constexpr int N = Gen::max_state, K = Gen::max_block;
  Gen gen;
  Kokkos::View<R***, Kokkos::LayoutRight, Mem> P, q;
  int C, L, n, k;
  KOKKOS_INLINE_FUNCTION void operator()(const int idx) const {
    const int s = idx / (C - 1), c = idx % (C - 1);
    const int i0 = c * L, i1 = i0 + L;
    R A[N * K], b[N], Pc[N * K], qc[N], tmp[N];
    gen(s, i0, Pc, qc);
    for (int i = i0 + 1; i < i1; ++i) {
      gen(s, i, A, b);
      block_apply<N, K>(n, k, A, qc, tmp);
      for (int r = 0; r < n; ++r) qc[r] = tmp[r] + b[r];
      block_compose<N, K>(n, k, A, Pc, tmp);
    }
    for (int j = 0; j < n * k; ++j) P(s, c, j) = Pc[j];
    for (int j = 0; j < n; ++j) q(s, c, j) = qc[j];
  }
};

// Pass 3: chunk c restarts from its start state and hands every state to out; the max of
// out's error goes to E(idx) when E is given.
template <class Gen, class Out, class Mem>
struct SweepChunks {
  using R = typename Gen::real_type;
  static constexpr int N = Gen::max_state, K = Gen::max_block;
  Gen gen;
  Out out;
  ConstStates<R, Mem> y0;
  Kokkos::View<R***, Kokkos::LayoutRight, Mem> S;
  Kokkos::View<double*, Mem> E;
  int C, L, steps, n, k;
  KOKKOS_INLINE_FUNCTION void operator()(const int idx) const {
    R e = 0;
    const int s = idx / C, c = idx % C;
    const int i0 = c * L, i1 = (i0 + L < steps) ? i0 + L : steps;
    R A[N * K], b[N], y[N] = {}, tmp[N];
    for (int j = 0; j < n; ++j) y[j] = (c == 0) ? y0(s, j) : S(s, c - 1, j);
    for (int i = i0; i < i1; ++i) {
      gen(s, i, A, b);
      block_apply<N, K>(n, k, A, y, tmp);
      for (int r = 0; r < n; ++r) y[r] = tmp[r] + b[r];
      out(s, i, y, e);
    }
    if (E.data()) E(idx) = e;
  }
};

}  // namespace detail

// Scans `steps` pairs from gen for every sequence of the batch, starting from y0, handing
// each state to out(s, i, y, err) (which may modify y, e.g. to replace non-finite values; err:
// a running max of the real type, which out may raise). Returns the max of err over all calls
// of out (0 for depth > 0). Functors, not lambdas: nvcc's extended lambdas broke (a call
// through a null pointer on the host) when the same instantiation was compiled in several
// translation units of one program.
template <class Space, class Gen, class Out>
double scan_generated(const Space& space, const Gen& gen, const Out& out,
                      const ConstStates<typename Gen::real_type, typename Space::memory_space>& y0, int steps,
                      int n, int k, int chunk, ScanWorkspace<typename Gen::real_type, typename Space::memory_space>& ws,
                      int depth = 0) {
  using R = typename Gen::real_type;
  using Mem = typename Space::memory_space;
  const int batch = static_cast<int>(y0.extent(0));
  if (steps <= 0 || batch == 0) return 0.0;
  // The summary levels are small: short chunks there keep their sequential chains short.
  const int L = depth == 0 ? (chunk > 1 ? chunk : 2) : (chunk > 16 ? 16 : (chunk > 1 ? chunk : 2));
  const int C = (steps + L - 1) / L;

  Kokkos::View<R***, Kokkos::LayoutRight, Mem> S;  // chunk-end states, C-1 of them
  if (C > 1) {
    auto& lev = ws.level(depth, batch, C - 1, n, k);
    S = lev.S;
    detail::for_each_index(space, "deer::scan::compose", batch * (C - 1),
                           detail::ComposeChunks<Gen, Mem>{gen, lev.P, lev.q, C, L, n, k});
    detail::StoredPairs<R, Mem, Gen::max_state, Gen::max_block> summaries{lev.P, lev.q, n, k};
    detail::StoreStates<R, Mem, Gen::max_state> to_S{S};
    scan_generated(space, summaries, to_S, y0, C - 1, n, k, chunk, ws, depth + 1);
  }
  // Only the top level's errors matter (deeper levels store chunk states).
  Kokkos::View<double*, Mem> E = depth == 0 ? ws.errors(batch * C) : Kokkos::View<double*, Mem>();
  detail::for_each_index(space, "deer::scan::sweep", batch * C,
                         detail::SweepChunks<Gen, Out, Mem>{gen, out, y0, S, E, C, L, steps, n, k});
  double err = 0.0;
  if (depth == 0)
    Kokkos::parallel_reduce("deer::scan::max_error", Kokkos::RangePolicy<Space>(space, 0, batch * C),
                            detail::MaxOf<Mem>{E}, Kokkos::Max<double>(err));
  return err;
}

// Public entry point for pairs stored in memory: A (batch, T, n*k), b (batch, T, n),
// y0 (batch, n) -> Y (batch, T, n). Forward: y_i = A_i y_{i-1} + b_i with y_{-1} = y0.
// Reverse: y_i = A_i y_{i+1} + b_i with y_T = y0 (the transposed-Jacobian sweep of
// gradients). MaxState and MaxBlock bound n and k at compile time. ws keeps the scan's
// buffers between calls (the form without it allocates them every call).
template <int MaxState, int MaxBlock = MaxState, class Space, class R>
void affine_scan(const Space& space, const Sequence<R, typename Space::memory_space>& A,
                 const Sequence<R, typename Space::memory_space>& b,
                 const States<R, typename Space::memory_space>& y0,
                 const Sequence<R, typename Space::memory_space>& Y, int k, ScanOptions opts,
                 ScanWorkspace<R, typename Space::memory_space>& ws) {
  using Mem = typename Space::memory_space;
  const int batch = int(b.extent(0)), T = int(b.extent(1)), n = int(b.extent(2));
  if (n > MaxState || k > MaxBlock || k < 1 || n % k != 0)
    throw std::invalid_argument("deer::affine_scan: need 1 <= k <= MaxBlock, k dividing n <= MaxState (n=" +
                                std::to_string(n) + ", k=" + std::to_string(k) + ")");
  if (int(A.extent(0)) != batch || int(A.extent(1)) != T || int(A.extent(2)) != n * k ||
      int(y0.extent(0)) != batch || int(y0.extent(1)) != n || int(Y.extent(0)) != batch ||
      int(Y.extent(1)) != T || int(Y.extent(2)) != n)
    throw std::invalid_argument("deer::affine_scan: shapes must be A (batch,T,n*k), b (batch,T,n), y0 (batch,n), Y (batch,T,n)");
  if (!A.span_is_contiguous() || !b.span_is_contiguous() || !y0.span_is_contiguous() || !Y.span_is_contiguous())
    throw std::invalid_argument("deer::affine_scan: A, b, y0 and Y must be contiguous views (a padded or strided view is "
                                "not); deep_copy it into a new view");
  compat::ScopedRegion region("deer::affine_scan");
  const bool one_pass = detail::use_one_pass<Space, R>(opts.algorithm, k, MaxBlock, n);
  const int chunk = opts.chunk > 0 ? opts.chunk : detail::default_chunk<Space>(batch, T);
  detail::StoreStates<R, Mem, MaxState> out{Y};
  auto run = [&](const auto& pairs) {
    using Pairs = std::decay_t<decltype(pairs)>;
    auto scan = [&](const auto& g, const auto& o) {
      if (one_pass) scan_one_pass(space, g, o, y0, T, n, k, ws.one_pass);
      else scan_generated(space, g, o, y0, T, n, k, chunk, ws);
    };
    if (opts.direction == Direction::forward) {
      scan(pairs, out);
    } else {
      scan(detail::Reversed<Pairs>{pairs, T}, detail::ReversedOut<decltype(out)>{out, T});
    }
  };
  const StepLayout layout = StepLayout::make<Space>(opts.order, batch, T, chunk);
  if (!one_pass && layout.interleaved && layout.C > 1) {
    // GPU, chunked: one packing pass into the interleaved order makes the passes coalesced.
    // (Reverse scans walk the chunks backwards, so they read it strided; still correct.)
    Flat<R, Mem> Ab(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::affine_scan::pairs"), layout.span(n * k + n));
    Kokkos::parallel_for("deer::affine_scan::pack", Kokkos::RangePolicy<Space>(space, 0, batch * T),
                         detail::PackPairs<R, Mem>{A, b, Ab, layout, n, k});
    run(detail::LaidOutPairs<R, Mem, MaxState, MaxBlock>{Ab, layout, n, k});
  } else {
    // The one-pass scan reads the views' own order coalesced (neighbouring threads, neighbouring steps).
    run(detail::StoredPairs<R, Mem, MaxState, MaxBlock>{A, b, n, k});
  }
}

template <int MaxState, int MaxBlock = MaxState, class Space, class R>
void affine_scan(const Space& space, const Sequence<R, typename Space::memory_space>& A,
                 const Sequence<R, typename Space::memory_space>& b,
                 const States<R, typename Space::memory_space>& y0,
                 const Sequence<R, typename Space::memory_space>& Y, int k, ScanOptions opts = {}) {
  ScanWorkspace<R, typename Space::memory_space> ws;
  affine_scan<MaxState, MaxBlock>(space, A, b, y0, Y, k, opts, ws);
}

}  // namespace deer
