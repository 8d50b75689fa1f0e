#!/bin/bash
# Session 7, device call 2: prefetching the generator's inputs (NewtonPairs::prefetch) into
# L1 (l1) or L2 (l2), against the committed code (a = call 1's binary), alternating; then
# ncu of the diagonal scan's one-pass kernel.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/a /tmp/b && (cd /tmp/a && tar xJf $REPO/.deps/s7a-bin.tar.xz) && (cd /tmp/b && tar xJf $REPO/.deps/s7b-bin.tar.xz)
cp /tmp/a/deer-bench /tmp/b/deer-bench-a
mkdir -p $OUT/m
for v in a l1 l2 a l1 l2; do
timeout 100 /tmp/b/deer-bench-$v --case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference > $OUT/m/bench_$v.log 2>&1; echo "$v rc=$?"; grep -E "^(gru|mhgru)" $OUT/m/bench_$v.log | grep -v auto | cut -c1-70
done
timeout 60 /tmp/b/deer-bench-l1 --case gru8 --case mhgru64 --reps 2 --profile --no-reference > $OUT/m/profile_l1.log 2>&1; echo "profile rc=$?"; grep -E "profile" $OUT/m/profile_l1.log | grep -v auto | cut -c30-150
timeout 150 ncu --kernel-name-base demangled --kernel-name regex:"OnePassTiles" --launch-skip 1 --launch-count 1 --set full --import-source no -o $OUT/m/diag $B /tmp/a/deer-bench --case diag_scan --reps 1 > $OUT/m/ncu_full.log 2>&1; echo "full rc=$?"
ncu -i $OUT/m/diag.ncu-rep --page details > $OUT/m/diag_details.txt 2>&1; echo "details rc=$?"
ncu -i $OUT/m/diag.ncu-rep --page source --csv --print-source sass > $OUT/m/diag_sass.csv 2>&1; echo "sass rc=$? $(wc -l < $OUT/m/diag_sass.csv)"
rm -f $OUT/m/diag.ncu-rep
