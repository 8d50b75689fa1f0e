#pragma once
// deer::solve(space, system, inputs, y0, options) -> Result: every solver, one call shape.
//   Sequential  the reference: one kernel, one thread per sequence, looping over T.
//   Deer        Newton on the whole trajectory with the Jacobian of the declared structure.
//   QuasiDeer   Newton with only the diagonal of the Jacobian (O(n) memory per step).
//   DampedDeer  Newton with Jacobians scaled by an adaptive beta (trust region towards Picard).
//   Picard      fixed-point sweeps y_i <- f(y_{i-1}^(k)) over the whole trajectory.
//   Auto        picks one of the above by backend and size (see choose_method).
#include <cmath>
#include <string>

#include <deer/options.hpp>
#include <deer/scan.hpp>
#include <deer/sequence.hpp>
#include <deer/system.hpp>

namespace deer {

namespace detail {

enum class Linearization { exact, true_diagonal, none };

// The affine pair of one Newton step at the current iterate Yold:
//   A_i = beta * J_i,  b_i = f(y_{i-1}) - A_i y_{i-1}   (y_{i-1} from Yold, or y0 at i = 0).
template <class Sys, class Mem, int K>
struct NewtonPairs {
  using real_type = typename Sys::real_type;
  using R = real_type;
  static constexpr int max_state = Sys::max_state;
  static constexpr int max_block = K;
  Sys sys;
  ConstSequence<R, Mem> X, Yold;
  ConstStates<R, Mem> y0;
  int T, n, m, k;
  R beta;
  Linearization lin;
  KOKKOS_INLINE_FUNCTION void operator()(int s, int i, R* A, R* b) const {
    const R* yp = i == 0 ? y0.data() + size_t(s) * n : Yold.data() + (size_t(s) * T + (i - 1)) * n;
    const R* x = X.data() + (size_t(s) * T + i) * m;
    if (lin == Linearization::none) {
      sys(i, yp, x, b);
      for (int j = 0; j < n * k; ++j) A[j] = R(0);
      return;
    }
    R f[max_state] = {}, Ay[max_state] = {};
    linearize(sys, i, yp, x, f, A, k, lin == Linearization::true_diagonal);
    if (beta != R(1))
      for (int j = 0; j < n * k; ++j) A[j] *= beta;
    block_apply(n, k, A, yp, Ay);
    for (int r = 0; r < n; ++r) b[r] = f[r] - Ay[r];
  }
};

// Stores the new iterate and measures the update in tolerance units; non-finite values
// are counted (and replaced when asked) and make the error huge so nothing converges on them.
template <class R, class Mem>
struct NewtonUpdate {
  Sequence<R, Mem> Ynew;
  ConstSequence<R, Mem> Yold;
  Kokkos::View<long, Mem> bad;
  R atol, rtol, substitute;
  KOKKOS_INLINE_FUNCTION void operator()(int s, int i, R* y, double& e) const {
    const int n = int(Ynew.extent(2));
    for (int j = 0; j < n; ++j) {
      if (!compat::isfinite(y[j])) {
        Kokkos::atomic_add(&bad(), 1L);
        y[j] = substitute;
        e = 1e300;
      }
      const R d = compat::fabs(y[j] - Yold(s, i, j)) / (atol + rtol * compat::fabs(y[j]));
      if (double(d) > e) e = double(d);
      Ynew(s, i, j) = y[j];
    }
  }
};

template <class Space, class View>
long count_non_finite(const Space& space, const View& v) {
  long bad = 0;
  const size_t total = v.span();
  auto data = v.data();
  Kokkos::parallel_reduce(
      "deer::solve::count_non_finite", Kokkos::RangePolicy<Space>(space, 0, total),
      KOKKOS_LAMBDA(const size_t j, long& c) { c += compat::isfinite(data[j]) ? 0 : 1; }, bad);
  return bad;
}

// max over all steps of |y_i - f(y_{i-1})| / (atol + rtol |y_i|): the fixed-point residual
// of a trajectory, in tolerance units (+inf when anything is non-finite). DampedDeer's
// merit function.
template <class Space, class Sys>
double scaled_residual(const Space& space, const Sys& sys,
                       const ConstSequence<typename Sys::real_type, typename Space::memory_space>& X,
                       const ConstStates<typename Sys::real_type, typename Space::memory_space>& y0,
                       const ConstSequence<typename Sys::real_type, typename Space::memory_space>& Y, double atol,
                       double rtol) {
  using R = typename Sys::real_type;
  constexpr int N = Sys::max_state;
  const int batch = int(Y.extent(0)), T = int(Y.extent(1)), n = int(Y.extent(2)), m = int(X.extent(2));
  double r = 0;
  Kokkos::parallel_reduce(
      "deer::solve::residual", Kokkos::RangePolicy<Space>(space, 0, batch * T),
      KOKKOS_LAMBDA(const int idx, double& e) {
        const int s = idx / T, i = idx % T;
        const R* yp = i == 0 ? y0.data() + size_t(s) * n : Y.data() + (size_t(s) * T + (i - 1)) * n;
        R f[N] = {};
        sys(i, yp, X.data() + (size_t(s) * T + i) * m, f);
        for (int j = 0; j < n; ++j) {
          const double y = double(Y(s, i, j));
          const double d = compat::fabs(y - double(f[j])) / (atol + rtol * compat::fabs(y));
          // NaN compares false: map it (and Inf) to the largest value.
          const double dd = compat::isfinite(d) ? d : 1e308;
          if (dd > e) e = dd;
        }
      },
      Kokkos::Max<double>(r));
  return r;
}

// The first Newton iterate, by Options::initial_guess: y0 broadcast over T, zeros, or the
// trajectory the caller left in Y (warm start).
template <class Space, class R>
Sequence<R, typename Space::memory_space> initial_iterate(const Space& space, InitialGuess guess,
                                                          const ConstStates<R, typename Space::memory_space>& y0,
                                                          const Sequence<R, typename Space::memory_space>& Y) {
  const int batch = int(Y.extent(0)), T = int(Y.extent(1)), n = int(Y.extent(2));
  Sequence<R, typename Space::memory_space> Yold(Kokkos::view_alloc(Kokkos::WithoutInitializing, "deer::solve::iterate"),
                                                 batch, T, n);
  if (guess == InitialGuess::user) {
    Kokkos::deep_copy(space, Yold, Y);
  } else if (guess == InitialGuess::zeros) {
    Kokkos::deep_copy(space, Yold, R(0));
  } else {
    Kokkos::parallel_for(
        "deer::solve::broadcast_y0", Kokkos::RangePolicy<Space>(space, 0, batch * T), KOKKOS_LAMBDA(const int idx) {
          const int s = idx / T, i = idx % T;
          for (int j = 0; j < n; ++j) Yold(s, i, j) = y0(s, j);
        });
  }
  return Yold;
}

template <class Space>
constexpr bool is_host_space() {
  return Kokkos::SpaceAccessibility<Kokkos::HostSpace, typename Space::memory_space>::accessible;
}

}  // namespace detail

// Auto's rule. On the host, Newton's extra work (two passes per iteration, several
// iterations) only pays with many cores; on a GPU, DEER pays while dense blocks are small.
template <class Space, class Sys>
Method choose_method(const Space& space, const Sys& sys, int batch, int T) {
  const int k = block_size(sys);
  if constexpr (detail::is_host_space<Space>()) {
    (void)k;
    const long work = long(batch) * T;
    return (space.concurrency() >= 16 && work >= 100000) ? Method::deer : Method::sequential;
  } else {
    if (long(T) < 64) return Method::sequential;
    if (k <= 16) return Method::deer;
    return Method::quasi_deer;
  }
}

// The sequential reference: one thread per sequence loops over T.
template <class Space, class Sys>
long run_sequential(const Space& space, const Sys& sys,
                    const ConstSequence<typename Sys::real_type, typename Space::memory_space>& X,
                    const ConstStates<typename Sys::real_type, typename Space::memory_space>& y0,
                    const Sequence<typename Sys::real_type, typename Space::memory_space>& Y) {
  using R = typename Sys::real_type;
  constexpr int N = Sys::max_state;
  const int batch = int(Y.extent(0)), T = int(Y.extent(1)), n = int(Y.extent(2)), m = int(X.extent(2));
  long bad = 0;
  Kokkos::parallel_reduce(
      "deer::solve::sequential", Kokkos::RangePolicy<Space>(space, 0, batch),
      KOKKOS_LAMBDA(const int s, long& nbad) {
        R y[N] = {}, yn[N] = {};
        for (int j = 0; j < n; ++j) y[j] = y0(s, j);
        for (int i = 0; i < T; ++i) {
          sys(i, static_cast<const R*>(y), X.data() + (size_t(s) * T + i) * m, static_cast<R*>(yn));
          for (int j = 0; j < n; ++j) {
            y[j] = yn[j];
            Y(s, i, j) = yn[j];
            if (!compat::isfinite(yn[j])) ++nbad;
          }
        }
      },
      bad);
  return bad;
}

// Solves y_i = f(y_{i-1}, x_i), i = 0..T-1, for every sequence of the batch, into Y.
// X: (batch, T, m), y0: (batch, n), Y: (batch, T, n); Y holds the initial guess on entry
// when options.initial_guess == InitialGuess::user.
template <class Space, class Sys>
Result<Sequence<typename Sys::real_type, typename Space::memory_space>> solve(
    const Space& space, const Sys& sys,
    const ConstSequence<typename Sys::real_type, typename Space::memory_space>& X,
    const ConstStates<typename Sys::real_type, typename Space::memory_space>& y0,
    const Options& opts, const Sequence<typename Sys::real_type, typename Space::memory_space>& Y) {
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
  if (opts.max_iterations < 1) shape_error("max_iterations must be >= 1");
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

  Sequence<R, Mem> Yold = detail::initial_iterate(space, opts.initial_guess, y0, Y);
  Sequence<R, Mem> Ynew = Y;
  Kokkos::View<long, Mem> bad("deer::solve::non_finite");
  ScanWorkspace<R, Mem> ws;
  const int chunk = opts.chunk > 0 ? opts.chunk : detail::default_chunk<Space>(batch, T);
  const R atol = R(opts.atol_for<R>()), rtol = R(opts.rtol_for<R>());
  const bool damped = res.method == Method::damped_deer;

  auto run_step = [&](auto pairs) {
    Kokkos::deep_copy(space, bad, 0L);
    detail::NewtonUpdate<R, Mem> upd{Ynew, Yold, bad, atol, rtol, R(opts.substitute_value)};
    const double err = scan_generated(space, pairs, upd, y0, T, n, pairs.k, chunk, ws);
    long nbad = 0;
    Kokkos::deep_copy(space, nbad, bad);
    space.fence();
    return std::make_pair(err, nbad);
  };

  // DampedDeer (see options.hpp): a step is accepted when it lowers the fixed-point
  // residual of the trajectory (the merit), else retried with beta/4.
  double beta = 1.0;
  double merit = damped ? detail::scaled_residual(space, sys, X, y0, Yold, atol, rtol) : 0.0;
  bool done = false;
  res.status = Status::max_iterations;
  while (res.iterations < opts.max_iterations && !done) {
    ++res.iterations;
    std::pair<double, long> step;
    const R b = R(beta < opts.damping_min ? 0.0 : beta);
    if (res.method == Method::quasi_deer) {
      step = run_step(detail::NewtonPairs<Sys, Mem, 1>{sys, X, Yold, y0, T, n, m, 1, R(1),
                                                       detail::Linearization::true_diagonal});
    } else if (res.method == Method::picard) {
      step = run_step(detail::NewtonPairs<Sys, Mem, 1>{sys, X, Yold, y0, T, n, m, 1, R(0),
                                                       detail::Linearization::none});
    } else {
      step = run_step(detail::NewtonPairs<Sys, Mem, Traits::max_block>{sys, X, Yold, y0, T, n, m, k, b,
                                                                       detail::Linearization::exact});
    }
    const double err = step.first;
    const long nbad = step.second;
    res.residuals.push_back(err);
    res.substitutions += nbad;
    if (damped && err > 1.0) {
      // A converged update (err <= 1) is always accepted; so is a pure Picard step
      // (b == 0), which cannot be improved on by shrinking beta further.
      const double r = nbad > 0 ? 1e308 : detail::scaled_residual(space, sys, X, y0, Ynew, atol, rtol);
      if (b != R(0) && !(r < merit)) {
        beta *= 0.25;  // reject: keep Yold, retry closer to Picard
        continue;
      }
      merit = r;
    }
    if (nbad > 0 && opts.non_finite == NonFinitePolicy::stop) {
      res.status = Status::non_finite;
      res.message = "an iterate became non-finite at iteration " + std::to_string(res.iterations) +
                    "; try method = damped_deer, or non_finite = substitute";
      break;
    }
    std::swap(Yold, Ynew);
    if (damped) beta = beta < opts.damping_min ? opts.damping_min * 2 : (beta * 2 > 1 ? 1.0 : beta * 2);
    if (err <= 1.0) {
      res.status = Status::converged;
      done = true;
    } else if (!damped && nbad == 0 && err > opts.divergence_threshold) {  // damped steps are guarded by the merit
      res.status = Status::diverged;
      res.message = "the Newton updates grew beyond " + std::to_string(opts.divergence_threshold) +
                    " tolerance units at iteration " + std::to_string(res.iterations) +
                    "; try method = damped_deer (or sequential for chaotic systems)";
      done = true;
    }
  }
  if (res.status == Status::max_iterations)
    res.message = "did not converge in " + std::to_string(opts.max_iterations) + " iterations (last update " +
                  std::to_string(res.residuals.empty() ? 0.0 : res.residuals.back()) +
                  " tolerance units); try method = damped_deer, raise max_iterations or loosen atol/rtol";
  // The newest iterate is in Yold; make sure it is in the caller's Y.
  if (Yold.data() != Y.data()) Kokkos::deep_copy(space, Y, Yold);
  if (res.status != Status::converged && opts.fallback) {
    const long nbad = run_sequential(space, sys, X, y0, Y);
    res.fallback_ran = true;
    res.sequential_ok = nbad == 0;
    res.message += " (the sequential fallback ran; the returned trajectory is sequential)";
  }
  space.fence();
  return res;
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
