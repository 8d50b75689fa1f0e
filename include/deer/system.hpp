#pragma once
// The System concept and its Jacobian.
//
// A System computes one step y_i = f(y_{i-1}, x_i) of a sequential model:
//
//   struct MySystem {
//     using real_type = double;                       // parameter precision
//     static constexpr int max_state = 4;             // compile-time capacity (>= state_size())
//     static constexpr deer::Structure structure = deer::Structure::dense;
//     KOKKOS_FUNCTION int state_size() const;         // n
//     KOKKOS_FUNCTION int input_size() const;         // m (may be 0)
//     template <class S>                              // S = real_type or Dual<real_type>
//     KOKKOS_FUNCTION void operator()(int i, const S* y_prev, const real_type* x, S* y) const;
//     // optional:
//     KOKKOS_FUNCTION int block_size() const;         // required for Structure::block_diagonal
//     static constexpr int max_block = 2;             // capacity of block_size()
//     KOKKOS_FUNCTION void jacobian(int i, const real_type* y_prev, const real_type* x,
//                                   real_type* y, real_type* J) const;  // hand-written f and J
//     KOKKOS_FUNCTION void jacobian_diagonal(int i, const real_type* y_prev, const real_type* x,
//                                   real_type* y, real_type* d) const;  // f and diag(J), for QuasiDeer
//     template <class S>                              // block-diagonal systems: one block of f
//     KOKKOS_FUNCTION void block(int i, int b, const S* y_prev_b, const real_type* x, S* y_b) const;
//     KOKKOS_FUNCTION void block_jacobian(int i, int b, const real_type* y_prev_b, const real_type* x,
//                                   real_type* y_b, real_type* J_b) const;  // and its k x k block
//     KOKKOS_FUNCTION void block_jacobian_diagonal(...same...) const;       // and its diagonal
//   };
//
// block(): the k outputs of block b (y[b*k .. b*k+k)) from the k states of block b alone. A
// block-diagonal Jacobian means the blocks never read each other's states, so with block()
// the solvers treat every block of every sequence as a sequence of its own (lanes.hpp).
// block_jacobian / block_jacobian_diagonal play jacobian's / jacobian_diagonal's part there.
//
// i is the 0-based step index (y = Y(:, i), y_prev = Y(:, i-1) or y0). x points at the m
// inputs of step i. Systems are copied to the device by value: keep parameters in Views.
//
// Jacobian storage (one format for every structure): block size k (diagonal: k = 1,
// dense: k = n). J has n*k entries; J[r*k + c] is the derivative of y[r] with respect to
// y_prev[(r/k)*k + c]. Dense is row-major n x n, diagonal is the diagonal.
#include <type_traits>
#include <utility>

#include <deer/dual.hpp>
#include <deer/math.hpp>

namespace deer {

enum class Structure { dense, diagonal, block_diagonal };

inline const char* to_string(Structure s) {
  switch (s) {
    case Structure::dense: return "dense";
    case Structure::diagonal: return "diagonal";
    case Structure::block_diagonal: return "block_diagonal";
  }
  return "unknown";
}

namespace detail {
template <class Sys, class = void> struct has_block_size : std::false_type {};
template <class Sys>
struct has_block_size<Sys, std::void_t<decltype(std::declval<const Sys&>().block_size())>> : std::true_type {};

template <class Sys, class = void> struct has_max_block : std::false_type {};
template <class Sys> struct has_max_block<Sys, std::void_t<decltype(Sys::max_block)>> : std::true_type {};

template <class Sys, class = void> struct has_jacobian_diagonal : std::false_type {};
template <class Sys>
struct has_jacobian_diagonal<Sys, std::void_t<decltype(std::declval<const Sys&>().jacobian_diagonal(
                                      0, std::declval<const typename Sys::real_type*>(),
                                      std::declval<const typename Sys::real_type*>(),
                                      std::declval<typename Sys::real_type*>(),
                                      std::declval<typename Sys::real_type*>()))>> : std::true_type {};

template <class Sys, class = void> struct has_block : std::false_type {};
template <class Sys>
struct has_block<Sys, std::void_t<decltype(std::declval<const Sys&>().block(
                          0, 0, std::declval<const typename Sys::real_type*>(),
                          std::declval<const typename Sys::real_type*>(),
                          std::declval<typename Sys::real_type*>()))>> : std::true_type {};

template <class Sys, class = void> struct has_jacobian : std::false_type {};
template <class Sys>
struct has_jacobian<Sys, std::void_t<decltype(std::declval<const Sys&>().jacobian(
                             0, std::declval<const typename Sys::real_type*>(),
                             std::declval<const typename Sys::real_type*>(),
                             std::declval<typename Sys::real_type*>(),
                             std::declval<typename Sys::real_type*>()))>> : std::true_type {};
}  // namespace detail

// Compile-time facts the solvers need about a system.
template <class Sys>
struct system_traits {
  using real_type = typename Sys::real_type;
  static constexpr int max_state = Sys::max_state;
  static constexpr Structure structure = Sys::structure;
  static constexpr bool has_jacobian = detail::has_jacobian<Sys>::value;
  static constexpr bool has_jacobian_diagonal = detail::has_jacobian_diagonal<Sys>::value;
  static constexpr bool has_block = detail::has_block<Sys>::value;
  // Capacity of the block size: 1 for diagonal, the state capacity for dense.
  static constexpr int max_block = [] {
    if constexpr (Sys::structure == Structure::diagonal) return 1;
    else if constexpr (Sys::structure == Structure::dense) return Sys::max_state;
    else if constexpr (detail::has_max_block<Sys>::value) return Sys::max_block;
    else return Sys::max_state;
  }();
  static_assert(max_state >= 1, "System::max_state must be >= 1");
  static_assert(std::is_floating_point_v<real_type>, "System::real_type must be float or double");
  static_assert(structure != Structure::block_diagonal || detail::has_block_size<Sys>::value,
                "a block_diagonal System must provide block_size()");
  static_assert(!has_block || structure != Structure::dense,
                "block() splits a block-diagonal (or diagonal) system; a dense system has one block");
  // Capacity of the state one lane sees (lanes.hpp): a block with block(), else the whole state.
  static constexpr int lane_max_state = has_block ? max_block : max_state;
};

// Block size k of the declared Jacobian structure.
template <class Sys>
KOKKOS_INLINE_FUNCTION int block_size(const Sys& sys) {
  if constexpr (Sys::structure == Structure::diagonal) return 1;
  else if constexpr (Sys::structure == Structure::dense) return sys.state_size();
  else return sys.block_size();
}

// The same system seen from step `offset` on: step i of a window is step i + offset of the
// whole sequence (windowed solves, Options::window). Forwards every optional member.
template <class Sys>
struct Shifted {
  using real_type = typename Sys::real_type;
  using R = real_type;
  static constexpr int max_state = Sys::max_state;
  static constexpr Structure structure = Sys::structure;
  static constexpr int max_block = system_traits<Sys>::max_block;
  Sys sys;
  int offset;
  KOKKOS_INLINE_FUNCTION int state_size() const { return sys.state_size(); }
  KOKKOS_INLINE_FUNCTION int input_size() const { return sys.input_size(); }
  KOKKOS_INLINE_FUNCTION int block_size() const { return deer::block_size(sys); }
  template <class S>
  KOKKOS_INLINE_FUNCTION void operator()(int i, const S* y_prev, const R* x, S* y) const {
    sys(i + offset, y_prev, x, y);
  }
  template <class S = Sys>
  KOKKOS_INLINE_FUNCTION auto jacobian(int i, const R* y_prev, const R* x, R* y, R* J) const
      -> decltype(std::declval<const S&>().jacobian(i, y_prev, x, y, J)) {
    return sys.jacobian(i + offset, y_prev, x, y, J);
  }
  template <class S, class Q = Sys>
  KOKKOS_INLINE_FUNCTION auto block(int i, int b, const S* y_prev, const R* x, S* y) const
      -> decltype(std::declval<const Q&>().block(i, b, y_prev, x, y)) {
    return sys.block(i + offset, b, y_prev, x, y);
  }
  template <class Q = Sys>
  KOKKOS_INLINE_FUNCTION auto block_jacobian(int i, int b, const R* y_prev, const R* x, R* y, R* J) const
      -> decltype(std::declval<const Q&>().block_jacobian(i, b, y_prev, x, y, J)) {
    return sys.block_jacobian(i + offset, b, y_prev, x, y, J);
  }
  template <class Q = Sys>
  KOKKOS_INLINE_FUNCTION auto block_jacobian_diagonal(int i, int b, const R* y_prev, const R* x, R* y, R* d) const
      -> decltype(std::declval<const Q&>().block_jacobian_diagonal(i, b, y_prev, x, y, d)) {
    return sys.block_jacobian_diagonal(i + offset, b, y_prev, x, y, d);
  }
  template <class S = Sys>
  KOKKOS_INLINE_FUNCTION auto jacobian_diagonal(int i, const R* y_prev, const R* x, R* y, R* d) const
      -> decltype(std::declval<const S&>().jacobian_diagonal(i, y_prev, x, y, d)) {
    return sys.jacobian_diagonal(i + offset, y_prev, x, y, d);
  }
};

// Evaluates y = f(y_prev) and the Jacobian with block size k (k = 1 with true_diagonal
// gives the exact diagonal of any Jacobian, for quasi-DEER). Uses the system's own
// jacobian() when it has one and the layouts agree; otherwise dual numbers:
// seeding every column c' = c (mod k) at once recovers column c of every block in one
// evaluation, so k evaluations give the whole block-diagonal Jacobian.
template <class Sys>
KOKKOS_INLINE_FUNCTION void linearize(const Sys& sys, int i, const typename Sys::real_type* y_prev,
                                      const typename Sys::real_type* x, typename Sys::real_type* y,
                                      typename Sys::real_type* J, int k, bool true_diagonal) {
  using R = typename Sys::real_type;
  constexpr int N = Sys::max_state;
  const int n = sys.state_size();
  if constexpr (system_traits<Sys>::has_jacobian) {
    if (k == block_size(sys) && !true_diagonal) {
      sys.jacobian(i, y_prev, x, y, J);
      return;
    }
  }
  if constexpr (system_traits<Sys>::has_jacobian_diagonal) {
    if (true_diagonal) {  // hand-written diagonal: quasi-DEER at the cost of one evaluation
      sys.jacobian_diagonal(i, y_prev, x, y, J);
      return;
    }
  }
  Dual<R> yp[N];
  Dual<R> yo[N];
  if (true_diagonal) {
    // k == 1: the diagonal entries only. Columns of one colour (c mod the system's block size)
    // never meet in a row, so the system's block size of evaluations suffices: 2 rather than
    // 64 for 32 heads of 2 (H200, quasi-DEER multi-head GRU n=64: 2.7 s before).
    const int kb = block_size(sys);
    for (int c = 0; c < kb; ++c) {
      for (int j = 0; j < n; ++j) yp[j] = Dual<R>(y_prev[j], (j % kb) == c ? R(1) : R(0));
      sys(i, static_cast<const Dual<R>*>(yp), x, static_cast<Dual<R>*>(yo));
      for (int r = c; r < n; r += kb) J[r] = yo[r].d;
      if (c == 0)
        for (int j = 0; j < n; ++j) y[j] = yo[j].v;
    }
    return;
  }
  for (int c = 0; c < k; ++c) {
    for (int j = 0; j < n; ++j) yp[j] = Dual<R>(y_prev[j], (j % k) == c ? R(1) : R(0));
    sys(i, static_cast<const Dual<R>*>(yp), x, static_cast<Dual<R>*>(yo));
    for (int r = 0; r < n; ++r) J[r * k + c] = yo[r].d;
    if (c == 0)
      for (int j = 0; j < n; ++j) y[j] = yo[j].v;
  }
}

}  // namespace deer
