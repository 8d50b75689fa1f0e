#!/bin/bash
# Session 19, call 1: base (session 18's commit), A (the one-pass tile gives NewtonPairs its block
# size as a constant: the pair's arrays in registers), B (A + the float sigmoid's division
# approximate + StepLayout::group_at for the one_step pass).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s19/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s19
cd $D && tar xJf bins1.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
for v in base A B; do
  timeout 60 $D/$v --case mhgru64 --case gru1 --method deer --no-reference --reps 3 --profile > $OUT/m/p_$v.log 2>&1
  echo "== $v"; grep -E "one_pass |one_step_guess|from_flat|to_flat" $OUT/m/p_$v.log | cut -c30- | head -12
done
for r in 1 2 3; do
  for v in base A B; do
    timeout 60 $D/$v --case mhgru64 --method deer --no-reference --reps 5 > /tmp/alt.log 2>&1
    echo "run $r $v: $(grep -E '^mhgru64 +deer' /tmp/alt.log | awk '{print $5, "ms", $8, "it"}')"
  done
done
for v in base B; do
  timeout 150 $D/$v --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench_$v.json > $OUT/m/bench_table_$v.log 2>&1; echo "table $v rc=$?"
  grep -E "copy|^(gru|mhgru|diag)" $OUT/m/bench_table_$v.log | head -30
done
timeout 200 $D/B --case gru4 --case gru16 --case elman8 --case elman16 --case lstm4 --case lstm8 --reps 3 --json $OUT/m/bench_dense_B.json > $OUT/m/bench_dense_B.log 2>&1; echo "dense rc=$?"
grep -E "^(gru|elman|lstm)" $OUT/m/bench_dense_B.log
