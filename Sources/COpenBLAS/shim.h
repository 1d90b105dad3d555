// The C interface Strata uses: CBLAS for vector and matrix products, LAPACKE for factorisations,
// and OpenBLAS's thread control. Debian's OpenBLAS is built without LAPACKE, so lapacke.h comes
// from liblapacke-dev, which calls OpenBLAS's LAPACK.
#include <cblas.h>
#include <lapacke.h>

// A read prefetch hint for Strata's streaming kernels (Swift has no prefetch instruction). It never
// faults and never changes a result. Added for the k-means kernel (Sources/StrataKernels/KMeansKernel.swift).
static inline void strata_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
