#!/bin/bash
# Session 13, call 3: more stored-diagonal-scan variants (diag-only program), alternating; then ncu of
# the multi-head GRU's one-pass kernel (-lineinfo build L), source page kept.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s13/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s13
cd $D && tar xJf ../s12/lib.tar.xz && tar xJf binc.tar.xz && tar xJf L.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
for r in 1 2 3; do
  for v in c w7 w1 x1 x2 x3 x4 x6 x7 x8; do echo "diag $v run $r: $(timeout 60 $D/$v-diag 2>&1 | tail -1)"; done
done
S="--section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section SchedulerStats --section InstructionStats --section SourceCounters --section MemoryWorkloadAnalysis"
timeout 200 ncu --kernel-name-base demangled --kernel-name regex:"OnePassTiles" --launch-skip 2 --launch-count 1 --clock-control none $S --import-source yes \
  --export /tmp/ncu_mhgru64 $D/L-deer-bench --case mhgru64 --reps 1 --no-reference --method deer > /tmp/ncu_run.log 2>&1; echo "ncu rc=$?"; tail -3 /tmp/ncu_run.log
ncu --import /tmp/ncu_mhgru64.ncu-rep --page source --csv --print-source cuda,sass > /tmp/mhgru64.csv 2>/tmp/mh.err; echo "src rc=$? $(wc -c < /tmp/mhgru64.csv)"
if [ ! -s /tmp/mhgru64.csv ] || grep -q -i error /tmp/mh.err; then ncu --import /tmp/ncu_mhgru64.ncu-rep --page source --csv --print-source sass > /tmp/mhgru64_sass.csv 2>>/tmp/mh.err; fi
ncu --import /tmp/ncu_mhgru64.ncu-rep --page details > /tmp/ncu_mhgru64_details.txt 2>&1
cd /tmp && tar cJf $OUT/m/mhgru64_profile.tar.xz mhgru64*.csv ncu_mhgru64_details.txt mh.err ncu_run.log && ls -la $OUT/m
