#!/bin/bash
# Session 11, call 7: ncu of the multi-head GRU's DEER kernel (one-pass 2x2 blocks, flags): where its warps wait.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s11/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s11
(cd $D && tar xJf lib.tar.xz && tar xJf bin.tar.xz)
mkdir -p $OUT/m
S="--section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section SchedulerStats --section InstructionStats --section SourceCounters"
timeout 200 ncu --kernel-name-base demangled --kernel-name regex:"OnePassTiles" --launch-skip 2 --launch-count 1 --clock-control none $S --import-source no \
    --export /tmp/ncu_mh $D/final-deer-bench --case mhgru64 --reps 1 --no-reference --method deer > /dev/null 2>&1; echo "ncu mh rc=$?"
ncu --import /tmp/ncu_mh.ncu-rep --page details > $OUT/m/ncu_mhgru64_details.txt 2>&1
ncu --import /tmp/ncu_mh.ncu-rep --page source --csv --print-source sass > /tmp/mh.csv 2>&1
python3 $D/sass_top_stalls.py  # (docs/measurements/h200-2026-12-01-s11/sass_top_stalls.py, carried) /tmp/mh.csv top > $OUT/m/ncu_mhgru64_top_stalls.txt 2>&1
grep -E "Duration|Registers Per|Achieved Occupancy|Issued Warp|No Eligible|Warp Cycles Per Issued|Grid Size|Block Limit|Executed Instructions  " $OUT/m/ncu_mhgru64_details.txt | head -14
awk '$2+0>=1.0' $OUT/m/ncu_mhgru64_top_stalls.txt | head -30
