#pragma once
// The one place that knows Kokkos versions apart. Everything else in deer calls deer::compat.
// Kokkos 3.4.01 (Debian's trilinos source) and Kokkos 4.x are both supported.
#include <type_traits>

#include <Kokkos_Core.hpp>

#if KOKKOS_VERSION >= 30700
#define DEER_KOKKOS_MATH_NS Kokkos
#else
#define DEER_KOKKOS_MATH_NS Kokkos::Experimental
#endif

// Unrolls the loop that follows in device code (host compilers do not know the pragma).
#if defined(__CUDA_ARCH__)
#define DEER_UNROLL _Pragma("unroll")
#else
#define DEER_UNROLL
#endif

namespace deer::compat {

// Whether the host reads this space's memory directly (Serial, OpenMP: true; GPUs: false).
// Every host-or-device choice in deer (layouts, tile shapes, scan algorithms) asks this.
// Takes an execution or a memory space (both name their memory_space).
template <class Space>
inline constexpr bool on_host =
    Kokkos::SpaceAccessibility<Kokkos::HostSpace, typename Space::memory_space>::accessible;

// Math functions moved from Kokkos::Experimental (3.4) to Kokkos (3.7+).
template <class T> KOKKOS_INLINE_FUNCTION T tanh(T x) { return DEER_KOKKOS_MATH_NS::tanh(x); }
template <class T> KOKKOS_INLINE_FUNCTION T exp(T x) { return DEER_KOKKOS_MATH_NS::exp(x); }
template <class T> KOKKOS_INLINE_FUNCTION T log(T x) { return DEER_KOKKOS_MATH_NS::log(x); }
template <class T> KOKKOS_INLINE_FUNCTION T sin(T x) { return DEER_KOKKOS_MATH_NS::sin(x); }
template <class T> KOKKOS_INLINE_FUNCTION T cos(T x) { return DEER_KOKKOS_MATH_NS::cos(x); }
template <class T> KOKKOS_INLINE_FUNCTION T sqrt(T x) { return DEER_KOKKOS_MATH_NS::sqrt(x); }
template <class T> KOKKOS_INLINE_FUNCTION T pow(T x, T y) { return DEER_KOKKOS_MATH_NS::pow(x, y); }
template <class T> KOKKOS_INLINE_FUNCTION T fabs(T x) { return DEER_KOKKOS_MATH_NS::fabs(x); }
template <class T> KOKKOS_INLINE_FUNCTION bool isfinite(T x) { return DEER_KOKKOS_MATH_NS::isfinite(x); }
// +infinity of a floating type (HUGE_VAL's infinity converts exactly to float).
template <class T> KOKKOS_INLINE_FUNCTION T infinity() { return T(__builtin_huge_val()); }

// Warp-level operations for team kernels (the one-pass scan). On CUDA a warp is 32 lanes and
// every lane of the warp must make the call; host teams have one thread, where widths are 1
// and these return the thread's own value. Other GPU backends would need their branch here.
template <class T>
KOKKOS_INLINE_FUNCTION T shfl_up(T v, int delta, int width) {
#if defined(__CUDA_ARCH__)
  return __shfl_up_sync(0xffffffffu, v, unsigned(delta), width);
#else
  (void)delta, (void)width;
  return v;
#endif
}
template <class T>
KOKKOS_INLINE_FUNCTION T shfl_down(T v, int delta, int width) {
#if defined(__CUDA_ARCH__)
  return __shfl_down_sync(0xffffffffu, v, unsigned(delta), width);
#else
  (void)delta, (void)width;
  return v;
#endif
}
KOKKOS_INLINE_FUNCTION unsigned ballot(bool p) {
#if defined(__CUDA_ARCH__)
  return __ballot_sync(0xffffffffu, p);
#else
  return p ? 1u : 0u;
#endif
}
// Index j of a scratch array with one word skipped per 32: threads reading words a multiple
// of 32 apart (a row or segment stride) then hit different shared-memory banks.
KOKKOS_INLINE_FUNCTION int bank_spread(int j) { return j + (j >> 5); }

// Index of the lowest set bit of m; 32 when m is 0.
KOKKOS_INLINE_FUNCTION int lowest_bit(unsigned m) {
#if defined(__CUDA_ARCH__)
  return m ? __ffs(int(m)) - 1 : 32;
#else
  return m ? __builtin_ctz(m) : 32;
#endif
}
// A short pause in a spin loop, so that a waiting warp leaves the issue slots to working ones.
KOKKOS_INLINE_FUNCTION void spin_pause() {
#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ >= 700)
  __nanosleep(100);
#endif
}
KOKKOS_INLINE_FUNCTION void warp_sync() {
#if defined(__CUDA_ARCH__)
  __syncwarp();
#endif
}

// A load through the read-only data cache. The compiler may move it above the kernel's own
// stores (they cannot alias data that is read-only for the whole kernel), so the loads of
// several steps can be in flight at once; use only for data no thread of the kernel writes.
template <class T>
KOKKOS_INLINE_FUNCTION T load_readonly(const T* p) {
#if defined(__CUDA_ARCH__)
  return __ldg(p);
#else
  return *p;
#endif
}

// A hint that p will be read soon: on CUDA the line is fetched into the SM's L1 without
// waiting for it, so the loads of many steps overlap instead of each paying a memory round
// trip (the one-pass scan's evaluation, where the generator's code is too large to unroll).
// H200, session 7 call 4: GRU n=1 DEER 2.5-2.7 -> 2.0 ms, multi-head GRU quasi-DEER 44 -> 40 ms.
KOKKOS_INLINE_FUNCTION void prefetch(const void* p) {
#if defined(__CUDA_ARCH__)
  asm volatile("prefetch.global.L1 [%0];" ::"l"(p));
#else
  (void)p;
#endif
}

// Flags between teams of one kernel (the one-pass scan's look-back): a release store makes
// every write the storing thread has seen (its team's, after a barrier) visible before the
// flag; an acquire load makes the reads after it see them. Cheaper on GPUs than full fences
// around relaxed accesses, which also invalidated the SM's L1 at every read of a flag.
KOKKOS_INLINE_FUNCTION void store_release(int* p, int v) {
#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ >= 700)
  asm volatile("st.release.gpu.global.s32 [%0], %1;" ::"l"(p), "r"(v) : "memory");
#elif defined(__CUDA_ARCH__)
  __threadfence();
  *static_cast<volatile int*>(p) = v;
#else
  __atomic_store_n(p, v, __ATOMIC_RELEASE);
#endif
}
KOKKOS_INLINE_FUNCTION int load_acquire(const int* p) {
#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ >= 700)
  int v;
  asm volatile("ld.acquire.gpu.global.s32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
  return v;
#elif defined(__CUDA_ARCH__)
  const int v = *static_cast<const volatile int*>(p);
  __threadfence();
  return v;
#else
  return __atomic_load_n(p, __ATOMIC_ACQUIRE);
#endif
}

// a / b for measures where a few ulps do not matter (the Newton update in tolerance units): on
// CUDA, float division without the IEEE rounding's fix-up and slow path (__fdividef, 2 ulp for
// b below 2^126); exact everywhere else.
KOKKOS_INLINE_FUNCTION float divide_approx(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fdividef(a, b);
#else
  return a / b;
#endif
}
KOKKOS_INLINE_FUNCTION double divide_approx(double a, double b) { return a / b; }

// A record of a tag and three floats, stored and loaded whole as one 16-byte access: the
// one-pass scan publishes a tile's status and its scalar map in one record, so a reader needs
// one load and a writer no fence (the release and acquire above cost the look-back two memory
// round trips and an L1 invalidation per flag; H200, session 11). Relies, as CUB's decoupled
// look-back does, on an aligned 16-byte access not tearing. GPUs only: on the host the scan
// keeps flags and values apart.
struct alignas(16) Record {
  int tag;
  float x, y, z;
};
#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ >= 700)
#define DEER_RECORD_ORDER "relaxed.gpu"
#else
#define DEER_RECORD_ORDER "volatile"
#endif
KOKKOS_INLINE_FUNCTION void store_record(Record* p, const Record& r) {
#if defined(__CUDA_ARCH__)
  asm volatile("st." DEER_RECORD_ORDER ".global.v4.b32 [%0], {%1, %2, %3, %4};" ::"l"(p), "r"(r.tag), "r"(__float_as_int(r.x)),
               "r"(__float_as_int(r.y)), "r"(__float_as_int(r.z))
               : "memory");
#else
  *p = r;
#endif
}
KOKKOS_INLINE_FUNCTION Record load_record(const Record* p) {
#if defined(__CUDA_ARCH__)
  Record r;
  int x, y, z;
  asm volatile("ld." DEER_RECORD_ORDER ".global.v4.b32 {%0, %1, %2, %3}, [%4];"
               : "=r"(r.tag), "=r"(x), "=r"(y), "=r"(z)
               : "l"(p)
               : "memory");
  r.x = __int_as_float(x), r.y = __int_as_float(y), r.z = __int_as_float(z);
  return r;
#else
  return *p;
#endif
}

// A launch policy that does not make the host wait. Kokkos passes a kernel's functor of 512
// bytes or more through constant memory, and before each such launch the host waits until the
// previous one has finished (Kokkos 3.4 and 4.x: cudaEventSynchronize on the buffer): a kernel
// queued behind a running one would block its caller. Marked light, a functor of up to 4 KB
// goes as a kernel argument instead. Larger functors keep constant memory. Host backends
// ignore the hint. Only for kernels queued behind running ones (Newton steps launched ahead):
// on the chunked scan's passes, which the host waits for anyway, it cost GRU n=8 DEER 4%
// (H200, session 12, call 2: 7.13-7.19 -> 7.42-7.44 ms).
template <class Functor, class Policy>
auto light_launch(const Policy& policy) {
  if constexpr (sizeof(Functor) + 512 < 4096)
    return Kokkos::Experimental::require(policy, Kokkos::Experimental::WorkItemProperty::HintLightWeight);
  else
    return policy;
}

// Where a kernel leaves a message for the host that waits on it while later kernels run:
// pinned host memory, mapped into the GPU's address space, for CUDA; host memory elsewhere.
#if defined(KOKKOS_ENABLE_CUDA)
template <class Mem>
using MailSpace = std::conditional_t<on_host<Mem>, Kokkos::HostSpace, Kokkos::CudaHostPinnedSpace>;
#else
template <class Mem>
using MailSpace = Kokkos::HostSpace;
#endif

// A message from a kernel to the host: a flag and a value, then (after a system-wide fence)
// the tag the host waits for, so that a host that sees the tag sees the rest.
struct Mail {
  int tag, flag;
  double value;
};
KOKKOS_INLINE_FUNCTION void post(Mail* m, int tag, int flag, double value) {
  volatile Mail* v = m;
  v->flag = flag;
  v->value = value;
#if defined(__CUDA_ARCH__)
  __threadfence_system();
#else
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
  v->tag = tag;
}
// On the host: whether the message tagged `tag` has arrived, and if so its flag and value.
inline bool received(const Mail* m, int tag, int& flag, double& value) {
  const volatile Mail* v = m;
  if (v->tag != tag) return false;
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  flag = v->flag;
  value = v->value;
  return true;
}

// Profiling regions: Kokkos_Profiling_ScopedRegion.hpp does not exist in 3.4.
class ScopedRegion {
 public:
  explicit ScopedRegion(const std::string& name) { Kokkos::Profiling::pushRegion(name); }
  ~ScopedRegion() { Kokkos::Profiling::popRegion(); }
  ScopedRegion(const ScopedRegion&) = delete;
  ScopedRegion& operator=(const ScopedRegion&) = delete;
};

// Kokkos::DefaultHostExecutionSpace etc. are stable; the backend names are not (HIP moved).
template <class Space> inline std::string space_name() { return Space::name(); }

inline std::string kokkos_version_string() {
  const int v = KOKKOS_VERSION;
  return std::to_string(v / 10000) + "." + std::to_string((v / 100) % 100) + "." +
         std::to_string(v % 100);
}

}  // namespace deer::compat
