#pragma once
// Named parameter tensors on the host (what HDF5 files and random initialisation give),
// and their upload to device Views. Cells are built from a Parameters map.
#include <cmath>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <Kokkos_Core.hpp>

namespace deer {

struct Tensor {
  std::vector<size_t> shape;
  std::vector<double> data;  // row-major
  size_t size() const {
    size_t s = 1;
    for (size_t d : shape) s *= d;
    return s;
  }
};
using Parameters = std::map<std::string, Tensor>;

inline std::string shape_string(const std::vector<size_t>& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

// The tensor `name` with the given shape, or an error naming what was expected.
inline const Tensor& require(const Parameters& p, const std::string& owner, const std::string& name,
                             const std::vector<size_t>& shape) {
  auto it = p.find(name);
  if (it == p.end())
    throw std::invalid_argument(owner + ": missing parameter '" + name + "' of shape " + shape_string(shape));
  if (it->second.shape != shape)
    throw std::invalid_argument(owner + ": parameter '" + name + "' has shape " + shape_string(it->second.shape) +
                                ", expected " + shape_string(shape));
  if (it->second.data.size() != it->second.size())
    throw std::invalid_argument(owner + ": parameter '" + name + "' holds " + std::to_string(it->second.data.size()) +
                                " values for shape " + shape_string(shape));
  return it->second;
}

// Uniform(-bound, bound) values, PyTorch's default RNN initialisation with bound = 1/sqrt(n).
inline Tensor random_tensor(std::vector<size_t> shape, double bound, std::mt19937_64& rng) {
  Tensor t{std::move(shape), {}};
  std::uniform_real_distribution<double> u(-bound, bound);
  t.data.resize(t.size());
  for (double& v : t.data) v = u(rng);
  return t;
}

// Copies a host tensor into a new device View of rank 1 or 2 (rank 3 tensors are
// flattened to 2-D: (d0, d1*d2)).
template <class Real, class Mem>
Kokkos::View<Real*, Mem> upload_1d(const Tensor& t, const std::string& label) {
  Kokkos::View<Real*, Mem> v(label, t.size());
  auto h = Kokkos::create_mirror_view(v);
  for (size_t i = 0; i < t.size(); ++i) h(i) = Real(t.data[i]);
  Kokkos::deep_copy(v, h);
  return v;
}
template <class Real, class Mem>
Kokkos::View<Real**, Kokkos::LayoutRight, Mem> upload_2d(const Tensor& t, const std::string& label) {
  const size_t rows = t.shape.empty() ? 1 : t.shape[0];
  const size_t cols = rows ? t.size() / rows : 0;
  Kokkos::View<Real**, Kokkos::LayoutRight, Mem> v(label, rows, cols);
  auto h = Kokkos::create_mirror_view(v);
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) h(r, c) = Real(t.data[r * cols + c]);
  Kokkos::deep_copy(v, h);
  return v;
}

}  // namespace deer
