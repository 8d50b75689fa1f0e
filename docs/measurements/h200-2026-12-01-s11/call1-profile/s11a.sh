#!/bin/bash
# Session 11, call 1: ncu of the current one-pass kernels (diag scan, GRU n=1: stall reasons,
# per-instruction SASS counts); the 6-teams-per-SM variant (t6) against base, alternating.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s11/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s11
cd $D && tar xJf lib.tar.xz && tar xJf bin.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
C="--case diag_scan --case gru1 --reps 5 --no-reference"
for r in 1 2; do
  for v in ${VARIANTS:-base t5 t6}; do
    timeout 60 $D/$v-deer-bench $C > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?"; grep -E "one_pass|^gru1" $OUT/m/bench_$v.log | grep -v auto | cut -c1-120
  done
done
[ -n "$NONCU" ] && exit 0
S="--section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section SchedulerStats --section InstructionStats --section SourceCounters"
for cs in diag_scan:1 gru1:2; do
  c=${cs%:*}; skip=${cs#*:}
  timeout 150 ncu --kernel-name-base demangled --kernel-name regex:"OnePassTiles" --launch-skip $skip --launch-count 1 --clock-control none $S --import-source no \
    --export $OUT/m/ncu_$c $D/base-deer-bench --case $c --reps 1 --no-reference > $OUT/m/ncu_${c}_run.txt 2>&1; echo "ncu $c rc=$?"
  ncu --import $OUT/m/ncu_$c.ncu-rep --page details > $OUT/m/ncu_${c}_details.txt 2>&1
  ncu --import $OUT/m/ncu_$c.ncu-rep --page source --csv --print-source sass > $OUT/m/ncu_${c}_sass.csv 2>&1; echo "sass rc=$? $(wc -l < $OUT/m/ncu_${c}_sass.csv)"
  grep -E "Duration|Registers Per|Achieved Occupancy|Theoretical Occupancy|Issued Ipc|No Eligible|Warp Cycles Per Issued|DRAM Throughput|Executed Instructions  " $OUT/m/ncu_${c}_details.txt | head -20
done

if command -v nsys >/dev/null; then
  timeout 120 nsys profile -o $OUT/m/gru1 --force-overwrite true $D/base-deer-bench --case gru1 --reps 3 --no-reference > $OUT/m/nsys_run.txt 2>&1; echo "nsys rc=$?"
  nsys stats --report cuda_gpu_trace --format csv -o $OUT/m/gru1_trace $OUT/m/gru1.nsys-rep > /dev/null 2>&1; ls $OUT/m | grep trace
  rm -f $OUT/m/gru1.nsys-rep $OUT/m/gru1.sqlite
else echo "no nsys"; ls /usr/local/cuda/bin | head -50; fi
