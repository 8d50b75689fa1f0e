#pragma once
// Reading parameter tensors from HDF5 files (host side; compiled in deer::runtime).
// Values of any integer or floating-point dataset are converted to float64.
// Errors are std::runtime_error naming the file and the path inside it.
#include <string>

#include <deer/parameters.hpp>

namespace deer {

// The dataset at `dataset` (an absolute or file-relative path such as "gru/weight_ih").
Tensor read_tensor(const std::string& file, const std::string& dataset);

// Every dataset directly inside `group` (e.g. "gru", or "/" for the root), keyed by its
// name; subgroups are skipped. Cells pick the tensors they need (see cells/*.hpp).
Parameters read_parameters(const std::string& file, const std::string& group);

}  // namespace deer
