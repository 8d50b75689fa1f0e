#pragma once
// Locating the PyTorch golden file and moving host tensors into device Views (tests only).
#include <cstdlib>
#include <fstream>
#include <string>

#include <deer/parameters.hpp>
#include <deer/sequence.hpp>

namespace deer_test {

// golden_torch.h5: $DEER_SHARED_DATA when set, else the repository copy (data/golden),
// else the CMake-configured shared folder (../shared/data beside the clone). Returns ""
// and fills `tried` when none exists.
inline std::string golden_file(std::string& tried) {
  const std::string name = "/golden_torch.h5";
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("DEER_SHARED_DATA")) dirs.push_back(env);
  else {
    dirs.push_back(DEER_GOLDEN_DIR);
    dirs.push_back(DEER_SHARED_DATA);
  }
  for (const auto& d : dirs) {
    tried += " " + d + name;
    if (std::ifstream(d + name).good()) return d + name;
  }
  return "";
}

// (d0, d1, d2) tensor -> Sequence; (d0, d1) tensor -> States.
template <class R, class Mem>
deer::Sequence<R, Mem> to_sequence(const deer::Tensor& t) {
  deer::Sequence<R, Mem> v("golden::seq", t.shape.at(0), t.shape.at(1), t.shape.at(2));
  auto h = Kokkos::create_mirror_view(v);
  for (size_t j = 0; j < t.data.size(); ++j) h.data()[j] = R(t.data[j]);
  Kokkos::deep_copy(v, h);
  return v;
}
template <class R, class Mem>
deer::States<R, Mem> to_states(const deer::Tensor& t) {
  deer::States<R, Mem> v("golden::states", t.shape.at(0), t.shape.at(1));
  auto h = Kokkos::create_mirror_view(v);
  for (size_t j = 0; j < t.data.size(); ++j) h.data()[j] = R(t.data[j]);
  Kokkos::deep_copy(v, h);
  return v;
}

}  // namespace deer_test
