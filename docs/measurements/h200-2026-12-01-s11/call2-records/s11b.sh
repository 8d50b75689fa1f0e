#!/bin/bash
# Session 11, call 2: packed look-back records (r4/r5/r6: 4/5/6 teams per SM for scalar tiles)
# against base and t6 (6 teams, no records), alternating; every kernel of one GRU n=1 solve
# (ncu durations); ncu of the GRU n=1 kernel (base).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s11/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s11
cd $D && tar xJf lib.tar.xz && tar xJf bin.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
C="--case diag_scan --case gru1 --reps 5 --no-reference"
for r in 1 2; do
  for v in ${VARIANTS:-base t6 r4 r5 r6}; do
    timeout 60 $D/$v-deer-bench $C > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?: $(grep -E "one_pass|^gru1" $OUT/m/bench_$v.log | grep -v auto | grep -oE "one_pass [0-9.]+ ms|max rel diff to chunked [0-9.e-]+|(quasi_)?deer +1 +1000000 +[0-9.]+" | tr -s ' ' | tr '\n' ';')"
  done
done
for v in ${REF:-r6}; do
  timeout 120 $D/$v-deer-bench --case diag_scan --case gru1 --reps 5 > $OUT/m/ref_$v.log 2>&1; echo "ref $v rc=$?"; grep -E "^(diag|gru1|copy)" $OUT/m/ref_$v.log | cut -c1-120
done
[ -n "$NONCU" ] && exit 0
timeout 150 ncu --clock-control none --metrics gpu__time_duration.sum $D/${ALLK:-r6}-deer-bench --case gru1 --reps 1 --no-reference --method deer > $OUT/m/ncu_all.txt 2>&1; echo "ncu all rc=$?"
grep -E "^  [a-zA-Z]|gpu__time_duration" $OUT/m/ncu_all.txt | sed -E 's/^  (void )?([^(<]{0,60}).*/\2/' | paste - - | awk '{print $1, $NF}' | tail -20
S="--section SpeedOfLight --section Occupancy --section WarpStateStats --section SchedulerStats --section InstructionStats --section SourceCounters"
timeout 150 ncu --kernel-name-base demangled --kernel-name regex:"OnePassTiles" --launch-skip 2 --launch-count 1 --clock-control none $S --import-source no \
    --export /tmp/ncu_gru1 $D/base-deer-bench --case gru1 --reps 1 --no-reference --method deer > /dev/null 2>&1; echo "ncu gru1 rc=$?"
ncu --import /tmp/ncu_gru1.ncu-rep --page details > $OUT/m/ncu_gru1_details.txt 2>&1
ncu --import /tmp/ncu_gru1.ncu-rep --page source --csv --print-source sass > $OUT/m/ncu_gru1_sass.csv 2>&1
grep -E "Duration|Achieved Occupancy|Issued Warp|No Eligible|Warp Cycles Per Issued|Executed Instructions  " $OUT/m/ncu_gru1_details.txt | head
