#!/bin/bash
# Session 21, call 1: the sequential kernel (variant seqpf: HEAD's code with two run-time
# switches in SequentialSweep): DEER_SEQ_PF=D prefetches the inputs of step i + D into L1 at
# step i; DEER_SEQ_ORDER=1 gives neighbouring threads the same lane (head) of neighbouring
# sequences instead of neighbouring heads of one sequence. Sequential kernels only.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s21/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s21
cd $D && tar xJf bins1.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm --format=csv
C="--case gru1 --case gru8 --case mhgru64 --case gru4 --case gru16 --case elman8 --case lstm4"
for cfg in "0 0" "16 0" "64 0" "0 1" "16 1" "64 1" "0 0"; do
  set -- $cfg
  DEER_SEQ_PF=$1 DEER_SEQ_ORDER=$2 timeout 200 $D/seqpf $C --method sequential --reps 3 > /tmp/a.log 2>&1
  echo "PF=$1 ORDER=$2 rc=$?"; grep -E " sequential " /tmp/a.log | grep -v "^\[" 
done
