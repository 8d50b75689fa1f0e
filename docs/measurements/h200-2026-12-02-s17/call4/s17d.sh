#!/bin/bash
# Session 17, call 4: v3 = the commit's deer-bench: v1's kernel, InitialGuess::one_step as the
# default, its pass launched with registers for 8 teams of 128 per SM. The table and the dense
# cases with the reference (default guess), the guess pass's time (--profile), and the
# multi-head GRU's DEER alternating between --guess y0 and the default.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s17/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s17
cd $D && tar xJf bin3.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
for c in gru16:quasi_deer mhgru64:deer gru1:deer; do
  timeout 60 $D/v3-bench --case ${c%:*} --method ${c#*:} --no-reference --reps 3 --profile > $OUT/m/p_${c%:*}.log 2>&1
  grep -E "one_step_guess|broadcast|one_pass |chunked|^(gru|mhgru)" $OUT/m/p_${c%:*}.log | grep -v "^case"
done
for r in 1 2 3; do
  for g in y0 one_step; do
    timeout 60 $D/v3-bench --guess $g --case mhgru64 --method deer --no-reference --reps 5 > $OUT/m/alt_${g}_$r.log 2>&1
    echo "run $r $g: $(grep -E '^mhgru64 +deer' $OUT/m/alt_${g}_$r.log | awk '{print $5, "ms", $8, "it"}')"
  done
done
timeout 120 $D/v3-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench_table.log 2>&1; echo "table rc=$?"
grep -E "copy|one_pass|^(gru|mhgru|diag)" $OUT/m/bench_table.log | head -30
timeout 150 $D/v3-bench --case gru4 --case gru16 --case elman8 --case elman16 --case lstm4 --case lstm8 --reps 3 --json $OUT/m/bench_dense.json > $OUT/m/bench_dense.log 2>&1; echo "dense rc=$?"
grep -E "^(gru|elman|lstm)" $OUT/m/bench_dense.log
timeout 100 $D/v3-bench --case node8_decay --reps 1 --json $OUT/m/bench_node8_decay.json > $OUT/m/bench_node8_decay.log 2>&1; echo "node8_decay rc=$?"
grep -E "^node8" $OUT/m/bench_node8_decay.log
rm -f $OUT/m/alt_*  # (their lines are above; fewer files come back)
