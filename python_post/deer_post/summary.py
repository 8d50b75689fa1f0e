"""Text and JSON summaries of a deer output file: provenance and per-trajectory statistics."""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List

from .compare import render_table
from .io import DeerFile

PROVENANCE_KEYS = ("system", "method", "backend", "precision", "deer_version", "kokkos_version", "created")


def _fmt_float(x, spec=".3e") -> str:
    if x is None:
        return "-"
    if isinstance(x, float) and math.isnan(x):
        return "-"
    return format(x, spec)


def trajectory_rows(df: DeerFile) -> List[Dict[str, Any]]:
    rows = []
    for t in df.trajectories.values():
        rows.append(
            {
                "name": t.name,
                "method": t.method,
                "status": t.status,
                "iterations": t.iterations,
                "final_residual": t.final_residual,
                "error_estimate": t.error_estimate,
                "fallback_ran": t.fallback_ran,
                "substitutions": t.substitutions,
                "wall_time_s": t.wall_time_s,
                "backend": t.backend,
                "shape": list(t.shape),
            }
        )
    return rows


def provenance(df: DeerFile) -> Dict[str, str]:
    out = {"file": df.path, "creator": f"{df.creator} {df.creator_version}".strip()}
    for key in PROVENANCE_KEYS:
        if key in df.parameters:
            out[key] = df.param(key)
    return out


def format_summary(df: DeerFile) -> str:
    lines = [f"{k:15s} {v}" for k, v in provenance(df).items()]
    if df.inputs_shape is not None:
        lines.append(f"{'inputs':15s} shape {tuple(df.inputs_shape)}")
    lines.append("")
    header = ("trajectory", "method", "status", "iterations", "final residual", "error estimate", "fallback",
              "subst.", "wall time [s]", "backend", "shape (batch,K,n)")
    rows = []
    for r in trajectory_rows(df):
        rows.append(
            (
                r["name"],
                r["method"],
                r["status"],
                r["iterations"],
                _fmt_float(r["final_residual"]),
                _fmt_float(r["error_estimate"]),
                "yes" if r["fallback_ran"] else "no",
                r["substitutions"],
                _fmt_float(r["wall_time_s"], ".4g"),
                r["backend"] or "-",
                "x".join(str(s) for s in r["shape"]),
            )
        )
    lines.append(render_table(header, rows))
    if df.comparison is not None and df.comparison.entries:
        lines.append("")
        lines.append(f"recorded by deer validate, each trajectory vs {df.comparison.reference or '-'}:")
        crow = []
        for e in df.comparison.entries.values():
            crow.append(
                (
                    e.name,
                    _fmt_float(e.max_abs_error),
                    _fmt_float(e.max_rel_error),
                    _fmt_float(e.atol, ".1e"),
                    _fmt_float(e.rtol, ".1e"),
                    "-" if e.passed is None else ("PASS" if e.passed else "FAIL"),
                )
            )
        lines.append(render_table(("trajectory", "max abs err", "max rel err", "atol", "rtol", "result"), crow))
    return "\n".join(lines)


def summary_json(df: DeerFile) -> str:
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v

    data = {
        "provenance": provenance(df),
        "trajectories": [{k: clean(v) for k, v in r.items()} for r in trajectory_rows(df)],
    }
    if df.comparison is not None:
        data["comparison"] = {
            "reference": df.comparison.reference,
            "entries": {
                n: {
                    "max_abs_error": clean(e.max_abs_error),
                    "max_rel_error": clean(e.max_rel_error),
                    "atol": e.atol,
                    "rtol": e.rtol,
                    "passed": e.passed,
                }
                for n, e in df.comparison.entries.items()
            },
        }
    return json.dumps(data, indent=2)
