#!/bin/bash
# Session 23, call 3: the probe's and the staged runs' inputs fetched 8 steps ahead (N2) against
# call 2's N, alternating; both against the old default (--guess-run 1) over T (--sweep: GRU n=1
# and n=8 DEER at T = 1e3, 1e4, 1e5).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s22/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s23b
cd $D && tar xJf bins3.tar.xz && cd - >/dev/null
pick() { grep -E "^[a-z0-9_]+ +(deer|sequential|quasi_deer|auto) |first iterate in runs|profile" /tmp/a.log | cut -c1-170; }
for r in 1 2; do
  for B in N N2; do
    timeout 60 $D/$B --case mhgru64 --case gru1 --method deer --no-reference --reps 5 > /tmp/a.log 2>&1
    echo "$B run $r rc=$?"; pick
  done
done
for B in N N2; do
  timeout 60 $D/$B --case mhgru64 --case gru1 --method deer --no-reference --reps 3 --profile > /tmp/a.log 2>&1
  echo "$B profile rc=$?"; pick
done
for r in 1 2; do
  for B in N1 N2; do
    case $B in N1) cmd="$D/N2 --guess-run 1";; N2) cmd="$D/N2";; esac
    timeout 100 $cmd --case none --sweep --method deer --reps 10 > /tmp/a.log 2>&1
    echo "$B sweep run $r rc=$?"; pick
  done
done
timeout 200 $D/N2 --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 > /tmp/a.log 2>&1
echo "N2 default table rc=$?"; pick
