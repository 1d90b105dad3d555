import COpenBLAS

#if canImport(Glibc)
    import Glibc
#endif

/// Which kernel set OpenBLAS runs, and a fix for CPUs that this OpenBLAS build does not know.
///
/// A DYNAMIC_ARCH OpenBLAS picks its kernels from the CPU model at load time. Debian 12's
/// OpenBLAS 0.3.21 does not know recent Xeon models (family 6, model 207, which has AVX-512) and
/// falls back to the generic `Prescott` (SSE3) kernels: measured here, a thin distance GEMM ran
/// about 3x slower than with the `SkylakeX` kernels the CPU supports. Setting
/// `OPENBLAS_CORETYPE=SkylakeX` before the process starts fixes it; ``selectNativeKernels()`` does
/// the same from inside the process, once, by re-running OpenBLAS's own core selection
/// (`gotoblas_dynamic_quit` / `gotoblas_dynamic_init`, looked up with `dlsym`, so a build without
/// DYNAMIC_ARCH is simply left alone). OpenBLAS's `force_coretype` still checks that the CPU and
/// the operating system support the requested instructions and falls back otherwise.
public enum OpenBLASCore {
    /// The name of the kernel set OpenBLAS runs ("SkylakeX", "Haswell", "Prescott", ...).
    public static var name: String {
        guard let pointer = openblas_get_corename() else { return "unknown" }
        return String(cString: pointer)
    }

    /// The fallback cores of OpenBLAS's DYNAMIC_ARCH: without AVX2/FMA kernels.
    static let genericCores: Set<String> = [
        "Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Banias", "Katmai", "Coppermine",
        "Northwood", "Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Nano", "unknown",
    ]

    /// True when OpenBLAS runs one of the generic SSE-era kernel sets.
    public static var isGeneric: Bool { genericCores.contains(name) }

    /// The kernel set after the one-time selection (see the type's documentation).
    ///
    /// Call it at the start of the process, before any parallel region uses BLAS: the selection
    /// swaps OpenBLAS's global kernel table. Nothing changes when `OPENBLAS_CORETYPE` is set, when
    /// OpenBLAS already runs a non-generic kernel set, or when the CPU lacks AVX2 and FMA.
    ///
    /// - Returns: the name of the kernel set in use afterwards.
    @discardableResult
    public static func selectNativeKernels() -> String {
        selection
    }

    private static let selection: String = {
        _ = OpenBLASSetup.pinned
        let current = name
        guard genericCores.contains(current), getenv("OPENBLAS_CORETYPE") == nil else { return current }
        let flags = cpuFlags()
        let target: String
        if ["avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512cd"].allSatisfy(flags.contains) {
            target = "SkylakeX"
        } else if flags.contains("avx2") && flags.contains("fma") {
            target = "Haswell"
        } else {
            return current
        }
        // SAFETY: dlsym returns nil or the address of the named function of the loaded OpenBLAS;
        // both functions take no arguments and return nothing (OpenBLAS driver/others/dynamic.c).
        guard let quitAddress = dlsym(nil, "gotoblas_dynamic_quit"),
            let initAddress = dlsym(nil, "gotoblas_dynamic_init")
        else { return current }
        typealias Entry = @convention(c) () -> Void
        let quit = unsafeBitCast(quitAddress, to: Entry.self)
        let start = unsafeBitCast(initAddress, to: Entry.self)
        setenv("OPENBLAS_CORETYPE", target, 1)
        quit()
        start()
        unsetenv("OPENBLAS_CORETYPE")
        openblas_set_num_threads(1)
        OpenBLASSetup.stopIdleWorkers()
        return name
    }()

    /// The `flags` of the first processor in /proc/cpuinfo (empty when unreadable).
    static func cpuFlags() -> Set<String> {
        let fd = open("/proc/cpuinfo", O_RDONLY)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while bytes.count < 1 << 20 {
            // SAFETY: read writes at most chunk.count bytes into the chunk's storage.
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }
}
