#!/bin/bash
# Session 22, call 1: DEER's first iteration walking the runs inside the one-pass tile.
# B: 51716bb (the runs pass, then the iterations). W2: the working tree (NewtonRuns for runs
# up to two segments, 12 steps for the multi-head GRU's float 2x2 lanes, 32 for GRU n=1; the
# first iteration goes on along the runs in both paths). W: a prototype of W2 whose segments, with
# DEER_WARM=w, start w steps early from y0 and never restart (runs ignored).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s22/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s22
cd $D && tar xJf bins1.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
run() { # label, binary, args...
  local l=$1 b=$2; shift 2
  timeout 100 $D/$b --case mhgru64 --case gru1 --method deer --no-reference --reps 5 "$@" > /tmp/a.log 2>&1
  echo "$l rc=$?"; grep -E "^(mhgru64|gru1) +deer" /tmp/a.log
}
for r in 1 2; do
  run "B C=1" B; run "B C=16" B --guess-run 16
  for C in 2 3 6 8 12 16 32; do run "W2 C=$C" W2 --guess-run $C; done
  for w in 0 3 6 12; do DEER_WARM=$w run "W warm=$w" W --guess-run 2; done
done
for C in 6 12 16; do
  timeout 100 $D/W2 --case mhgru64 --case gru1 --method deer --reps 3 --guess-run $C > /tmp/a.log 2>&1
  echo "W2 C=$C (errors) rc=$?"; grep -E "^(mhgru64|gru1) +deer|updates" /tmp/a.log | cut -c30-
done
for a in "B --guess-run 16" "W2 --guess-run 6" "W2 --guess-run 12"; do
  timeout 100 $D/${a%% *} --case mhgru64 --case gru1 --method deer --no-reference --reps 3 --profile ${a#* } > /tmp/a.log 2>&1
  echo "$a profile rc=$?"; grep -E "profile" /tmp/a.log | cut -c30-
done
# W3: W2 with the copy back's tile (RelayoutTiles) set by DEER_TI (most steps, 32 in W2) and
# DEER_TB (scratch bytes, 16384 in W2).
for r in 1 2; do
  for cfg in "32 16384" "64 16384" "128 32768" "64 32768"; do
    set -- $cfg
    DEER_TI=$1 DEER_TB=$2 timeout 100 $D/W3 --case mhgru64 --method deer --no-reference --reps 5 --profile --guess-run 6 > /tmp/a.log 2>&1
    echo "W3 TI=$1 TB=$2 rc=$?"; grep -E "^mhgru64 +deer|from_flat" /tmp/a.log | cut -c30-
  done
done
