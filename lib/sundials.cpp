// SUNDIALS references (CVODE, ARKODE ERKStep) for deer's ODE integrators. Host only, fp64.
// Every call is checked; SUNDIALS' own error messages are captured instead of printed.
#include <deer/ode/reference.hpp>

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>

#include <arkode/arkode_erkstep.h>
#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

namespace deer::ode {
namespace {

// What the callbacks need: the right-hand side, the sampled input signal, and a place for
// errors (SUNDIALS' messages, exceptions thrown by the right-hand side).
struct CallbackData {
  const HostRhs* rhs = nullptr;
  const std::vector<double>* t = nullptr;
  const std::vector<double>* U = nullptr;
  std::vector<double> u;  // input at the current time
  int hint = 0;           // interval of the last lookup (the current step for ARKODE)
  std::string sundials_message;
  std::string rhs_error;

  // u(time): the straight line through the samples of the interval containing time.
  void input_at(double time) {
    const int m = rhs->m;
    if (m == 0) return;
    const std::vector<double>& tg = *t;
    const int T = int(tg.size()) - 1;
    int k = hint;
    if (!(k >= 0 && k < T && time >= tg[k] && time <= tg[k + 1])) {
      k = int(std::upper_bound(tg.begin(), tg.end(), time) - tg.begin()) - 1;
      k = std::clamp(k, 0, T - 1);
    }
    const double c = (time - tg[k]) / (tg[k + 1] - tg[k]);
    for (int j = 0; j < m; ++j) {
      const double u0 = (*U)[size_t(k) * m + j], u1 = (*U)[size_t(k + 1) * m + j];
      u[j] = u0 + c * (u1 - u0);
    }
  }
};

// SUNDIALS convention: 0 ok, > 0 recoverable (the integrator retries with a smaller step),
// < 0 fatal. A non-finite derivative is recoverable; an exception is fatal and kept.
int rhs_callback(realtype time, N_Vector y, N_Vector ydot, void* user) {
  auto* d = static_cast<CallbackData*>(user);
  try {
    d->input_at(time);
    d->rhs->f(time, N_VGetArrayPointer(y), d->u.data(), N_VGetArrayPointer(ydot));
  } catch (const std::exception& e) {
    d->rhs_error = e.what();
    return -1;
  } catch (...) {
    d->rhs_error = "unknown exception";
    return -1;
  }
  const double* out = N_VGetArrayPointer(ydot);
  for (int j = 0; j < d->rhs->n; ++j)
    if (!std::isfinite(out[j])) return 1;
  return 0;
}

void error_handler(int code, const char* module, const char* function, char* msg, void* user) {
  auto* d = static_cast<CallbackData*>(user);
  d->sundials_message = std::string(module ? module : "?") + "::" + (function ? function : "?") + " (" +
                        std::to_string(code) + "): " + (msg ? msg : "");
}

[[noreturn]] void fail(const std::string& who, const std::string& call, long flag, const CallbackData& d,
                       const std::string& advice) {
  std::string msg = who + ": " + call + " failed with flag " + std::to_string(flag);
  if (!d.sundials_message.empty()) msg += " [" + d.sundials_message + "]";
  if (!d.rhs_error.empty()) msg += " [the right-hand side threw: " + d.rhs_error + "]";
  msg += "; " + advice;
  throw std::runtime_error(msg);
}

// RAII owners for the SUNDIALS objects.
struct Context {
  SUNContext ctx = nullptr;
  ~Context() {
    if (ctx) SUNContext_Free(&ctx);
  }
};
struct Vector {
  N_Vector v = nullptr;
  ~Vector() {
    if (v) N_VDestroy(v);
  }
};
struct Matrix {
  SUNMatrix A = nullptr;
  ~Matrix() {
    if (A) SUNMatDestroy(A);
  }
};
struct LinearSolver {
  SUNLinearSolver LS = nullptr;
  ~LinearSolver() {
    if (LS) SUNLinSolFree(LS);
  }
};
struct CvodeMem {
  void* mem = nullptr;
  ~CvodeMem() {
    if (mem) CVodeFree(&mem);
  }
};
struct ErkMem {
  void* mem = nullptr;
  ~ErkMem() {
    if (mem) ERKStepFree(&mem);
  }
};
struct Table {
  ARKodeButcherTable B = nullptr;
  ~Table() {
    if (B) ARKodeButcherTable_Free(B);
  }
};

void check_problem(const std::string& who, const HostRhs& rhs, const std::vector<double>& t,
                   const std::vector<double>& y0, const std::vector<double>& U) {
  if (!rhs.f) throw std::invalid_argument(who + ": the right-hand side is empty; build it with deer::ode::host_rhs");
  if (rhs.n < 1) throw std::invalid_argument(who + ": the state size must be >= 1");
  if (rhs.m < 0) throw std::invalid_argument(who + ": the input size must be >= 0");
  if (t.size() < 2) throw std::invalid_argument(who + ": the grid needs at least 2 times (t[0] for y0 and one output)");
  for (size_t i = 0; i + 1 < t.size(); ++i)
    if (!(t[i + 1] > t[i]))
      throw std::invalid_argument(who + ": the grid must increase strictly (t[" + std::to_string(i + 1) +
                                  "] <= t[" + std::to_string(i) + "])");
  if (int(y0.size()) != rhs.n)
    throw std::invalid_argument(who + ": y0 has " + std::to_string(y0.size()) + " values but the state size is " +
                                std::to_string(rhs.n));
  if (U.size() != t.size() * size_t(rhs.m))
    throw std::invalid_argument(who + ": the input signal U must hold (T+1) x m = " +
                                std::to_string(t.size() * size_t(rhs.m)) + " values (got " + std::to_string(U.size()) +
                                "); sample u at every grid time");
}

}  // namespace

Trajectory cvode_solve(const HostRhs& rhs, const std::vector<double>& t, const std::vector<double>& y0,
                       const std::vector<double>& U, const CvodeOptions& opts) {
  const std::string who = "deer::ode::cvode_solve";
  check_problem(who, rhs, t, y0, U);
  if (!(opts.rtol > 0) || !(opts.atol > 0))
    throw std::invalid_argument(who + ": rtol and atol must be positive");
  const int n = rhs.n, T = int(t.size()) - 1;
  CallbackData d;
  d.rhs = &rhs;
  d.t = &t;
  d.U = &U;
  d.u.assign(std::max(rhs.m, 1), 0.0);
  const std::string advice_setup = "check the SUNDIALS installation (libsundials-dev 6.x)";

  Context c;
  if (int f = SUNContext_Create(nullptr, &c.ctx); f != 0) fail(who, "SUNContext_Create", f, d, advice_setup);
  Vector y;
  y.v = N_VNew_Serial(n, c.ctx);
  if (!y.v) fail(who, "N_VNew_Serial", 0, d, "out of memory?");
  std::copy(y0.begin(), y0.end(), N_VGetArrayPointer(y.v));
  CvodeMem cv;
  cv.mem = CVodeCreate(opts.method == CvodeMethod::bdf ? CV_BDF : CV_ADAMS, c.ctx);
  if (!cv.mem) fail(who, "CVodeCreate", 0, d, advice_setup);
  auto check = [&](int flag, const char* call, const std::string& advice) {
    if (flag < 0) fail(who, call, flag, d, advice);
  };
  check(CVodeSetErrHandlerFn(cv.mem, error_handler, &d), "CVodeSetErrHandlerFn", advice_setup);
  check(CVodeInit(cv.mem, rhs_callback, t[0], y.v), "CVodeInit", advice_setup);
  check(CVodeSetUserData(cv.mem, &d), "CVodeSetUserData", advice_setup);
  check(CVodeSStolerances(cv.mem, opts.rtol, opts.atol), "CVodeSStolerances", "use positive tolerances");
  check(CVodeSetMaxNumSteps(cv.mem, opts.max_steps), "CVodeSetMaxNumSteps", advice_setup);
  if (opts.max_step > 0) check(CVodeSetMaxStep(cv.mem, opts.max_step), "CVodeSetMaxStep", "use max_step > 0");
  Matrix A;
  A.A = SUNDenseMatrix(n, n, c.ctx);
  if (!A.A) fail(who, "SUNDenseMatrix", 0, d, "out of memory?");
  LinearSolver LS;
  LS.LS = SUNLinSol_Dense(y.v, A.A, c.ctx);
  if (!LS.LS) fail(who, "SUNLinSol_Dense", 0, d, advice_setup);
  check(CVodeSetLinearSolver(cv.mem, LS.LS, A.A), "CVodeSetLinearSolver", advice_setup);

  Trajectory out;
  out.n = n;
  out.t = t;
  out.y.resize(size_t(T) * n);
  for (int i = 1; i <= T; ++i) {
    realtype tret = t[i - 1];
    check(CVodeSetStopTime(cv.mem, t[i]), "CVodeSetStopTime", advice_setup);
    const int flag = CVode(cv.mem, t[i], y.v, &tret, CV_NORMAL);
    if (flag < 0)
      fail(who, "CVode (to t = " + std::to_string(t[i]) + ")", flag, d,
           "the problem may be too stiff for Adams (use BDF), the tolerances too tight for fp64, the solution may "
           "blow up, or max_steps is too small");
    const double* yv = N_VGetArrayPointer(y.v);
    std::copy(yv, yv + n, out.y.begin() + size_t(i - 1) * n);
  }
  long nst = 0, nfe = 0;
  check(CVodeGetNumSteps(cv.mem, &nst), "CVodeGetNumSteps", advice_setup);
  check(CVodeGetNumRhsEvals(cv.mem, &nfe), "CVodeGetNumRhsEvals", advice_setup);
  out.steps = nst;
  out.rhs_evals = nfe;
  return out;
}

Trajectory arkode_fixed_step(const HostRhs& rhs, const Tableau& tb, const std::vector<double>& t,
                             const std::vector<double>& y0, const std::vector<double>& U) {
  const std::string who = "deer::ode::arkode_fixed_step";
  check_problem(who, rhs, t, y0, U);
  if (tb.stages < 1 || tb.stages > 4) throw std::invalid_argument(who + ": the tableau must have 1..4 stages");
  const int n = rhs.n, T = int(t.size()) - 1, s = tb.stages;
  CallbackData d;
  d.rhs = &rhs;
  d.t = &t;
  d.U = &U;
  d.u.assign(std::max(rhs.m, 1), 0.0);
  const std::string advice_setup = "check the SUNDIALS installation (libsundials-dev 6.x)";
  auto check = [&](int flag, const char* call, const std::string& advice) {
    if (flag < 0) fail(who, call, flag, d, advice);
  };

  Context c;
  if (int f = SUNContext_Create(nullptr, &c.ctx); f != 0) fail(who, "SUNContext_Create", f, d, advice_setup);
  Vector y;
  y.v = N_VNew_Serial(n, c.ctx);
  if (!y.v) fail(who, "N_VNew_Serial", 0, d, "out of memory?");
  std::copy(y0.begin(), y0.end(), N_VGetArrayPointer(y.v));
  // The tableau deer uses, without an embedding (p = 0): only fixed steps are possible.
  std::vector<realtype> cc(s), A(size_t(s) * s, 0.0), bb(s);
  for (int i = 0; i < s; ++i) {
    cc[i] = tb.c[i];
    bb[i] = tb.b[i];
    for (int j = 0; j < s; ++j) A[size_t(i) * s + j] = tb.a[i][j];
  }
  Table B;
  B.B = ARKodeButcherTable_Create(s, tb.order, 0, cc.data(), A.data(), bb.data(), nullptr);
  if (!B.B) fail(who, "ARKodeButcherTable_Create", 0, d, "the tableau is malformed");
  ErkMem erk;
  erk.mem = ERKStepCreate(rhs_callback, t[0], y.v, c.ctx);
  if (!erk.mem) fail(who, "ERKStepCreate", 0, d, advice_setup);
  check(ERKStepSetErrHandlerFn(erk.mem, error_handler, &d), "ERKStepSetErrHandlerFn", advice_setup);
  check(ERKStepSetUserData(erk.mem, &d), "ERKStepSetUserData", advice_setup);
  check(ERKStepSetTable(erk.mem, B.B), "ERKStepSetTable", "the tableau is malformed");
  
  Trajectory out;
  out.n = n;
  out.t = t;
  out.y.resize(size_t(T) * n);
  for (int i = 1; i <= T; ++i) {
    // One step of exactly the grid interval: the same discrete map as deer's scheme.
    d.hint = i - 1;
    // Reset to the current state before every step: SUNDIALS 6.4.1's ERKStep reused the last
    // stage's derivative as the next step's first stage for tableaux whose last node is c = 1
    // (Heun, RK4) although they are not FSAL (measured: the second Heun step of y' = f started
    // from f at the previous stage point). Reset forces k1 = f(t_i, y_i) as the tableau says.
    check(ERKStepReset(erk.mem, t[i - 1], y.v), "ERKStepReset", advice_setup);
    check(ERKStepSetFixedStep(erk.mem, t[i] - t[i - 1]), "ERKStepSetFixedStep", advice_setup);
    // ARK_ONE_STEP returns the step's own solution. (ARK_NORMAL with a stop time returned an
    // interpolated value that is not the step's solution in SUNDIALS 6.4.1: one Euler step of
    // y' = f from y0 came back as y0 + h f / 2.)
    realtype tret = t[i - 1];
    const int flag = ERKStepEvolve(erk.mem, t[i], y.v, &tret, ARK_ONE_STEP);
    if (flag < 0)
      fail(who, "ERKStepEvolve (to t = " + std::to_string(t[i]) + ")", flag, d,
           "the right-hand side failed or produced non-finite values on this step; refine the grid");
    if (std::fabs(tret - t[i]) > 1e-10 * (std::fabs(t[i]) + std::fabs(t[i] - t[i - 1])))
      fail(who, "ERKStepEvolve (one step to t = " + std::to_string(t[i]) + ")", flag, d,
           "the step ended at t = " + std::to_string(tret) + " instead of the grid time; report this as a bug");
    const double* yv = N_VGetArrayPointer(y.v);
    std::copy(yv, yv + n, out.y.begin() + size_t(i - 1) * n);
  }
  long nst = 0, nfe = 0;
  check(ERKStepGetNumSteps(erk.mem, &nst), "ERKStepGetNumSteps", advice_setup);
  check(ERKStepGetNumRhsEvals(erk.mem, &nfe), "ERKStepGetNumRhsEvals", advice_setup);
  out.steps = nst;
  out.rhs_evals = nfe;
  return out;
}

}  // namespace deer::ode
