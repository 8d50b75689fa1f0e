"""Check the DEER trajectory against each reference trajectory in a deer output file.

Per entry, with d = subject - reference:
  abs error  |d|
  rel error  |d| / |reference|, over entries with |reference| > atol (entries near zero
             would give meaningless huge ratios; the absolute error covers them) -- the
             same definition `deer validate` stores in /comparison
  passes     |d| <= atol + rtol * |reference|   (the mixed test numpy.allclose uses)
A non-finite subject or reference value fails. Exit codes: 0 pass, 1 fail, 2 bad input.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import List, Optional, Sequence

import numpy as np

from .io import DeerFile, DeerFileError, Trajectory

DEFAULT_ATOL = 1e-6
DEFAULT_RTOL = 1e-6


@dataclass
class ErrorStats:
    subject: str
    reference: str
    max_abs_error: float
    max_rel_error: float
    atol: float
    rtol: float
    passed: bool
    worst_batch: int  # where the largest tolerance ratio |d| / (atol + rtol |ref|) occurs
    worst_time: float
    worst_component: int
    tol_ratio: float  # that largest ratio; <= 1 means pass
    nonfinite: int  # entries where subject or reference is NaN/inf
    interpolated: bool  # reference was interpolated onto the subject's time grid
    tolerance_source: str  # "options", "file" or "default"


def _aligned_reference(subject: Trajectory, ref: Trajectory):
    """Return a function batch -> reference values on the subject's time grid."""
    if subject.batch != ref.batch or subject.dim != ref.dim:
        raise DeerFileError(
            f"trajectories '{subject.name}' {subject.shape} and '{ref.name}' {ref.shape} "
            "have different batch or state sizes (batch, time, component); they do not "
            "describe the same problem"
        )
    if ref.time.shape == subject.time.shape and np.allclose(ref.time, subject.time, rtol=1e-12, atol=0):
        return ref.load, False
    # Different output grids (e.g. a different keep-every-k): interpolate linearly,
    # but only inside the reference's range.
    if ref.time.size < 2 or np.any(np.diff(ref.time) <= 0):
        raise DeerFileError(
            f"'{ref.name}' has a different time grid from '{subject.name}' and its times are "
            "not increasing, so it cannot be interpolated; write both on the same grid"
        )
    lo, hi = ref.time[0], ref.time[-1]
    span = max(abs(hi - lo), 1e-300)
    if subject.time.min() < lo - 1e-12 * span or subject.time.max() > hi + 1e-12 * span:
        raise DeerFileError(
            f"'{ref.name}' covers t in [{lo:g}, {hi:g}] but '{subject.name}' spans "
            f"[{subject.time.min():g}, {subject.time.max():g}]; the reference must cover "
            "the whole subject time range"
        )

    def load(b):
        r = ref.load(b)
        return np.stack([np.interp(subject.time, ref.time, r[:, j]) for j in range(r.shape[1])], axis=1)

    return load, True


def error_vs_time(subject: Trajectory, ref: Trajectory, batch: int = 0) -> np.ndarray:
    """Max over components of |subject - reference| at each subject time (for plots)."""
    load_ref, _ = _aligned_reference(subject, ref)
    d = np.abs(subject.load(batch) - load_ref(batch))
    d[~np.isfinite(d)] = np.inf
    return d.max(axis=1) if d.shape[1] else np.zeros(d.shape[0])


def compare_pair(
    subject: Trajectory,
    ref: Trajectory,
    atol: float,
    rtol: float,
    tolerance_source: str = "options",
) -> ErrorStats:
    if not (atol >= 0 and rtol >= 0 and math.isfinite(atol) and math.isfinite(rtol)):
        raise DeerFileError(f"tolerances must be finite and >= 0 (got atol={atol}, rtol={rtol})")
    load_ref, interpolated = _aligned_reference(subject, ref)
    max_abs = 0.0
    max_rel = 0.0
    worst = (-1.0, 0, 0, 0)  # (ratio, batch, step, component)
    nonfinite = 0
    # One batch entry at a time keeps memory bounded for large runs.
    for b in range(subject.batch):
        s = subject.load(b)
        r = load_ref(b)
        bad = ~(np.isfinite(s) & np.isfinite(r))
        nonfinite += int(bad.sum())
        d = np.abs(s - r)
        d[bad] = np.inf
        if d.size == 0:
            continue
        mag = np.abs(np.where(np.isfinite(r), r, 0.0))
        max_abs = max(max_abs, float(d.max()))
        big = mag > atol
        if big.any():
            max_rel = max(max_rel, float((d[big] / mag[big]).max()))
        allowed = atol + rtol * mag
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(d == 0, 0.0, d / allowed)  # d > 0 with allowed 0 -> inf
        idx = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
        if ratio[idx] > worst[0]:
            worst = (float(ratio[idx]), b, int(idx[0]), int(idx[1]))
    tol_ratio = max(worst[0], 0.0)
    return ErrorStats(
        subject=subject.name,
        reference=ref.name,
        max_abs_error=max_abs,
        max_rel_error=max_rel,
        atol=atol,
        rtol=rtol,
        passed=nonfinite == 0 and tol_ratio <= 1.0,
        worst_batch=worst[1],
        worst_time=float(subject.time[worst[2]]) if subject.time.size else float("nan"),
        worst_component=worst[3],
        tol_ratio=tol_ratio,
        nonfinite=nonfinite,
        interpolated=interpolated,
        tolerance_source=tolerance_source,
    )


def compare_file(
    df: DeerFile,
    atol: Optional[float] = None,
    rtol: Optional[float] = None,
    subject: Optional[str] = None,
    references: Optional[Sequence[str]] = None,
) -> List[ErrorStats]:
    """Compare the subject trajectory with every reference. Tolerances not given here
    come from the file's /comparison attributes, else DEFAULT_ATOL / DEFAULT_RTOL."""
    name = subject or df.default_subject()
    if name not in df.trajectories:
        raise DeerFileError(
            f"{df.path} has no trajectory '{name}'; it has: {', '.join(df.trajectories)}"
        )
    refs = list(references) if references else [n for n in df.trajectories if n != name]
    if not refs:
        raise DeerFileError(
            f"{df.path} holds only the trajectory '{name}', so there is nothing to compare "
            "it with; write references with `deer validate CASE.toml -o OUT.h5`"
        )
    missing = [r for r in refs if r not in df.trajectories]
    if missing:
        raise DeerFileError(
            f"{df.path} has no trajectory {', '.join(repr(m) for m in missing)}; "
            f"it has: {', '.join(df.trajectories)}"
        )
    out = []
    for r in refs:
        if r == name:
            continue
        # `deer validate` stores tolerances under /comparison/<compared trajectory>; a
        # reference with its own entry (CVODE: looser, it includes the discretization error)
        # sets the tolerance of its pair, otherwise the subject's entry does.
        file_atol, file_rtol = df.tolerances_for(r, name)
        a = atol if atol is not None else file_atol
        t = rtol if rtol is not None else file_rtol
        if atol is not None or rtol is not None:
            source = "options"
        elif file_atol is not None or file_rtol is not None:
            source = "file"
        else:
            source = "default"
        out.append(
            compare_pair(
                df.trajectories[name],
                df.trajectories[r],
                DEFAULT_ATOL if a is None else a,
                DEFAULT_RTOL if t is None else t,
                source,
            )
        )
    return out


def format_table(stats: List[ErrorStats]) -> str:
    header = ("subject", "reference", "max abs err", "max rel err", "atol", "rtol", "worst at", "result")
    rows = []
    for s in stats:
        where = f"b={s.worst_batch} t={s.worst_time:.6g} c={s.worst_component}" if s.tol_ratio > 0 else "-"
        verdict = "PASS" if s.passed else "FAIL"
        if s.nonfinite:
            verdict += f" ({s.nonfinite} non-finite)"
        if s.interpolated:
            verdict += " (interpolated)"
        rows.append(
            (
                s.subject,
                s.reference,
                f"{s.max_abs_error:.3e}",
                f"{s.max_rel_error:.3e}",
                f"{s.atol:.1e}",
                f"{s.rtol:.1e}",
                where,
                verdict,
            )
        )
    return render_table(header, rows)


def render_table(header, rows) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


def to_json(stats: List[ErrorStats]) -> str:
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return str(v)  # JSON has no inf/nan
        return v

    return json.dumps([{k: clean(v) for k, v in asdict(s).items()} for s in stats], indent=2)
