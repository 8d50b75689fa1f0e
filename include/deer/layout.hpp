#pragma once
// Where the Newton iterates live: the order of (sequence, step) pairs in the flat buffers the
// parallel solvers work on. The values of one step (w of them) are always contiguous, so a
// system still sees a plain pointer.
//
//   batch_first  (s, i) at (s*T + i)*w: PyTorch's order, the user's (batch, T, w) views.
//   interleaved  step p of chunk c of sequence s at (p*batch*C + s*C + c)*w, with
//                c = i / L, p = i % L: the GPU order. The scan gives chunk (s, c) to one
//                thread, and every thread walks its chunk at the same pace, so at each step the
//                threads of a warp read neighbouring addresses (coalesced) instead of
//                addresses L*w apart. One copy in (X) and one out (Y) per solve pay for it.
#include <stdexcept>
#include <string>

#include <deer/compat.hpp>
#include <deer/options.hpp>
#include <deer/sequence.hpp>

namespace deer {

// The most steps (batch x T, and lanes; with an interleaved layout's padding) one parallel
// solve or scan takes: steps are numbered with 32-bit integers in kernel ranges and offsets.
// StepLayout::make checks it. (A View's own (s, i, j) indexing is 64-bit; on the H200 it was
// about half of the one-pass scan's instructions per element.)
inline constexpr long kMaxSteps = 2147483647L;

// Step i of sequence s of a (batch, T, ...) array as one index s*T + i (< kMaxSteps).
KOKKOS_INLINE_FUNCTION unsigned step_index(int s, int T, int i) { return unsigned(s) * unsigned(T) + unsigned(i); }

struct StepLayout {
  int batch = 0, T = 0, L = 1, C = 1;
  int shift = -1;  // log2(L) when L is a power of two: i / L and i % L without a division
  bool interleaved = false;

  // The layout for chunks of L steps; automatic picks interleaved on devices the host cannot
  // read (GPUs), where coalescing decides the speed, and batch_first on the host, where a
  // thread walking its own contiguous chunk is what the caches like.
  template <class Space>
  static StepLayout make(StepOrder order, int batch, int T, int L) {
    StepLayout s;
    s.batch = batch;
    s.T = T;
    s.L = L < 1 ? 1 : L;
    s.C = T > 0 ? (T + s.L - 1) / s.L : 1;
    constexpr bool host = compat::on_host<Space>;
    s.interleaved = order == StepOrder::interleaved || (order == StepOrder::automatic && !host);
    for (int b = 0; b < 31; ++b)
      if (s.L == (1 << b)) s.shift = b;
    if (s.span(1) > size_t(kMaxSteps))
      throw std::length_error("deer: " + std::to_string(batch) + " sequences x " + std::to_string(T) +
                              " steps exceed the " + std::to_string(kMaxSteps) +
                              " steps one parallel solve or scan can number (32-bit); split the batch into parts");
    return s;
  }
  // Offset of the first of the w values of step i of sequence s.
  // (The step's slot fits 32 bits: make() checks the span.)
  KOKKOS_INLINE_FUNCTION size_t at(int s, int i, int w) const { return size_t(slot(s, i)) * w; }
  KOKKOS_INLINE_FUNCTION unsigned slot(int s, int i) const {
    if (!interleaved) return step_index(s, T, i);
    unsigned c, p;
    chunk_of(i, c, p);
    return (p * unsigned(batch) + unsigned(s)) * unsigned(C) + c;
  }
  // Step i as step p of chunk c (interleaved): i / L and i % L, a shift when L is a power of two.
  KOKKOS_INLINE_FUNCTION void chunk_of(int i, unsigned& c, unsigned& p) const {
    c = shift >= 0 ? unsigned(i) >> shift : unsigned(i) / unsigned(L);
    p = unsigned(i) - c * unsigned(L);
  }
  // Offset of value j of step i of sequence s in a buffer stored component by component
  // (interleaved: all chunks' value j of step p side by side, so a warp reading value j of its
  // steps reads one contiguous run). For per-step records too long for the pointer form, such
  // as the stored Newton pairs (n*k + n values).
  KOKKOS_INLINE_FUNCTION size_t component(int s, int i, int j, int w) const {
    if (!interleaved) return size_t(step_index(s, T, i)) * w + j;
    unsigned c, p;
    chunk_of(i, c, p);
    const unsigned W = unsigned(batch) * unsigned(C);
    return (size_t(p) * w + j) * W + (unsigned(s) * unsigned(C) + c);
  }
  // The step stored at slot idx of the layout's order (slots 0 .. span(1)-1); false for the
  // padding at the end of interleaved chunks. Kernels that walk every step number their
  // threads this way, so that neighbouring threads touch neighbouring steps in memory.
  // 32-bit arithmetic (slots are ints everywhere): a 64-bit division costs several times the
  // instructions, and this runs once per step of every pass (ncu, H200, multi-head GRU: the
  // pair evaluation ran 855 instructions per step with 64-bit divisions here).
  KOKKOS_INLINE_FUNCTION bool step_at(int idx, int& s, int& i) const {
    int stride, end;
    group_at<1, 1>(idx, s, i, stride, end);
    return i < end;
  }
  // Group idx of G steps of one sequence, for passes where a thread takes G steps: s, and its
  // steps i0, i0 + stride, ... below end. batch_first: Warp neighbouring threads share Warp*G
  // consecutive steps, thread t taking steps t, t + Warp, ... (stride Warp); interleaved: G
  // consecutive steps of one chunk (stride 1), neighbouring threads on neighbouring chunks.
  // Either way each step of a warp's loads and stores is contiguous. step_at is G = Warp = 1.
  template <int G, int Warp>
  KOKKOS_INLINE_FUNCTION void group_at(int idx, int& s, int& i0, int& stride, int& end) const {
    const unsigned u = unsigned(idx);
    if (!interleaved) {
      const unsigned blocks = (unsigned(T) + Warp * G - 1) / (Warp * G), b = u / Warp;
      s = int(b / blocks);
      i0 = int((b - unsigned(s) * blocks) * (Warp * G) + u % Warp);
      stride = Warp;
      end = T;
      return;
    }
    const unsigned C_ = unsigned(C), W = unsigned(batch) * C_, g = u / W, sc = u - g * W;
    s = int(sc / C_);
    const int c0 = int(sc - unsigned(s) * C_) * L;  // the chunk's first step
    i0 = c0 + int(g) * G;
    stride = 1;
    end = c0 + L < T ? c0 + L : T;
  }
  // The number of groups group_at numbers (span(1) for G = Warp = 1).
  template <int G, int Warp>
  int groups() const {
    if (interleaved) return batch * C * ((L + G - 1) / G);
    return batch * ((T + Warp * G - 1) / (Warp * G)) * Warp;
  }
  // Whether a (batch, T, lanes * w) view already is in this layout: batch_first, one lane per
  // sequence (to_layout then returns the view's own memory).
  bool in_view_order(int lanes) const { return !interleaved && lanes == 1; }
  // Number of values a buffer of w values per step needs (interleaved pads the last chunk).
  size_t span(int w) const { return (interleaved ? size_t(L) * batch * C : size_t(batch) * T) * w; }
  // The same chunks and order for b sequences (a lane solve's inputs: one row per sequence).
  StepLayout with_batch(int b) const {
    StepLayout s = *this;
    s.batch = b;
    return s;
  }
};

template <class R, class Mem>
using Flat = Kokkos::View<R*, Mem>;

namespace detail {

// Copies between a (batch, T, lanes * w) view and a flat buffer in `layout` (batch * lanes
// sequences of w values; lanes.hpp) through a tile of TI steps of one sequence in team
// scratch: the view side is read or written row after row, the flat side in its own order
// (batch_first: each lane's run of steps; interleaved: the lanes of a step side by side), so
// that both are coalesced. (H200, multi-head GRU n=64, T=1e5: one thread per step, looping
// over the lanes, took 2.5-3.2 ms to write the result back; docs/performance.md, session 8.)
template <class R, class Mem, bool ToFlat>
struct RelayoutTiles {
  Kokkos::View<R***, Kokkos::LayoutRight, Mem> V;
  Flat<R, Mem> F;
  StepLayout layout;
  int w, lanes, TI;
  static constexpr int kScratchBytes = 16384;
  static int steps_per_tile(int n) {
    const int ti = kScratchBytes / int(sizeof(R) * (n > 0 ? n : 1));
    return ti < 1 ? 1 : (ti > 32 ? 32 : ti);
  }
  int tiles() const { return int(V.extent(0)) * ((layout.T + TI - 1) / TI); }
  // The tile's element e (row-major, TI rows of n) sits at bank_spread(e), plus a word of
  // slack for the alignment: the flat side of a batch_first layout walks a column's rows, n
  // words apart, which without the skipped words meet in one bank (n = 64: 16-way). (Alone it
  // measured no gain on the H200, session 18 call 1: the divisions below were the cost.)
  KOKKOS_INLINE_FUNCTION static size_t scratch_bytes(int ti, int n) {
    return sizeof(R) * size_t(compat::bank_spread(ti * n) + 1);
  }
  template <class Member>
  KOKKOS_INLINE_FUNCTION void operator()(const Member& m) const {
    const int per_seq = (layout.T + TI - 1) / TI, s = m.league_rank() / per_seq;
    const int i0 = (m.league_rank() - s * per_seq) * TI, steps = layout.T - i0 < TI ? layout.T - i0 : TI;
    const int n = w * lanes, count = steps * n, t = m.team_rank(), TS = m.team_size();
    R* tile = static_cast<R*>(m.team_scratch(0).get_shmem_aligned(scratch_bytes(TI, n), sizeof(R)));
    // The flat side's order numbers the tile's elements e = (a*B + b)*w + j: batch_first, a
    // the lane h and b the step ii (B = steps); interleaved the other way (B = lanes). A
    // thread's elements e = t, t + TS, ... are stepped digit by digit: a division per element
    // and digit was most of this copy's instructions.
    const bool by_lane = !layout.interleaved;
    const int B = by_lane ? steps : lanes;
    int j = t % w, b = (t / w) % B, a = (t / w) / B;
    const int dj = TS % w, db = (TS / w) % B, da = (TS / w) / B;
    const auto next = [&] {
      j += dj;
      int carry = db;
      if (j >= w) {
        j -= w;
        ++carry;
      }
      b += carry;
      a += da;
      if (b >= B) {
        b -= B;
        ++a;
      }
    };
    // Its element's place in the tile (step ii, column h*w + j) and in the flat buffer.
    const auto place = [&](size_t& o) {
      const int h = by_lane ? a : b, ii = by_lane ? b : a;
      o = layout.at(s * lanes + h, i0 + ii, w) + j;
      return compat::bank_spread(ii * n + h * w + j);
    };
    R* row = V.data() + (size_t(s) * layout.T + i0) * n;  // the tile's rows of V, contiguous
    if constexpr (ToFlat) {
      for (int e = t; e < count; e += TS) tile[compat::bank_spread(e)] = row[e];
      m.team_barrier();
      for (int e = t; e < count; e += TS, next()) {
        size_t o;
        const int k = place(o);
        F(o) = tile[k];
      }
    } else {
      for (int e = t; e < count; e += TS, next()) {
        size_t o;
        const int k = place(o);
        tile[k] = F(o);
      }
      m.team_barrier();
      for (int e = t; e < count; e += TS) row[e] = tile[compat::bank_spread(e)];
    }
  }
};

template <class Space, class R, bool ToFlat>
void relayout(const Space& space, const char* name, const Kokkos::View<R***, Kokkos::LayoutRight, typename Space::memory_space>& V,
              const Flat<R, typename Space::memory_space>& F, const StepLayout& layout, int lanes) {
  const int w = int(V.extent(2)) / lanes;
  if (w == 0 || V.extent(0) == 0 || V.extent(1) == 0) return;
  const int TI = RelayoutTiles<R, typename Space::memory_space, ToFlat>::steps_per_tile(int(V.extent(2)));
  const RelayoutTiles<R, typename Space::memory_space, ToFlat> f{V, F, layout, w, lanes, TI};
  Kokkos::parallel_for(name,
                       Kokkos::TeamPolicy<Space>(space, f.tiles(), compat::on_host<Space> ? 1 : 256)
                           .set_scratch_size(0, Kokkos::PerTeam(f.scratch_bytes(TI, int(V.extent(2))))),
                       f);
}

}  // namespace detail

// A flat copy of V (batch, T, lanes * w) in `layout` (batch * lanes sequences of w values);
// for batch_first without lanes, V's own memory (no copy). into: where the copy goes (span(w)
// values), allocated when empty.
template <class Space, class R>
Flat<const R, typename Space::memory_space> to_layout(const Space& space, const StepLayout& layout,
                                                       const ConstSequence<R, typename Space::memory_space>& V,
                                                       int lanes = 1, Flat<R, typename Space::memory_space> into = {}) {
  using Mem = typename Space::memory_space;
  const int w = int(V.extent(2)) / lanes;
  if (layout.in_view_order(lanes)) return Flat<const R, Mem>(V.data(), V.span());
  Flat<R, Mem> F = into.data() ? into : Flat<R, Mem>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::layout::flat"), layout.span(w));
  Kokkos::View<R***, Kokkos::LayoutRight, Mem> src(const_cast<R*>(V.data()), V.extent(0), V.extent(1), V.extent(2));
  detail::relayout<Space, R, true>(space, "deer::layout::to_flat", src, F, layout, lanes);
  return F;
}

// Writes the flat buffer F (in `layout`) into V (batch, T, lanes * w); nothing to do when F is V.
template <class Space, class R>
void from_layout(const Space& space, const StepLayout& layout, const Flat<R, typename Space::memory_space>& F,
                 const Sequence<R, typename Space::memory_space>& V, int lanes = 1) {
  using Mem = typename Space::memory_space;
  if (F.data() == V.data() || V.span() == 0) return;
  if (layout.in_view_order(lanes)) {
    Kokkos::deep_copy(space, Flat<R, Mem>(V.data(), V.span()), Flat<R, Mem>(F.data(), V.span()));
    return;
  }
  detail::relayout<Space, R, false>(space, "deer::layout::from_flat", V, F, layout, lanes);
}

}  // namespace deer
