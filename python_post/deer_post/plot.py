"""PNG figures of a deer output file (matplotlib, Agg backend: no display needed).

Each `figure_*` function returns a matplotlib Figure (or None when the file holds
nothing to draw for it); `write_plots` saves the available ones into a directory.
"""

from __future__ import annotations

import json
import math
import os
import textwrap
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import matplotlib

matplotlib.use("Agg")  # before pyplot: headless machines and CI have no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .compare import error_vs_time  # noqa: E402
from .io import REFERENCE_NAMES, DeerFile, DeerFileError  # noqa: E402

KINDS = ("trajectories", "errors", "residuals", "phase")
MAX_POINTS = 20000  # longer series are thinned for drawing (errors keep their envelope)


def _thin(n: int) -> slice:
    return slice(None, None, max(1, math.ceil(n / MAX_POINTS)))


def _envelope(t: np.ndarray, e: np.ndarray):
    """Block maxima so that thinning a long error series never hides its peaks."""
    step = max(1, math.ceil(t.size / MAX_POINTS))
    if step == 1:
        return t, e
    m = (t.size // step) * step
    tb = t[:m:step]
    eb = e[:m].reshape(-1, step).max(axis=1)
    if m < t.size:
        tb = np.append(tb, t[m])
        eb = np.append(eb, e[m:].max())
    return tb, eb


def _style(name: str, subject: str):
    if name == subject:
        return dict(lw=2.0, ls="-", alpha=0.9, zorder=3)
    return dict(lw=1.2, ls="--", alpha=0.9, zorder=4)


def _label(df: DeerFile, j: int) -> str:
    for t in df.trajectories.values():
        if len(t.component_labels) > j:
            return t.component_labels[j]
    return f"y[{j}]"


def _subject(df: DeerFile) -> str:
    try:
        return df.default_subject()
    except DeerFileError:
        return next(iter(df.trajectories))


def _title(df: DeerFile, what: str, batch: int) -> str:
    system = df.param("system")
    return f"{what}" + (f" - {system}" if system else "") + f" (batch {batch})"


def figure_trajectories(df: DeerFile, batch: int = 0, components: Optional[Sequence[int]] = None,
                        max_components: int = 6):
    """Every trajectory overlaid, one panel per state component."""
    subject = _subject(df)
    n = max(t.dim for t in df.trajectories.values())
    comps = list(components) if components else list(range(min(n, max_components)))
    for j in comps:
        if not 0 <= j < n:
            raise DeerFileError(f"component {j} does not exist; the state has {n} components (0..{n - 1})")
    if not comps:
        return None
    ncol = 1 if len(comps) < 4 else 2
    nrow = math.ceil(len(comps) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(7 * ncol, 2.2 * nrow + 0.8), sharex=True, squeeze=False)
    data = {name: t.load(batch) for name, t in df.trajectories.items()}
    for k, j in enumerate(comps):
        ax = axes[k // ncol][k % ncol]
        for name, t in df.trajectories.items():
            if j >= t.dim:
                continue
            sl = _thin(t.steps)
            ax.plot(t.time[sl], data[name][sl, j], label=name, **_style(name, subject))
        ax.set_ylabel(_label(df, j))
        ax.grid(True, alpha=0.3)
    for ax in axes.ravel()[len(comps):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("t")
    axes[0][0].legend(loc="best", fontsize="small")
    shown = f"components {comps[0]}..{comps[-1]} of {n}" if len(comps) < n else f"{n} components"
    fig.suptitle(_title(df, f"Trajectories, {shown}", batch))
    fig.tight_layout()
    return fig


def figure_errors(df: DeerFile, batch: int = 0, subject: Optional[str] = None, atol: Optional[float] = None):
    """max_j |subject - reference| vs time for every reference (log scale)."""
    subject = subject or _subject(df)
    refs = [n for n in df.trajectories if n != subject]
    if not refs:
        return None
    sub = df.trajectories[subject]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    drew_positive = False
    skipped = []
    for r in refs:
        try:
            e = error_vs_time(sub, df.trajectories[r], batch)
        except DeerFileError as exc:  # e.g. a reference on a grid that does not cover the subject
            skipped.append(f"{r}: {exc}")
            continue
        t, e = _envelope(sub.time, e)
        e = np.where(np.isfinite(e), e, np.nan)
        pos = e > 0
        drew_positive |= bool(pos.any())
        (line,) = ax.plot(t, np.where(pos, e, np.nan), label=f"|{subject} - {r}|")
        # Exact zeros are gaps on a log axis; show isolated nonzero points as markers.
        padded = np.concatenate(([False], pos, [False]))
        lonely = pos & ~padded[:-2] & ~padded[2:]
        if lonely.any():
            ax.plot(t[lonely], e[lonely], ls="none", marker="o", ms=4, color=line.get_color())
    if atol is None:
        atol = df.tolerances_for(subject, *refs)[0]
    if atol is not None and atol > 0:
        ax.axhline(atol, color="k", ls=":", lw=1, label=f"atol = {atol:g}")
        drew_positive = True
    if len(skipped) == len(refs):
        plt.close(fig)
        return None
    if drew_positive:
        ax.set_yscale("log")
    else:
        ax.text(0.5, 0.5, "all errors are exactly zero", transform=ax.transAxes, ha="center")
    if skipped:
        note = "not comparable: " + "; ".join(textwrap.shorten(x, 90) for x in skipped)
        fig.text(0.01, 0.01, note, fontsize="x-small", va="bottom")
    if sub.time.size > 1 and sub.time[-1] > sub.time[0]:
        ax.set_xlim(sub.time[0], sub.time[-1])  # the full run, even if errors are sparse
    ax.set_xlabel("t")
    ax.set_ylabel("max over components of |error|")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    ax.set_title(_title(df, "Error vs time", batch))
    fig.tight_layout(rect=(0, 0.05 if skipped else 0, 1, 1))
    return fig


def figure_residuals(df: DeerFile):
    """Newton residual vs iteration for every trajectory that recorded a history."""
    with_hist = [t for t in df.trajectories.values() if t.residuals.size]
    if not with_hist:
        return None
    fig, ax = plt.subplots(figsize=(7, 3.6))
    any_positive = False
    for t in with_hist:
        it = np.arange(1, t.residuals.size + 1)
        r = np.where(t.residuals > 0, t.residuals, np.nan)  # zeros cannot be drawn on a log axis
        any_positive |= bool(np.isfinite(r).any())
        ax.plot(it, r, marker="o", ms=3, label=f"{t.name} ({t.status})")
    if any_positive:
        ax.set_yscale("log")
    # deer::Result::residuals holds the max update scaled by the tolerances: <= 1 is converged
    # (so is a larger last update whose estimated error left is <= 0.1; see docs/solvers.md).
    ax.axhline(1.0, color="k", ls=":", lw=1, label="update threshold (1)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("iteration")
    ax.set_ylabel("residual (max scaled update)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    ax.set_title("Residual vs iteration" + (f" - {df.param('system')}" if df.param("system") else ""))
    fig.tight_layout()
    return fig


def figure_phase(df: DeerFile, batch: int = 0, components: Optional[Sequence[int]] = None):
    """Phase portrait: 2-D or 3-D states by default, or the 2/3 components asked for."""
    n = max(t.dim for t in df.trajectories.values())
    if components:
        comps = list(components)
        if len(comps) not in (2, 3) or any(not 0 <= j < n for j in comps):
            raise DeerFileError(
                f"phase portrait components {comps} are invalid: give 2 or 3 indices in 0..{n - 1}"
            )
    elif n in (2, 3):
        comps = list(range(n))
    else:
        return None
    subject = _subject(df)
    three = len(comps) == 3
    fig = plt.figure(figsize=(6, 5.5))
    ax = fig.add_subplot(111, projection="3d") if three else fig.add_subplot(111)
    for name, t in df.trajectories.items():
        if max(comps) >= t.dim:
            continue
        y = t.load(batch)[_thin(t.steps)]
        cols = [y[:, j] for j in comps]
        ax.plot(*cols, label=name, **_style(name, subject))
        ax.scatter(*[c[:1] for c in cols], marker="o", s=20)  # start point
    ax.set_xlabel(_label(df, comps[0]))
    ax.set_ylabel(_label(df, comps[1]))
    if three:
        ax.set_zlabel(_label(df, comps[2]))
    ax.legend(loc="best", fontsize="small")
    ax.set_title(_title(df, "Phase portrait", batch))
    fig.tight_layout()
    return fig


def make_figures(df: DeerFile, kinds: Sequence[str] = KINDS, batch: int = 0,
                 components: Optional[Sequence[int]] = None, phase: Optional[Sequence[int]] = None,
                 atol: Optional[float] = None, subject: Optional[str] = None) -> Dict[str, object]:
    """Figures by kind; kinds with nothing to draw are left out."""
    for t in df.trajectories.values():
        if not 0 <= batch < t.batch:
            raise DeerFileError(
                f"batch index {batch} is out of range: '{t.name}' has {t.batch} batch entries (0..{t.batch - 1})"
            )
    if subject is not None and subject not in df.trajectories:
        raise DeerFileError(f"{df.path} has no trajectory '{subject}'; it has: {', '.join(df.trajectories)}")
    figs = {}
    for kind in kinds:
        if kind == "trajectories":
            fig = figure_trajectories(df, batch, components)
        elif kind == "errors":
            fig = figure_errors(df, batch, subject=subject, atol=atol)
        elif kind == "residuals":
            fig = figure_residuals(df)
        elif kind == "phase":
            fig = figure_phase(df, batch, phase)
        else:
            raise DeerFileError(f"unknown plot kind '{kind}'; choose from {', '.join(KINDS)}")
        if fig is not None:
            figs[kind] = fig
    return figs


def write_plots(df: DeerFile, outdir: str, prefix: str = "", **kwargs) -> List[str]:
    """Save the figures as PNG files in `outdir`; return their paths."""
    os.makedirs(outdir, exist_ok=True)
    paths = []
    for kind, fig in make_figures(df, **kwargs).items():
        path = os.path.join(outdir, f"{prefix}{kind}.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


# ---------------------------------------------------------------- speedup plots

SPEEDUP_KEYS = ("case", "n", "T", "method", "time_ms", "sequential_ms")


def read_bench(path: str) -> List[dict]:
    """Benchmark records: a JSON list of {case, n, T, method, time_ms, sequential_ms}
    (a top-level object with a "records" list is accepted too)."""
    if not os.path.exists(path):
        raise DeerFileError(f"{path}: no such file; pass the JSON written by the benchmark driver")
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DeerFileError(f"{path} is not valid JSON ({exc})") from exc
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        data = data["records"]
    if not isinstance(data, list) or not data:
        raise DeerFileError(f"{path}: expected a non-empty JSON list of benchmark records")
    for i, rec in enumerate(data):
        if not isinstance(rec, dict):
            raise DeerFileError(f"{path}: record {i} is not a JSON object")
        missing = [k for k in SPEEDUP_KEYS if k not in rec]
        if missing:
            raise DeerFileError(f"{path}: record {i} lacks key(s) {', '.join(missing)}; each record needs "
                                f"{', '.join(SPEEDUP_KEYS)}")
        for k in ("n", "T", "time_ms", "sequential_ms"):
            v = rec[k]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise DeerFileError(f"{path}: record {i} has {k}={v!r}; it must be a number")
    return data


def usable_records(records: List[dict]):
    """(kept, notes): records that did not converge (a 'status' other than 'converged',
    as deer-bench writes) or have non-positive sizes/times are left out, with a note each."""
    kept, notes = [], []
    for i, rec in enumerate(records):
        status = rec.get("status", "converged")
        bad = [k for k in ("n", "T", "time_ms", "sequential_ms") if rec[k] <= 0]
        if status != "converged":
            notes.append(f"record {i} ({rec['case']}, {rec['method']}, n={rec['n']}, T={rec['T']}) "
                         f"left out: status {status}")
        elif bad:
            notes.append(f"record {i} ({rec['case']}, {rec['method']}, n={rec['n']}, T={rec['T']}) "
                         f"left out: {', '.join(f'{k}={rec[k]}' for k in bad)} is not positive")
        else:
            kept.append(rec)
    return kept, notes


def speedup_table(records: List[dict]) -> Dict[tuple, List[tuple]]:
    """{(case, method, n): [(T, speedup), ...] sorted by T}; speedup = sequential_ms / time_ms,
    using the median over repeated records of the same (case, method, n, T)."""
    groups = defaultdict(list)
    for rec in records:
        groups[(str(rec["case"]), str(rec["method"]), int(rec["n"]), float(rec["T"]))].append(
            rec["sequential_ms"] / rec["time_ms"]
        )
    lines = defaultdict(list)
    for (case, method, n, T), values in groups.items():
        lines[(case, method, n)].append((T, float(np.median(values))))
    return {k: sorted(v) for k, v in sorted(lines.items())}


def figure_speedup(records: List[dict], title: str = ""):
    table = speedup_table(records)
    cases = sorted({k[0] for k in table})
    methods = sorted({k[1] for k in table})
    fig, axes = plt.subplots(1, len(cases), figsize=(6 * len(cases), 4.2), squeeze=False)
    for ax, case in zip(axes[0], cases):
        for (c, method, n), pts in table.items():
            if c != case:
                continue
            T, s = zip(*pts)
            label = f"n={n}" + (f" ({method})" if len(methods) > 1 else "")
            ax.plot(T, s, marker="o", label=label)
        ax.axhline(1.0, color="k", ls=":", lw=1)  # below this line sequential wins
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("sequence length T")
        ax.set_ylabel("speedup over sequential")
        ax.set_title(case + (f" - {methods[0]}" if len(methods) == 1 else ""))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def write_speedup(bench_path: str, out_path: str, title: str = "", notes: Optional[list] = None) -> str:
    """Write the speedup PNG; records left out are described in `notes` (if a list is given)."""
    kept, skipped = usable_records(read_bench(bench_path))
    if notes is not None:
        notes.extend(skipped)
    if not kept:
        raise DeerFileError(f"{bench_path}: no usable records (" + "; ".join(skipped[:3]) + ")")
    fig = figure_speedup(kept, title)
    parent = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(parent, exist_ok=True)
    fig.savefig(out_path, dpi=110)
    plt.close(fig)
    return out_path


__all__ = [
    "KINDS", "REFERENCE_NAMES", "figure_trajectories", "figure_errors", "figure_residuals",
    "figure_phase", "make_figures", "write_plots", "read_bench", "usable_records", "speedup_table",
    "figure_speedup", "write_speedup",
]
