#pragma once
// SolveWorkspace: the device buffers of a parallel solve, kept between calls.
//
// A parallel solve needs two iterates of the trajectory, the inputs in its step layout (when
// that differs from X's own order), stored pairs and the scan's buffers. Allocated afresh per
// call, they cost more than a GRU n=1 solve's kernels on a GPU (cudaMalloc of a trajectory, and
// cudaFree waits for the device). Passing one SolveWorkspace to repeated solves (a training
// loop, a parameter sweep; deer::solve's windows share one) allocates only when a call needs
// more than every earlier one. One workspace serves one solve at a time; release() frees it.
#include <cstddef>
#include <string>

#include <deer/layout.hpp>
#include <deer/scan.hpp>

namespace deer {

template <class R, class Mem>
class SolveWorkspace {
 public:
  enum Buffer { iterate, next, inputs, pairs, buffer_count };

  // The first `size` values of buffer `which` (an unmanaged view into it), grown when smaller:
  // its old contents are dropped first, so the peak is the new size, not both.
  Flat<R, Mem> get(Buffer which, size_t size) {
    Flat<R, Mem>& b = buffers_[which];
    if (b.extent(0) < size) {
      static constexpr const char* labels[buffer_count] = {"deer::workspace::iterate", "deer::workspace::next",
                                                           "deer::workspace::inputs", "deer::workspace::pairs"};
      b = Flat<R, Mem>();
      b = Flat<R, Mem>(Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(labels[which])), size);
    }
    return Flat<R, Mem>(b.data(), size);
  }
  ScanWorkspace<R, Mem> scan;

  // Bytes held in the trajectory-sized buffers (the scan's are a few per tile or chunk).
  size_t bytes() const {
    size_t total = 0;
    for (const auto& b : buffers_) total += b.extent(0) * sizeof(R);
    return total;
  }
  void release() { *this = SolveWorkspace(); }

 private:
  Flat<R, Mem> buffers_[buffer_count];
};

}  // namespace deer
