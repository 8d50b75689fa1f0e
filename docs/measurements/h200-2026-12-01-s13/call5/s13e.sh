#!/bin/bash
# Session 13, call 5: the code as committed (p2: streaming tiles for stored scalar pairs + 24 KiB tiles
# for 2x2 blocks) against session 12's (c), alternating; CUDA test_scan of p2; the table with the
# reference; ncu speed-of-light of the stored diagonal scan.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s13/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s13
cd $D && tar xJf ../s12/lib.tar.xz && tar xJf ../s12/bin.tar.xz && tar xJf bine.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
export DEER_SHARED_DATA=$PWD/data/golden
timeout 300 $D/test_scan > $OUT/m/test_scan.txt 2>&1; echo "test_scan rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/test_scan.txt | tr '\n' ' ')"; grep -E "^\[  FAILED  \]" $OUT/m/test_scan.txt | head -8
C="--case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference"
for r in 1 2 3; do
  for v in c p2; do
    timeout 100 $D/$v-deer-bench $C > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?: $(grep -oE "one_pass [0-9.]+ ms" $OUT/m/bench_$v.log) $(grep -E "^(gru|mhgru)" $OUT/m/bench_$v.log | awk '{printf "%s/%s %s(%s); ", $1, $2, $5, $8}')"
  done
done
timeout 100 $D/p2-deer-bench --case mhgru64 --views --reps 5 --no-reference > $OUT/m/bench_p2_views.log 2>&1; echo "p2 --views rc=$?: $(grep -E "^mhgru" $OUT/m/bench_p2_views.log | awk '{printf "%s/%s %s(%s); ", $1, $2, $5, $8}')"
timeout 100 $D/c-deer-bench --case mhgru64 --views --reps 5 --no-reference > $OUT/m/bench_c_views.log 2>&1; echo "c --views rc=$?: $(grep -E "^mhgru" $OUT/m/bench_c_views.log | awk '{printf "%s/%s %s(%s); ", $1, $2, $5, $8}')"
timeout 200 $D/p2-deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench_table.log 2>&1; echo "table rc=$?"
grep -E "copy|one_pass|^(gru|mhgru|case|diag)" $OUT/m/bench_table.log | head -30
timeout 120 ncu --kernel-name-base demangled --kernel-name regex:"OnePassTiles" --launch-skip 2 --launch-count 1 --clock-control none --section SpeedOfLight --section Occupancy --section LaunchStats $D/p2-deer-bench --case diag_scan --reps 1 > $OUT/m/ncu_diag_p2.txt 2>&1; echo "ncu rc=$?"
grep -E "Duration|DRAM Throughput|Memory Throughput|Registers Per|Achieved Occupancy|Block Size|Dynamic Shared" $OUT/m/ncu_diag_p2.txt | head -10
