#pragma once
// Lanes: a block-diagonal system with block() (system.hpp) is H = n/k independent recurrences
// of state k per sequence, sharing the sequence's inputs. The solvers then work on
// batch * H "lanes" of state k instead of batch sequences of state n:
//  - each lane evaluates only its own block: k outputs, not n (the multi-head GRU's 32 heads
//    of 2 cost one head's work per lane, not 32 heads' work per step);
//  - dense k x k pairs per lane replace block-diagonal n x k pairs per sequence, so the scans
//    see H times the parallelism and a k-sized state that stays in registers.
// Lane s belongs to sequence s / H and is block s % H of it: the lanes of a sequence are
// consecutive, so y0 (batch, n) read row by row is y0 of the lanes (batch * H, k).
#include <cstddef>
#include <type_traits>

#include <deer/sequence.hpp>
#include <deer/system.hpp>

namespace deer {

// Block b of sys as a system of its own: state k, dense, the sequence's inputs.
// Held: Sys (a copy; a reference to a kernel argument needs its address, which nvcc gets by
// copying the whole argument to the stack) or const Sys& (with_lane, for systems too large
// to copy per evaluation, which Kokkos launches from constant memory rather than as arguments).
template <class Sys, class Held = Sys>
struct BlockOf {
  using real_type = typename Sys::real_type;
  static constexpr int max_state = system_traits<Sys>::max_block;
  static constexpr Structure structure = Structure::dense;
  Held sys;
  int b, k;
  KOKKOS_INLINE_FUNCTION int state_size() const { return k; }
  KOKKOS_INLINE_FUNCTION int input_size() const { return sys.input_size(); }
  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(int i, const S* y_prev, const real_type* x, S* y) const {
    sys.block(i, b, y_prev, x, y);
  }
  // The system's hand-written block Jacobians, when it has them (else dual numbers).
  template <class Q = Sys>
  KOKKOS_INLINE_FUNCTION auto jacobian(int i, const real_type* y_prev, const real_type* x, real_type* y,
                                       real_type* J) const
      -> decltype(std::declval<const Q&>().block_jacobian(i, 0, y_prev, x, y, J)) {
    return sys.block_jacobian(i, b, y_prev, x, y, J);
  }
  template <class Q = Sys>
  KOKKOS_INLINE_FUNCTION auto jacobian_diagonal(int i, const real_type* y_prev, const real_type* x, real_type* y,
                                                real_type* d) const
      -> decltype(std::declval<const Q&>().block_jacobian_diagonal(i, 0, y_prev, x, y, d)) {
    return sys.block_jacobian_diagonal(i, b, y_prev, x, y, d);
  }
};

// Lanes per sequence: n / k with block(), else 1 (the whole system is the lane).
template <class Sys>
KOKKOS_INLINE_FUNCTION int lanes_of(const Sys& sys) {
  if constexpr (system_traits<Sys>::has_block) return sys.state_size() / block_size(sys);
  else return 1;
}

// Systems larger than this are held by reference in with_lane's blocks: a multi-head GRU with
// its 6 KB of weights by value (cells/multihead_gru.hpp) was copied per evaluation otherwise.
// (Kokkos launches a functor of more than 512 bytes from constant memory, not as an argument.)
inline constexpr size_t kLaneCopyBytes = 512;

// Calls f with what lane s evaluates: block s % lanes (of size k) of sys with block(), else
// sys itself.
template <class Sys, class F>
KOKKOS_INLINE_FUNCTION void with_lane(const Sys& sys, int lanes, int s, int k, const F& f) {
  if constexpr (system_traits<Sys>::has_block) {
    using Held = std::conditional_t<(sizeof(Sys) > kLaneCopyBytes), const Sys&, Sys>;
    f(BlockOf<Sys, Held>{sys, s % lanes, k});
  } else {
    f(sys);
  }
}

namespace detail {

template <class R, class Mem>
struct SplitLanes {
  ConstStates<R, Mem> y0;
  States<R, Mem> lanes;
  KOKKOS_INLINE_FUNCTION void operator()(const int s) const {
    const int H = int(lanes.extent(0) / y0.extent(0)), k = int(lanes.extent(1));
    for (int h = 0; h < H; ++h)
      for (int j = 0; j < k; ++j) lanes(s * H + h, j) = y0(s, h * k + j);
  }
};

}  // namespace detail

// y0 (batch, n) as the initial states of the lanes (batch * lanes, n / lanes).
template <class Space, class R>
ConstStates<R, typename Space::memory_space> lane_states(const Space& space,
                                                         const ConstStates<R, typename Space::memory_space>& y0,
                                                         int lanes) {
  using Mem = typename Space::memory_space;
  if (lanes == 1) return y0;
  States<R, Mem> out(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::lanes::y0"), y0.extent(0) * lanes,
                     y0.extent(1) / lanes);
  Kokkos::parallel_for("deer::lanes::split_y0", Kokkos::RangePolicy<Space>(space, 0, int(y0.extent(0))),
                       detail::SplitLanes<R, Mem>{y0, out});
  return out;
}

}  // namespace deer
