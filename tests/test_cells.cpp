// The built-in cells against PyTorch (golden_torch.h5: torch.nn.GRU / torch.nn.LSTMCell
// outputs for given weights) through Sequential and Deer on every backend, the Elman cell
// against its formula, the multi-head GRU against independent GRUs, and the HDF5 reader.
#include <cmath>
#include <cstdio>
#include <utility>

#include <Kokkos_Random.hpp>
#include <deer/cells/elman.hpp>
#include <deer/cells/gru.hpp>
#include <deer/cells/lstm.hpp>
#include <deer/cells/multihead_gru.hpp>
#include <deer/hdf5.hpp>
#include <deer/solve.hpp>
#include <hdf5.h>

#include "backends.hpp"
#include "golden.hpp"

using namespace deer_test;

namespace {

std::string require_golden() {
  std::string tried;
  const std::string f = golden_file(tried);
  if (f.empty())
    ADD_FAILURE() << "golden_torch.h5 not found; tried:" << tried
                  << ". Copy ../shared/data/golden_torch.h5 to data/golden/ or set DEER_SHARED_DATA to its folder.";
  return f;
}

// Bounds against PyTorch's float64 outputs. float64: the brief's 1e-12. float32: the cell
// is evaluated in float (weights and inputs rounded to float, ~6e-8 relative); over 1000
// contractive steps the observed error is ~1e-6, so 1e-5 abs leaves headroom yet still
// catches any convention error (those give O(0.1)).
template <class R>
constexpr double golden_tolerance() { return sizeof(R) == 8 ? 1e-12 : 1e-5; }

template <class R, class Mem>
double max_diff(const deer::Sequence<R, Mem>& y, const deer::Tensor& ref, int offset, int width) {
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), y);
  const size_t B = ref.shape[0], T = ref.shape[1], n = ref.shape[2];
  double e = 0;
  for (size_t s = 0; s < B; ++s)
    for (size_t i = 0; i < T; ++i)
      for (size_t j = 0; j < n; ++j) {
        (void)width;
        e = std::max(e, std::abs(double(h(s, i, offset + j)) - ref.data[(s * T + i) * n + j]));
      }
  return e;
}

template <class R, class Mem>
std::vector<std::pair<std::string, deer::Options>> golden_methods() {
  std::vector<std::pair<std::string, deer::Options>> v;
  deer::Options seq;
  seq.method = deer::Method::sequential;
  v.emplace_back("sequential", seq);
  deer::Options d;
  d.method = deer::Method::deer;
  d.fallback = false;  // the answer must come from DEER itself
  d.chunk = 7;         // several chunk levels over T = 1000
  v.emplace_back("deer", d);
  return v;
}

}  // namespace

template <class C>
class Cells : public ::testing::Test {};
TYPED_TEST_SUITE(Cells, AllCases, CaseNames);

TYPED_TEST(Cells, GruMatchesPyTorch) {
  using R = typename TypeParam::real;
  using Mem = typename TypeParam::mem;
  using Space = typename TypeParam::space;
  const std::string file = require_golden();
  if (file.empty()) return;
  const deer::Parameters p = deer::read_parameters(file, "gru");
  const int n = int(p.at("h0").shape[1]), m = int(p.at("x").shape[2]);
  ASSERT_EQ(n, 5);
  auto gru = deer::cells::Gru<R, Mem, 8>::from_parameters(p, n, m);
  auto X = to_sequence<R, Mem>(p.at("x"));
  auto y0 = to_states<R, Mem>(p.at("h0"));
  for (auto& [name, opts] : golden_methods<R, Mem>()) {
    auto res = deer::solve(Space(), gru, X, y0, opts);
    EXPECT_EQ(res.status, deer::Status::converged) << name << ": " << res.message;
    EXPECT_FALSE(res.fallback_ran) << name;
    EXPECT_LE(max_diff(res.y, p.at("h"), 0, n), golden_tolerance<R>()) << name;
  }
}

TYPED_TEST(Cells, LstmMatchesPyTorch) {
  using R = typename TypeParam::real;
  using Mem = typename TypeParam::mem;
  using Space = typename TypeParam::space;
  const std::string file = require_golden();
  if (file.empty()) return;
  const deer::Parameters p = deer::read_parameters(file, "lstm");
  const int n = int(p.at("h0").shape[1]), m = int(p.at("x").shape[2]);
  ASSERT_EQ(n, 4);
  auto lstm = deer::cells::Lstm<R, Mem, 8>::from_parameters(p, n, m);
  ASSERT_EQ(lstm.state_size(), 2 * n);
  auto X = to_sequence<R, Mem>(p.at("x"));
  // y0 = [h0, c0]
  deer::Tensor y0t{{p.at("h0").shape[0], size_t(2 * n)}, {}};
  for (size_t s = 0; s < y0t.shape[0]; ++s) {
    for (int j = 0; j < n; ++j) y0t.data.push_back(p.at("h0").data[s * n + j]);
    for (int j = 0; j < n; ++j) y0t.data.push_back(p.at("c0").data[s * n + j]);
  }
  auto y0 = to_states<R, Mem>(y0t);
  for (auto& [name, opts] : golden_methods<R, Mem>()) {
    auto res = deer::solve(Space(), lstm, X, y0, opts);
    EXPECT_EQ(res.status, deer::Status::converged) << name << ": " << res.message;
    EXPECT_LE(max_diff(res.y, p.at("h"), 0, n), golden_tolerance<R>()) << name << " (h)";
    EXPECT_LE(max_diff(res.y, p.at("c"), n, n), golden_tolerance<R>()) << name << " (c)";
  }
}

// The Elman cell against torch.nn.RNN's formula evaluated on the host in double.
TYPED_TEST(Cells, ElmanFollowsTorchRnnFormula) {
  using R = typename TypeParam::real;
  using Mem = typename TypeParam::mem;
  using Space = typename TypeParam::space;
  const int n = 6, m = 3, batch = 2, T = 300;
  const auto p = deer::cells::Elman<R, Mem, 8>::random_parameters(n, m, 11);
  auto cell = deer::cells::Elman<R, Mem, 8>::from_parameters(p, n, m);
  deer::Tensor xt{{size_t(batch), size_t(T), size_t(m)}, {}}, y0t{{size_t(batch), size_t(n)}, {}};
  std::mt19937_64 rng(3);
  xt = deer::random_tensor(xt.shape, 1.0, rng);
  y0t = deer::random_tensor(y0t.shape, 0.5, rng);
  // Host reference with the parameters rounded to R, as the cell sees them.
  auto rd = [](double v) { return double(R(v)); };
  deer::Tensor ref{{size_t(batch), size_t(T), size_t(n)}, std::vector<double>(size_t(batch) * T * n)};
  for (int s = 0; s < batch; ++s) {
    std::vector<double> h(n), hn(n);
    for (int j = 0; j < n; ++j) h[j] = rd(y0t.data[s * n + j]);
    for (int i = 0; i < T; ++i) {
      for (int j = 0; j < n; ++j) {
        double a = rd(p.at("bias_ih").data[j]) + rd(p.at("bias_hh").data[j]);
        for (int l = 0; l < m; ++l) a += rd(p.at("weight_ih").data[j * m + l]) * rd(xt.data[(s * T + i) * m + l]);
        for (int l = 0; l < n; ++l) a += rd(p.at("weight_hh").data[j * n + l]) * h[l];
        hn[j] = std::tanh(a);
      }
      h = hn;
      for (int j = 0; j < n; ++j) ref.data[(size_t(s) * T + i) * n + j] = h[j];
    }
  }
  auto X = to_sequence<R, Mem>(xt);
  auto y0 = to_states<R, Mem>(y0t);
  for (auto& [name, opts] : golden_methods<R, Mem>()) {
    auto res = deer::solve(Space(), cell, X, y0, opts);
    EXPECT_EQ(res.status, deer::Status::converged) << name << ": " << res.message;
    EXPECT_LE(max_diff(res.y, ref, 0, n), golden_tolerance<R>()) << name;
  }
}

// Multi-head GRU with H heads == H independent GRUs of size d on the same inputs.
TYPED_TEST(Cells, MultiHeadGruEqualsIndependentGrus) {
  using R = typename TypeParam::real;
  using Mem = typename TypeParam::mem;
  using Space = typename TypeParam::space;
  const int H = 3, d = 2, n = H * d, m = 4, batch = 3, T = 257;
  using MH = deer::cells::MultiHeadGru<R, Mem, 8, 2>;
  const auto p = MH::random_parameters(n, m, H, 21);
  auto mh = MH::from_parameters(p, n, m, H);
  EXPECT_EQ(mh.block_size(), d);
  EXPECT_EQ(deer::block_size(mh), d);
  static_assert(MH::structure == deer::Structure::block_diagonal, "multi-head GRU is block-diagonal");
  deer::Sequence<R, Mem> X("X", batch, T, m);
  deer::States<R, Mem> y0("y0", batch, n);
  Kokkos::Random_XorShift64_Pool<Space> pool(9);
  Kokkos::fill_random(X, pool, R(-1), R(1));
  Kokkos::fill_random(y0, pool, R(-1), R(1));
  deer::Options seq;
  seq.method = deer::Method::sequential;
  auto full = deer::solve(Space(), mh, X, y0, seq);
  auto hfull = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), full.y);
  auto hy0 = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), y0);
  {  // The same weights held by value: the same trajectory.
    using MV = deer::cells::MultiHeadGru<R, Mem, 8, 2, 4>;
    auto byvalue = deer::solve(Space(), MV::from_parameters(p, n, m, H), X, y0, seq);
    auto hv = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), byvalue.y);
    double e = 0;
    for (size_t j = 0; j < hv.span(); ++j) e = std::max(e, std::abs(double(hv.data()[j]) - double(hfull.data()[j])));
    EXPECT_LE(e, sizeof(R) == 8 ? 1e-14 : 1e-6) << "by value vs Views";
  }
  for (int hd = 0; hd < H; ++hd) {
    // Head hd's slice of the parameters as a torch-layout GRU of hidden size d.
    deer::Parameters g;
    for (const char* name : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) {
      const deer::Tensor& t = p.at(name);
      const size_t per = t.size() / t.shape[0];
      deer::Tensor s{std::vector<size_t>(t.shape.begin() + 1, t.shape.end()), {}};
      for (size_t j = hd * per; j < (hd + 1) * per; ++j) s.data.push_back(t.data[j]);
      g[name] = s;
    }
    auto gru = deer::cells::Gru<R, Mem, 2>::from_parameters(g, d, m);
    deer::States<R, Mem> y0h("y0h", batch, d);
    auto hy0h = Kokkos::create_mirror_view(y0h);
    for (int s = 0; s < batch; ++s)
      for (int j = 0; j < d; ++j) hy0h(s, j) = hy0(s, hd * d + j);
    Kokkos::deep_copy(y0h, hy0h);
    auto part = deer::solve(Space(), gru, X, y0h, seq);
    auto hpart = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), part.y);
    double e = 0;
    for (int s = 0; s < batch; ++s)
      for (int i = 0; i < T; ++i)
        for (int j = 0; j < d; ++j) e = std::max(e, std::abs(double(hpart(s, i, j)) - double(hfull(s, i, hd * d + j))));
    // Same operations in the same order: equal up to compiler contraction differences.
    EXPECT_LE(e, sizeof(R) == 8 ? 1e-14 : 1e-6) << "head " << hd;
  }
}

TEST(CellParameters, ShapeErrorsNameTheTensor) {
  using Mem = Kokkos::HostSpace;
  auto p = deer::cells::Gru<double, Mem, 8>::random_parameters(4, 3, 1);
  try {
    deer::cells::Gru<double, Mem, 8>::from_parameters(p, 5, 3);
    ADD_FAILURE() << "wrong hidden size accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("weight_ih"), std::string::npos) << e.what();
  }
  // Weights held by value: for exactly Inputs inputs and at most MaxState states.
  for (auto [n, m] : {std::pair{4, 2}, std::pair{9, 3}}) {
    try {
      deer::cells::Gru<double, Mem, 8, 3>::from_parameters(deer::cells::Gru<double, Mem, 8>::random_parameters(n, m, 1), n, m);
      ADD_FAILURE() << "by-value GRU accepted n = " << n << ", m = " << m;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("Inputs = 0"), std::string::npos) << e.what();
    }
  }
  using MV = deer::cells::MultiHeadGru<double, Mem, 8, 2, 3>;  // heads of exactly 2, 3 inputs
  try {
    MV::from_parameters(MV::random_parameters(8, 3, 8, 1), 8, 3, 8);
    ADD_FAILURE() << "by-value multi-head GRU accepted heads of 1";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("heads of 2 states"), std::string::npos) << e.what();
  }
  p.erase("bias_hh");
  EXPECT_THROW((deer::cells::Gru<double, Mem, 8>::from_parameters(p, 4, 3)), std::invalid_argument);
  EXPECT_THROW((deer::cells::Lstm<double, Mem, 8>::from_parameters(
                   deer::cells::Lstm<double, Mem, 8>::random_parameters(5, 2, 1), 5, 2)),
               std::invalid_argument);  // 2n = 10 > MaxState 8
  EXPECT_THROW((deer::cells::MultiHeadGru<double, Mem, 8>::random_parameters(6, 2, 4, 1)), std::invalid_argument);
  // Same seed, same parameters; another seed, others.
  auto a = deer::cells::Elman<double, Mem, 8>::random_parameters(4, 2, 5);
  auto b = deer::cells::Elman<double, Mem, 8>::random_parameters(4, 2, 5);
  auto c = deer::cells::Elman<double, Mem, 8>::random_parameters(4, 2, 6);
  EXPECT_EQ(a.at("weight_hh").data, b.at("weight_hh").data);
  EXPECT_NE(a.at("weight_hh").data, c.at("weight_hh").data);
}

// ---- HDF5 reader ----------------------------------------------------------------------

namespace {

// A scratch file with an int32 dataset, a string dataset and a subgroup.
std::string make_scratch_file() {
  const std::string path = ::testing::TempDir() + "deer_test_cells_scratch.h5";
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  EXPECT_GE(f, 0);
  hid_t g = H5Gcreate2(f, "p", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims[2] = {2, 3};
  hid_t sp = H5Screate_simple(2, dims, nullptr);
  const int ints[6] = {1, -2, 3, 4, 5, 600000};
  hid_t d = H5Dcreate2(g, "ints", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  EXPECT_GE(H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, ints), 0);
  H5Dclose(d);
  H5Sclose(sp);
  hid_t st = H5Tcopy(H5T_C_S1);
  H5Tset_size(st, 4);
  hid_t ss = H5Screate(H5S_SCALAR);
  d = H5Dcreate2(g, "text", st, ss, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  EXPECT_GE(H5Dwrite(d, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, "abc"), 0);
  H5Dclose(d);
  H5Sclose(ss);
  H5Tclose(st);
  hid_t sub = H5Gcreate2(g, "sub", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Gclose(sub);
  H5Gclose(g);
  H5Fclose(f);
  return path;
}

void expect_error_mentions(const std::function<void()>& f, const std::vector<std::string>& words) {
  try {
    f();
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    for (const auto& w : words) EXPECT_NE(std::string(e.what()).find(w), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Hdf5Reader, ReadsGoldenTensors) {
  const std::string file = require_golden();
  if (file.empty()) return;
  const deer::Tensor w = deer::read_tensor(file, "gru/weight_hh");
  EXPECT_EQ(w.shape, (std::vector<size_t>{15, 5}));
  EXPECT_EQ(w.data.size(), 75u);
  const deer::Parameters p = deer::read_parameters(file, "/lstm");
  for (const char* name : {"weight_ih", "weight_hh", "bias_ih", "bias_hh", "x", "h0", "c0", "h", "c"})
    EXPECT_EQ(p.count(name), 1u) << name;
  EXPECT_EQ(p.at("x").shape, (std::vector<size_t>{4, 1000, 3}));
  // The same tensor either way, and finite, non-trivial values.
  const deer::Tensor wl = deer::read_tensor(file, "/lstm/weight_hh");
  EXPECT_EQ(wl.data, p.at("weight_hh").data);
  double norm = 0;
  for (double v : wl.data) norm += v * v;
  EXPECT_GT(norm, 0.0);
}

TEST(Hdf5Reader, ConvertsIntegersAndSkipsNonDatasets) {
  const std::string path = make_scratch_file();
  const deer::Tensor t = deer::read_tensor(path, "p/ints");
  EXPECT_EQ(t.shape, (std::vector<size_t>{2, 3}));
  EXPECT_EQ(t.data, (std::vector<double>{1, -2, 3, 4, 5, 600000}));
  // The string dataset makes read_parameters fail (it is a dataset of the wrong type).
  expect_error_mentions([&] { deer::read_parameters(path, "p"); }, {path, "p/text", "non-numeric"});
  std::remove(path.c_str());
}

TEST(Hdf5Reader, ClearErrors) {
  const std::string path = make_scratch_file();
  expect_error_mentions([&] { deer::read_tensor("/nonexistent/dir/x.h5", "a"); }, {"/nonexistent/dir/x.h5", "cannot open"});
  expect_error_mentions([&] { deer::read_tensor(path, "p/missing"); }, {path, "p/missing", "no such dataset"});
  expect_error_mentions([&] { deer::read_tensor(path, "nogroup/missing"); }, {"nogroup/missing", "no such dataset"});
  expect_error_mentions([&] { deer::read_tensor(path, "p/text"); }, {"p/text", "non-numeric"});
  expect_error_mentions([&] { deer::read_tensor(path, "p/sub"); }, {"p/sub", "not a dataset"});
  expect_error_mentions([&] { deer::read_parameters(path, "p/ints"); }, {"p/ints", "not a group"});
  expect_error_mentions([&] { deer::read_parameters(path, "q"); }, {path, "q", "no such group"});
  expect_error_mentions([&] { deer::read_parameters(path, "p/sub"); }, {"p/sub", "no datasets"});
  // A file that is not HDF5.
  const std::string txt = ::testing::TempDir() + "deer_test_cells_not_hdf5.h5";
  { std::ofstream(txt) << "not hdf5\n"; }
  expect_error_mentions([&] { deer::read_parameters(txt, "/"); }, {txt, "not an HDF5 file"});
  std::remove(txt.c_str());
  std::remove(path.c_str());
}
