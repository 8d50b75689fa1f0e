"""One-page, self-contained HTML report: provenance, statistics, error table and plots
(PNGs embedded as base64, so the single file can be mailed or archived)."""

from __future__ import annotations

import base64
import html
import io as _bytesio
import os
from typing import List, Optional, Sequence

from . import plot  # selects the Agg backend before pyplot is used
from .plot import plt
from .compare import ErrorStats, compare_file
from .io import DeerFile, DeerFileError
from .summary import _fmt_float, provenance, trajectory_rows

_CSS = """
body { font-family: sans-serif; margin: 1.5em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.2em 0; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 3px 8px; text-align: left; }
th { background: #eee; }
td.num { text-align: right; font-family: monospace; }
.pass { color: #176617; font-weight: bold; } .fail { color: #a01010; font-weight: bold; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.3em 0; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
"""


def _table(header: Sequence[str], rows: List[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    out = ["<table>", "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
    for row in rows:
        cells = []
        for i, c in enumerate(row):
            if isinstance(c, tuple):  # (text, css class)
                cells.append(f'<td class="{c[1]}">{html.escape(str(c[0]))}</td>')
            else:
                cls = ' class="num"' if i in numeric else ""
                cells.append(f"<td{cls}>{html.escape(str(c))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _png_data(fig) -> str:
    buf = _bytesio.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def build_report(df: DeerFile, atol: Optional[float] = None, rtol: Optional[float] = None,
                 batch: int = 0, subject: Optional[str] = None) -> str:
    title = f"deer report: {os.path.basename(df.path)}"
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             f"<style>{_CSS}</style></head><body>", f"<h1>{html.escape(title)}</h1>"]

    parts.append("<h2>Run</h2>")
    parts.append(_table(("field", "value"), list(provenance(df).items())))

    parts.append("<h2>Solver statistics</h2>")
    rows = []
    for r in trajectory_rows(df):
        rows.append((r["name"], r["method"], r["status"], r["iterations"], _fmt_float(r["final_residual"]),
                     _fmt_float(r["error_estimate"]), "yes" if r["fallback_ran"] else "no", r["substitutions"],
                     _fmt_float(r["wall_time_s"], ".4g"), r["backend"] or "-",
                     "x".join(str(s) for s in r["shape"])))
    parts.append(_table(("trajectory", "method", "status", "iterations", "final residual", "error estimate",
                         "fallback", "substitutions", "wall time [s]", "backend", "shape (batch,K,n)"),
                        rows, numeric=(3, 4, 5, 7, 8)))

    stats: List[ErrorStats] = []
    notes: List[str] = []
    if len(df.trajectories) > 1:
        # One reference at a time, so one that cannot be compared (other grid, other
        # shape) is noted while the others are still reported.
        try:
            name = subject or df.default_subject()
            refs = [r for r in df.trajectories if r != name]
            if name not in df.trajectories:
                raise DeerFileError(f"{df.path} has no trajectory '{name}'; it has: {', '.join(df.trajectories)}")
        except DeerFileError as exc:
            notes.append(str(exc))
            refs = []
        for r in refs:
            try:
                stats += compare_file(df, atol=atol, rtol=rtol, subject=name, references=[r])
            except DeerFileError as exc:
                notes.append(str(exc))
    compare_note = " ".join(notes)
    if stats:
        parts.append("<h2>Comparison with references</h2>")
        crow = []
        for s in stats:
            verdict = ("PASS", "pass") if s.passed else ("FAIL", "fail")
            crow.append((s.subject, s.reference, f"{s.max_abs_error:.3e}", f"{s.max_rel_error:.3e}",
                         f"{s.atol:.1e}", f"{s.rtol:.1e}", s.tolerance_source,
                         f"batch {s.worst_batch}, t={s.worst_time:.6g}, component {s.worst_component}",
                         verdict))
        parts.append(_table(("subject", "reference", "max abs error", "max rel error", "atol", "rtol",
                             "tolerances from", "worst entry", "result"), crow, numeric=(2, 3, 4, 5)))
        overall = all(s.passed for s in stats) and not notes
        cls = "pass" if overall else "fail"
        parts.append(f'<p>Overall: <span class="{cls}">{"PASS" if overall else "FAIL"}</span></p>')
        for note in notes:
            parts.append(f"<p>Not compared: {html.escape(note)}</p>")
    elif compare_note:
        parts.append(f"<h2>Comparison with references</h2><p>Not computed: {html.escape(compare_note)}</p>")
    else:
        parts.append("<p>Only one trajectory in the file: no comparison (run <code>deer validate</code> "
                     "to write references).</p>")

    if df.comparison is not None and df.comparison.entries:
        ref = html.escape(df.comparison.reference or "-")
        parts.append(f"<h3>Recorded by deer validate: each trajectory vs {ref}</h3>")
        crow = [(e.name, _fmt_float(e.max_abs_error), _fmt_float(e.max_rel_error), _fmt_float(e.atol, ".1e"),
                 _fmt_float(e.rtol, ".1e"), "-" if e.passed is None else ("PASS" if e.passed else "FAIL"))
                for e in df.comparison.entries.values()]
        parts.append(_table(("trajectory", "max abs error", "max rel error", "atol", "rtol", "result"), crow,
                            numeric=(1, 2, 3, 4)))

    parts.append("<h2>Plots</h2>")
    tol = stats[0].atol if stats else atol
    for kind, fig in plot.make_figures(df, batch=batch, atol=tol, subject=subject).items():
        parts.append(f"<h3>{html.escape(kind)}</h3>")
        parts.append(f'<img alt="{html.escape(kind)}" src="data:image/png;base64,{_png_data(fig)}">')

    case = df.parameters.get("case_toml")
    if case:
        parts.append("<h2>Resolved case file</h2>")
        parts.append(f"<pre>{html.escape(str(case))}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(df: DeerFile, out_path: str, **kwargs) -> str:
    text = build_report(df, **kwargs)
    parent = os.path.dirname(os.path.abspath(out_path))
    if not os.path.isdir(parent):
        raise DeerFileError(f"cannot write {out_path}: directory {parent} does not exist; create it first")
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, out_path)  # no half-written report if something fails
    return out_path
