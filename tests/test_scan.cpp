// The affine scan against a sequential host loop: every structure (diagonal, block,
// dense), both directions, float and double, sizes and chunk lengths that cross chunk
// boundaries and recursion levels.
#include <cmath>
#include <random>

#include <deer/scan.hpp>

#include "backends.hpp"

using namespace deer_test;

template <class C>
class Scan : public ::testing::Test {};
TYPED_TEST_SUITE(Scan, AllCases, CaseNames);

namespace {

// Stored pairs handed to the scan as if evaluated (not loads_only), as the Newton pairs are:
// the one-pass tile then takes their path (prefetching, never streaming).
template <class R, class Mem, int N, int K>
struct EvaluatedPairs : deer::detail::StoredPairs<R, Mem, N, K> {
  static constexpr bool loads_only = false;
};

// ws: buffers kept from earlier calls (a fresh set when null).
template <class C, int NCap, int KCap>
void check_scan(int batch, int T, int n, int k, deer::Direction dir, int chunk,
                deer::ScanWorkspace<typename C::real, typename C::mem>* ws = nullptr) {
  using R = typename C::real;
  using Space = typename C::space;
  using Mem = typename C::mem;
  deer::ScanWorkspace<R, Mem> own;
  deer::Sequence<R, Mem> A("A", batch, T, n * k), b("b", batch, T, n), Y("Y", batch, T, n);
  deer::States<R, Mem> y0("y0", batch, n);
  auto hA = Kokkos::create_mirror_view(A);
  auto hb = Kokkos::create_mirror_view(b);
  auto hy0 = Kokkos::create_mirror_view(y0);
  std::mt19937 rng(1234 + T + n * 7 + k);
  // Entries scaled so the products stay bounded (spectral radius below one).
  std::uniform_real_distribution<double> ua(-0.9 / k, 0.9 / k), ub(-1.0, 1.0);
  for (size_t j = 0; j < hA.span(); ++j) hA.data()[j] = R(ua(rng));
  for (size_t j = 0; j < hb.span(); ++j) hb.data()[j] = R(ub(rng));
  for (size_t j = 0; j < hy0.span(); ++j) hy0.data()[j] = R(ub(rng));
  Kokkos::deep_copy(A, hA);
  Kokkos::deep_copy(b, hb);
  Kokkos::deep_copy(y0, hy0);

  // Alternate the pair order between calls: both run on every backend (layout.hpp).
  static int calls = 0;
  const auto order = ++calls % 2 ? deer::StepOrder::interleaved : deer::StepOrder::batch_first;
  // Diagonal pairs and 2x2 blocks run through both scans (the host's automatic is chunked,
  // the GPU's one-pass), and through the one-pass scan's tile for evaluated pairs.
  enum Run { chunked, one_pass, one_pass_evaluated };
  std::vector<Run> runs{chunked};
  if (deer::detail::one_pass_refusal<Space, R>(k, KCap, n).empty()) runs.insert(runs.end(), {one_pass, one_pass_evaluated});
  for (auto run : runs) {
  Kokkos::deep_copy(Y, R(0));
  if (run == one_pass_evaluated) {
    const EvaluatedPairs<R, Mem, NCap, KCap> gen{{A, b, n, k}};
    const deer::detail::StoreStates<R, Mem, NCap> out{Y};
    auto& one = (ws ? *ws : own).one_pass;
    if (dir == deer::Direction::forward) deer::scan_one_pass(Space(), gen, out, y0, T, n, k, one);
    else
      deer::scan_one_pass(Space(), deer::detail::Reversed<decltype(gen)>{gen, T},
                                  deer::detail::ReversedOut<decltype(out)>{out, T}, y0, T, n, k, one);
  } else {
    const auto algorithm = run == one_pass ? deer::ScanAlgorithm::one_pass : deer::ScanAlgorithm::chunked;
    deer::affine_scan<NCap, KCap>(Space(), A, b, y0, Y, k, deer::ScanOptions{dir, chunk, order, algorithm},
                                  ws ? *ws : own);
  }
  auto hY = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), Y);

  double max_err = 0, max_ref = 0;
  for (int s = 0; s < batch; ++s) {
    std::vector<double> y(n), t(n);
    for (int j = 0; j < n; ++j) y[j] = hy0(s, j);
    for (int step = 0; step < T; ++step) {
      const int i = dir == deer::Direction::forward ? step : T - 1 - step;
      for (int r = 0; r < n; ++r) {
        double acc = hb(s, i, r);
        for (int c = 0; c < k; ++c) acc += double(hA(s, i, r * k + c)) * y[(r / k) * k + c];
        t[r] = acc;
      }
      y = t;
      for (int r = 0; r < n; ++r) {
        max_err = std::max(max_err, std::abs(double(hY(s, i, r)) - y[r]));
        max_ref = std::max(max_ref, std::abs(y[r]));
      }
    }
  }
  EXPECT_LE(max_err, parallel_tolerance<R>() * std::max(1.0, max_ref))
      << "batch " << batch << " T " << T << " n " << n << " k " << k << " chunk " << chunk
      << (order == deer::StepOrder::interleaved ? " interleaved" : " batch_first")
      << (run == one_pass ? " one_pass" : run == chunked ? " chunked" : " one_pass (evaluated pairs)");
  }
}

}  // namespace

TYPED_TEST(Scan, DiagonalMatchesLoop) {
  for (int T : {1, 2, 7, 1000, 100003})
    for (int chunk : {0, 3, 32})
      for (auto dir : {deer::Direction::forward, deer::Direction::reverse})
        check_scan<TypeParam, 4, 1>(3, T, 4, 1, dir, chunk);
}

// Scalar and odd state sizes: tiles of the one-pass scan that do not divide T, segments that
// do not divide the tile, a batch of 16 sequences.
TYPED_TEST(Scan, DiagonalOddSizesMatchLoop) {
  for (int T : {1, 333, 4099, 70001}) {
    check_scan<TypeParam, 1, 1>(16, T, 1, 1, deer::Direction::forward, 0);
    check_scan<TypeParam, 1, 1>(3, T, 1, 1, deer::Direction::reverse, 0);  // (a reversed generator that prefetches)
    check_scan<TypeParam, 3, 1>(5, T, 3, 1, deer::Direction::forward, 0);
    check_scan<TypeParam, 7, 1>(2, T, 7, 1, deer::Direction::reverse, 0);
  }
  // More components than a GPU team has threads: the one-pass scan's items go round the team.
  check_scan<TypeParam, 300, 1>(2, 5000, 300, 1, deer::Direction::forward, 0);
}

// One workspace for a series of scans of growing and shrinking length: the one-pass scan's
// tile records (GPUs, scalar float) or flags of an earlier call must read as "nothing yet",
// and a longer sequence (here 245 tiles of 4096 steps on a GPU) looks back over many tiles.
TYPED_TEST(Scan, OnePassKeepsItsWorkspaceAcrossCalls) {
  deer::ScanWorkspace<typename TypeParam::real, typename TypeParam::mem> ws;
  for (int T : {70001, 1000003, 5000, 1000003, 333})
    check_scan<TypeParam, 1, 1>(T > 100000 ? 1 : 4, T, 1, 1, deer::Direction::forward, 0, &ws);
}

// 2x2 blocks in one pass: one block per sequence (tiles of 768-1536 steps on a GPU), three
// blocks, and more blocks than a GPU team has threads.
TYPED_TEST(Scan, TwoByTwoBlocksMatchLoop) {
  for (int T : {1, 333, 4099, 70001})
    for (auto dir : {deer::Direction::forward, deer::Direction::reverse}) {
      check_scan<TypeParam, 2, 2>(16, T, 2, 2, dir, 0);
      check_scan<TypeParam, 6, 2>(3, T, 6, 2, dir, 0);
    }
  check_scan<TypeParam, 600, 2>(2, 3000, 600, 2, deer::Direction::forward, 0);
}

TYPED_TEST(Scan, OnePassRejectsLargerBlocksAndTiles) {
  using R = typename TypeParam::real;
  using Mem = typename TypeParam::mem;
  deer::Sequence<R, Mem> A("A", 1, 4, 9), b("b", 1, 4, 3), Y("Y", 1, 4, 3);
  deer::States<R, Mem> y0("y0", 1, 3);
  deer::ScanOptions o;
  o.algorithm = deer::ScanAlgorithm::one_pass;
  try {
    deer::affine_scan<3, 3>(typename TypeParam::space(), A, b, y0, Y, 3, o);
    ADD_FAILURE() << "one_pass with 3x3 blocks must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("ScanAlgorithm::chunked"), std::string::npos) << e.what();
  }
  // A state whose tile outgrows a GPU's team scratch: one_pass is refused with the reason, and
  // automatic scans it chunked (on the host tiles have no such limit).
  using Space = typename TypeParam::space;
  const int big = 4000;
  const std::string why = deer::detail::one_pass_refusal<Space, R>(1, 1, big);
  EXPECT_EQ(why.empty(), deer::compat::on_host<Space>) << why;
  if (!why.empty()) {
    EXPECT_NE(why.find("team scratch"), std::string::npos) << why;
  }
  deer::Sequence<R, Mem> Ab("Ab", 2, 50, big), bb("bb", 2, 50, big), Yb("Yb", 2, 50, big), Yc("Yc", 2, 50, big);
  deer::States<R, Mem> y0b("y0b", 2, big);
  Kokkos::deep_copy(Ab, R(0.5));
  Kokkos::deep_copy(bb, R(1));
  deer::affine_scan<big, 1>(Space(), Ab, bb, y0b, Yb, 1);  // automatic
  deer::ScanOptions chunked;
  chunked.algorithm = deer::ScanAlgorithm::chunked;
  deer::affine_scan<big, 1>(Space(), Ab, bb, y0b, Yc, 1, chunked);
  auto hb = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), Yb);
  auto hc = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), Yc);
  double off = 0;
  for (size_t j = 0; j < hb.span(); ++j) off = std::max(off, std::abs(double(hb.data()[j]) - double(hc.data()[j])));
  EXPECT_LE(off, 1e-5);
  EXPECT_NEAR(double(hb(1, 49, big - 1)), 2.0 * (1.0 - std::pow(0.5, 50)), 1e-5);  // y_i = 0.5 y_{i-1} + 1 from 0
  // 2x2 blocks of pairs that could hold 4x4 ones: the kernel is compiled for max_block 2 only.
  deer::Sequence<R, Mem> A2("A2", 1, 4, 4), b2("b2", 1, 4, 2), Y2("Y2", 1, 4, 2);
  deer::States<R, Mem> y02("y02", 1, 2);
  EXPECT_THROW((deer::affine_scan<4, 4>(typename TypeParam::space(), A2, b2, y02, Y2, 2, o)), std::invalid_argument);
}

TYPED_TEST(Scan, BlockDiagonalMatchesLoop) {
  for (int T : {1, 2, 1000, 20011})
    for (int chunk : {0, 5})
      for (auto dir : {deer::Direction::forward, deer::Direction::reverse})
        check_scan<TypeParam, 6, 3>(2, T, 6, 3, dir, chunk);
}

TYPED_TEST(Scan, DenseMatchesLoop) {
  for (int T : {1, 2, 1000, 20011})
    for (int chunk : {0, 4})
      for (auto dir : {deer::Direction::forward, deer::Direction::reverse})
        check_scan<TypeParam, 5, 5>(17, T, 5, 5, dir, chunk);
}

TYPED_TEST(Scan, BatchSizesOneToSeventeen) {
  for (int batch : {1, 2, 5, 16, 17}) check_scan<TypeParam, 2, 2>(batch, 777, 2, 2, deer::Direction::forward, 6);
}

TYPED_TEST(Scan, RejectsBadShapes) {
  using R = typename TypeParam::real;
  using Mem = typename TypeParam::mem;
  deer::Sequence<R, Mem> A("A", 1, 4, 3), b("b", 1, 4, 2), Y("Y", 1, 4, 2);
  deer::States<R, Mem> y0("y0", 1, 2);
  EXPECT_THROW((deer::affine_scan<2, 2>(typename TypeParam::space(), A, b, y0, Y, 2)), std::invalid_argument);
  EXPECT_THROW((deer::affine_scan<2, 2>(typename TypeParam::space(), A, b, y0, Y, 3)), std::invalid_argument);
}

// The copies between a (batch, T, lanes * w) view and the solvers' flat order (layout.hpp,
// to_layout / from_layout): every value lands at layout.at of its lane and step, and comes back
// unchanged, for both orders, lanes of several sizes, and T and chunk lengths that cut the
// copy's tiles (at most 32 steps) and the chunks short.
TYPED_TEST(Scan, LayoutCopiesPlaceEveryValue) {
  using R = typename TypeParam::real;
  using Space = typename TypeParam::space;
  using Mem = typename TypeParam::mem;
  const int batch = 3;
  for (auto order : {deer::StepOrder::batch_first, deer::StepOrder::interleaved})
    for (int lanes : {1, 3, 32})
      for (int w : {1, 2, 5})
        for (int T : {1, 33, 100}) {
          const int n = lanes * w;
          deer::Sequence<R, Mem> V("V", batch, T, n), back("back", batch, T, n);
          auto hV = Kokkos::create_mirror_view(V);
          for (size_t e = 0; e < hV.span(); ++e) hV.data()[e] = R(e % 65521) + R(0.5);  // distinct, exact in float
          Kokkos::deep_copy(V, hV);
          const auto layout = deer::StepLayout::make<Space>(order, batch * lanes, T, 7);
          const auto F = deer::to_layout(Space(), layout, deer::ConstSequence<R, Mem>(V), lanes);
          auto hF = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), F);
          const std::string where = std::string(order == deer::StepOrder::interleaved ? "interleaved" : "batch_first") +
                                    " lanes " + std::to_string(lanes) + " w " + std::to_string(w) + " T " + std::to_string(T);
          int wrong = 0;
          for (int b = 0; b < batch; ++b)
            for (int i = 0; i < T; ++i)
              for (int h = 0; h < lanes; ++h)
                for (int j = 0; j < w; ++j) wrong += hF(layout.at(b * lanes + h, i, w) + j) != hV(b, i, h * w + j);
          EXPECT_EQ(wrong, 0) << where;
          deer::from_layout(Space(), layout, deer::Flat<R, Mem>(const_cast<R*>(F.data()), F.extent(0)), back, lanes);
          auto hback = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), back);
          wrong = 0;
          for (size_t e = 0; e < hV.span(); ++e) wrong += hback.data()[e] != hV.data()[e];
          EXPECT_EQ(wrong, 0) << where;
        }
}

// Steps are numbered with 32-bit integers (layout.hpp, kMaxSteps): a layout that would need
// more is refused with an error that says so, rather than overflowing.
TEST(StepLayout, RejectsMoreStepsThanItCanNumber) {
  using Host = Kokkos::DefaultHostExecutionSpace;
  const auto ok = deer::StepLayout::make<Host>(deer::StepOrder::batch_first, 32767, 65536, 1);
  EXPECT_EQ(ok.span(1), size_t(32767) * 65536);
  EXPECT_EQ(ok.at(32766, 65535, 3), (size_t(32767) * 65536 - 1) * 3);
  try {
    deer::StepLayout::make<Host>(deer::StepOrder::batch_first, 65536, 32768, 1);
    FAIL() << "2^31 steps were accepted";
  } catch (const std::length_error& e) {
    EXPECT_NE(std::string(e.what()).find("split the batch"), std::string::npos) << e.what();
  }
  // The interleaved order counts its padding: 3 chunks of 1000 for T = 2001.
  EXPECT_THROW(deer::StepLayout::make<Host>(deer::StepOrder::interleaved, 716000, 2001, 1000), std::length_error);
}

// The scan reads the views' memory in their (batch, T, n) order, so a padded view (Kokkos pads
// LayoutRight rows of more than 64 floats when asked to) is refused, not misread.
TEST(AffineScan, RejectsPaddedViews) {
  using Host = Kokkos::DefaultHostExecutionSpace;
  using Mem = Host::memory_space;
  const int n = 65;
  deer::Sequence<float, Mem> A("A", 2, 3, n), b("b", 2, 3, n), Y("Y", 2, 3, n);
  deer::Sequence<float, Mem> padded(Kokkos::view_alloc("padded", Kokkos::AllowPadding), 2, 3, n);
  deer::States<float, Mem> y0("y0", 2, n);
  ASSERT_FALSE(padded.span_is_contiguous()) << "Kokkos did not pad; the test needs another padded view";
  EXPECT_NO_THROW((deer::affine_scan<72, 1>(Host(), A, b, y0, Y, 1)));
  EXPECT_THROW((deer::affine_scan<72, 1>(Host(), A, padded, y0, Y, 1)), std::invalid_argument);
  EXPECT_THROW((deer::affine_scan<72, 1>(Host(), A, b, y0, padded, 1)), std::invalid_argument);
}
