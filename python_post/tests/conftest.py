"""Fixtures: small deer output files written with h5py following docs/hdf5-schema.md."""

import os
import sys

import h5py
import numpy as np
import pytest

# Make the package importable when pytest is run without PYTHONPATH.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))

STR = h5py.string_dtype("utf-8")


def exact_solution(batch, K, n, t):
    """Smooth, nonzero reference values: y[b, k, j] = (1 + b) * cos(t_k + j) + 2."""
    b = np.arange(batch)[:, None, None]
    j = np.arange(n)[None, None, :]
    return (1.0 + b) * np.cos(t[None, :, None] + j) + 2.0


def write_deer_file(
    path,
    batch=2,
    K=41,
    n=2,
    refs=("sequential", "cvode"),
    perturb=None,
    comparison_tol=None,
    fixed_strings=False,
    residuals=(1.0, 1e-3, 1e-7, 1e-13),
    status="converged",
):
    """Write a deer-like file. `perturb` = (batch, step, component, delta) added to the
    'deer' trajectory only, so the exact maximum error is known to the test."""
    t = np.linspace(0.0, 4.0, K)
    y = exact_solution(batch, K, n, t)

    def s(x):  # strings as variable-length (h5py default) or fixed-length bytes (typical C writer)
        return np.bytes_(x) if fixed_strings else x

    with h5py.File(path, "w") as f:
        h = f.create_group("h5md")
        h.attrs["version"] = np.array([1, 1], dtype=np.int32)
        h.attrs["creator"] = s("deer")
        h.attrs["creator_version"] = s("0.1.0")
        p = f.create_group("parameters")
        p.attrs["case_toml"] = s('system = "gru"\n[time]\nT = 40\n')
        for k, v in dict(system="gru", method="deer", backend="serial", precision="float64",
                         deer_version="0.1.0", kokkos_version="3.4.1", created="2026-11-29T22:00:00Z").items():
            p.attrs[k] = s(v)
        f.create_dataset("inputs/value", data=np.zeros((batch, K - 1, 3)))
        tr = f.create_group("trajectories")
        for name in ("deer",) + tuple(refs):
            g = tr.create_group(name)
            tds = g.create_dataset("time", data=t)
            val = y.copy()
            if name == "deer" and perturb is not None:
                b, k, j, delta = perturb
                val[b, k, j] += delta
            vds = g.create_dataset("value", data=val, chunks=True, compression="gzip")
            # dimension scales (batch, time, component) as the C++ writer attaches them
            bds = g.create_dataset("batch", data=np.arange(batch))
            cds = g.create_dataset("component", data=np.arange(n))
            for ds, dim in ((bds, 0), (tds, 1), (cds, 2)):
                ds.make_scale(ds.name.rsplit("/", 1)[-1])
                vds.dims[dim].attach_scale(ds)
            res = np.asarray(residuals if name == "deer" else [], dtype=np.float64)
            g.create_dataset("residuals", data=res)
            g.attrs["method"] = s(name)
            g.attrs["status"] = s(status if name == "deer" else "converged")
            g.attrs["iterations"] = np.int32(res.size)
            g.attrs["fallback_ran"] = np.int32(0)
            g.attrs["substitutions"] = np.int32(0)
            if name == "deer":
                g.attrs["error_estimate"] = np.float64(res[-1] * 0.5 if res.size else 0.0)
            g.attrs["wall_time_s"] = 0.125 if name == "deer" else 0.5
            g.attrs["backend"] = s("serial")
        if comparison_tol is not None:
            c = f.create_group("comparison")
            # as `deer validate` writes it: one subgroup per trajectory compared with the reference
            c.attrs["reference"] = s(refs[-1] if refs else "")
            for name in ("deer",) + tuple(refs[:-1]):
                sub = c.create_group(name)
                sub.attrs["max_abs_error"] = 0.0
                sub.attrs["max_rel_error"] = 0.0
                sub.attrs["atol"] = comparison_tol[0]
                sub.attrs["rtol"] = comparison_tol[1]
                sub.attrs["passed"] = np.int32(1)
    return str(path)


@pytest.fixture
def make_file(tmp_path):
    counter = iter(range(1000))

    def make(**kwargs):
        return write_deer_file(tmp_path / f"run{next(counter)}.h5", **kwargs)

    return make
