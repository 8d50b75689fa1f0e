#!/bin/bash
# Session 23, call 2: the measured run length (Options::guess_run = 0, the new default). N is
# this session's deer-bench (N1: the same with --guess-run 1, the old default). CUDA test_solvers of
# the commit first; then the default table with errors; N against N1,
# alternating; the dense cells and the leaky neural ODE by default; the probe's own time.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s22/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s23
cd $D && tar xJf bins.tar.xz && cd - >/dev/null
timeout 300 $D/test_solvers > /tmp/t.log 2>&1
echo "test_solvers rc=$?"; grep -E "^\[  (PASSED|FAILED) |FAILED  \]|tests ran" /tmp/t.log; grep -E "Measured|Walked|GuessRun|StagedGuess|ErrorEstimate" /tmp/t.log | grep -E "OK|FAILED"
timeout 200 $D/test_scan > /tmp/t2.log 2>&1
echo "test_scan rc=$?"; grep -E "^\[  (PASSED|FAILED) |FAILED  \]|tests ran" /tmp/t2.log
pick() { grep -E "^[a-z0-9_]+ +(deer|sequential|quasi_deer|auto) |first iterate in runs|copy" /tmp/a.log | cut -c1-170; }
timeout 200 $D/N --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 > /tmp/a.log 2>&1
echo "N default table rc=$?"; pick
for r in 1 2; do
  for B in N1 N; do
    case $B in N1) cmd="$D/N --guess-run 1";; N) cmd="$D/N";; esac
    timeout 60 $cmd --case mhgru64 --case gru1 --method deer --no-reference --reps 5 > /tmp/a.log 2>&1
    echo "$B run $r rc=$?"; pick
  done
done
timeout 200 $D/N --case gru4 --case elman8 --case lstm4 --case lstm8 --method deer --method auto --reps 3 > /tmp/a.log 2>&1
echo "N dense default rc=$?"; pick
timeout 120 $D/N --case node8_decay --method deer --method auto --no-reference --reps 3 > /tmp/a.log 2>&1
echo "N node8_decay default rc=$?"; pick
timeout 60 $D/N --case mhgru64 --case gru1 --method deer --no-reference --reps 3 --profile > /tmp/a.log 2>&1
echo "N profile rc=$?"; grep -E "profile|first iterate" /tmp/a.log | head -40

