#!/bin/bash
# Session 7, device call 3: c = 32-bit step indices (layout.hpp step_index, StoredPairs,
# StoreStates), no per-step bounds checks in full one-pass tiles, NewtonPairs::prefetch (L1),
# against the committed code (a), alternating; c with the reference once; ncu of c's
# diagonal one-pass kernel.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/a /tmp/b && (cd /tmp/a && tar xJf $REPO/.deps/s7a-bin.tar.xz) && (cd /tmp/b && tar xJf $REPO/.deps/s7c-bin.tar.xz)
cp /tmp/a/deer-bench /tmp/b/deer-bench-a
mkdir -p $OUT/m
for v in a c a c; do
timeout 100 /tmp/b/deer-bench-$v --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference > $OUT/m/bench_$v.log 2>&1; echo "$v rc=$?"; grep -E "^(gru|mhgru|diag)" $OUT/m/bench_$v.log | grep -v auto | cut -c1-70
done
timeout 200 /tmp/b/deer-bench-c --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 3 --json $OUT/m/bench_c_ref.json > $OUT/m/bench_c_ref.log 2>&1; echo "c ref rc=$?"; grep -E "^(gru|mhgru|diag)" $OUT/m/bench_c_ref.log | cut -c1-110
timeout 150 ncu --kernel-name-base demangled --kernel-name regex:"OnePassTiles" --launch-skip 1 --launch-count 1 --set full --import-source no -o $OUT/m/diag /tmp/b/deer-bench-c --case diag_scan --reps 1 > $OUT/m/ncu_full.log 2>&1; echo "full rc=$?"
ncu -i $OUT/m/diag.ncu-rep --page details > $OUT/m/diag_details.txt 2>&1; echo "details rc=$?"
ncu -i $OUT/m/diag.ncu-rep --page source --csv --print-source sass > $OUT/m/diag_sass.csv 2>&1; echo "sass rc=$? $(wc -l < $OUT/m/diag_sass.csv)"
rm -f $OUT/m/diag.ncu-rep
