#pragma once
// The one-pass affine scan for diagonal pairs (block size KB = 1: y_i = a_i * y_{i-1} + b_i,
// component by component) and for 2x2 blocks (KB = 2: each block of two components is its
// own affine recurrence with 2x2 matrices). Each step's pairs are evaluated (or read) once and
// every state is written once, so a stored scan moves the minimum: read a and b, write y.
//
// Tiles of TT consecutive steps of one sequence go to one team, in the order the teams
// arrive (a ticket from an atomic counter, so a tile only ever waits on tiles that are already
// running; tickets go round the batch's sequences, tile_of). A team
//  1. evaluates the pairs of its steps into scratch, neighbouring threads on neighbouring steps
//     (coalesced reads of the inputs);
//  2. cuts the tile into G segments per block of KB components; each thread composes its
//     segment into one affine map, and a scan over the segments (warp shuffles) gives every
//     segment its prefix;
//  3. looks back (decoupled look-back): publishes the tile's composed map, then reads the flags
//     (scalar float tiles on GPUs: records, flag and map in one) of the preceding tiles of its
//     sequence a window at a time, composing their published maps up to the nearest one that
//     published its end state; publishes its own end state;
//  4. replays each segment from its start state, then hands every state to out(s, i, y, e),
//     neighbouring threads on neighbouring steps again.
// Larger blocks use the chunked scan of scan.hpp: a map of k*k + k values per thread and a
// tile of k*k values per step outgrow the registers and the scratch.
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <deer/compat.hpp>
#include <deer/sequence.hpp>

namespace deer {

// Buffers of the one-pass scan, kept between calls so that Newton iterations do not allocate.
// No reset between calls either: flags hold epoch*4 + status (status 1: the tile published its
// composed map (P, q); 2: its end state S), so an older epoch reads as "nothing yet", and the
// ticket counter only grows (a call's tiles are its tickets minus ticket_base). The max of
// out's errors goes to max_error; a one-thread kernel after the tiles (CloseCall) mails it to
// the host (mail slot call % 4: the host may read it while the next call runs) and zeroes it.
// A call launched gated runs only if the call before opened its gate (gate == its epoch):
// Newton's next iteration can be launched before the host has read this one's update.
// Scalar float scans on GPUs publish records instead (compat::Record: the tag epoch*4 + status
// with the map (P, q), or (0, S) once the end state is known) and need no flags, P, q or S.
template <class R, class Mem>
class OnePassWorkspace {
 public:
  Kokkos::View<int*, Mem> flags;
  Kokkos::View<compat::Record*, Mem> records;
  Kokkos::View<unsigned long long, Mem> counter;
  Kokkos::View<R*, Mem> P, q, S;
  Kokkos::View<unsigned long long, Mem> max_error;  // detail::ordered_bits of the max
  Kokkos::View<double[2], Mem> history;              // the max errors of the two calls before
  Kokkos::View<int, Mem> gate;
  Kokkos::View<compat::Mail[4], compat::MailSpace<Mem>> mail;
  int epoch = 1;
  unsigned long long ticket_base = 0;
  int last_tiles = 0;

  // The max error of call `call` (launch_one_pass's number), and whether it opened the gate
  // of the next call. Spins on the mail while kernels run (launching the next call before
  // waiting hides the host's round trip); past kSpinLimit it waits for the device instead,
  // which also reports a failed kernel.
  template <class Space>
  double wait(const Space& space, int call, bool& opened) const {
    static constexpr auto kSpinLimit = std::chrono::milliseconds(20);
    if constexpr (compat::on_host<Space>) space.fence();
    int flag = 0;
    double err = 0.0;
    const auto start = std::chrono::steady_clock::now();
    while (!compat::received(&mail(call & 3), call, flag, err)) {
      if (std::chrono::steady_clock::now() - start < kSpinLimit) continue;
      space.fence();
      if (!compat::received(&mail(call & 3), call, flag, err))
        throw std::logic_error("deer: the one-pass scan's call " + std::to_string(call) + " left no error");
    }
    opened = flag != 0;
    return err;
  }
  // A gated call that did not run (its gate stayed shut) took no tickets: give them back.
  void skipped() { ticket_base -= (unsigned long long)last_tiles; }
  // n values per tile for q and S, n * kb for P; or one record per tile.
  void reserve(int tiles, int n, int kb, bool use_records) {
    if (counter.data() == nullptr) {
      counter = Kokkos::View<unsigned long long, Mem>("deer::scan1::counter");
      max_error = Kokkos::View<unsigned long long, Mem>("deer::scan1::max_error");
      history = Kokkos::View<double[2], Mem>("deer::scan1::history");
      gate = Kokkos::View<int, Mem>("deer::scan1::gate");
      mail = Kokkos::View<compat::Mail[4], compat::MailSpace<Mem>>("deer::scan1::mail");
    }
    if (use_records) {
      if (records.extent(0) < size_t(tiles)) records = Kokkos::View<compat::Record*, Mem>("deer::scan1::records", tiles);
      return;
    }
    if (flags.extent(0) < size_t(tiles)) flags = Kokkos::View<int*, Mem>("deer::scan1::flags", tiles);
    if (P.extent(0) < size_t(tiles) * n * kb)
      P = Kokkos::View<R*, Mem>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::scan1::P"), size_t(tiles) * n * kb);
    if (q.extent(0) < size_t(tiles) * n) {
      q = Kokkos::View<R*, Mem>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::scan1::q"), size_t(tiles) * n);
      S = Kokkos::View<R*, Mem>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::scan1::S"), size_t(tiles) * n);
    }
  }
};

namespace detail {

// The max of a per-thread error array (the chunked scan's).
template <class Mem>
struct MaxOf {
  Kokkos::View<double*, Mem> v;
  KOKKOS_INLINE_FUNCTION void operator()(const int j, double& e) const {
    if (v(j) > e) e = v(j);
  }
};

// The bits of a non-negative double, as an integer that orders as the values do: the tiles
// fold their errors with a native 64-bit integer atomic max (one kernel and a host round trip
// per Newton iteration fewer than a separate reduction).
KOKKOS_INLINE_FUNCTION unsigned long long ordered_bits(double e) {
  unsigned long long u;
  memcpy(&u, &e, sizeof u);
  return u;
}
KOKKOS_INLINE_FUNCTION double from_ordered_bits(unsigned long long u) {
  double e;
  memcpy(&e, &u, sizeof e);
  return e;
}

// A verdict that opens no gate (calls not followed by a gated one).
struct ShutGate {
  KOKKOS_INLINE_FUNCTION bool operator()(double, double, double) const { return false; }
};

// After a call's tiles, one thread: mails the call's max error to the host, zeroes it for the
// next call, and opens the next call's gate if verdict(err, error before, error before that)
// says so. A gated call whose gate stayed shut did nothing and reports nothing.
template <class Mem, class Verdict>
struct CloseCall {
  Kokkos::View<unsigned long long, Mem> E;
  Kokkos::View<double[2], Mem> history;
  Kokkos::View<int, Mem> gate;
  Kokkos::View<compat::Mail[4], compat::MailSpace<Mem>> mail;
  Verdict verdict;
  int epoch;
  bool gated;
  KOKKOS_INLINE_FUNCTION void operator()(int) const {
    if (gated && gate() != epoch) return;
    const double err = from_ordered_bits(E());
    E() = 0;
    const bool open = verdict(err, history(0), history(1));
    history(1) = history(0);
    history(0) = err;
    gate() = open ? epoch + 1 : 0;
    compat::post(&mail(epoch & 3), epoch, open ? 1 : 0, err);
  }
};

// A generator may declare prefetch(s, i): a hint that step i of sequence s is evaluated soon
// (NewtonPairs prefetches its inputs and previous state).
template <class Gen, class = void>
struct has_prefetch : std::false_type {};
template <class Gen>
struct has_prefetch<Gen, std::void_t<decltype(std::declval<const Gen&>().prefetch(0, 0))>> : std::true_type {};

// The block size of a one-pass tile, as a type. A generator may take it as a fifth argument,
// gen(s, i, A, b, TileBlock<KB>{}) (NewtonPairs: k = KB is then a constant); generate passes
// it where the generator takes it. (A tag, not std::integral_constant: its conversion to int
// is a host function, which device code must not call.)
template <int KB>
struct TileBlock {};
template <int KB, class Gen, class = void>
struct takes_block : std::false_type {};
template <int KB, class Gen>
struct takes_block<KB, Gen,
                   std::void_t<decltype(std::declval<const Gen&>()(
                       0, 0, static_cast<typename Gen::real_type*>(nullptr),
                       static_cast<typename Gen::real_type*>(nullptr), TileBlock<KB>{}))>> : std::true_type {};
template <int KB, class Gen, class R>
KOKKOS_INLINE_FUNCTION void generate(const Gen& gen, int s, int i, R* A, R* b) {
  if constexpr (takes_block<KB, Gen>::value) gen(s, i, A, b, TileBlock<KB>{});
  else gen(s, i, A, b);
}

// A generator that only loads pairs stored in memory declares `static constexpr bool
// loads_only = true` (StoredPairs): its scalar tiles stream (OnePassTiles::streams).
template <class Gen, class = void>
struct loads_only : std::false_type {};
template <class Gen>
struct loads_only<Gen, std::enable_if_t<Gen::loads_only>> : std::true_type {};

// A generator that takes a segment of steps in sequence declares `static constexpr bool walks =
// true` and walk<KB>(s, lo, hi, put), calling put(i, A, b) for steps lo .. hi-1 of sequence s
// (NewtonRuns): the tile then hands each thread the segment it composes in step 2.
template <class Gen, class = void>
struct walks : std::false_type {};
template <class Gen>
struct walks<Gen, std::enable_if_t<Gen::walks>> : std::true_type {};

// The shape of one tile: TT = G * V steps; G segments of V steps per block of kb components
// (G a power of two, so that a segment scan maps onto warp lanes); TS threads, in warps of
// `lanes`.
struct TileShape {
  // (Scratch indices go through compat::bank_spread: a thread walking its segment reads
  // addresses V*n apart from its neighbour's.)
  int TS = 1, lanes = 1, G = 1, gshift = 0, V = 1, TT = 1;  // G = 1 << gshift
};

// The team scratch of one tile (the launch adds 8 bytes of slack for its alignment): a and b
// of its steps, the warps' maps, and per component the tile's map, the look-back's map and the
// start state.
template <class R>
KOKKOS_INLINE_FUNCTION size_t one_pass_scratch_bytes(const TileShape& t, int n, int kb) {
  const int values = compat::bank_spread(t.TT * n) + 1, avalues = compat::bank_spread(t.TT * n * kb) + 1;
  const int warps = (t.TS + t.lanes - 1) / t.lanes;
  return sizeof(double) * (warps + 1) + sizeof(R) * (avalues + values + warps * (kb * kb + kb) + n * (2 * kb + 3));
}

// Bytes of a (the steps' Jacobian entries) per GPU tile for blocks of kb: 16 KiB for scalars,
// 24 KiB for 2x2 blocks (tile_shape says why).
constexpr int tile_bytes(int kb) { return kb == 2 ? 24576 : 16384; }

// team: the GPU kernel's team size (OnePassTiles::team; the largest, 256, needs the most scratch).
template <class Space, class R>
TileShape tile_shape(int n, int kb, int steps, int batch, int team = 256) {
  TileShape t;
  constexpr bool host = compat::on_host<Space>;
  const int blocks = n / kb, per_step = n * kb;  // a's values per step
  if (host) {
    // One thread per team: a tile is a chunk walked by one core, a few tiles per thread.
    const long per_seq = (4L * Space().concurrency() + batch - 1) / batch;
    const long L = (long(steps) + per_seq - 1) / per_seq;
    const long cap = 4096 / per_step > 16 ? 4096 / per_step : 16;  // keep the tile in a core's cache
    t.V = int(L < 16 ? 16 : (L > cap ? cap : L));
  } else {
    // 16 KiB of a per tile: 16 values per thread of 256 for float, 8 for double.
    // (H200, 1.3e8-element scan: tiles of 2048 floats were 35% slower, 1024 twice as slow.)
    // 24 KiB for 2x2 blocks where that still fits the team scratch: a thread's fixed share of a
    // tile (mostly waits: the barriers, the look-back) then spreads over 6 steps rather than 4
    // (H200, multi-head GRU n=64 DEER, session 13 call 4: 14.1-14.2 -> 12.5-12.6 ms; 20 KiB:
    // 13.1-13.2 ms; 32 KiB outgrows Kokkos' 40 KiB of team scratch).
    t.TS = team;
    t.lanes = 32;
    while (t.G * 2 * blocks <= t.TS) {
      t.G *= 2;
      t.gshift += 1;
    }
    const auto cut = [&](int bytes) {
      const int values = bytes / int(sizeof(R));
      t.V = values / (per_step * t.G) > 1 ? values / (per_step * t.G) : 1;
      t.TT = t.G * t.V;
    };
    cut(tile_bytes(kb));
    if (kb == 2 && one_pass_scratch_bytes<R>(t, n, kb) + 8 > size_t(Kokkos::TeamPolicy<Space>::scratch_size_max(0)))
      cut(tile_bytes(1));
    return t;
  }
  t.TT = t.G * t.V;
  return t;
}

// The steps of one segment of a one-pass tile: what a thread composes (and NewtonRuns walks).
template <class Space, class R>
int one_pass_segment(int n, int kb, int steps, int batch) {
  return tile_shape<Space, R>(n, kb, steps, batch).V;
}

// Why the one-pass scan cannot take n components in blocks of k from pairs of at most
// max_block on Space ("" when it can): block sizes 1, and 2 with max_block 2; on GPUs a tile
// must fit the team scratch, which the per-component maps alone outgrow for large n (H200,
// double, 600 components in blocks of 2: 50984 bytes).
template <class Space, class R>
std::string one_pass_refusal(int k, int max_block, int n) {
  if (!(k == 1 || (k == 2 && max_block == 2)) || n % k != 0)
    return "the one-pass scan takes diagonal pairs (block size 1) or 2x2 blocks of pairs with max_block 2, but the "
           "block size is " + std::to_string(k) + " (max_block " + std::to_string(max_block) + ", n = " +
           std::to_string(n) + ")";
  if constexpr (!compat::on_host<Space>) {
    const size_t need = one_pass_scratch_bytes<R>(tile_shape<Space, R>(n, k, 1, 1), n, k) + 8;
    const size_t limit = size_t(Kokkos::TeamPolicy<Space>::scratch_size_max(0));
    if (need > limit)
      return "the one-pass scan's tile for " + std::to_string(n) + " components needs " + std::to_string(need) +
             " bytes of team scratch, more than the backend's " + std::to_string(limit);
  }
  return "";
}

// Affine maps y -> P y + q of KB components (P row-major KB x KB), composed as (outer after
// inner); a default Map is the identity.
template <class R, int KB>
struct Map {
  R P[KB * KB], q[KB];
  KOKKOS_INLINE_FUNCTION Map() {
    for (int r = 0; r < KB; ++r) {
      for (int c = 0; c < KB; ++c) P[r * KB + c] = r == c ? R(1) : R(0);
      q[r] = 0;
    }
  }
  // The map of entries P at p[r * ps + c] (row stride ps) and q at qv[r * qs].
  template <class PV, class QV>
  KOKKOS_INLINE_FUNCTION static Map load(const PV& p, int ps, const QV& qv, int qs) {
    Map m;
    for (int r = 0; r < KB; ++r) {
      for (int c = 0; c < KB; ++c) m.P[r * KB + c] = p(r * ps + c);
      m.q[r] = qv(r * qs);
    }
    return m;
  }
  // The constant map to the state y(r), r < KB.
  template <class QV>
  KOKKOS_INLINE_FUNCTION static Map constant(const QV& y) {
    Map m;
    for (int r = 0; r < KB; ++r) {
      for (int c = 0; c < KB; ++c) m.P[r * KB + c] = 0;
      m.q[r] = y(r);
    }
    return m;
  }
  KOKKOS_INLINE_FUNCTION Map after(const Map& inner) const {
    Map o;
    for (int r = 0; r < KB; ++r) {
      R qr = q[r];
      for (int t = 0; t < KB; ++t) qr += P[r * KB + t] * inner.q[t];
      o.q[r] = qr;
      for (int c = 0; c < KB; ++c) {
        R pc = 0;
        for (int t = 0; t < KB; ++t) pc += P[r * KB + t] * inner.P[t * KB + c];
        o.P[r * KB + c] = pc;
      }
    }
    return o;
  }
  // y <- P y + q in place.
  KOKKOS_INLINE_FUNCTION void apply(R* y) const {
    R o[KB];
    for (int r = 0; r < KB; ++r) {
      o[r] = q[r];
      for (int c = 0; c < KB; ++c) o[r] += P[r * KB + c] * y[c];
    }
    for (int r = 0; r < KB; ++r) y[r] = o[r];
  }
  KOKKOS_INLINE_FUNCTION Map shfl_up(int d, int width) const {
    Map o;
    for (int e = 0; e < KB * KB; ++e) o.P[e] = compat::shfl_up(P[e], d, width);
    for (int r = 0; r < KB; ++r) o.q[r] = compat::shfl_up(q[r], d, width);
    return o;
  }
  KOKKOS_INLINE_FUNCTION Map shfl_down(int d, int width) const {
    Map o;
    for (int e = 0; e < KB * KB; ++e) o.P[e] = compat::shfl_down(P[e], d, width);
    for (int r = 0; r < KB; ++r) o.q[r] = compat::shfl_down(q[r], d, width);
    return o;
  }
};

// KB: the block size the scan runs with (1: diagonal pairs, a is n values per step; 2: 2x2
// blocks, a is n x 2 per step, Gen's block-diagonal rows).
template <class Gen, class Out, class Space, int KB>
struct OnePassTiles {
  using R = typename Gen::real_type;
  using Mem = typename Space::memory_space;
  using Scratch = Kokkos::View<R*, typename Space::scratch_memory_space, Kokkos::MemoryUnmanaged>;
  using ScratchI = Kokkos::View<int*, typename Space::scratch_memory_space, Kokkos::MemoryUnmanaged>;
  using ScratchD = Kokkos::View<double*, typename Space::scratch_memory_space, Kokkos::MemoryUnmanaged>;
  static constexpr int N = Gen::max_state, K = Gen::max_block;
  static constexpr bool host = compat::on_host<Mem>;
  // Scalar pairs that are only loaded (the stored scan: read a and b, write y) stream: teams of
  // 128 threads with 32 steps each (the same 16 KiB tiles), six teams per SM (80 registers), and
  // every step of a tile prefetched before its loads, which then go 16 steps at a time. More tiles
  // per SM and the whole tile's loads in flight at once (H200, 1.34e8 floats, session 13 calls
  // 1-3: 0.67 -> 0.55 ms, 60% -> 74% of copy; each change alone gave 62-67%).
  static constexpr bool streams = !host && N == 1 && KB == 1 && loads_only<Gen>::value;
  static constexpr int team = streams ? 128 : 256;  // threads per team on GPUs
  // Whether the tile prefetches its steps first: evaluating generators that can (the Newton
  // pairs), and streaming tiles (stored pairs of larger states load as before).
  static constexpr bool prefetches = has_prefetch<Gen>::value && (streams || !loads_only<Gen>::value);
  // Steps a thread evaluates (or hands out) before it stores: their loads are in flight
  // together instead of one memory round trip per step. Registers bound it for larger states.
  // (One for generators that prefetch: theirs are evaluations too large to unroll, where
  // batching steps only parked them in local memory; the prefetches overlap the loads.)
  static constexpr int U =
      host ? 1 : streams ? int(64 / sizeof(R)) : prefetches ? 1 : (N == 1 ? 8 : (N <= 4 ? 2 : 1));
  // The segment length, known at compile time on GPUs where the state is one block (scalar
  // pairs; the 2x2 lanes of a block-diagonal system), so that segment loops unroll; 0: shape.V.
  // (tile_shape: tile_bytes(KB) of a per tile over G = team / (n / KB) segments.)
  static constexpr int VC = host || N != KB ? 0 : tile_bytes(KB) / int(sizeof(R) * KB * KB * team);
  // Teams per SM the launch asks registers for (teams of 256: 64 registers per thread at 4, 40
  // at 6; streaming teams of 128: 80 at 6). Scalar generators that prefetch (the Newton pairs of
  // scalar cells) run best at 6, the others at 4: at 40 registers their U-step batches spill
  // (H200, session 11: GRU n=1 DEER 1.26 -> 1.15 ms at 6 teams; the stored diagonal scan, then
  // in teams of 256, 0.85 -> 0.90 ms).
  static constexpr unsigned min_teams = (N == 1 && prefetches) ? 6 : 4;
  // Tiles publish compat::Records (scalar float maps, GPUs) rather than flags and values.
  static constexpr bool use_records = !host && N == 1 && KB == 1 && std::is_same<R, float>::value;
  using M = Map<R, KB>;
  Gen gen;
  Out out;
  ConstStates<R, Mem> y0;
  Kokkos::View<int*, Mem> flags;
  Kokkos::View<compat::Record*, Mem> records;
  Kokkos::View<unsigned long long, Mem> counter;
  Kokkos::View<R*, Mem> P, q, S;
  Kokkos::View<unsigned long long, Mem> E;
  Kokkos::View<int, Mem> gate;
  TileShape shape;
  int steps, batch, n, epoch;
  unsigned long long ticket_base;
  bool gated;

  KOKKOS_INLINE_FUNCTION static size_t scratch_bytes(const TileShape& t, int n) {
    return one_pass_scratch_bytes<R>(t, n, KB);
  }

  // What tile p has published in this call: 0 nothing, 1 its map, 2 its end state.
  // (Acquire: the caller then reads what the tile published before its flag.)
  KOKKOS_INLINE_FUNCTION int status(int p) const {
    return status_of(compat::load_acquire(flags.data() + p));
  }
  KOKKOS_INLINE_FUNCTION int status_of(int tag) const { return (tag >> 2) == epoch ? (tag & 3) : 0; }
  // (Release: after the values, which the team wrote before a barrier.)
  KOKKOS_INLINE_FUNCTION void publish(int p, int what) const {
    compat::store_release(flags.data() + p, epoch * 4 + what);
  }
  KOKKOS_INLINE_FUNCTION static R load(const Kokkos::View<R*, Mem>& v, size_t j) {
    return *static_cast<volatile R*>(v.data() + j);
  }

  // The number (ticket) of the c-th tile of sequence s. Tiles start in the order c * batch + s,
  // so the teams running at one time spread over the batch's sequences: each sequence has few
  // tiles in flight, and a look-back meets a published end state sooner. (In sequence order,
  // the H200's 528 teams ran tiles of one sequence, and a look-back went about 70 tiles back:
  // 4 rounds of two memory round trips, session 5's instrumented run.)
  KOKKOS_INLINE_FUNCTION int tile_of(int s, int c) const { return c * batch + s; }

  // The start state of the c-th tile of sequence s (c > 0) into accq, run by the first warp
  // alone. Its lanes read the flags of a window of W preceding tiles at once; the longest run
  // of published maps up to the nearest published end state is composed with shuffles (W
  // lanes per block); further back when the window held maps only. (A walk of one tile per
  // memory round trip was the bottleneck on the H200.)
  KOKKOS_INLINE_FUNCTION void look_back(int lane, int s, int c, const Scratch& accP, const Scratch& accq) const {
    const int n = components(), nb = n / KB;
    const int W = shape.G < shape.lanes ? shape.G : shape.lanes;
    const int r = lane % W, per_pass = shape.lanes / W;  // lane: window slot r of a block
    for (int jb = lane; jb < nb; jb += shape.lanes) {
      const M id;
      for (int e = 0; e < KB * KB; ++e) accP(jb * KB * KB + e) = id.P[e];
      for (int e = 0; e < KB; ++e) accq(jb * KB + e) = 0;
    }
    compat::warp_sync();
    for (int p = c - 1;;) {  // p: the nearest tile of the sequence not composed yet
      const int window = (p + 1 < W) ? p + 1 : W;
      compat::Record e{0, 1, 0, 0};  // records: this lane's tile, its map (x, y); identity beyond the window
      if constexpr (use_records) {
        if (r < window) e = compat::load_record(records.data() + tile_of(s, p - r));
      }
      const int st = r < window ? (use_records ? status_of(e.tag) : status(tile_of(s, p - r))) : 1;
      const unsigned group = W == 32 ? 0xffffffffu : ((1u << W) - 1);
      const int b2 = compat::lowest_bit(compat::ballot(st == 2) & group);
      const int b0 = compat::lowest_bit(compat::ballot(st == 0) & group);
      const int first2 = b2 < window ? b2 : window, first0 = b0 < window ? b0 : window;  // window: none
      if (first0 == 0) {  // the nearest tile has published nothing yet
        compat::spin_pause();
        continue;
      }
      const bool done = first2 < first0;
      const int take = done ? first2 + 1 : first0;  // tiles composed this round
      for (int j0 = 0; j0 < nb; j0 += per_pass) {
        const int jb = j0 + lane / W;
        M m;  // identity beyond the run
        if (use_records) {
          if (r < take) m.P[0] = R(e.x), m.q[0] = R(e.y);  // (0, S) for the end state
        } else if (jb < nb && r < take) {
          const size_t t = size_t(tile_of(s, p - r));
          const size_t o = t * n + jb * KB;
          if (done && r == first2) m = M::constant([&](int e) { return load(S, o + e); });  // a known state
          else m = M::load([&](int e) { return load(P, t * n * KB + jb * KB * KB + e); }, KB,
                           [&](int e) { return load(q, o + e); }, 1);
        }
        for (int d = 1; d < W; d <<= 1) {  // slot r absorbs slot r + d (earlier tiles)
          const M e = m.shfl_down(d, W);
          if (r + d < W) m = m.after(e);
        }
        if (r == 0 && jb < nb) {
          const M acc = M::load([&](int e) { return accP(jb * KB * KB + e); }, KB,
                                [&](int e) { return accq(jb * KB + e); }, 1)
                            .after(m);
          for (int e = 0; e < KB * KB; ++e) accP(jb * KB * KB + e) = acc.P[e];
          for (int e = 0; e < KB; ++e) accq(jb * KB + e) = acc.q[e];
        }
      }
      p -= take;
      if (done) break;
    }
    compat::warp_sync();
  }

  // f(p) for the steps p of the segment starting at lo (V steps, cut at `valid`); a loop of
  // constant length where the shape allows, so that its scratch reads are issued together.
  template <class F>
  KOKKOS_INLINE_FUNCTION static void for_segment(int lo, int V, int valid, const F& f) {
    if (VC > 0 && lo + VC <= valid) {
      DEER_UNROLL
      for (int v = 0; v < (VC > 0 ? VC : 1); ++v) f(lo + v);
    } else {
      for (int p = lo; p < lo + V && p < valid; ++p) f(p);
    }
  }

  // f(std::true_type) when every step of the U-step groups is inside the tile, else
  // f(std::false_type): the check per step then folds away in the common case. Only for U > 1
  // or scalar states: a second copy of a larger generator's code cost more than the checks
  // (H200, session 7 calls 3-4: GRU n=1 DEER 2.18-2.40 -> 1.99-2.01 ms with the copy,
  // multi-head GRU quasi-DEER 40.2-40.8 -> 45.0-45.8 ms).
  template <class F>
  KOKKOS_INLINE_FUNCTION static void with_bound(bool all_in, const F& f) {
    if constexpr (U > 1 || N == 1) {
      if (all_in) {
        f(std::true_type{});
        return;
      }
    }
    f(std::false_type{});
  }

  // n, known at compile time where the state is one block (scalars, 2x2 lanes: n = N = KB),
  // so that the loops over components unroll or vanish.
  KOKKOS_INLINE_FUNCTION int components() const { return N == KB ? N : n; }

  template <class Member>
  KOKKOS_INLINE_FUNCTION void operator()(const Member& m) const {
    const int n = components(), nb = n / KB;
    const int TS = m.team_size(), t = m.team_rank(), G = shape.G, V = VC > 0 ? VC : shape.V, TT = shape.TT;
    const int lanes = shape.lanes, lane = t % lanes, warp = t / lanes, warps = (TS + lanes - 1) / lanes;
    const int values = compat::bank_spread(TT * n) + 1, avalues = compat::bank_spread(TT * n * KB) + 1;
    // One scratch block, cut by hand (a view per array cost each warp ~270 instructions).
    double* block = static_cast<double*>(m.team_scratch(0).get_shmem_aligned(scratch_bytes(shape, n), 8));
    ScratchD err(block, warps);
    ScratchI ticket(reinterpret_cast<int*>(block + warps), 1);
    R* next = reinterpret_cast<R*>(block + warps + 1);
    const auto cut = [&](int len) {
      Scratch v(next, len);
      next += len;
      return v;
    };
    const Scratch a = cut(avalues), b = cut(values);  // b becomes y in step 4
    const Scratch wP = cut(warps * KB * KB), wq = cut(warps * KB), tP = cut(n * KB), tq = cut(n);
    const Scratch accP = cut(n * KB), accq = cut(n), yin = cut(n);

    if (gated && gate() != epoch) return;  // the call before shut the gate: the whole team leaves
    if (t == 0) ticket(0) = int(Kokkos::atomic_fetch_add(&counter(), 1ULL) - ticket_base);
    m.team_barrier();
    const int tile = ticket(0), s = tile % batch, c = tile / batch;
    const int i0 = c * TT, valid = (steps - i0 < TT) ? steps - i0 : TT;

    // 1. Pairs into scratch, U steps per thread at a time: all evaluated, then all stored.
    // A generator that prefetches has every step of this thread prefetched first. In a full
    // tile (every tile but a sequence's last) no step needs its own bounds check.
    if constexpr (prefetches)
      for (int p = t; p < valid; p += TS) gen.prefetch(s, i0 + p);
    const bool full = valid == TT && TT % (U * TS) == 0;
    const auto store_pair = [&](int p, const R* A, const R* bb) {  // step p's pair into scratch
      for (int j = 0; j < n * KB; ++j) a(compat::bank_spread(p * n * KB + j)) = A[j];
      for (int j = 0; j < n; ++j) b(compat::bank_spread(p * n + j)) = bb[j];
    };
    if constexpr (walks<Gen>::value) {
      // Segment g's steps (all blocks of them) by the thread that composes block 0's segment g.
      for (int g = t; g < G; g += TS)
        if (g * V < valid)
          gen.template walk<KB>(s, i0 + g * V, i0 + (g * V + V < valid ? g * V + V : valid),
                                [&](int i, const R* A, const R* bb) { store_pair(i - i0, A, bb); });
    } else {
      with_bound(full, [&](auto bound) {
        constexpr bool all_in = decltype(bound)::value;
        for (int p0 = t; p0 < valid; p0 += U * TS) {
          R A[U][N * K], bb[U][N];
          for (int u = 0; u < U; ++u)
            if (all_in || p0 + u * TS < valid) generate<KB>(gen, s, i0 + p0 + u * TS, A[u], bb[u]);
          for (int u = 0; u < U; ++u)
            if (all_in || p0 + u * TS < valid) store_pair(p0 + u * TS, A[u], bb[u]);
        }
      });
    }
    m.team_barrier();

    // 2. Item w < nb*G is segment g of block jb: it composes its V steps, then a scan over
    // the segments (shuffles within a warp, scratch across warps) gives its prefix. Items go
    // round the team in passes of equal count (every lane reaches every shuffle); there is more
    // than one pass only when G = 1, where no prefix is needed.
    // The map of step p on block jb: rows jb*KB.. of a (KB entries each) and of b.
    const auto step_map = [&](int p, int jb) {
      return M::load([&](int e) { return a(compat::bank_spread(p * n * KB + jb * KB * KB + e)); }, KB,
                     [&](int e) { return b(compat::bank_spread(p * n + jb * KB + e)); }, 1);
    };
    const int width = G < lanes ? G : lanes;
    M excl;  // the composition of the segments before this item's
    for (int w0 = 0; w0 < nb * G; w0 += TS) {
      const int w = w0 + t, jb = w >> shape.gshift, g = w & (G - 1);
      M mine;
      if (w < nb * G) for_segment(g * V, V, valid, [&](int p) { mine = step_map(p, jb).after(mine); });
      for (int d = 1; d < width; d <<= 1) {
        const M e = mine.shfl_up(d, width);
        if (g % width >= d) mine = mine.after(e);
      }
      M before;  // the segments of earlier warps of this block
      if (G > lanes) {
        if (lane == lanes - 1) {
          for (int e = 0; e < KB * KB; ++e) wP(warp * KB * KB + e) = mine.P[e];
          for (int e = 0; e < KB; ++e) wq(warp * KB + e) = mine.q[e];
        }
        m.team_barrier();
        for (int v = warp - g / lanes; v < warp; ++v)
          before = M::load([&](int e) { return wP(v * KB * KB + e); }, KB, [&](int e) { return wq(v * KB + e); }, 1)
                       .after(before);
      }
      excl = mine.shfl_up(1, width);
      if (g % width == 0) excl = M{};
      excl = excl.after(before);
      if (w < nb * G && g == G - 1) {
        const M tile_map = mine.after(before);
        for (int e = 0; e < KB * KB; ++e) tP(jb * KB * KB + e) = tile_map.P[e];
        for (int e = 0; e < KB; ++e) tq(jb * KB + e) = tile_map.q[e];
      }
    }
    m.team_barrier();

    // 3. Look-back: publish the tile's map so that later tiles need not wait for us, find the
    // start state, publish the end state.
    const size_t base = size_t(tile) * n;
    if (c > 0) {
      if constexpr (use_records) {
        if (t == 0) compat::store_record(records.data() + tile, {epoch * 4 + 1, float(tP(0)), float(tq(0)), 0.0f});
      } else {
        for (int jj = t; jj < n * KB; jj += TS) P(base * KB + jj) = tP(jj);
        for (int jj = t; jj < n; jj += TS) q(base + jj) = tq(jj);
        m.team_barrier();
        if (t == 0) publish(tile, 1);
      }
    }
    if (warp == 0) {
      if (c > 0) {
        look_back(lane, s, c, accP, accq);
      } else {
        for (int jj = lane; jj < n; jj += lanes) accq(jj) = y0(s, jj);
      }
      compat::warp_sync();
      for (int jj = lane; jj < n; jj += lanes) {  // row r of block jb: the tile's map on its start state
        const int jb = jj / KB, r = jj - jb * KB;
        R end = tq(jj);
        for (int c2 = 0; c2 < KB; ++c2) end += tP(jb * KB * KB + r * KB + c2) * accq(jb * KB + c2);
        yin(jj) = accq(jj);
        if constexpr (use_records) compat::store_record(records.data() + tile, {epoch * 4 + 2, 0.0f, float(end), 0.0f});
        else S(base + jj) = end;
      }
      if constexpr (!use_records) {
        compat::warp_sync();
        if (t == 0) publish(tile, 2);
      }
    }
    m.team_barrier();

    // 4. Replay every segment from its start state, then hand the states out.
    for (int w = t; w < nb * G; w += TS) {
      const int jb = w >> shape.gshift, g = w & (G - 1);
      R y[KB];
      for (int r = 0; r < KB; ++r) y[r] = yin(jb * KB + r);
      excl.apply(y);  // (one pass when G > 1; excl is the identity when G = 1)
      for_segment(g * V, V, valid, [&](int p) {
        step_map(p, jb).apply(y);
        for (int r = 0; r < KB; ++r) b(compat::bank_spread(p * n + jb * KB + r)) = y[r];
      });
    }
    m.team_barrier();
    R e = 0;  // the thread's max update (NewtonUpdate), widened to double once per warp
    with_bound(full, [&](auto bound) {
      constexpr bool all_in = decltype(bound)::value;
      for (int p0 = t; p0 < valid; p0 += U * TS) {
        R y[U][N];
        for (int u = 0; u < U; ++u)
          if (all_in || p0 + u * TS < valid)
            for (int jj = 0; jj < n; ++jj) y[u][jj] = b(compat::bank_spread((p0 + u * TS) * n + jj));
        for (int u = 0; u < U; ++u)
          if (all_in || p0 + u * TS < valid) out(s, i0 + p0 + u * TS, y[u], e);
      }
    });
    for (int d = lanes / 2; d > 0; d >>= 1) {
      const R o = compat::shfl_down(e, d, lanes);
      e = o > e ? o : e;
    }
    if (lane == 0) err(warp) = double(e);
    m.team_barrier();
    if (t == 0) {
      double emax = err(0);
      for (int w = 1; w < warps; ++w) emax = err(w) > emax ? err(w) : emax;
      Kokkos::atomic_fetch_max(&E(), ordered_bits(emax));
    }
  }
};

}  // namespace detail

namespace detail {

template <int KB, class Space, class Gen, class Out, class Verdict>
int launch_tiles(const Space& space, const Gen& gen, const Out& out,
                 const ConstStates<typename Gen::real_type, typename Space::memory_space>& y0, int steps, int n,
                 OnePassWorkspace<typename Gen::real_type, typename Space::memory_space>& ws, bool gated,
                 const Verdict& verdict) {
  using Tiles = OnePassTiles<Gen, Out, Space, KB>;
  using Mem = typename Space::memory_space;
  const int batch = int(y0.extent(0));
  const TileShape shape = tile_shape<Space, typename Gen::real_type>(n, KB, steps, batch, Tiles::team);
  if (Tiles::VC > 0 && shape.V != Tiles::VC)
    throw std::logic_error("deer: one-pass tile shape V = " + std::to_string(shape.V) + " but the kernel assumes " +
                           std::to_string(Tiles::VC));
  const int per_seq = (steps + shape.TT - 1) / shape.TT, tiles = batch * per_seq;
  ws.reserve(tiles, n, KB, Tiles::use_records);
  const int call = ws.epoch;
  Tiles f{gen, out, y0, ws.flags, ws.records, ws.counter, ws.P, ws.q, ws.S, ws.max_error, ws.gate, shape, steps, batch,
          n, call, ws.ticket_base, gated};
  ws.epoch += 1;
  ws.ticket_base += (unsigned long long)tiles;
  ws.last_tiles = tiles;
  // Registers for min_teams teams per SM (64 per thread for 4 of 256: at 80, an H200 SM held 3).
  const auto policy = Kokkos::TeamPolicy<Space, Kokkos::LaunchBounds<Tiles::team, Tiles::min_teams>>(space, tiles, shape.TS)
                          .set_scratch_size(0, Kokkos::PerTeam(Tiles::scratch_bytes(shape, n) + 8));
  Kokkos::parallel_for("deer::scan::one_pass", compat::light_launch<Tiles>(policy), f);
  Kokkos::parallel_for("deer::scan::one_pass_close", Kokkos::RangePolicy<Space>(space, 0, 1),
                       CloseCall<Mem, Verdict>{ws.max_error, ws.history, ws.gate, ws.mail, verdict, call, gated});
  return call;
}

}  // namespace detail

// Launches a one-pass scan (scan_one_pass's contract) and returns its call number for
// ws.wait. gated: run only if the previous call's verdict opened the gate (the previous call
// must have been launched with a verdict). verdict(err, err before, err before that) decides,
// on the device, whether the next call, launched gated before the host has seen err, runs.
template <class Space, class Gen, class Out, class Verdict = detail::ShutGate>
int launch_one_pass(const Space& space, const Gen& gen, const Out& out,
                    const ConstStates<typename Gen::real_type, typename Space::memory_space>& y0, int steps, int n,
                    int k, OnePassWorkspace<typename Gen::real_type, typename Space::memory_space>& ws,
                    bool gated = false, const Verdict& verdict = Verdict()) {
  const std::string why = detail::one_pass_refusal<Space, typename Gen::real_type>(k, Gen::max_block, n);
  if (!why.empty()) throw std::invalid_argument("deer: " + why + "; use the chunked scan");
  if constexpr (Gen::max_block == 2)
    if (k == 2) return detail::launch_tiles<2>(space, gen, out, y0, steps, n, ws, gated, verdict);
  return detail::launch_tiles<1>(space, gen, out, y0, steps, n, ws, gated, verdict);
}

// scan_generated's contract (scan.hpp) for diagonal pairs (k = 1) and 2x2 blocks (k = 2 with
// Gen::max_block 2; detail::one_pass_refusal): gen(s, i, A, b) fills the n x k entries A and
// n entries b of step i, out(s, i, y, err) receives every state; returns the max of err.
template <class Space, class Gen, class Out>
double scan_one_pass(const Space& space, const Gen& gen, const Out& out,
                     const ConstStates<typename Gen::real_type, typename Space::memory_space>& y0, int steps, int n,
                     int k, OnePassWorkspace<typename Gen::real_type, typename Space::memory_space>& ws) {
  if (steps <= 0 || y0.extent(0) == 0) return 0.0;
  bool opened = false;
  return ws.wait(space, launch_one_pass(space, gen, out, y0, steps, n, k, ws), opened);
}

}  // namespace deer
