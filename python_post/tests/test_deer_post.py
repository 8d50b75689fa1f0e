import base64
import json
import os
import re
import subprocess
import sys

import h5py
import numpy as np
import pytest

from deer_post import io as dio
from deer_post.cli import main
from deer_post.compare import compare_file
from deer_post.plot import speedup_table

PKG_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_module(*args):
    """Run `python3 -m deer_post ...` as a user would."""
    env = dict(os.environ, PYTHONPATH=PKG_ROOT, MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "deer_post", *args], capture_output=True, text=True, env=env)


def assert_png(path, min_pixels=200):
    with open(path, "rb") as fh:
        data = fh.read()
    assert data[:8] == PNG_MAGIC, f"{path} is not a PNG"
    import matplotlib.image as mpimg

    img = mpimg.imread(path)
    assert img.shape[0] >= min_pixels and img.shape[1] >= min_pixels
    # A blank image would be a single colour; a plot has axes, lines and text.
    px = np.round(img.reshape(-1, img.shape[-1]) * 255).astype(np.uint32)
    packed = sum(px[:, c] << (8 * c) for c in range(px.shape[1]))
    assert np.unique(packed).size > 10


# ------------------------------------------------------------------ io


@pytest.mark.parametrize("fixed", [False, True])
def test_read_file(make_file, fixed):
    path = make_file(batch=3, K=17, n=4, fixed_strings=fixed, comparison_tol=(1e-5, 1e-4))
    df = dio.read(path)
    assert df.creator == "deer" and df.h5md_version == (1, 1)
    assert df.param("system") == "gru" and df.param("backend") == "serial"
    assert list(df.trajectories) == ["deer", "sequential", "cvode"]  # subject first, then references
    t = df.trajectories["deer"]
    assert t.shape == (3, 17, 4) and t.status == "converged" and t.iterations == 4
    assert t.final_residual == pytest.approx(1e-13)
    assert t.error_estimate == pytest.approx(5e-14)
    assert df.trajectories["cvode"].final_residual is None
    assert t.load().shape == (3, 17, 4) and t.load(2).shape == (17, 4)
    assert df.inputs_shape == (3, 16, 3)
    assert df.default_subject() == "deer"
    assert df.comparison.reference == "cvode" and set(df.comparison.entries) == {"deer", "sequential"}
    assert df.tolerances_for("deer", "cvode") == (1e-5, 1e-4)
    assert "[time]" in df.parameters["case_toml"]


def test_read_errors(tmp_path, make_file):
    with pytest.raises(dio.DeerFileError, match="no such file"):
        dio.read(tmp_path / "missing.h5")
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5")
    with pytest.raises(dio.DeerFileError, match="not an HDF5 file"):
        dio.read(text)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f.create_dataset("x", data=[1, 2])
    with pytest.raises(dio.DeerFileError, match="not a deer output file"):
        dio.read(other)
    foreign = make_file()
    with h5py.File(foreign, "a") as f:
        f["h5md"].attrs["creator"] = "lammps"
    with pytest.raises(dio.DeerFileError, match="written by 'lammps'"):
        dio.read(foreign)
    broken = make_file()
    with h5py.File(broken, "a") as f:
        del f["trajectories/deer/value"]
    with pytest.raises(dio.DeerFileError, match="no 'value' dataset"):
        dio.read(broken)
    notraj = make_file()
    with h5py.File(notraj, "a") as f:
        del f["trajectories"]
    with pytest.raises(dio.DeerFileError, match="no /trajectories group"):
        dio.read(notraj)
    mismatch = make_file(K=10)
    with h5py.File(mismatch, "a") as f:
        del f["trajectories/cvode/time"]
        f["trajectories/cvode/time"] = np.arange(7.0)
    with pytest.raises(dio.DeerFileError, match="10 time steps but time has 7"):
        dio.read(mismatch)


# ------------------------------------------------------------------ summary


def test_summary_output(make_file, capsys, tmp_path):
    path = make_file(residuals=(2.0, 3e-5, 4.5e-11), status="max_iterations")
    out_json = tmp_path / "s.json"
    assert main(["summary", path, "-o", str(out_json)]) == 0
    out = capsys.readouterr().out
    deer_line = next(line for line in out.splitlines() if line.startswith("deer "))
    assert "max_iterations" in deer_line
    assert re.search(r"\b3\b", deer_line)  # iterations
    assert "4.500e-11" in deer_line  # final residual
    assert "0.125" in deer_line  # wall time
    assert "serial" in deer_line
    assert "2x41x2" in deer_line
    for name in ("sequential", "cvode"):
        assert any(line.startswith(name) for line in out.splitlines())
    assert "gru" in out
    data = json.loads(out_json.read_text())
    by_name = {r["name"]: r for r in data["trajectories"]}
    assert by_name["deer"]["iterations"] == 3 and by_name["deer"]["final_residual"] == pytest.approx(4.5e-11)
    assert by_name["cvode"]["final_residual"] is None and by_name["cvode"]["error_estimate"] is None
    assert by_name["deer"]["error_estimate"] == pytest.approx(2.25e-11)


def test_summary_via_python_m(make_file):
    r = run_module("summary", make_file())
    assert r.returncode == 0, r.stderr
    assert "converged" in r.stdout and "1.000e-13" in r.stdout


# ------------------------------------------------------------------ compare


def test_compare_pass(make_file, capsys):
    path = make_file(perturb=(1, 7, 1, 3e-8))  # |d| = 3e-8 <= 1e-6 + 1e-6 |ref|
    assert main(["compare", path]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "FAIL" not in out
    assert "3.000e-08" in out  # max abs error reported exactly


def test_compare_fail(make_file, capsys, tmp_path):
    path = make_file(batch=3, perturb=(2, 30, 0, -2.5e-3))
    out_json = tmp_path / "cmp.json"
    assert main(["compare", path, "-o", str(out_json)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "2.500e-03" in out
    rows = json.loads(out_json.read_text())
    assert {r["reference"] for r in rows} == {"sequential", "cvode"}
    for r in rows:
        assert not r["passed"] and r["max_abs_error"] == pytest.approx(2.5e-3, rel=1e-9)
        assert (r["worst_batch"], r["worst_component"]) == (2, 0)
        assert r["worst_time"] == pytest.approx(30 * 4.0 / 40)
        assert r["tolerance_source"] == "default"
    # via `python -m`: the exit code reaches the shell
    assert run_module("compare", path).returncode == 1


def test_compare_tolerances_from_options_and_file(make_file, capsys):
    perturb = (0, 5, 1, 1e-4)
    path = make_file(perturb=perturb)
    assert main(["compare", path]) == 1  # defaults 1e-6 / 1e-6
    assert main(["compare", path, "--atol", "2e-4"]) == 0
    assert main(["compare", path, "--atol", "0", "--rtol", "1e-3"]) == 0  # |ref| >= 1 here
    assert main(["compare", path, "--atol", "0", "--rtol", "1e-6"]) == 1
    # tolerances recorded in /comparison are used when no option is given
    loose = make_file(perturb=perturb, comparison_tol=(1e-3, 0.0))
    assert main(["compare", loose]) == 0
    # ... and options override them
    assert main(["compare", loose, "--atol", "1e-5"]) == 1
    capsys.readouterr()


def test_compare_relative_error_value(make_file):
    path = make_file(batch=1, K=9, n=3, perturb=(0, 4, 2, 1e-3))
    df = dio.read(path)
    ref = df.trajectories["cvode"].load(0)[4, 2]
    stats = compare_file(df, references=["cvode"])
    assert len(stats) == 1
    assert stats[0].max_rel_error == pytest.approx(1e-3 / abs(ref), rel=1e-6)
    assert stats[0].tol_ratio == pytest.approx(1e-3 / (1e-6 + 1e-6 * abs(ref)), rel=1e-6)
    # entries whose reference magnitude is <= atol do not count for the relative error
    stats = compare_file(df, references=["cvode"], atol=abs(ref) * 1.01, rtol=0)
    assert stats[0].max_rel_error < 1e-12 and stats[0].max_abs_error == pytest.approx(1e-3)


def test_compare_nan_fails(make_file, capsys):
    path = make_file(perturb=(0, 3, 0, np.nan))
    assert main(["compare", path, "--atol", "1"]) == 1
    assert "non-finite" in capsys.readouterr().out


def test_compare_interpolates_reference_on_other_grid(make_file):
    path = make_file(batch=1, K=401, n=1, refs=("cvode",))
    with h5py.File(path, "a") as f:  # reference output thinned to every 2nd step (dt = 0.02)
        g = f["trajectories/cvode"]
        t = g["time"][::2]
        v = g["value"][:, ::2, :]
        for k in ("time", "value"):
            del g[k]
        g["time"] = t
        g["value"] = v
    stats = compare_file(dio.read(path), atol=1e-4, rtol=0)
    assert stats[0].interpolated and stats[0].passed
    # linear interpolation error of cos between nodes 0.02 apart: at most 0.02**2 / 8
    assert 0 < stats[0].max_abs_error <= 0.02**2 / 8 * 1.0001


def test_reference_not_covering_subject(make_file, tmp_path, capsys):
    # cvode kept every 3rd state and stops before the subject's last time
    path = make_file(batch=1, K=41, n=2, perturb=(0, 20, 0, 1e-3))
    with h5py.File(path, "a") as f:
        g = f["trajectories/cvode"]
        t, v = g["time"][:39:3], g["value"][:, :39:3, :]
        for k in ("time", "value"):
            del g[k]
        g["time"], g["value"] = t, v
    assert main(["compare", path]) == 2
    assert "must cover the whole subject time range" in capsys.readouterr().err
    assert main(["compare", path, "--reference", "sequential"]) == 1
    outdir = tmp_path / "p"
    assert main(["plot", path, "-o", str(outdir), "--kind", "errors"]) == 0
    assert_png(outdir / "errors.png")
    report = tmp_path / "r.html"
    assert main(["report", path, "-o", str(report)]) == 0
    html = report.read_text()
    assert "Not compared" in html and "1.000e-03" in html and "FAIL" in html
    capsys.readouterr()


def test_float32_values(make_file):
    path = make_file(perturb=(0, 2, 1, 0.5))
    with h5py.File(path, "a") as f:
        for name in ("deer", "sequential"):
            v = f[f"trajectories/{name}/value"][...]
            del f[f"trajectories/{name}/value"]
            f[f"trajectories/{name}/value"] = v.astype(np.float32)
    stats = compare_file(dio.read(path), references=["sequential"], atol=1e-6, rtol=0)
    assert stats[0].max_abs_error == pytest.approx(0.5, rel=1e-6) and not stats[0].passed


def test_compare_bad_inputs(make_file, capsys):
    lonely = make_file(refs=())
    assert main(["compare", lonely]) == 2
    assert "nothing to compare" in capsys.readouterr().err
    path = make_file()
    assert main(["compare", path, "--reference", "arkode"]) == 2
    assert "no trajectory 'arkode'" in capsys.readouterr().err
    with h5py.File(path, "a") as f:
        del f["trajectories/cvode/value"]
        f["trajectories/cvode/value"] = np.zeros((2, 41, 3))
    assert main(["compare", path]) == 2
    assert "different batch or state sizes" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["compare", path, "--atol", "-1"])
    assert exc.value.code == 2


# ------------------------------------------------------------------ plots


@pytest.mark.parametrize("n,phase", [(2, True), (3, True), (5, False)])
def test_plot_writes_pngs(make_file, tmp_path, capsys, n, phase):
    path = make_file(n=n, perturb=(0, 3, 0, 1e-7), residuals=(1.0, 1e-4, 0.0))
    outdir = tmp_path / f"plots{n}"
    assert main(["plot", path, "-o", str(outdir)]) == 0
    printed = capsys.readouterr().out.split()
    expected = {"trajectories.png", "errors.png", "residuals.png"} | ({"phase.png"} if phase else set())
    assert set(os.listdir(outdir)) == expected
    assert {os.path.basename(p) for p in printed} == expected
    for name in expected:
        assert_png(outdir / name)


def test_plot_options(make_file, tmp_path, capsys):
    path = make_file(n=5, refs=("sequential",), residuals=())
    outdir = tmp_path / "p"
    assert main(["plot", path, "-o", str(outdir), "--phase", "0,2,4", "--batch", "1",
                 "--components", "1,3"]) == 0
    # no residual history -> no residual plot; phase requested explicitly
    assert set(os.listdir(outdir)) == {"trajectories.png", "errors.png", "phase.png"}
    assert_png(outdir / "phase.png")
    assert main(["plot", path, "-o", str(outdir), "--batch", "7"]) == 2
    assert "out of range" in capsys.readouterr().err
    assert main(["plot", path, "-o", str(outdir), "--components", "9"]) == 2
    assert "component 9 does not exist" in capsys.readouterr().err


def test_plot_default_output_dir(make_file):
    path = make_file()
    assert run_module("plot", path, "--kind", "residuals").returncode == 0
    assert_png(os.path.splitext(path)[0] + "_plots/residuals.png")


# ------------------------------------------------------------------ report


def test_report_contains_stats_and_plots(make_file, tmp_path, capsys):
    path = make_file(perturb=(1, 9, 1, 4e-3), residuals=(1.0, 1e-5, 6.25e-12))
    out = tmp_path / "r.html"
    assert main(["report", path, "-o", str(out)]) == 0
    html = out.read_text()
    assert "4.000e-03" in html  # max abs error
    assert "6.250e-12" in html  # final residual
    assert "FAIL" in html and "converged" in html and "0.125" in html
    assert "sequential" in html and "cvode" in html and "[time]" in html
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 4  # trajectories, errors, residuals, phase (n = 2)
    for img in images:
        assert base64.b64decode(img)[:8] == PNG_MAGIC
    capsys.readouterr()
    # loosened tolerance flips the verdict in the report
    assert main(["report", path, "-o", str(out), "--atol", "1e-2"]) == 0
    assert "FAIL" not in out.read_text()


def test_report_without_references(make_file, tmp_path, capsys):
    lonely = make_file(refs=())
    out = tmp_path / "lonely.html"
    assert main(["report", lonely, "-o", str(out)]) == 0
    html = out.read_text()
    assert "no comparison" in html and "1.000e-13" in html
    assert len(re.findall("data:image/png;base64,", html)) == 3  # no error plot without references
    refs_only = make_file()
    with h5py.File(refs_only, "a") as f:
        f.move("trajectories/deer", "trajectories/arkode")
    assert main(["report", refs_only, "-o", str(out)]) == 0
    assert "Not computed" in out.read_text() and "--subject" in out.read_text()
    assert main(["report", refs_only, "-o", str(out), "--subject", "arkode", "--atol", "1e-3"]) == 0
    assert "Not computed" not in out.read_text() and "PASS" in out.read_text()
    assert main(["report", refs_only, "-o", str(out), "--subject", "nope"]) == 2
    capsys.readouterr()


def test_null_residual_dataset(make_file):
    path = make_file()
    with h5py.File(path, "a") as f:
        del f["trajectories/deer/residuals"]
        f["trajectories/deer"].create_dataset("residuals", data=h5py.Empty("f8"))
    t = dio.read(path).trajectories["deer"]
    assert t.residuals.size == 0 and t.final_residual is None


def test_report_unwritable_output(make_file, tmp_path, capsys):
    path = make_file()
    assert main(["report", path, "-o", str(tmp_path / "no" / "such" / "dir" / "r.html")]) == 2
    assert "does not exist" in capsys.readouterr().err


# ------------------------------------------------------------------ bad inputs


@pytest.mark.parametrize("command", ["summary", "compare", "plot", "report"])
def test_missing_file_exit_2(tmp_path, command):
    missing = tmp_path / "nope.h5"
    r = run_module(command, str(missing))
    assert r.returncode == 2
    assert "no such file" in r.stderr and str(missing) in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("command", ["summary", "compare", "plot", "report"])
def test_non_deer_file_exit_2(tmp_path, command, capsys):
    text = tmp_path / "data.h5"
    text.write_text("hello")
    assert main([command, str(text)]) == 2
    assert "not an HDF5 file" in capsys.readouterr().err
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(3)
    assert main([command, str(other)]) == 2
    assert "not a deer output file" in capsys.readouterr().err


def test_unknown_subcommand_exit_2():
    r = run_module("frobnicate", "x.h5")
    assert r.returncode == 2 and "invalid choice" in r.stderr


# ------------------------------------------------------------------ speedup


def bench_records():
    recs = []
    for n in (4, 16):
        for T in (1000, 10000, 100000):
            seq = T * n * 1e-3
            # two repeats per point: the helper must take their median
            for factor in (1.0, 3.0):
                recs.append(dict(case="gru", n=n, T=T, method="deer", time_ms=seq / (T / 1000) * factor,
                                 sequential_ms=seq))
    return recs


def test_speedup_table_values():
    table = speedup_table(bench_records())
    assert set(table) == {("gru", "deer", 4), ("gru", "deer", 16)}
    for pts in table.values():
        assert [T for T, _ in pts] == [1000, 10000, 100000]
        # median of speedups s and s/3 is 2s/3
        assert [s for _, s in pts] == pytest.approx([2 / 3 * T / 1000 for T in (1000, 10000, 100000)])


def test_plot_speedup_deer_bench_format(tmp_path, capsys):
    # deer-bench writes {"backend": ..., "records": [...]} with a status per record
    recs = bench_records()
    for r in recs:
        r["status"] = "converged"
    diverged = dict(recs[0], status="diverged", time_ms=1e-6)
    bench = tmp_path / "b.json"
    bench.write_text(json.dumps({"backend": "OpenMP", "records": recs + [diverged]}))
    out = tmp_path / "s.png"
    assert main(["plot-speedup", str(bench), "-o", str(out)]) == 0
    assert_png(out)
    assert "left out: status diverged" in capsys.readouterr().err
    from deer_post.plot import read_bench, usable_records

    kept, notes = usable_records(read_bench(str(bench)))
    assert len(kept) == len(recs) and len(notes) == 1
    assert speedup_table(kept) == speedup_table(bench_records())


def test_plot_speedup(tmp_path, capsys):
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps(bench_records() + [dict(case="lorenz", n=3, T=500, method="quasi_deer",
                                                        time_ms=2.0, sequential_ms=5.0)]))
    out = tmp_path / "speedup.png"
    assert main(["plot-speedup", str(bench), "-o", str(out)]) == 0
    assert_png(out)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([dict(case="gru", n=4, T=10, method="deer", time_ms=1.0)]))
    assert main(["plot-speedup", str(bad), "-o", str(out)]) == 2
    assert "lacks key(s) sequential_ms" in capsys.readouterr().err
    bad.write_text(json.dumps([dict(case="gru", n=4, T=10, method="deer", time_ms=0, sequential_ms=1)]))
    assert main(["plot-speedup", str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no usable records" in err and "time_ms=0" in err
    bad.write_text(json.dumps([dict(case="gru", n=4, T=10, method="deer", time_ms="fast", sequential_ms=1)]))
    assert main(["plot-speedup", str(bad), "-o", str(out)]) == 2
    assert "time_ms='fast'" in capsys.readouterr().err
    bad.write_text("{not json")
    assert main(["plot-speedup", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
