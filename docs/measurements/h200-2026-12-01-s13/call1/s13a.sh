#!/bin/bash
# Session 13, call 1: tile-shape variants of the one-pass kernel against the committed code (c),
# alternating; then ncu of the -lineinfo build (L) on the multi-head GRU and the diagonal scan.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s13/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s13
cd $D && tar xJf ../s12/lib.tar.xz && tar xJf ../s12/bin.tar.xz && tar xJf bin.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
C="--case diag_scan --case gru1 --case mhgru64 --reps 5 --no-reference --method deer"
for r in 1 2; do
  for v in ${VARIANTS:-c v1 v2 v3 v4 v5}; do
    timeout 100 $D/$v-deer-bench $C > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?: $(grep -oE "one_pass [0-9.]+ ms" $OUT/m/bench_$v.log) $(grep -E "^(gru|mhgru)" $OUT/m/bench_$v.log | awk '{printf "%s/%s %s(%s); ", $1, $2, $5, $8}')"
  done
done
for r in 1 2 3; do
  for v in c v1 v6 v7 v8 v9 v11 v12 v13 v14; do echo "diag $v run $r: $(timeout 60 $D/$v-diag 2>&1 | tail -1)"; done
done
S="--section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section SchedulerStats --section InstructionStats --section SourceCounters"
for c in mhgru64 diag_scan; do
  timeout 200 ncu --kernel-name-base demangled --kernel-name regex:"OnePassTiles" --launch-skip 2 --launch-count 1 --clock-control none $S --import-source yes \
    --export /tmp/ncu_$c $D/L-deer-bench --case $c --reps 1 --no-reference --method deer > /dev/null 2>&1; echo "ncu $c rc=$?"
  ncu --import /tmp/ncu_$c.ncu-rep --page details > $OUT/m/ncu_${c}_details.txt 2>&1
  ncu --import /tmp/ncu_$c.ncu-rep --page source --csv --print-source cuda,sass > /tmp/$c.csv 2>$OUT/m/ncu_${c}_src.err || ncu --import /tmp/ncu_$c.ncu-rep --page source --csv --print-source sass > /tmp/$c.csv 2>>$OUT/m/ncu_${c}_src.err
  xz -9 -c /tmp/$c.csv > $OUT/m/ncu_${c}_source.csv.xz; cp /tmp/ncu_$c.ncu-rep $OUT/m/
  grep -E "Duration|Registers Per|Achieved Occupancy|Issued Warp|No Eligible|Executed Instructions  |Local" $OUT/m/ncu_${c}_details.txt | head -12
done
