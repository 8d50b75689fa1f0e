"""deer validate (the real C++ driver) -> deer_post. ctest sets DEER_BIN and DEER_CASES;
run by hand with DEER_BIN=build/bin/deer DEER_CASES=data/cases."""

import os
import subprocess

import numpy as np
import pytest

from deer_post import io as dio
from deer_post.cli import main

DEER_BIN = os.environ.get("DEER_BIN", "")
CASES = os.environ.get("DEER_CASES", os.path.join(os.path.dirname(__file__), "..", "..", "data", "cases"))

needs_deer = pytest.mark.skipif(
    not DEER_BIN, reason="DEER_BIN is not set to the built `deer` program (ctest sets it when the deer_cli target exists)"
)


@needs_deer
def test_validate_then_post_process(tmp_path, capsys):
    # Set but missing is an error, not a skip: ctest promised the program.
    assert os.access(DEER_BIN, os.X_OK), f"DEER_BIN={DEER_BIN} is not an executable; build the deer_cli target first"
    out = tmp_path / "gru.h5"
    env = dict(os.environ, OMP_PROC_BIND="false", OMP_NUM_THREADS="2")
    r = subprocess.run([DEER_BIN, "validate", os.path.join(CASES, "gru.toml"), "-o", str(out), "--quiet"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    df = dio.read(out)
    assert {"deer", "sequential"} <= set(df.trajectories)
    deer = df.trajectories["deer"]
    assert deer.status == "converged" and deer.iterations >= 1 and deer.residuals.size == deer.iterations
    # converged: the last scaled update <= 1, or the estimated error left <= 0.1
    assert deer.final_residual <= 1.0 or deer.error_estimate <= 0.1, (deer.final_residual, deer.error_estimate)
    assert deer.error_estimate is not None and deer.error_estimate >= 0
    assert df.comparison is not None and df.comparison.entries["deer"].passed

    assert main(["summary", str(out)]) == 0
    assert "converged" in capsys.readouterr().out
    assert main(["compare", str(out)]) == 0  # the case's tolerances, read from /comparison
    assert "PASS" in capsys.readouterr().out
    # Zero tolerance: fails unless DEER reproduced the sequential loop bit for bit.
    identical = np.array_equal(deer.load(), df.trajectories["sequential"].load())
    assert main(["compare", str(out), "--atol", "0", "--rtol", "0"]) == (0 if identical else 1)
    assert main(["plot", str(out), "-o", str(tmp_path / "plots")]) == 0
    assert {"trajectories.png", "errors.png", "residuals.png"} <= set(os.listdir(tmp_path / "plots"))
    assert main(["report", str(out), "-o", str(tmp_path / "r.html")]) == 0
    assert "sequential" in (tmp_path / "r.html").read_text()
