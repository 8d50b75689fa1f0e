#!/bin/bash
# Session 18, call 2: base (s17 deer-bench) against v2: the one_step pass in groups of consecutive
# steps with whole groups unchecked (one block: the parameters loaded once) and y in registers;
# the relayout without divisions per element.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s18/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s18
cd $D && tar xJf bins2.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
for v in base v2; do
  b=$D/s17-bench; [ $v = v2 ] && b=$D/v2-bench
  for c in mhgru64:deer gru1:deer gru4:deer; do
    timeout 60 $b --case ${c%:*} --method ${c#*:} --no-reference --reps 3 --profile > $OUT/m/p_${v}_${c%:*}.log 2>&1
    echo "== $v $c"; grep -E "profile|updates" $OUT/m/p_${v}_${c%:*}.log | cut -c30- | head -12
  done
done
for r in 1 2 3; do
  for v in base v2; do
    b=$D/s17-bench; [ $v = v2 ] && b=$D/v2-bench
    timeout 60 $b --case mhgru64 --method deer --no-reference --reps 5 > /tmp/alt.log 2>&1
    echo "run $r $v: $(grep -E '^mhgru64 +deer' /tmp/alt.log | awk '{print $5, "ms", $8, "it"}')"
  done
done
timeout 120 $D/v2-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench_table.log 2>&1; echo "table rc=$?"
grep -E "copy|^(gru|mhgru|diag)" $OUT/m/bench_table.log | head -30
timeout 200 $D/v2-bench --case gru4 --case gru16 --case elman8 --case elman16 --case lstm4 --case lstm8 --reps 3 --json $OUT/m/bench_dense.json > $OUT/m/bench_dense.log 2>&1; echo "dense rc=$?"
grep -E "^(gru|elman|lstm)" $OUT/m/bench_dense.log
