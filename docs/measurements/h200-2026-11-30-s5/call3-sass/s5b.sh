#!/bin/bash
# Session 5, device call 2: SASS of the one-pass kernels and ncu per-instruction counters.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/b && (cd /tmp/b && tar xJf $REPO/.deps/s5a-bin.tar.xz)
mkdir -p $OUT/m
cuobjdump -sass /tmp/b/deer-bench | awk '/Function :/{p = ($0 ~ /OnePassTiles/)} p' > $OUT/m/sass_onepass.txt 2>&1
grep "Function :" $OUT/m/sass_onepass.txt | cut -c1-200; wc -l $OUT/m/sass_onepass.txt
for c in diag_scan:StoredPairs gru1:NewtonPairs; do
  cs=${c%%:*}; g=${c##*:}
  timeout 150 ncu --kernel-name-base demangled --kernel-name regex:"OnePassTiles<deer::detail::$g" --launch-count 1 --import-source yes \
    --section SourceCounters --section WarpStateStats --section InstructionStats --section SpeedOfLight -o /tmp/$cs \
    /tmp/b/deer-bench --case $cs --reps 1 > $OUT/m/ncu_${cs}_run.txt 2>&1; echo "ncu $cs rc=$?"
  ncu -i /tmp/$cs.ncu-rep --page source --csv --print-source sass > $OUT/m/${cs}_source.csv 2> $OUT/m/${cs}_source.err; echo "page rc=$?"; head -c 400 $OUT/m/${cs}_source.csv; head -3 $OUT/m/${cs}_source.err
  ncu -i /tmp/$cs.ncu-rep --page details > $OUT/m/${cs}_details.txt 2>&1
done
cd $OUT && tar czf m.tgz m && rm -rf m
