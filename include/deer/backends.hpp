#pragma once
// The Kokkos execution spaces deer was built with, as names and as a type list, so
// drivers and tests can loop over them without #ifdefs of their own.
#include <string>
#include <tuple>
#include <vector>

#include <Kokkos_Core.hpp>

namespace deer {

using EnabledSpaces = std::tuple<
#ifdef KOKKOS_ENABLE_SERIAL
    Kokkos::Serial,
#endif
#ifdef KOKKOS_ENABLE_OPENMP
    Kokkos::OpenMP,
#endif
#ifdef KOKKOS_ENABLE_CUDA
    Kokkos::Cuda,
#endif
    void>;  // terminator, never used as a space

// Lower-case backend names as used on the command line and in case files.
template <class Space> inline const char* backend_name();
#ifdef KOKKOS_ENABLE_SERIAL
template <> inline const char* backend_name<Kokkos::Serial>() { return "serial"; }
#endif
#ifdef KOKKOS_ENABLE_OPENMP
template <> inline const char* backend_name<Kokkos::OpenMP>() { return "openmp"; }
#endif
#ifdef KOKKOS_ENABLE_CUDA
template <> inline const char* backend_name<Kokkos::Cuda>() { return "cuda"; }
#endif

inline std::vector<std::string> enabled_backends() {
  std::vector<std::string> v;
#ifdef KOKKOS_ENABLE_SERIAL
  v.push_back("serial");
#endif
#ifdef KOKKOS_ENABLE_OPENMP
  v.push_back("openmp");
#endif
#ifdef KOKKOS_ENABLE_CUDA
  v.push_back("cuda");
#endif
  return v;
}

}  // namespace deer
