#!/bin/bash
# Session 17, call 2: the first iterate. v2 = v1 (call 1) + InitialGuess::one_step (every step
# taken once from y0) and deer-bench --guess. Every bench case with the broadcast y0 (the
# default before) and with one_step, the reference included; then the multi-head GRU's DEER
# alternating between the two.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s17/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s17
cd $D && tar xJf bin2.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
for g in y0 one_step; do
  timeout 100 $D/v2-bench --guess $g --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench_$g.json > $OUT/m/bench_table_$g.log 2>&1; echo "table $g rc=$?"
  grep -E "^(gru|mhgru)" $OUT/m/bench_table_$g.log | grep -v sequential
  grep -E "updates" $OUT/m/bench_table_$g.log | head -12
done
for g in y0 one_step; do
  timeout 150 $D/v2-bench --guess $g --case gru4 --case gru16 --case elman8 --case elman16 --case lstm4 --case lstm8 --reps 3 --json $OUT/m/bench_dense_$g.json > $OUT/m/bench_dense_$g.log 2>&1; echo "dense $g rc=$?"
  grep -E "^(gru|elman|lstm)" $OUT/m/bench_dense_$g.log | grep -v sequential
done
for g in y0 one_step; do
  timeout 60 $D/v2-bench --guess $g --case node8_decay --method deer --no-reference --reps 1 > $OUT/m/node8_decay_$g.log 2>&1; echo "node8_decay $g rc=$?"
  grep -E "^node8|updates" $OUT/m/node8_decay_$g.log
done
for r in 1 2 3; do
  for g in y0 one_step; do
    timeout 60 $D/v2-bench --guess $g --case mhgru64 --method deer --no-reference --reps 5 > $OUT/m/alt_${g}_$r.log 2>&1
    echo "run $r $g: $(grep -E '^mhgru64 +deer' $OUT/m/alt_${g}_$r.log | awk '{print $5, "ms", $8, "it"}')"
  done
done
