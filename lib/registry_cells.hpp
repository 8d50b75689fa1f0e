#pragma once
// Shared parts of the RNN cell registrations: parameter lists and weight loading.
#include <filesystem>
#include <string>
#include <vector>

#include <deer/hdf5.hpp>
#include <deer/parameters.hpp>
#include <deer/registry.hpp>

namespace deer::builtin {

// hidden, inputs, seed, weights, group: what every cell takes.
inline std::vector<ParamSpec> cell_parameters(const std::string& group, long hidden = 8, long inputs = 3) {
  return {{"hidden", hidden, "hidden size n"},
          {"inputs", inputs, "input features per step m"},
          {"seed", 1L, "seed of the random weights (PyTorch's default initialisation) when no weights file is given"},
          {"weights", std::string(), "HDF5 file with PyTorch-named tensors (weight_ih, weight_hh, bias_ih, bias_hh); "
                                     "empty: random weights"},
          {"group", group, "group inside the weights file holding the tensors"}};
}

// Weights from the file named by the `weights` parameter, else random ones from `seed`.
template <class Random>
Parameters cell_weights(const Problem& p, Random random) {
  std::string file = p.params.string("weights");
  if (file.empty()) return random(static_cast<unsigned long>(p.params.integer("seed")));
  if (std::filesystem::path(file).is_relative() && !p.case_dir.empty())
    file = (std::filesystem::path(p.case_dir) / file).string();
  return read_parameters(file, p.params.string("group"));
}

}  // namespace deer::builtin
