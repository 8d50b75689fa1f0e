#pragma once
// Sequence data: one layout everywhere, LayoutRight (batch, T, n) like PyTorch's
// batch_first tensors, so the n values of one step are contiguous and a system sees a
// plain pointer. Y(:, i, :) is y_{i+1}: outputs exclude the initial state y0 (batch, n).
#include <Kokkos_Core.hpp>

namespace deer {

template <class Real, class MemSpace>
using Sequence = Kokkos::View<Real***, Kokkos::LayoutRight, MemSpace>;  // (batch, T, n or m)
template <class Real, class MemSpace>
using States = Kokkos::View<Real**, Kokkos::LayoutRight, MemSpace>;  // (batch, n)
// Read-only forms taken by the solvers (non-const views convert implicitly).
template <class Real, class MemSpace>
using ConstSequence = Kokkos::View<const Real***, Kokkos::LayoutRight, MemSpace>;
template <class Real, class MemSpace>
using ConstStates = Kokkos::View<const Real**, Kokkos::LayoutRight, MemSpace>;

}  // namespace deer
