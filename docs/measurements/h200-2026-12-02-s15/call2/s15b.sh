#!/bin/bash
# Session 15, call 2: Auto's quasi-DEER first with the projection (kQuasiFirstProjected = 16;
# deer-bench `b`, the working tree) against call 1's build (`a`, no projection): the seven
# dense systems with every method and the reference, then Auto alone alternating, then the table.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s15/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s15
cd $D && tar xJf ../s12/lib.tar.xz && tar xJf bina.tar.xz deer-bench && mv deer-bench a-deer-bench && tar xJf binb.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
C="--case gru4 --case gru8 --case gru16 --case elman8 --case elman16 --case lstm4 --case lstm8"
timeout 200 $D/b-deer-bench $C --reps 5 --json $OUT/m/bench_dense.json > $OUT/m/bench_dense.log 2>&1; echo "dense rc=$?"
grep -E "^(gru|elman|lstm)" $OUT/m/bench_dense.log | head -40
grep -E "case|updates" $OUT/m/bench_dense.log | grep -B1 -A0 "updates" | head -0
for r in 1 2; do for v in a b; do
  timeout 100 $D/$v-deer-bench $C --method auto --reps 5 --no-reference > $OUT/m/auto_$v$r.log 2>&1; echo "$v run $r rc=$?: $(grep -E "^(gru|elman|lstm)" $OUT/m/auto_$v$r.log | grep auto | awk '{printf "%s %s(%s); ", $1, $5, $8}')"
done; done
timeout 100 $D/b-deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench_table.log 2>&1; echo "table rc=$?"
grep -E "copy|one_pass|^(gru|mhgru|diag)" $OUT/m/bench_table.log | head -30
