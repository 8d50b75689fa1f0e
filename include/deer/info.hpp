#pragma once
// What this build of deer is: versions, backends and their concurrency.
#include <string>
#include <vector>

namespace deer {

struct BackendInfo {
  std::string name;  // serial, openmp, cuda
  int concurrency;
};
struct BuildInfo {
  std::string deer_version, kokkos_version, build_type;
  std::vector<BackendInfo> backends;
};

// Needs Kokkos to be initialized (concurrency is queried from the spaces).
BuildInfo build_info();

}  // namespace deer
