#!/bin/bash
# Session 11, call 3: g = records + 6 teams per SM for prefetching scalar generators (4 otherwise)
# + for_each_index with resident teams only; go = g + 8 steps per thread in the hand-out of
# scalar tiles; against base and r6, alternating. ncu: every kernel of one GRU n=1 solve (g),
# the diagonal scan's kernel (g).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s11/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s11
cd $D && tar xJf lib.tar.xz && tar xJf bin.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
C="--case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference"
for r in 1 2; do
  for v in ${VARIANTS:-base r6 g go}; do
    timeout 100 $D/$v-deer-bench $C > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?: $(grep -oE "one_pass [0-9.]+ ms" $OUT/m/bench_$v.log) $(grep -E "^(gru|mhgru)" $OUT/m/bench_$v.log | grep -v auto | awk '{printf "%s/%s %s; ", $1, $2, $5}')"
  done
done
[ -n "$NONCU" ] && exit 0
timeout 150 ncu --clock-control none --metrics gpu__time_duration.sum $D/${ALLK:-g}-deer-bench --case gru1 --reps 1 --no-reference --method deer > /tmp/ncu_all.txt 2>&1; echo "ncu all rc=$?"
python3 - <<'PY'
import re
name=None
for l in open('/tmp/ncu_all.txt').read().splitlines():
    if re.match(r'^  [a-zA-Z]',l): name=l.strip()
    m=re.search(r'gpu__time_duration.sum\s+\S+\s+([\d.,]+)',l)
    if m and name:
        n=re.sub(r'Kokkos::|Impl::|deer::|detail::|cuda_parallel_launch_\w+<|void |ParallelFor<','',name)
        print(m.group(1).rjust(8), n[:90])
PY
S="--section SpeedOfLight --section Occupancy --section WarpStateStats --section SchedulerStats --section InstructionStats --section SourceCounters"
timeout 150 ncu --kernel-name-base demangled --kernel-name regex:"OnePassTiles" --launch-skip 1 --launch-count 1 --clock-control none $S --import-source no \
    --export /tmp/ncu_diag $D/${DIAGK:-g}-deer-bench --case diag_scan --reps 1 --no-reference > /dev/null 2>&1; echo "ncu diag rc=$?"
ncu --import /tmp/ncu_diag.ncu-rep --page details > $OUT/m/ncu_diag_details.txt 2>&1
ncu --import /tmp/ncu_diag.ncu-rep --page source --csv --print-source sass > $OUT/m/ncu_diag_sass.csv 2>&1
grep -E "Duration|Registers Per|Achieved Occupancy|Issued Warp|No Eligible|Warp Cycles Per Issued|DRAM Throughput|Executed Instructions  " $OUT/m/ncu_diag_details.txt | head
