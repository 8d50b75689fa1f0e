#!/usr/bin/python3
"""End-to-end tests of the `deer` program: bad input and the output file contract.

    cli_test.py DEER_BINARY TEST_NAME      (ctest runs one process per test name)
    cli_test.py DEER_BINARY --list

Bad-input tests check: exit code 2, the problem and its fix named on stderr, and no
output file (nor a temporary one) left behind. Good-input tests read the HDF5 file with
h5py (Debian's python3-h5py for /usr/bin/python3).
"""
import glob
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")


def case(name):
    return os.path.join(CASES, name)


# name: (case file, extra args, [substrings stderr must contain])
BAD = {
    "malformed_toml": ("malformed.toml", [], ["malformed TOML", "malformed.toml", "fix the syntax"]),
    "unknown_system": ("unknown_system.toml", [], ["unknown system 'gruu'", "known systems:", "gru", "deer info"]),
    "unknown_key": ("unknown_key.toml", [], ["unknown_key.toml:6", "unknown key 'solver.metod'", "allowed here:", "method"]),
    "unknown_parameter": ("unknown_parameter.toml", [], ["unknown key 'system.parameters.hiden'", "hidden"]),
    "unknown_key_from_set": ("good_gru.toml", ["--set", "solver.tolerance=3"], ["unknown key 'solver.tolerance'"]),
    "wrong_type": ("wrong_type.toml", [], ["wrong_type.toml:4", "time.steps must be an integer", "got a string"]),
    "wrong_parameter_type": ("good_gru.toml", ["--set", "system.parameters.hidden=2.5"],
                             ["system.parameters.hidden must be an integer", "got a float"]),
    "missing_field": ("missing_field.toml", [], ["missing key system.name", "name = "]),
    "missing_steps": ("missing_steps.toml", [], ["missing key time.steps"]),
    "missing_case_file": ("no_such_case.toml", [], ["cannot read the case file", "no such file"]),
    "dimension_mismatch_inputs": ("dimension_mismatch.toml", [], ["dimension mismatch", "2 values", "m = 3"]),
    "dimension_mismatch_y0": ("y0_mismatch.toml", [], ["dimension mismatch", "system.y0 has 3 values", "n = 4"]),
    "dimension_mismatch_hidden": ("good_gru.toml", ["--set", "system.parameters.hidden=100"],
                                  ["hidden", "outside 1..64"]),
    "missing_input_file": ("missing_input_file.toml", [], ["no_such_file.csv", "does not exist"]),
    "nan_inputs": ("nan_inputs.toml", [], ["NaN", "step 1, feature 1", "clean the input data"]),
    "unknown_backend": ("good_gru.toml", ["--backend", "hip"], ["backend 'hip' is unknown", "enabled:"]),
    "bad_precision": ("bad_precision.toml", [], ["precision", "float16", "float64, float32"]),
    "bad_method": ("good_gru.toml", ["--method", "newton"], ["solver.method", "newton", "damped_deer"]),
    "one_pass_dense": ("good_gru.toml", ["--set", "solver.scan=one_pass"],
                       ["one-pass scan takes diagonal pairs", "block size is 4", "chunked"]),
    "unknown_scan": ("good_gru.toml", ["--set", "solver.scan=fast"], ["solver.scan", "fast", "one_pass"]),
    "negative_window": ("good_gru.toml", ["--set", "solver.window=-5"], ["solver.window", "-5", "outside 0.."]),
    "negative_guess_run": ("good_gru.toml", ["--set", "solver.guess_run=-1"], ["solver.guess_run", "-1", "outside 0.."]),
    "rnn_with_dt": ("rnn_with_dt.toml", [], ["time.dt does not apply", "time.steps"]),
    "unwritable_output": ("good_gru.toml", ["-o", "/nonexistent-deer-dir/out.h5"],
                          ["cannot write the output file", "/nonexistent-deer-dir", "create the directory"]),
}


def run(deer, args, cwd, timeout=120):
    env = dict(os.environ, OMP_PROC_BIND="false", OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
    return subprocess.run([deer] + args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def fail(msg, p=None):
    print("FAIL:", msg)
    if p is not None:
        print("--- exit code", p.returncode, "\n--- stdout\n" + p.stdout + "--- stderr\n" + p.stderr)
    sys.exit(1)


def leftovers(d):
    return sorted(glob.glob(os.path.join(d, "*.h5")) + glob.glob(os.path.join(d, "*.tmp-*")))


def bad_input(deer, name):
    case_file, extra, expect = BAD[name]
    with tempfile.TemporaryDirectory() as d:
        args = ["run", case(case_file)] + extra
        if "-o" not in extra:
            args += ["-o", os.path.join(d, "out.h5")]
        p = run(deer, args, d)
        if p.returncode != 2:
            fail(f"expected exit code 2 for bad input, got {p.returncode}", p)
        for s in expect:
            if s not in p.stderr:
                fail(f"stderr does not mention {s!r}", p)
        if leftovers(d):
            fail(f"output left behind: {leftovers(d)}", p)
        if "unwritable" in name and os.path.exists("/nonexistent-deer-dir"):
            fail("the unwritable directory exists")
    print("ok:", name)


def unsupported_backend(deer):
    info = run(deer, ["info"], ".")
    if "  cuda " in info.stdout:
        # Nothing to test with cuda on a CUDA build; 'hip' (unknown_backend) covers the path.
        print("SKIP: this build has CUDA, so 'cuda' is supported here")
        sys.exit(77)
    with tempfile.TemporaryDirectory() as d:
        p = run(deer, ["run", case("good_gru.toml"), "--backend", "cuda", "-o", os.path.join(d, "x.h5")], d)
        if p.returncode != 2 or "backend 'cuda' is not enabled in this build" not in p.stderr or "rebuild" not in p.stderr:
            fail("unsupported backend not reported", p)
        if leftovers(d):
            fail("output left behind", p)
    print("ok: unsupported_backend")


def h5():
    import h5py  # noqa: imported here so bad-input tests need no h5py

    return h5py


def good_run(deer):
    h5py = h5()
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "good.h5")
        p = run(deer, ["run", case("good_gru.toml"), "-o", out, "--set", "output.every=4", "--set", "time.steps=101"], d)
        if p.returncode != 0:
            fail("good case failed", p)
        for s in ["status      converged", "iterations", "wall time", "residual"]:
            if s not in p.stdout:
                fail(f"summary lacks {s!r}", p)
        if leftovers(d) != [out]:
            fail(f"expected exactly {out}, found {leftovers(d)}", p)
        with h5py.File(out, "r") as f:
            assert list(f["h5md"].attrs["version"]) == [1, 1]
            par = f["parameters"].attrs
            assert par["system"] == "gru" and par["method"] == "deer" and par["precision"] == "float64", dict(par)
            # the resolved case holds the --set overrides and the defaults
            toml_text = par["case_toml"]
            assert "steps = 101" in toml_text and "every = 4" in toml_text and "max_iterations = 100" in toml_text
            assert f["inputs/value"].shape == (2, 101, 2)
            g = f["trajectories/deer"]
            t, v = g["time"][()], g["value"]
            # states 0, 4, ..., 100 of 101 steps (+ y0): 26 kept
            assert list(t) == list(range(0, 101, 4)), t
            assert v.shape == (2, 26, 4), v.shape
            assert (v[:, 0, :] == 0).all(), "y0 (zeros) must come first"
            assert g.attrs["status"] == "converged" and g.attrs["iterations"] == len(g["residuals"])
            # converged: the last update within the tolerance, or the estimated error within a tenth
            assert g["residuals"][-1] <= 1.0 or g.attrs["error_estimate"] <= 0.1, g.attrs["error_estimate"]
            assert v.dims[1][0].name == "/trajectories/deer/time"
            assert v.compression == "gzip"
    print("ok: good_run")


def good_validate(deer):
    h5py = h5()
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "v.h5")
        p = run(deer, ["validate", case("good_gru.toml"), "-o", out], d)
        if p.returncode != 0:
            fail("validate failed on a good case", p)
        if "reference: sequential" not in p.stdout or " pass" not in p.stdout:
            fail("validate table incomplete", p)
        with h5py.File(out, "r") as f:
            a, b = f["trajectories/deer/value"][()], f["trajectories/sequential/value"][()]
            err = abs(a - b).max()
            c = f["comparison"]
            assert c.attrs["reference"] == "sequential"
            assert abs(c["deer"].attrs["max_abs_error"] - err) <= 1e-15, (c["deer"].attrs["max_abs_error"], err)
            assert c["deer"].attrs["passed"] == 1
        # Impossible tolerances: validation must fail with exit code 1 and still write the file.
        p = run(deer, ["validate", case("good_gru.toml"), "-o", out, "--set", "validate.atol=0.0",
                       "--set", "validate.rtol=0.0", "--set", "solver.atol=1e-3", "--set", "solver.rtol=1e-3"], d)
        if p.returncode != 1 or "FAIL" not in p.stdout or "validation failed" not in p.stderr:
            fail("validate with zero tolerance should fail", p)
        with h5py.File(out, "r") as f:
            assert f["comparison/deer"].attrs["passed"] == 0
    print("ok: good_validate")


def hdf5_inputs(deer):
    """Inputs from an HDF5 dataset: (batch, T, m) as is, (T, m) for every sequence, T from the
    data; a batch mismatch is bad input."""
    h5py = h5()
    import numpy as np

    with tempfile.TemporaryDirectory() as d:
        x3 = np.random.default_rng(3).normal(size=(2, 50, 2))
        with h5py.File(os.path.join(d, "in.h5"), "w") as f:
            f["/inputs/value"] = x3
            f["two_d"] = x3[1]
        text = ('batch = 2\n[system]\nname = "gru"\n[system.parameters]\nhidden = 4\ninputs = 2\n'
                '[inputs]\nkind = "file"\npath = "in.h5"\ndataset = "DATASET"\n')
        for ds, expect in (("/inputs/value", x3), ("two_d", np.stack([x3[1], x3[1]]))):
            with open(os.path.join(d, "c.toml"), "w") as f:
                f.write(text.replace("DATASET", ds))
            out = os.path.join(d, "out.h5")
            p = run(deer, ["run", "c.toml", "-o", out, "-q"], d)
            if p.returncode != 0:
                fail(f"HDF5 inputs ({ds}) failed", p)
            with h5py.File(out, "r") as f:
                assert f["inputs/value"].shape == (2, 50, 2)
                assert abs(f["inputs/value"][()] - expect).max() == 0.0
                assert f["trajectories/deer/time"].shape == (51,)
            os.remove(out)
        p = run(deer, ["run", "c.toml", "-o", os.path.join(d, "x.h5"), "--set", "batch=3",
                       "--set", 'inputs.dataset="/inputs/value"'], d)
        if p.returncode != 2 or "dimension mismatch" not in p.stderr or "batch 2" not in p.stderr:
            fail("batch mismatch of HDF5 inputs not reported", p)
        if os.path.exists(os.path.join(d, "x.h5")):
            fail("output left behind")
    print("ok: hdf5_inputs")


def batch_chunk(deer):
    """Solving the batch in chunks logs each chunk and gives the trajectories of one solve."""
    h5py = h5()
    with tempfile.TemporaryDirectory() as d:
        whole, parts = os.path.join(d, "whole.h5"), os.path.join(d, "parts.h5")
        p = run(deer, ["run", case("good_gru.toml"), "-o", whole, "--set", "batch=3"], d)
        if p.returncode != 0:
            fail("unchunked run failed", p)
        p = run(deer, ["run", case("good_gru.toml"), "-o", parts, "--set", "batch=3", "--set", "solver.batch_chunk=2",
                       "-v"], d)
        if p.returncode != 0 or "chunk 1/2 (sequences 0..1)" not in p.stderr or "chunk 2/2 (sequences 2..2)" not in p.stderr:
            fail("chunked run did not log its chunks", p)
        # -v: each chunk's live iteration lines name the chunk (its iterations count from 1)
        for k in (1, 2):
            if not re.search(rf"chunk {k}/2: iteration +1 \(", p.stderr):
                fail(f"chunk {k}'s iteration lines do not name it", p)
        with h5py.File(whole, "r") as a, h5py.File(parts, "r") as b:
            va, vb = a["trajectories/deer/value"][()], b["trajectories/deer/value"][()]
            assert va.shape == vb.shape == (3, 301, 4), (va.shape, vb.shape)
            err = abs(va - vb).max()
            assert err <= 1e-9, err  # both converged to atol = rtol = 1e-10
            assert "batch_chunk = 2" in b["parameters"].attrs["case_toml"]
    print("ok: batch_chunk")


def window(deer):
    """Newton over windows of 40 steps gives the trajectory of one whole solve."""
    h5py = h5()
    with tempfile.TemporaryDirectory() as d:
        whole, windows = os.path.join(d, "whole.h5"), os.path.join(d, "windows.h5")
        for out, extra in ((whole, []), (windows, ["--set", "solver.window=40"])):
            p = run(deer, ["run", case("good_gru.toml"), "-o", out, "--method", "deer", "-v"] + extra, d)
            if p.returncode != 0 or "status      converged" not in p.stdout:
                fail(f"run {extra} failed", p)
            # -v: each Newton iteration's line as it ends (Options::progress), windows with the steps done
            lines = re.findall(r"deer: iteration +(\d+) \(deer\): max scaled update", p.stderr)
            if not lines or [int(k) for k in lines] != list(range(1, len(lines) + 1)):
                fail(f"run {extra}: no numbered iteration lines on stderr", p)
            if extra and "of 300 steps final" not in p.stderr:
                fail("windows: the iteration lines do not say how many steps are final", p)
        with h5py.File(whole, "r") as a, h5py.File(windows, "r") as b:
            va, vb = a["trajectories/deer/value"][()], b["trajectories/deer/value"][()]
            assert va.shape == vb.shape, (va.shape, vb.shape)
            err = abs(va - vb).max()
            assert err <= 1e-9, err  # both converged to atol = rtol = 1e-10
            assert "window = 40" in b["parameters"].attrs["case_toml"]
            # 300 steps in windows of 40: at least one iteration for each of the 8 windows
            assert b["trajectories/deer"].attrs["iterations"] >= 8
    print("ok: window")


def killed_run(deer):
    """SIGTERM in the middle of a long run: no output file and no temporary file remain."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "killed.h5")
        env = dict(os.environ, OMP_PROC_BIND="false", OMP_NUM_THREADS="1")
        args = [deer, "run", case("good_gru.toml"), "-o", out, "--method", "sequential", "--backend", "serial",
                "--set", "time.steps=500000", "--set", "batch=1", "--set", "system.parameters.hidden=32"]
        proc = subprocess.Popen(args, cwd=d, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # wait until the temporary file exists (the run is under way), then kill
        deadline = time.time() + 60
        while not glob.glob(out + ".tmp-*") and time.time() < deadline and proc.poll() is None:
            time.sleep(0.02)
        if proc.poll() is not None:
            fail("the long run ended before it could be interrupted; make it longer")
        if not glob.glob(out + ".tmp-*"):
            fail("no temporary file appeared while running")
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        if proc.returncode == 0:
            fail("the run finished before the signal; make it longer")
        if proc.returncode != -signal.SIGTERM:
            fail(f"expected death by SIGTERM after the clean-up, got exit code {proc.returncode}")
        if leftovers(d):
            fail(f"files left after SIGTERM: {leftovers(d)}")
    print("ok: killed_run")


def data_case(deer, name):
    """Every shipped case validates (runs DEER, sequential and SUNDIALS; all within tolerance)."""
    h5py = h5()
    path = os.path.join(os.path.dirname(HERE), "data", "cases", name + ".toml")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, name + ".h5")
        p = run(deer, ["validate", path, "-o", out], d, timeout=600)
        if p.returncode != 0:
            fail(f"data/cases/{name}.toml does not validate", p)
        with h5py.File(out, "r") as f:
            names = set(f["trajectories"])
            assert "sequential" in names and len(names) >= 2, names
            for k in f["comparison"]:
                assert f["comparison"][k].attrs["passed"] == 1, k
    print("ok: data case", name)


# Regression guard for the whole pipeline (case parsing, input generation, file inputs,
# system construction, output layout): sequential trajectories of small cases against
# data/golden/driver_regression.h5, written by this build with
#   tests/cli_test.py build/bin/deer --make-golden
# Regenerate only for an intended change of the numbers, and say why in the commit.
GOLDEN = {
    "gru_noise": (case("good_gru.toml"), []),
    "elman_sine": (os.path.join(os.path.dirname(HERE), "data", "cases", "elman.toml"), ["--set", "time.steps=200"]),
    "gru_csv": (os.path.join(os.path.dirname(HERE), "data", "cases", "gru_csv.toml"), []),
    "pendulum": (os.path.join(os.path.dirname(HERE), "data", "cases", "demo.toml"),
                 ["--set", "time.steps=400", "--set", "time.t1=4.0"]),
}
GOLDEN_FILE = os.path.join(os.path.dirname(HERE), "data", "golden", "driver_regression.h5")


def golden_value(deer, name, d):
    path, extra = GOLDEN[name]
    out = os.path.join(d, name + ".h5")
    p = run(deer, ["run", path, "-o", out, "--method", "sequential", "--precision", "float64"] + extra, d)
    if p.returncode != 0:
        fail(f"golden case {name} failed", p)
    h5py = h5()
    with h5py.File(out, "r") as f:
        return f["trajectories/sequential/value"][()], f["trajectories/sequential/time"][()]


def golden(deer, name):
    h5py = h5()
    with tempfile.TemporaryDirectory() as d:
        value, t = golden_value(deer, name, d)
    with h5py.File(GOLDEN_FILE, "r") as f:
        gv, gt = f[name + "/value"][()], f[name + "/time"][()]
    assert value.shape == gv.shape, (value.shape, gv.shape)
    assert abs(t - gt).max() <= 1e-12, "time grid changed"
    err = abs(value - gv).max()
    bound = 1e-9 * (1 + abs(gv).max())
    if not err <= bound:
        fail(f"{name}: max |new - golden| = {err:.3e} > {bound:.1e}; if the change is intended, regenerate "
             "data/golden/driver_regression.h5 (--make-golden) and say why")
    print(f"ok: golden {name} (max diff {err:.1e})")


def make_golden(deer):
    h5py = h5()
    with tempfile.TemporaryDirectory() as d, h5py.File(GOLDEN_FILE, "w") as f:
        f.attrs["about"] = "regression references of the deer driver (tests/cli_test.py --make-golden)"
        for name in GOLDEN:
            value, t = golden_value(deer, name, d)
            f[name + "/value"] = value
            f[name + "/time"] = t
            f[name].attrs["args"] = " ".join([os.path.relpath(GOLDEN[name][0], os.path.dirname(HERE))] + GOLDEN[name][1])
    print("wrote", GOLDEN_FILE)


DATA_CASES = sorted(os.path.splitext(os.path.basename(p))[0]
                    for p in glob.glob(os.path.join(os.path.dirname(HERE), "data", "cases", "*.toml")))

TESTS = dict({f"data_{k}": (lambda deer, k=k: data_case(deer, k)) for k in DATA_CASES},
             **{f"golden_{k}": (lambda deer, k=k: golden(deer, k)) for k in GOLDEN},
             **{f"bad_{k}": (lambda deer, k=k: bad_input(deer, k)) for k in BAD},
             unsupported_backend=unsupported_backend, good_run=good_run, good_validate=good_validate,
             batch_chunk=batch_chunk, window=window, hdf5_inputs=hdf5_inputs, killed_run=killed_run)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    deer, name = os.path.abspath(sys.argv[1]), sys.argv[2]
    if name == "--make-golden":
        make_golden(deer)
        sys.exit(0)
    if name == "--list":
        print(";".join(TESTS))
        sys.exit(0)
    if name not in TESTS:
        sys.exit(f"unknown test {name}; --list shows them")
    TESTS[name](deer)
