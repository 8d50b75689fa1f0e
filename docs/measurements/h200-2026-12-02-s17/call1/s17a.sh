#!/bin/bash
# Session 17, call 1: the one-pass kernel with n and the segment length known at compile time
# where the state is one block (v1: 2x2 lanes, e.g. the multi-head GRU's heads) against the
# committed kernels (base), alternating; then v1's table with the reference; register use.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s17/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s17
cd $D && tar xJf bin1.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
for b in base v1; do
  echo "== $b registers (one-pass kernels of 2x2 lanes)"
  cuobjdump -res-usage $D/$b-bench 2>/dev/null | grep -A1 "OnePassTiles" | grep -B1 -A0 "REG" | grep -o "Function [^ ]*\|REG:[0-9]* STACK:[0-9]* SHARED:[0-9]* LOCAL:[0-9]*" | paste - - | grep "BlockOf" | awk '{print $3,$4,$5,$6}' | sort | uniq -c
done
for r in 1 2 3; do
  for b in base v1; do
    timeout 60 $D/$b-bench --case mhgru64 --method deer --no-reference --reps 5 > $OUT/m/alt_${b}_$r.log 2>&1
    echo "run $r $b: $(grep -E '^mhgru64 +deer' $OUT/m/alt_${b}_$r.log | awk '{print $5, "ms", $8, "it"}')"
  done
done
timeout 120 $D/v1-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench_v1.json > $OUT/m/bench_table_v1.log 2>&1; echo "table rc=$?"
grep -E "copy|one_pass|^(gru|mhgru|diag)" $OUT/m/bench_table_v1.log | head -30
