#!/bin/bash
# Session 20, call 2: variant G (README): the first iterate by runs of C steps taken sequentially
# from y0 (DEER_GUESS_CHAIN=C; unset: one_step), DEER on the GRU cases and the dense cells.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s20/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s20
cd $D && tar xJf bins2.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
for r in 1 2; do
  for C in 1 4 16 64 256 1024; do
    DEER_GUESS_CHAIN=$C timeout 100 $D/G --case mhgru64 --case gru1 --case gru8 --case gru4 --case elman8 --case lstm4 --method deer --no-reference --reps 3 > $OUT/m/g_${r}_$C.log 2>&1
    echo "C=$C r=$r: $(grep -E '^(mhgru64|gru1|gru8|gru4|elman8|lstm4) +deer' $OUT/m/g_${r}_$C.log | awk '{print $1, $5, "ms", $8, "it"}' | tr '\n' ' ')"
  done
done
grep -h 'updates' $OUT/m/g_1_*.log | head -40
DEER_GUESS_CHAIN=64 timeout 60 $D/G --case mhgru64 --method deer --no-reference --reps 3 --profile > $OUT/m/p_G64.log 2>&1
grep -E "profile mhgru64" $OUT/m/p_G64.log | cut -c30- | head -8
for C in 1 64 256; do
  DEER_GUESS_CHAIN=$C timeout 100 $D/G --case mhgru64 --case gru8 --case gru4 --case elman8 --reps 3 > $OUT/m/t_$C.log 2>&1
  echo "table C=$C"; grep -E "^(gru|mhgru|elman)[0-9]+ +(deer|auto|seq)" $OUT/m/t_$C.log
done
