// The C interface Strata uses: CBLAS for vector and matrix products, LAPACKE for factorisations,
// and OpenBLAS's thread control. Debian's OpenBLAS is built without LAPACKE, so lapacke.h comes
// from liblapacke-dev, which calls OpenBLAS's LAPACK.
#include <cblas.h>
#include <lapacke.h>
