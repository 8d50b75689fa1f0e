#!/bin/bash
# Session 19, call 4b: the full per-instruction ncu table (SASS) of the commit's multi-head GRU
# iteration kernel (binary L: the commit built with -lineinfo).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s19b/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s19b
cd $D && tar xJf bins5.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
timeout 200 ncu --kernel-name-base demangled --kernel-name regex:OnePassTiles --launch-skip 3 --launch-count 1 \
  --section SourceCounters -o /tmp/rep $D/L --case mhgru64 --method deer --no-reference --reps 1 > /dev/null 2>&1; echo "ncu rc=$?"
timeout 100 ncu -i /tmp/rep.ncu-rep --page source --csv --print-source sass > /tmp/src_sass.csv 2>/dev/null; echo "csv rc=$?"
xz -9 -c /tmp/src_sass.csv > $OUT/m/src_sass.csv.xz; ls -la $OUT/m/src_sass.csv.xz
