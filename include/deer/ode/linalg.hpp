#pragma once
// Small dense linear algebra as device functions (one thread, stack arrays): LU with
// partial pivoting, its solve, and the matrix exponential. Matrices are row-major n x n.
#include <deer/compat.hpp>
#include <deer/dual.hpp>

namespace deer::ode::linalg {

// In-place LU of A with row pivoting (PA = LU, unit lower L). Returns false when a pivot is
// exactly zero or not finite (singular or broken matrix); the factors are then unusable.
template <class R>
KOKKOS_INLINE_FUNCTION bool lu_factor(int n, R* A, int* piv) {
  for (int k = 0; k < n; ++k) {
    int p = k;
    R best = compat::fabs(A[k * n + k]);
    for (int r = k + 1; r < n; ++r) {
      const R v = compat::fabs(A[r * n + k]);
      if (v > best) {
        best = v;
        p = r;
      }
    }
    piv[k] = p;
    if (!(best > R(0)) || !compat::isfinite(best)) return false;
    if (p != k)
      for (int c = 0; c < n; ++c) {
        const R tmp = A[k * n + c];
        A[k * n + c] = A[p * n + c];
        A[p * n + c] = tmp;
      }
    const R inv = R(1) / A[k * n + k];
    for (int r = k + 1; r < n; ++r) {
      const R l = A[r * n + k] * inv;
      A[r * n + k] = l;
      for (int c = k + 1; c < n; ++c) A[r * n + c] -= l * A[k * n + c];
    }
  }
  return true;
}

// Solves (LU) x = P b in place in b. b may hold another scalar type than the factors
// (dual numbers: the tangent goes through the same solve).
template <class R, class S>
KOKKOS_INLINE_FUNCTION void lu_solve(int n, const R* LU, const int* piv, S* b) {
  for (int k = 0; k < n; ++k)
    if (piv[k] != k) {
      const S tmp = b[k];
      b[k] = b[piv[k]];
      b[piv[k]] = tmp;
    }
  for (int r = 1; r < n; ++r)
    for (int c = 0; c < r; ++c) b[r] -= LU[r * n + c] * b[c];
  for (int r = n - 1; r >= 0; --r) {
    for (int c = r + 1; c < n; ++c) b[r] -= LU[r * n + c] * b[c];
    b[r] = b[r] / LU[r * n + r];
  }
}

// C = A B (n x n); C must not alias A or B.
template <class R>
KOKKOS_INLINE_FUNCTION void matmul(int n, const R* A, const R* B, R* C) {
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) {
      R s = 0;
      for (int l = 0; l < n; ++l) s += A[r * n + l] * B[l * n + c];
      C[r * n + c] = s;
    }
}

// Maximum absolute row sum (the infinity norm).
template <class R>
KOKKOS_INLINE_FUNCTION R norm_inf(int n, const R* A) {
  R best = 0;
  for (int r = 0; r < n; ++r) {
    R s = 0;
    for (int c = 0; c < n; ++c) s += compat::fabs(A[r * n + c]);
    if (s > best || !compat::isfinite(s)) best = s;
  }
  return best;
}

// E = exp(A) for n <= NMax by scaling and squaring with the diagonal (6,6) Pade approximant:
// A is scaled by 2^-s so that |A/2^s| <= 1/2, where the (6,6) approximant's backward error
// is below 4e-16 (Higham 2005), then squared s times. A is overwritten. Returns false when
// A is not finite or the Pade denominator is singular (E is then unusable).
template <int NMax, class R>
KOKKOS_INLINE_FUNCTION bool expm(int n, R* A, R* E) {
  const R nrm = norm_inf(n, A);
  if (!compat::isfinite(nrm)) return false;
  int s = 0;
  R scale = 1;
  while (nrm * scale > R(0.5) && s < 1000) {
    scale *= R(0.5);
    ++s;
  }
  for (int j = 0; j < n * n; ++j) A[j] *= scale;
  // Pade (6,6): N(A) = sum c_k A^k, D(A) = sum (-1)^k c_k A^k; E = D^-1 N.
  // c_k = (12-k)! 6! / (12! k! (6-k)!).
  const R c[7] = {R(1), R(0.5), R(5.0 / 44.0), R(1.0 / 66.0), R(1.0 / 792.0), R(1.0 / 15840.0), R(1.0 / 665280.0)};
  R P[NMax * NMax], Num[NMax * NMax], Den[NMax * NMax], tmp[NMax * NMax];
  for (int j = 0; j < n * n; ++j) {
    P[j] = A[j];
    const R id = (j % (n + 1) == 0) ? R(1) : R(0);
    Num[j] = id + c[1] * A[j];
    Den[j] = id - c[1] * A[j];
  }
  for (int k = 2; k <= 6; ++k) {
    matmul(n, P, A, tmp);
    const R sign = (k % 2 == 0) ? R(1) : R(-1);
    for (int j = 0; j < n * n; ++j) {
      P[j] = tmp[j];
      Num[j] += c[k] * P[j];
      Den[j] += sign * c[k] * P[j];
    }
  }
  int piv[NMax];
  if (!lu_factor(n, Den, piv)) return false;
  // Solve column by column: E(:, c) = Den^-1 Num(:, c).
  R col[NMax];
  for (int cc = 0; cc < n; ++cc) {
    for (int r = 0; r < n; ++r) col[r] = Num[r * n + cc];
    lu_solve(n, Den, piv, col);
    for (int r = 0; r < n; ++r) E[r * n + cc] = col[r];
  }
  for (int k = 0; k < s; ++k) {
    matmul(n, E, E, tmp);
    for (int j = 0; j < n * n; ++j) E[j] = tmp[j];
  }
  return true;
}

}  // namespace deer::ode::linalg
