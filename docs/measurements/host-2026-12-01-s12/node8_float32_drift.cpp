// How far a float32 sequential RK4 run of deer-bench's neural ODE (node8: tanh MLP 8-32-8,
// weights NeuralOde::random_parameters(8, 32, 5), 3/8-rule RK4, dt = 1e-3, 1e6 steps) lands
// from the float64 run of the same steps, and how fast nearby trajectories separate.
// Plain C++ (no deer): the weights are drawn as deer draws them (mt19937_64, seed 5, the
// same uniform bounds and order), the initial states uniform(-0.5, 0.5) from seed 43.
//   g++ -O2 -o drift node8_float32_drift.cpp && ./drift [steps] [dt] [decay]
// decay > 0 adds -decay * y to the right-hand side (a contracting variant, for comparison).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>

const int n = 8, H = 32;
double W1[H][n], b1[H], W2[n][H], b2[n], decay = 0;

template <class S>
void rhs(const S* y, S* d) {
  S h[H];
  for (int k = 0; k < H; ++k) {
    S a = S(b1[k]);
    for (int j = 0; j < n; ++j) a += S(W1[k][j]) * y[j];
    h[k] = std::tanh(a);
  }
  for (int r = 0; r < n; ++r) {
    S a = S(b2[r]);
    for (int k = 0; k < H; ++k) a += S(W2[r][k]) * h[k];
    d[r] = a - S(decay) * y[r];
  }
}

template <class S>
void rk38(S* y, S dt) {
  S k1[n], k2[n], k3[n], k4[n], t[n];
  rhs(y, k1);
  for (int i = 0; i < n; ++i) t[i] = y[i] + dt * k1[i] / 3;
  rhs(t, k2);
  for (int i = 0; i < n; ++i) t[i] = y[i] + dt * (k2[i] - k1[i] / 3);
  rhs(t, k3);
  for (int i = 0; i < n; ++i) t[i] = y[i] + dt * (k1[i] - k2[i] + k3[i]);
  rhs(t, k4);
  for (int i = 0; i < n; ++i) y[i] += dt * (k1[i] + 3 * (k2[i] + k3[i]) + k4[i]) / 8;
}

int main(int argc, char** argv) {
  const long T = argc > 1 ? atol(argv[1]) : 1000000;
  const double dt = argc > 2 ? atof(argv[2]) : 1e-3;
  decay = argc > 3 ? atof(argv[3]) : 0.0;
  std::mt19937_64 rng(5);
  auto fill = [&](double* p, int count, double bound) {
    std::uniform_real_distribution<double> u(-bound, bound);
    for (int i = 0; i < count; ++i) p[i] = u(rng);
  };
  fill(&W1[0][0], H * n, 1 / std::sqrt(double(n)));
  fill(b1, H, 1 / std::sqrt(double(n)));
  fill(&W2[0][0], n * H, 1 / std::sqrt(double(H)));
  fill(b2, n, 1 / std::sqrt(double(H)));
  std::mt19937_64 r0(43);
  std::uniform_real_distribution<double> u0(-0.5, 0.5);
  const double eps = 1e-7;  // the separation of the neighbouring trajectory, renormalised
  for (int b = 0; b < 2; ++b) {
    double y[n], near[n];
    float yf[n];
    for (int i = 0; i < n; ++i) near[i] = y[i] = u0(r0), yf[i] = float(y[i]);
    near[0] += eps;
    double growth = 0;  // log of how much the separation grew so far
    for (long s = 1; s <= T; ++s) {
      rk38(y, dt), rk38(near, dt), rk38(yf, float(dt));
      if (s % (T / 10) != 0 && s != 1000 && s != 10000) continue;
      double norm = 0, sep = 0, err = 0;
      for (int i = 0; i < n; ++i) {
        norm += y[i] * y[i];
        sep += (near[i] - y[i]) * (near[i] - y[i]);
        err = std::fmax(err, std::fabs(double(yf[i]) - y[i]));
      }
      norm = std::sqrt(norm), sep = std::sqrt(sep);
      growth += std::log(sep / eps);
      for (int i = 0; i < n; ++i) near[i] = y[i] + (near[i] - y[i]) * eps / sep;
      std::printf("seq %d t=%8.1f |y|=%9.4g  separation growth e^%6.3f  float32 - float64: max %.3g (%.3g of |y|)\n",
                  b, s * dt, norm, growth, err, err / norm);
    }
  }
}
