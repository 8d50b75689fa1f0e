// Experiment only: the stored diagonal scan (one-pass) against the chunked scan and a copy, in one process.
#include <Kokkos_Core.hpp>
#include <Kokkos_Random.hpp>
#include <cstdio>
#include <deer/scan.hpp>
using Space = Kokkos::DefaultExecutionSpace;
using Mem = Space::memory_space;
using R = float;
template <class F> double time_ms(F&& f, int reps) {
  f(); Space().fence();
  Kokkos::Timer t; for (int r = 0; r < reps; ++r) f(); Space().fence();
  return t.seconds() * 1e3 / reps;
}
int main(int argc, char** argv) {
  Kokkos::initialize(argc, argv);
  {
    const int batch = 16, T = 134217728 / 16, reps = 20;
    const size_t N = size_t(1) << 28;
    Kokkos::View<R*, Mem> ca("a", N), cb("b", N);
    Kokkos::deep_copy(ca, R(1));
    const double cms = time_ms([&] { Kokkos::deep_copy(cb, ca); }, reps);
    const double copy = 2.0 * N * 4 / (cms * 1e-3) / 1e9;
    deer::Sequence<R, Mem> A("A", batch, T, 1), b("b", batch, T, 1), Y("Y", batch, T, 1), Yref("Yref", batch, T, 1);
    deer::States<R, Mem> y0("y0", batch, 1);
    Kokkos::Random_XorShift64_Pool<Space> pool(7);
    Kokkos::View<R*, Mem, Kokkos::MemoryTraits<Kokkos::Unmanaged>> fa(A.data(), A.span()), fb(b.data(), b.span());
    Kokkos::fill_random(fa, pool, R(-0.9), R(0.9));
    Kokkos::fill_random(fb, pool, R(-1), R(1));
    Space().fence();
    deer::ScanWorkspace<R, Mem> ws;
    deer::ScanOptions o;
    o.algorithm = deer::ScanAlgorithm::chunked;
    deer::affine_scan<1, 1>(Space(), A, b, y0, Yref, 1, o, ws);
    o.algorithm = deer::ScanAlgorithm::one_pass;
    double best = 1e30, sum = 0;
    for (int k = 0; k < 5; ++k) {
      const double ms = time_ms([&] { deer::affine_scan<1, 1>(Space(), A, b, y0, Y, 1, o, ws); }, reps);
      best = ms < best ? ms : best; sum += ms;
    }
    double e = 0; auto pa = Y.data(); auto pb = Yref.data();
    Kokkos::parallel_reduce(Kokkos::RangePolicy<Space>(0, Y.span()), KOKKOS_LAMBDA(const size_t j, double& m) {
      const double d = fabs(double(pa[j]) - double(pb[j])) / (1.0 + fabs(double(pb[j])));
      if (d > m || d != d) m = (d != d) ? 1e300 : d; }, Kokkos::Max<double>(e));
    const double gbs = 12.0 * batch * T / (sum / 5 * 1e-3) / 1e9;
    std::printf("copy %.0f GB/s; one_pass mean %.4f ms best %.4f ms = %.0f GB/s = %.1f%% of copy; err %.2e\n", copy, sum / 5, best, gbs, 100 * gbs / copy, e);
  }
  Kokkos::finalize();
}
