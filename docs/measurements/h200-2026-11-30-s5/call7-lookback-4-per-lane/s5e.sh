#!/bin/bash
# Session 5, device call 5: look-back reads 4 tiles per lane per round.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/b && (cd /tmp/b && tar xJf $REPO/.deps/s5e-bin.tar.xz)
T0=$(date +%s); el() { echo $(( $(date +%s) - T0 )); }
mkdir -p $OUT/m
for v in 1 2; do
timeout 60 /tmp/b/deer-bench --case diag_scan --case gru1 --case gru8 --reps 5 --json $OUT/m/bench_$v.json > $OUT/m/bench_$v.log 2>&1; echo "bench $v rc=$? at $(el)s"
grep -E "^(diag|gru|copy)" $OUT/m/bench_$v.log | cut -c1-150
done
timeout 120 /tmp/b/test_scan > $OUT/m/test_scan.log 2>&1; echo "test_scan rc=$? at $(el)s: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/test_scan.log | tr '\n' ' ')"
grep -B2 -A8 "Failure" $OUT/m/test_scan.log | head -30
for c in diag_scan:StoredPairs gru1:NewtonPairs; do
  cs=${c%%:*}; g=${c##*:}
  timeout 150 ncu --kernel-name-base demangled --kernel-name regex:"OnePassTiles<deer::detail::$g" --launch-count 1 --import-source yes \
    --section SourceCounters --section WarpStateStats --section SpeedOfLight --section Occupancy --section LaunchStats -o /tmp/$cs \
    /tmp/b/deer-bench --case $cs --reps 1 > $OUT/m/ncu_${cs}_run.txt 2>&1; echo "ncu $cs rc=$?"
  ncu -i /tmp/$cs.ncu-rep --page source --csv --print-source sass > $OUT/m/${cs}_source.csv 2> $OUT/m/${cs}_source.err
  ncu -i /tmp/$cs.ncu-rep --page details > $OUT/m/${cs}_details.txt 2>&1
  grep -E "Duration|DRAM Throughput|Registers Per|Achieved Occupancy|Local Memory" $OUT/m/${cs}_details.txt
done
cd $OUT && tar czf m.tgz m && rm -rf m
