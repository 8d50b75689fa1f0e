#!/bin/bash
# buildd.sh NAME [flags]: the diag-only experiment from /work/exp/src into /work/exp/NAME-diag
set -e
name=$1; shift
W=/work/main/.deps/kokkos-cuda/bin/nvcc_wrapper
start=$(date +%s)
$W -I/work/exp/src/include -I/work/dev/build-cuda-T/include -isystem /work/main/.deps/kokkos-cuda/include -O3 -DNDEBUG -expt-extended-lambda -arch=sm_90 -std=c++17 -Xptxas=-v "$@" -o /work/exp/$name-diag.o -c /work/exp/src/drivers/diag.cpp > /work/exp/$name-diag-ptxas.log 2>&1
$W -O3 -arch=sm_90 /work/exp/$name-diag.o -o /work/exp/$name-diag /work/main/.deps/kokkos-cuda/lib/libkokkoscontainers.a /work/main/.deps/kokkos-cuda/lib/libkokkoscore.a /usr/local/cuda/lib/stubs/libcuda.so /usr/local/cuda/lib/libcudart.so /usr/lib/x86_64-linux-gnu/libdl.a
rm -f /work/exp/$name-diag.o
echo "$name built in $(( $(date +%s) - start )) s"
