#!/bin/bash
# Session 17, call 5: v4 = v3 with the one_step pass writing straight into the iterate (no
# local array). The pass's time (--profile) and ncu's view of it (multi-head GRU, GRU n=16);
# the multi-head GRU's DEER alternating --guess y0 / default; the table and the dense cases.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s17/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s17
cd $D && tar xJf bin4.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
for c in gru16:quasi_deer mhgru64:deer gru1:deer gru8:quasi_deer; do
  timeout 60 $D/v4-bench --case ${c%:*} --method ${c#*:} --no-reference --reps 3 --profile > $OUT/m/p_${c%:*}.log 2>&1
  grep -E "one_step_guess|^(gru|mhgru)" $OUT/m/p_${c%:*}.log | grep -v "^case"
done
for c in mhgru64:deer gru16:quasi_deer; do
  timeout 120 ncu --kernel-name regex:one_step_guess --launch-count 1 --section SpeedOfLight --section Occupancy \
    --section LaunchStats --section WarpStateStats --section MemoryWorkloadAnalysis \
    $D/v4-bench --case ${c%:*} --method ${c#*:} --no-reference --reps 1 > $OUT/m/ncu_${c%:*}.txt 2>&1
  grep -E "Duration|Registers Per|Achieved Occupancy|Theoretical Occupancy|Memory Throughput|Compute \(SM\)|Local|Stall|Warp Cycles|Block Limit" $OUT/m/ncu_${c%:*}.txt | head -24
done
for r in 1 2 3; do
  for g in y0 one_step; do
    timeout 60 $D/v4-bench --guess $g --case mhgru64 --method deer --no-reference --reps 5 > $OUT/m/alt_${g}_$r.log 2>&1
    echo "run $r $g: $(grep -E '^mhgru64 +deer' $OUT/m/alt_${g}_$r.log | awk '{print $5, "ms", $8, "it"}')"
  done
done
rm -f $OUT/m/alt_*
timeout 120 $D/v4-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench_table.log 2>&1; echo "table rc=$?"
grep -E "copy|one_pass|^(gru|mhgru|diag)" $OUT/m/bench_table.log | head -30
timeout 150 $D/v4-bench --case gru4 --case gru16 --case elman8 --case elman16 --case lstm4 --case lstm8 --reps 3 --json $OUT/m/bench_dense.json > $OUT/m/bench_dense.log 2>&1; echo "dense rc=$?"
grep -E "^(gru|elman|lstm)" $OUT/m/bench_dense.log
