// The C interface Strata uses: CBLAS for vector and matrix products, LAPACKE for factorisations,
// and OpenBLAS's thread control. Debian's OpenBLAS is built without LAPACKE, so lapacke.h comes
// from liblapacke-dev, which calls OpenBLAS's LAPACK.
#include <cblas.h>
#include <lapacke.h>

// glibc's allocator tuning (mallopt), which the Swift Glibc module does not expose; the strata
// command sets it once at start (Sources/strata/Strata.swift).
#include <malloc.h>

// A read prefetch hint for Strata's streaming kernels (Swift has no prefetch instruction). It never
// faults and never changes a result. Added for the k-means kernel (Sources/StrataKernels/KMeansKernel.swift).
static inline void strata_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
