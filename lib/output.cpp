// HDF5 writer for the driver's output (docs/hdf5-schema.md), on the HDF5 C + HL API.
#include <deer/output.hpp>

#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace deer::output {

namespace {

// One path for the signal handler; a plain buffer because handlers may not allocate.
char g_tmp_path[4096] = {0};

// HDF5's own error stack printing would interleave with our messages: silence it once.
void silence_hdf5() {
  static const bool once = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)once;
}

// An hid_t closed by its closer when it goes out of scope.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*closer)(hid_t)) : id_(id), closer_(closer) {}
  Handle(Handle&& o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      closer_ = o.closer_;
      o.id_ = -1;
    }
    return *this;
  }
  ~Handle() { reset(); }
  void reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = -1;
  }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }

 private:
  hid_t id_ = -1;
  herr_t (*closer_)(hid_t) = nullptr;
};

}  // namespace

struct Writer::Impl {
  std::string tmp;
  Handle file;

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("HDF5 output '" + tmp + "': " + what +
                             " failed; check free disk space and that the output directory is writable");
  }
  hid_t check(hid_t id, const std::string& what) const {
    if (id < 0) fail(what);
    return id;
  }
  void check(herr_t rc, const char* what, const std::string& obj) const {
    if (rc < 0) fail(std::string(what) + " of " + obj);
  }
  Handle group(const std::string& name) {
    return Handle(check(H5Gcreate2(file, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "creating group " + name),
                  H5Gclose);
  }
  Handle open_group(const std::string& name) {
    return Handle(check(H5Gopen2(file, name.c_str(), H5P_DEFAULT), "opening group " + name), H5Gclose);
  }
  bool exists(const std::string& name) const {
    // H5Lexists needs every parent to exist: test level by level.
    size_t pos = 0;
    while (true) {
      pos = name.find('/', pos + 1);
      const std::string part = name.substr(0, pos);
      const htri_t e = H5Lexists(file, part.c_str(), H5P_DEFAULT);
      if (e < 0) fail("looking up " + part);
      if (e == 0) return false;
      if (pos == std::string::npos) return true;
    }
  }
  // Variable-length UTF-8 strings: h5py reads them as str.
  void attr_string(hid_t obj, const std::string& objname, const char* name, const std::string& value) {
    Handle type(check(H5Tcopy(H5T_C_S1), "copying string type"), H5Tclose);
    check(H5Tset_size(type, H5T_VARIABLE), "setting string size", objname);
    check(H5Tset_cset(type, H5T_CSET_UTF8), "setting string charset", objname);
    Handle space(check(H5Screate(H5S_SCALAR), "creating scalar space"), H5Sclose);
    Handle a(check(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT),
                   std::string("creating attribute ") + name + " on " + objname),
             H5Aclose);
    const char* p = value.c_str();
    check(H5Awrite(a, type, &p), "writing attribute", objname + "@" + name);
  }
  template <class T>
  void attr_numbers(hid_t obj, const std::string& objname, const char* name, hid_t type, const T* v, hsize_t count,
                    bool scalar) {
    Handle space(check(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, nullptr), "creating attribute space"),
                 H5Sclose);
    Handle a(check(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT),
                   std::string("creating attribute ") + name + " on " + objname),
             H5Aclose);
    check(H5Awrite(a, type, v), "writing attribute", objname + "@" + name);
  }
  void attr_int(hid_t obj, const std::string& objname, const char* name, long v) {
    const long long x = v;
    attr_numbers(obj, objname, name, H5T_NATIVE_LLONG, &x, 1, true);
  }
  void attr_double(hid_t obj, const std::string& objname, const char* name, double v) {
    attr_numbers(obj, objname, name, H5T_NATIVE_DOUBLE, &v, 1, true);
  }
  // A float64 dataset, chunked + gzip when it holds data (a chunked dataset of size 0 is
  // not allowed with fixed dimensions, so empty ones are contiguous).
  Handle dataset(hid_t loc, const std::string& name, const std::vector<hsize_t>& dims, const double* data) {
    hsize_t total = 1;
    for (hsize_t d : dims) total *= d;
    Handle space(check(H5Screate_simple(int(dims.size()), dims.data(), nullptr), "creating dataspace for " + name),
                 H5Sclose);
    Handle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "creating dataset properties"), H5Pclose);
    if (total > 0) {
      // Chunks of about 64k values: whole trailing dimensions, as many leading rows as fit.
      std::vector<hsize_t> chunk(dims);
      hsize_t size = total;
      for (size_t d = 0; d < chunk.size() && size > 65536; ++d) {
        const hsize_t rest = size / chunk[d];
        chunk[d] = std::max<hsize_t>(1, 65536 / std::max<hsize_t>(rest, 1));
        size = rest * chunk[d];
      }
      check(H5Pset_chunk(dcpl, int(chunk.size()), chunk.data()), "setting chunks", name);
      check(H5Pset_shuffle(dcpl), "setting shuffle filter", name);
      check(H5Pset_deflate(dcpl, 4), "setting gzip", name);
    }
    Handle ds(check(H5Dcreate2(loc, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                    "creating dataset " + name),
              H5Dclose);
    if (total > 0) check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "writing", name);
    return ds;
  }
};

Writer::Writer(const std::string& path) : impl_(std::make_unique<Impl>()), path_(path) {
  silence_hdf5();
  if (path.empty()) throw std::invalid_argument("output path is empty; set output.path in the case or pass -o FILE.h5");
  tmp_ = path + ".tmp-" + std::to_string(long(getpid()));
  impl_->tmp = tmp_;
  // Probe the directory with the C library first: its errno names the cause precisely.
  std::FILE* probe = std::fopen(tmp_.c_str(), "wb");
  if (!probe) {
    const std::string why = std::strerror(errno);
    const auto slash = path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
    throw std::runtime_error("cannot write the output file '" + path + "' (" + why + " in directory '" + dir +
                             "'); create the directory or choose another path with -o / output.path");
  }
  std::fclose(probe);
  const hid_t f = H5Fcreate(tmp_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) {
    std::remove(tmp_.c_str());
    throw std::runtime_error("HDF5 could not create '" + tmp_ + "'; check that the output directory is writable");
  }
  impl_->file = Handle(f, H5Fclose);
  std::snprintf(g_tmp_path, sizeof(g_tmp_path), "%s", tmp_.c_str());
}

Writer::~Writer() {
  if (!done_) abandon();
}

void Writer::abandon() noexcept {
  if (done_) return;
  done_ = true;
  impl_->file.reset();
  std::remove(tmp_.c_str());
  g_tmp_path[0] = 0;
}

void Writer::commit() {
  if (done_) throw std::logic_error("deer::output::Writer::commit called twice");
  if (H5Fflush(impl_->file, H5F_SCOPE_GLOBAL) < 0) impl_->fail("flushing");
  impl_->file.reset();
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    abandon();
    throw std::runtime_error("cannot rename '" + tmp_ + "' to '" + path_ + "' (" + why +
                             "); check permissions of the output path");
  }
  done_ = true;
  g_tmp_path[0] = 0;
}

void Writer::write_parameters(const Provenance& p) {
  auto& I = *impl_;
  {
    Handle h5md = I.group("/h5md");
    const int version[2] = {1, 1};
    I.attr_numbers(h5md, "/h5md", "version", H5T_NATIVE_INT, version, 2, false);
    I.attr_string(h5md, "/h5md", "creator", "deer");
    I.attr_string(h5md, "/h5md", "creator_version", p.deer_version);
  }
  Handle g = I.group("/parameters");
  I.attr_string(g, "/parameters", "case_toml", p.case_toml);
  I.attr_string(g, "/parameters", "system", p.system);
  I.attr_string(g, "/parameters", "method", p.method);
  I.attr_string(g, "/parameters", "backend", p.backend);
  I.attr_string(g, "/parameters", "precision", p.precision);
  I.attr_string(g, "/parameters", "deer_version", p.deer_version);
  I.attr_string(g, "/parameters", "kokkos_version", p.kokkos_version);
  I.attr_string(g, "/parameters", "created", p.created.empty() ? iso_time_now() : p.created);
}

void Writer::write_inputs(const std::vector<double>& x, size_t batch, size_t T, size_t m) {
  if (m == 0) return;  // schema: omitted when the system takes no inputs
  if (x.size() != batch * T * m)
    throw std::invalid_argument("deer::output: inputs hold " + std::to_string(x.size()) + " values, expected batch*T*m = " +
                                std::to_string(batch * T * m));
  auto& I = *impl_;
  Handle g = I.group("/inputs");
  Handle ds = I.dataset(g, "value", {batch, T, m}, x.data());
  I.check(H5DSset_label(ds, 0, "batch"), "labelling dimension 0", "/inputs/value");
  I.check(H5DSset_label(ds, 1, "step"), "labelling dimension 1", "/inputs/value");
  I.check(H5DSset_label(ds, 2, "feature"), "labelling dimension 2", "/inputs/value");
}

void Writer::write_trajectory(const Trajectory& t) {
  auto& I = *impl_;
  const size_t K = t.time.size();
  if (t.value.size() != t.batch * K * t.n)
    throw std::invalid_argument("deer::output: trajectory '" + t.name + "' holds " + std::to_string(t.value.size()) +
                                " values, expected batch*K*n = " + std::to_string(t.batch * K * t.n));
  if (t.name.empty() || t.name.find('/') != std::string::npos)
    throw std::invalid_argument("deer::output: trajectory name '" + t.name + "' must be non-empty without '/'");
  if (!I.exists("/trajectories")) I.group("/trajectories");
  const std::string gname = "/trajectories/" + t.name;
  Handle g = I.group(gname);
  Handle time = I.dataset(g, "time", {K}, t.time.data());
  Handle value = I.dataset(g, "value", {t.batch, K, t.n}, t.value.data());
  Handle res = I.dataset(g, "residuals", {t.residuals.size()}, t.residuals.data());
  I.check(H5DSset_scale(time, "time"), "making a dimension scale", gname + "/time");
  I.check(H5DSattach_scale(value, time, 1), "attaching the time scale", gname + "/value");
  I.check(H5DSset_label(value, 0, "batch"), "labelling dimension 0", gname + "/value");
  I.check(H5DSset_label(value, 1, "time"), "labelling dimension 1", gname + "/value");
  I.check(H5DSset_label(value, 2, "component"), "labelling dimension 2", gname + "/value");
  I.attr_string(g, gname, "method", t.method);
  I.attr_string(g, gname, "status", t.status);
  I.attr_int(g, gname, "iterations", t.iterations);
  I.attr_int(g, gname, "fallback_ran", t.fallback_ran ? 1 : 0);
  I.attr_int(g, gname, "substitutions", t.substitutions);
  I.attr_double(g, gname, "wall_time_s", t.wall_time_s);
  I.attr_double(g, gname, "error_estimate", t.error_estimate);
  I.attr_string(g, gname, "backend", t.backend);
}

void Writer::write_comparison(const std::string& reference, const std::vector<ComparisonRow>& rows) {
  auto& I = *impl_;
  Handle g = I.group("/comparison");
  I.attr_string(g, "/comparison", "reference", reference);
  for (const auto& r : rows) {
    const std::string name = "/comparison/" + r.name;
    Handle s = I.group(name);
    I.attr_double(s, name, "max_abs_error", r.max_abs_error);
    I.attr_double(s, name, "max_rel_error", r.max_rel_error);
    I.attr_double(s, name, "atol", r.atol);
    I.attr_double(s, name, "rtol", r.rtol);
    I.attr_int(s, name, "passed", r.passed ? 1 : 0);
  }
}

Trajectory subsample(const Trajectory& t, int every) {
  if (every < 1) throw std::invalid_argument("output.every must be >= 1 (1 keeps every state)");
  if (every == 1) return t;
  Trajectory s = t;
  const size_t K = t.time.size();
  const size_t Ks = (K + every - 1) / every;
  s.time.resize(Ks);
  s.value.assign(t.batch * Ks * t.n, 0.0);
  for (size_t k = 0; k < Ks; ++k) {
    s.time[k] = t.time[k * every];
    for (size_t b = 0; b < t.batch; ++b)
      std::copy_n(t.value.begin() + long((b * K + k * every) * t.n), t.n, s.value.begin() + long((b * Ks + k) * t.n));
  }
  return s;
}

std::string iso_time_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const char* current_temporary_path() noexcept { return g_tmp_path; }

}  // namespace deer::output
