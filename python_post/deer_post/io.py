"""Read a deer HDF5 output file into small dataclasses.

The schema is documented in docs/hdf5-schema.md. Metadata (statistics, time grids,
residual histories) is read eagerly; trajectory values are read on demand, one batch
entry at a time, because a run may hold far more data than fits comfortably in memory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

try:
    import h5py
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "deer_post needs h5py: install Debian's python3-h5py and run /usr/bin/python3"
    ) from exc

# Trajectory names that are references by convention (the driver writes them beside DEER).
REFERENCE_NAMES = ("sequential", "cvode", "arkode")


class DeerFileError(Exception):
    """The input is missing, unreadable, or does not follow the deer HDF5 schema."""


def _text(value: Any) -> str:
    """Attribute value as str: h5py gives str, bytes, numpy bytes or 1-element arrays."""
    if isinstance(value, np.ndarray):
        if value.size != 1:
            return " ".join(_text(v) for v in value.ravel())
        value = value.ravel()[0]
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def _scalar(value: Any, kind=float):
    """Attribute value as a Python scalar (C writers often store 1-element arrays)."""
    arr = np.asarray(value)
    if arr.size != 1:
        raise ValueError(f"expected a scalar, got shape {arr.shape}")
    item = arr.ravel()[0]
    if isinstance(item, (bytes, np.bytes_)):
        item = bytes(item).decode()
    return kind(item)


def _plain(value: Any) -> Any:
    """Attribute value converted to plain Python (for the parameters dictionary)."""
    if isinstance(value, (bytes, np.bytes_, str)):
        return _text(value)
    arr = np.asarray(value)
    if arr.dtype.kind in "SOU":
        return _text(value)
    if arr.size == 1:
        return arr.ravel()[0].item()
    return arr.tolist()


@dataclass
class Trajectory:
    """One trajectory group: its time grid, statistics and a handle on its values."""

    name: str
    path: str  # file it came from (values are loaded lazily from here)
    time: np.ndarray  # (K,)
    shape: Tuple[int, int, int]  # (batch, K, n)
    residuals: np.ndarray  # (iterations,), may be empty
    method: str = ""
    status: str = ""
    iterations: int = 0
    fallback_ran: bool = False
    substitutions: int = 0
    wall_time_s: float = float("nan")
    backend: str = ""
    # estimated error of the last iterate, tolerance units (None: not recorded, or no iterations)
    error_estimate: Optional[float] = None
    component_labels: List[str] = field(default_factory=list)

    @property
    def batch(self) -> int:
        return self.shape[0]

    @property
    def steps(self) -> int:
        return self.shape[1]

    @property
    def dim(self) -> int:
        return self.shape[2]

    @property
    def final_residual(self) -> Optional[float]:
        return float(self.residuals[-1]) if self.residuals.size else None

    def load(self, batch: Optional[int] = None) -> np.ndarray:
        """Values as float64: (batch, K, n), or (K, n) for a single batch entry."""
        with h5py.File(self.path, "r") as f:
            ds = f["trajectories"][self.name]["value"]
            if batch is None:
                data = np.asarray(ds[...], dtype=np.float64)
                return data.reshape(self.shape)
            if not 0 <= batch < self.batch:
                raise DeerFileError(
                    f"batch index {batch} is out of range for trajectory '{self.name}' "
                    f"(it has {self.batch} batch entries); pick 0..{self.batch - 1}"
                )
            if ds.ndim == 2:  # tolerated layout (K, n) without a batch axis
                return np.asarray(ds[...], dtype=np.float64)
            return np.asarray(ds[batch], dtype=np.float64)


@dataclass
class ComparisonEntry:
    """Errors that `deer validate` recorded for one trajectory in /comparison."""

    name: str
    max_abs_error: float = float("nan")
    max_rel_error: float = float("nan")
    atol: Optional[float] = None
    rtol: Optional[float] = None
    passed: Optional[bool] = None


@dataclass
class Comparison:
    reference: str
    entries: Dict[str, ComparisonEntry]
    atol: Optional[float] = None  # group-level tolerances, if the writer stored them
    rtol: Optional[float] = None


@dataclass
class DeerFile:
    path: str
    h5md_version: Tuple[int, ...]
    creator: str
    creator_version: str
    parameters: Dict[str, Any]
    trajectories: Dict[str, Trajectory]
    comparison: Optional[Comparison] = None
    inputs_shape: Optional[Tuple[int, ...]] = None

    def param(self, key: str, default: str = "") -> str:
        value = self.parameters.get(key, default)
        return "" if value is None else str(value)

    def default_subject(self) -> str:
        """Trajectory checked against the references: 'deer' if present, else the first
        trajectory that is not a conventional reference."""
        if "deer" in self.trajectories:
            return "deer"
        for name in self.trajectories:
            if name not in REFERENCE_NAMES:
                return name
        raise DeerFileError(
            f"{self.path}: every trajectory ({', '.join(self.trajectories)}) is a reference; "
            "name the one to check with --subject"
        )

    def tolerances_for(self, *names: str) -> Tuple[Optional[float], Optional[float]]:
        """atol/rtol recorded in /comparison for the first of `names` that has them,
        falling back to the group-level attributes."""
        if self.comparison is None:
            return None, None
        for name in names:
            entry = self.comparison.entries.get(name)
            if entry is not None and (entry.atol is not None or entry.rtol is not None):
                return entry.atol, entry.rtol
        return self.comparison.atol, self.comparison.rtol


def _optional_float(attrs, key) -> Optional[float]:
    if key not in attrs:
        return None
    try:
        return _scalar(attrs[key], float)
    except (TypeError, ValueError):
        return None


def _float_or_nan(attrs, key) -> float:
    value = _optional_float(attrs, key)
    return float("nan") if value is None else value


def _read_creator(f, path: str) -> Tuple[str, str]:
    h5md = f["h5md"]
    if "creator" in h5md.attrs:
        return _text(h5md.attrs["creator"]), _text(h5md.attrs.get("creator_version", ""))
    # Also accept the H5MD standard layout /h5md/creator {name, version}.
    if "creator" in h5md and isinstance(h5md["creator"], h5py.Group):
        g = h5md["creator"]
        return _text(g.attrs.get("name", "")), _text(g.attrs.get("version", ""))
    raise DeerFileError(
        f"{path}: /h5md has no 'creator' attribute, so this is not a deer output file; "
        "produce one with `deer run CASE.toml -o OUT.h5`"
    )


def _read_trajectory(path: str, name: str, g) -> Trajectory:
    where = f"{path}: /trajectories/{name}"
    for key in ("time", "value"):
        if key not in g:
            raise DeerFileError(
                f"{where} has no '{key}' dataset; the file is incomplete or from an "
                "incompatible writer (see docs/hdf5-schema.md)"
            )
    time = np.asarray(g["time"][...], dtype=np.float64).ravel()
    vshape = g["value"].shape
    if len(vshape) == 2:  # (K, n): tolerate a writer that dropped the batch axis
        shape = (1, vshape[0], vshape[1])
    elif len(vshape) == 3:
        shape = tuple(int(s) for s in vshape)
    else:
        raise DeerFileError(
            f"{where}/value has shape {vshape}; expected (batch, time, component)"
        )
    if shape[1] != time.size:
        raise DeerFileError(
            f"{where}: value has {shape[1]} time steps but time has {time.size} entries; "
            "they must match"
        )
    residuals = np.zeros(0)
    if "residuals" in g:
        rds = g["residuals"]
        # an empty history may be stored as a zero-length or a null (shape None) dataset
        if rds.shape is not None and rds.size:
            residuals = np.asarray(rds[...], dtype=np.float64).ravel()
    a = g.attrs

    def get(key, kind, default):
        if key not in a:
            return default
        try:
            return _scalar(a[key], kind) if kind is not str else _text(a[key])
        except (TypeError, ValueError) as exc:
            raise DeerFileError(f"{where}: attribute '{key}' is malformed ({exc})") from exc

    labels: List[str] = []
    try:  # component names from the third dimension scale, when it holds strings
        scales = g["value"].dims[len(vshape) - 1]
        if len(scales) and scales[0].dtype.kind in "SO" and scales[0].shape == (shape[2],):
            labels = [_text(v) for v in scales[0][...]]
    except Exception:  # dimension scales are optional decoration
        labels = []

    return Trajectory(
        name=name,
        path=path,
        time=time,
        shape=shape,
        residuals=residuals,
        method=get("method", str, name),
        status=get("status", str, "unknown"),
        iterations=get("iterations", int, 0),
        fallback_ran=bool(get("fallback_ran", int, 0)),
        substitutions=get("substitutions", int, 0),
        wall_time_s=get("wall_time_s", float, float("nan")),
        error_estimate=get("error_estimate", float, None) if residuals.size else None,
        backend=get("backend", str, ""),
        component_labels=labels,
    )


def _read_comparison(g) -> Comparison:
    entries = {}
    for name, sub in g.items():
        if not isinstance(sub, h5py.Group):
            continue
        a = sub.attrs
        passed = _optional_float(a, "passed")
        entries[name] = ComparisonEntry(
            name=name,
            max_abs_error=_float_or_nan(a, "max_abs_error"),
            max_rel_error=_float_or_nan(a, "max_rel_error"),
            atol=_optional_float(a, "atol"),
            rtol=_optional_float(a, "rtol"),
            passed=None if passed is None else bool(passed),
        )
    return Comparison(
        reference=_text(g.attrs.get("reference", "")),
        entries=entries,
        atol=_optional_float(g.attrs, "atol"),
        rtol=_optional_float(g.attrs, "rtol"),
    )


def read(path) -> DeerFile:
    """Open a deer output file; raise DeerFileError with a clear message if it isn't one."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise DeerFileError(f"{path}: no such file; check the path or run `deer run CASE.toml -o {path}`")
    if os.path.isdir(path):
        raise DeerFileError(f"{path} is a directory; pass the .h5 file written by `deer run`")
    if not h5py.is_hdf5(path):
        raise DeerFileError(
            f"{path} is not an HDF5 file, so not a deer output file; pass the .h5 file "
            "written by `deer run` or `deer validate`"
        )
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise DeerFileError(f"{path}: cannot open as HDF5 ({exc}); the file may be truncated") from exc
    with f:
        if "h5md" not in f:
            raise DeerFileError(
                f"{path} has no /h5md group, so it is not a deer output file; "
                "produce one with `deer run CASE.toml -o OUT.h5`"
            )
        creator, creator_version = _read_creator(f, path)
        if creator != "deer":
            raise DeerFileError(
                f"{path} was written by '{creator}', not by deer; pass a file written by "
                "`deer run` or `deer validate`"
            )
        version = tuple(int(v) for v in np.asarray(f["h5md"].attrs.get("version", [0, 0])).ravel())
        params = {}
        if "parameters" in f:
            params = {k: _plain(v) for k, v in f["parameters"].attrs.items()}
        if "trajectories" not in f or not isinstance(f["trajectories"], h5py.Group):
            raise DeerFileError(
                f"{path} has no /trajectories group; the run did not finish writing. "
                "Rerun `deer run` (it writes to a temporary name and renames on success)"
            )
        trajs = {}
        for name, g in f["trajectories"].items():
            if isinstance(g, h5py.Group):
                trajs[name] = _read_trajectory(path, name, g)
        # Subject first ('deer', then other non-references), references after, in a fixed order.
        def rank(name):
            if name == "deer":
                return (0, 0, name)
            if name not in REFERENCE_NAMES:
                return (1, 0, name)
            return (2, REFERENCE_NAMES.index(name), name)

        trajs = {k: trajs[k] for k in sorted(trajs, key=rank)}
        if not trajs:
            raise DeerFileError(f"{path}: /trajectories is empty; there is nothing to post-process")
        comparison = None
        if "comparison" in f and isinstance(f["comparison"], h5py.Group):
            comparison = _read_comparison(f["comparison"])
        inputs_shape = None
        if "inputs" in f and "value" in f["inputs"]:
            inputs_shape = tuple(f["inputs"]["value"].shape)
    return DeerFile(
        path=path,
        h5md_version=version,
        creator=creator,
        creator_version=creator_version,
        parameters=params,
        trajectories=trajs,
        comparison=comparison,
        inputs_shape=inputs_shape,
    )
