import COpenBLAS

/// Process-wide settings a Strata program makes once, at start, before any parallel work.
public enum ProcessSetup {
    /// Tunes the allocator and picks OpenBLAS's kernels; the `strata` command calls it first.
    ///
    /// - glibc's allocator (`mallopt`): blocks below 32 MiB come from the heap, and up to
    ///   128 MiB of freed memory stays there. By default glibc maps blocks of a few hundred KiB
    ///   with `mmap` and trims the heap eagerly, so per-chunk scratch arrays (the ingest's field
    ///   tables, for one) went back to the kernel and were page-faulted in again for every chunk:
    ///   about 100,000 page faults per 10M-loan ingest, measured here.
    /// - ``OpenBLASCore/selectNativeKernels()``: OpenBLAS's AVX2/AVX-512 kernels on CPUs its
    ///   Debian build does not recognise, so every BLAS user gets them.
    public static func configure() {
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 128 << 20)
        OpenBLASCore.selectNativeKernels()
    }
}
