#!/bin/bash
# Session 20, call 3a: the commit (F) against session 19 (base), alternating; DEER with --guess-run against the default, alternating; the tables.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s20/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s20
cd $D && tar xJf bins3a.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
for r in 1 2 3; do
  for v in base F; do
    timeout 60 $D/$v --case mhgru64 --case gru1 --case gru8 --case gru4 --method deer --no-reference --reps 5 > /tmp/a.log 2>&1
    echo "deer $r $v: $(grep -E '^(mhgru64|gru1|gru8|gru4) +deer' /tmp/a.log | awk '{print $1, $5, "ms", $8, "it"}' | tr '\n' ' ')"
    timeout 60 $D/$v --case gru16 --case gru4 --method quasi_deer --no-reference --reps 3 > /tmp/a.log 2>&1
    echo "quasi $r $v: $(grep -E '^gru(16|4) +quasi' /tmp/a.log | awk '{print $1, $5, "ms", $8, "it"}' | tr '\n' ' ')"
  done
done
for r in 1 2; do
  for C in 1 16 256; do
    timeout 100 $D/F --case mhgru64 --case gru1 --case gru8 --case gru4 --case elman8 --case lstm4 --method deer --no-reference --reps 3 --guess-run $C > $OUT/m/run_${r}_$C.log 2>&1
    echo "guess-run $C r=$r: $(grep -E '^(mhgru64|gru1|gru8|gru4|elman8|lstm4) +deer' $OUT/m/run_${r}_$C.log | awk '{print $1, $5, "ms", $8, "it"}' | tr '\n' ' ')"
  done
done
for C in 1 16; do
  timeout 60 $D/F --case mhgru64 --method deer --no-reference --reps 3 --profile --guess-run $C > $OUT/m/p_$C.log 2>&1
  echo "profile guess-run $C"; grep -E "profile mhgru64" $OUT/m/p_$C.log | cut -c30- | head -6
done
timeout 150 $D/F --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench_table.log 2>&1; echo "table rc=$?"
grep -E "copy|^(gru|mhgru|diag)" $OUT/m/bench_table.log | head -30
timeout 200 $D/F --case gru4 --case gru16 --case elman8 --case elman16 --case lstm4 --case lstm8 --reps 3 --json $OUT/m/bench_dense.json > $OUT/m/bench_dense.log 2>&1; echo "dense rc=$?"
grep -E "^(gru|elman|lstm)" $OUT/m/bench_dense.log
timeout 100 $D/F --case mhgru64 --case lstm4 --case lstm8 --method deer --reps 3 --guess-run 256 > $OUT/m/run256_ref.log 2>&1; echo "guess-run 256 with reference rc=$?"
grep -E "^(mhgru64|lstm)" $OUT/m/run256_ref.log
