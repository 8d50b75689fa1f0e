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
    if (!interleaved) {
      s = idx / T;
      i = idx - s * T;
      return true;
    }
    const unsigned u = unsigned(idx), W = unsigned(batch) * unsigned(C), p = u / W, sc = u - p * W;
    s = int(sc / unsigned(C));
    i = int(sc - unsigned(s) * unsigned(C)) * L + int(p);
    return i < T;
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
// sequences of w values; lanes.hpp), one thread per step in the view's order: the view side is
// coalesced, and the flat side's scattered accesses land in the same few sectors within a
// short window (merged in L2).
template <class R, class Mem, bool ToFlat>
struct Relayout {
  Kokkos::View<R***, Kokkos::LayoutRight, Mem> V;
  Flat<R, Mem> F;
  StepLayout layout;
  int w, lanes;
  KOKKOS_INLINE_FUNCTION void operator()(const size_t idx) const {
    const int s = int(idx / layout.T), i = int(idx % layout.T);
    for (int h = 0; h < lanes; ++h) {
      const size_t o = layout.at(s * lanes + h, i, w);
      for (int j = 0; j < w; ++j) {
        if constexpr (ToFlat) F(o + j) = V(s, i, h * w + j);
        else V(s, i, h * w + j) = F(o + j);
      }
    }
  }
};

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
  if (w > 0) {
    Kokkos::View<R***, Kokkos::LayoutRight, Mem> src(const_cast<R*>(V.data()), V.extent(0), V.extent(1), V.extent(2));
    Kokkos::parallel_for("deer::layout::to_flat", Kokkos::RangePolicy<Space, Kokkos::IndexType<size_t>>(space, 0, V.extent(0) * V.extent(1)),
                         detail::Relayout<R, Mem, true>{src, F, layout, w, lanes});
  }
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
  Kokkos::parallel_for("deer::layout::from_flat", Kokkos::RangePolicy<Space, Kokkos::IndexType<size_t>>(space, 0, V.extent(0) * V.extent(1)),
                       detail::Relayout<R, Mem, false>{V, F, layout, int(V.extent(2)) / lanes, lanes});
}

}  // namespace deer
