"""Command line: python3 -m deer_post SUBCOMMAND ... (exit 0 ok/pass, 1 compare failed, 2 bad input)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from . import __version__

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2


def _non_negative(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number")
    if not v >= 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be a finite number >= 0")
    return v


def _index_list(text: str) -> List[int]:
    try:
        out = [int(x) for x in text.split(",") if x.strip() != ""]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a comma-separated list of component indices, e.g. 0,2")
    if not out:
        raise argparse.ArgumentTypeError("give at least one component index")
    return out


def _stem(path: str) -> str:
    base, _ = os.path.splitext(path)
    return base


def _write_text(path: str, text: str) -> None:
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise OSError(f"directory {parent} does not exist; create it first")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text if text.endswith("\n") else text + "\n")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="deer_post",
        description="Post-process HDF5 files written by the deer driver.",
        epilog="Exit codes: 0 success / comparison passed, 1 comparison failed, 2 bad input.",
    )
    p.add_argument("--version", action="version", version=f"deer_post {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    s = sub.add_parser("summary", help="status, iterations, residual and wall time per trajectory")
    s.add_argument("file", help="deer output file (.h5)")
    s.add_argument("-o", "--output", help="also write the summary here (JSON if it ends in .json, else text)")

    c = sub.add_parser("compare", help="check DEER against each reference; exit 0 pass, 1 fail, 2 bad input")
    c.add_argument("file", help="deer output file (.h5)")
    c.add_argument("--atol", type=_non_negative,
                   help="absolute tolerance (default: the file's /comparison attrs, else 1e-6)")
    c.add_argument("--rtol", type=_non_negative,
                   help="relative tolerance (default: the file's /comparison attrs, else 1e-6)")
    c.add_argument("--subject", help="trajectory to check (default: 'deer', else the first non-reference)")
    c.add_argument("--reference", action="append",
                   help="reference trajectory (repeatable; default: every other trajectory)")
    c.add_argument("-o", "--output", help="also write the table here (JSON if it ends in .json, else text)")

    pl = sub.add_parser("plot", help="PNG plots: trajectories, errors, residuals, phase portrait")
    pl.add_argument("file", help="deer output file (.h5)")
    pl.add_argument("-o", "--output", help="directory for the PNG files (default: FILE_plots/ beside FILE)")
    pl.add_argument("--kind", action="append", choices=("trajectories", "errors", "residuals", "phase"),
                    help="plot only this kind (repeatable; default: all that apply)")
    pl.add_argument("--subject", help="trajectory the error plot measures (default: 'deer')")
    pl.add_argument("--batch", type=int, default=0, help="batch entry to draw (default 0)")
    pl.add_argument("--components", type=_index_list, help="state components to overlay, e.g. 0,1,5 (default: first 6)")
    pl.add_argument("--phase", type=_index_list,
                    help="2 or 3 components for the phase portrait (default: the whole state if it is 2-D or 3-D)")

    r = sub.add_parser("report", help="one self-contained HTML page with statistics and plots")
    r.add_argument("file", help="deer output file (.h5)")
    r.add_argument("-o", "--output", help="HTML file to write (default: FILE_report.html beside FILE)")
    r.add_argument("--atol", type=_non_negative, help="absolute tolerance for the comparison table")
    r.add_argument("--rtol", type=_non_negative, help="relative tolerance for the comparison table")
    r.add_argument("--subject", help="trajectory to check (default: 'deer', else the first non-reference)")
    r.add_argument("--batch", type=int, default=0, help="batch entry to draw (default 0)")

    sp = sub.add_parser("plot-speedup", help="speedup vs T for several n from a benchmark JSON file")
    sp.add_argument("bench", help="JSON list of {case, n, T, method, time_ms, sequential_ms}")
    sp.add_argument("-o", "--output", help="PNG to write (default: BENCH_speedup.png)")
    sp.add_argument("--title", default="", help="figure title")
    return p


def _run(args) -> int:
    # Imported here so that `--help` works fast and errors in one module don't hide the others.
    from .io import read

    if args.command == "plot-speedup":
        from .plot import write_speedup

        out = args.output or _stem(args.bench) + "_speedup.png"
        notes: List[str] = []
        written = write_speedup(args.bench, out, args.title, notes)
        for note in notes:
            print(f"deer_post plot-speedup: note: {note}", file=sys.stderr)
        print(written)
        return EXIT_OK

    df = read(args.file)

    if args.command == "summary":
        from .summary import format_summary, summary_json

        print(format_summary(df))
        if args.output:
            _write_text(args.output, summary_json(df) if args.output.endswith(".json") else format_summary(df))
        return EXIT_OK

    if args.command == "compare":
        from .compare import compare_file, format_table, to_json

        stats = compare_file(df, atol=args.atol, rtol=args.rtol, subject=args.subject, references=args.reference)
        table = format_table(stats)
        ok = all(s.passed for s in stats)
        print(table)
        print("PASS" if ok else "FAIL: " + ", ".join(s.reference for s in stats if not s.passed)
              + " outside tolerance")
        if args.output:
            _write_text(args.output, to_json(stats) if args.output.endswith(".json") else table)
        return EXIT_OK if ok else EXIT_FAIL

    if args.command == "plot":
        from .plot import KINDS, write_plots

        outdir = args.output or _stem(args.file) + "_plots"
        paths = write_plots(df, outdir, kinds=args.kind or KINDS, batch=args.batch,
                            components=args.components, phase=args.phase, subject=args.subject)
        for p in paths:
            print(p)
        if not paths:
            print("nothing to plot", file=sys.stderr)
            return EXIT_BAD_INPUT
        return EXIT_OK

    if args.command == "report":
        from .report import write_report

        out = args.output or _stem(args.file) + "_report.html"
        print(write_report(df, out, atol=args.atol, rtol=args.rtol, batch=args.batch, subject=args.subject))
        return EXIT_OK

    raise AssertionError(args.command)  # argparse only allows the commands above


def main(argv: Optional[List[str]] = None) -> int:
    from .io import DeerFileError

    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except DeerFileError as exc:
        print(f"deer_post {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # unwritable output, unreadable file, ...
        print(f"deer_post {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
