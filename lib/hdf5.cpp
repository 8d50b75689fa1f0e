// HDF5 parameter reading. Every HDF5 call is checked; HDF5's own error stack printing is
// switched off while deer calls the library, so failures surface only as exceptions.
#include <deer/hdf5.hpp>

#include <hdf5.h>

#include <stdexcept>
#include <vector>

namespace deer {
namespace {

// Silences HDF5's automatic error printing for the lifetime of the object.
class QuietErrors {
 public:
  QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// Owns one HDF5 identifier and closes it with the matching function.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

[[noreturn]] void fail(const std::string& file, const std::string& path, const std::string& what) {
  throw std::runtime_error("deer::hdf5: " + file + (path.empty() ? "" : ":" + path) + ": " + what);
}

hid_t open_file(const std::string& file) {
  const htri_t is = H5Fis_hdf5(file.c_str());
  if (is < 0) fail(file, "", "cannot open the file (does it exist and is it readable?); check the path");
  if (is == 0) fail(file, "", "is not an HDF5 file");
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) fail(file, "", "H5Fopen failed; check the file's permissions and that no writer holds it open");
  return f;
}

bool link_exists(hid_t loc, const std::string& path) {
  // H5Lexists needs every intermediate component to exist: check them one by one.
  std::string part;
  size_t pos = 0;
  if (!path.empty() && path[0] == '/') pos = 1;
  while (pos <= path.size()) {
    const size_t next = path.find('/', pos);
    part = path.substr(0, next == std::string::npos ? path.size() : next);
    if (!part.empty() && part != "/" && H5Lexists(loc, part.c_str(), H5P_DEFAULT) <= 0) return false;
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return true;
}

Tensor read_open_dataset(hid_t dset, const std::string& file, const std::string& path) {
  Handle type(H5Dget_type(dset), H5Tclose);
  if (type.get() < 0) fail(file, path, "cannot read the dataset's type");
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER)
    fail(file, path, "holds non-numeric data (HDF5 type class " + std::to_string(int(cls)) +
                         "); parameters must be integer or floating-point arrays");
  Handle space(H5Dget_space(dset), H5Sclose);
  if (space.get() < 0) fail(file, path, "cannot read the dataset's dataspace");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail(file, path, "has a dataspace that is not simple (null or unsupported)");
  std::vector<hsize_t> dims(size_t(rank) + 1);
  if (H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0) fail(file, path, "cannot read the shape");
  Tensor t;
  for (int r = 0; r < rank; ++r) t.shape.push_back(size_t(dims[size_t(r)]));
  t.data.resize(t.size());
  if (!t.data.empty() && H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data.data()) < 0)
    fail(file, path, "H5Dread failed converting the values to float64");
  return t;
}

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}

}  // namespace

Tensor read_tensor(const std::string& file, const std::string& dataset) {
  QuietErrors quiet;
  Handle f(open_file(file), H5Fclose);
  if (!link_exists(f.get(), dataset)) fail(file, dataset, "no such dataset; list the file with h5ls -r");
  Handle obj(H5Oopen(f.get(), dataset.c_str(), H5P_DEFAULT), H5Oclose);
  if (obj.get() < 0) fail(file, dataset, "cannot open the object");
  if (H5Iget_type(obj.get()) != H5I_DATASET) fail(file, dataset, "is a group, not a dataset");
  Handle dset(H5Dopen2(f.get(), dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (dset.get() < 0) fail(file, dataset, "H5Dopen failed");
  return read_open_dataset(dset.get(), file, dataset);
}

Parameters read_parameters(const std::string& file, const std::string& group) {
  QuietErrors quiet;
  Handle f(open_file(file), H5Fclose);
  const std::string g = group.empty() ? "/" : group;
  if (g != "/" && !link_exists(f.get(), g)) fail(file, g, "no such group; list the file with h5ls -r");
  Handle obj(H5Oopen(f.get(), g.c_str(), H5P_DEFAULT), H5Oclose);
  if (obj.get() < 0) fail(file, g, "cannot open the object");
  if (H5Iget_type(obj.get()) != H5I_GROUP) fail(file, g, "is a dataset, not a group; use read_tensor");
  Handle grp(H5Gopen2(f.get(), g.c_str(), H5P_DEFAULT), H5Gclose);
  if (grp.get() < 0) fail(file, g, "H5Gopen failed");
  std::vector<std::string> names;
  if (H5Literate(grp.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names) < 0)
    fail(file, g, "cannot list the group's members");
  Parameters p;
  for (const std::string& name : names) {
    const std::string path = (g == "/" ? "" : g) + "/" + name;
    Handle o(H5Oopen(grp.get(), name.c_str(), H5P_DEFAULT), H5Oclose);
    if (o.get() < 0) continue;  // dangling soft/external link: not a parameter
    if (H5Iget_type(o.get()) != H5I_DATASET) continue;  // subgroup or named type
    Handle dset(H5Dopen2(grp.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
    if (dset.get() < 0) fail(file, path, "H5Dopen failed");
    p[name] = read_open_dataset(dset.get(), file, path);
  }
  if (p.empty()) fail(file, g, "the group holds no datasets");
  return p;
}

}  // namespace deer
