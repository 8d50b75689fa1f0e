#!/bin/bash
# Session 13, call 2: tile shape + prefetch variants of the stored diagonal scan (diag-only program), alternating;
# and the multi-head GRU's ncu source page from call 1 (one archive).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s13/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s13
cd $D && tar xJf binb.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
for r in 1 2 3; do
  for v in c v8 v11 w1 w2 w3 w5 w7 w8 w9 w10; do echo "diag $v run $r: $(timeout 60 $D/$v-diag 2>&1 | tail -1)"; done
done
ls -la /tmp/*.csv /tmp/*.ncu-rep 2>&1
if [ ! -s /tmp/mhgru64.csv ]; then
  S="--section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section SchedulerStats --section InstructionStats --section SourceCounters"
  timeout 200 ncu --kernel-name-base demangled --kernel-name regex:"OnePassTiles" --launch-skip 2 --launch-count 1 --clock-control none $S --import-source yes \
    --export /tmp/ncu_mhgru64 $D/L-deer-bench --case mhgru64 --reps 1 --no-reference --method deer > /dev/null 2>&1; echo "ncu rc=$?"
  ncu --import /tmp/ncu_mhgru64.ncu-rep --page source --csv --print-source cuda,sass > /tmp/mhgru64.csv 2>/tmp/mh.err
fi
ncu --import /tmp/ncu_mhgru64.ncu-rep --page details > /tmp/ncu_mhgru64_details.txt 2>&1
cd /tmp && tar cJf $OUT/m/mhgru64_profile.tar.xz mhgru64.csv ncu_mhgru64_details.txt $(ls *.err 2>/dev/null) && ls -la $OUT/m
