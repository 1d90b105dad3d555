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

// Where the CSV structural bytes are in 64 bytes of text, one bit per byte (bit k is p[k]), for the
// ingest's tokenizer (Sources/StrataFrame/Ingest/CSVTokenizer.swift). Swift has no way to gather a
// vector compare into a bit mask (SSE2's PMOVMSKB), which is what makes this fast: 4 loads, 12
// compares and 12 mask moves for 64 bytes. Other CPUs get the same masks from a byte loop.
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct {
    uint64_t comma;     // ','
    uint64_t lineFeed;  // '\n'
    uint64_t other;     // '"' or '\r'
} strata_csv_marks;

static inline strata_csv_marks strata_csv_marks64(const uint8_t *p) {
    strata_csv_marks m = {0, 0, 0};
#if defined(__SSE2__)
    const __m128i comma = _mm_set1_epi8(','), lineFeed = _mm_set1_epi8('\n');
    const __m128i quote = _mm_set1_epi8('"'), carriageReturn = _mm_set1_epi8('\r');
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
        uint64_t c = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma));
        uint64_t l = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lineFeed));
        uint64_t o = (uint16_t)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, carriageReturn)));
        m.comma |= c << (16 * k);
        m.lineFeed |= l << (16 * k);
        m.other |= o << (16 * k);
    }
#else
    for (int k = 0; k < 64; k++) {
        uint64_t bit = (uint64_t)1 << k;
        if (p[k] == ',') m.comma |= bit;
        else if (p[k] == '\n') m.lineFeed |= bit;
        else if (p[k] == '"' || p[k] == '\r') m.other |= bit;
    }
#endif
    return m;
}
