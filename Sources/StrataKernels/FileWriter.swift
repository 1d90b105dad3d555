#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a file all at once or not at all: bytes go to a temporary file beside the target, and
/// ``commit()`` flushes them to disk and renames the temporary file over the target.
///
/// Until ``commit()`` returns, the target path is untouched: a reader sees the old file (or none),
/// never half of a new one. A writer dropped without a successful commit removes its temporary
/// file. Writes are buffered (``defaultBufferSize`` by default); a write at least as large as the
/// buffer goes straight to the file.
///
/// The write methods do not throw: the first failure (disk full, I/O error) is remembered, later
/// writes are skipped, and ``commit()`` throws it. ``failure`` tells whether one happened already,
/// for callers that want to stop early. Not thread-safe: one writer per thread.
///
/// ```swift
/// let writer = try AtomicFileWriter(path: "out.csv")
/// writer.write("a,b\n")
/// try writer.commit()
/// ```
///
/// With `direct: true` (for large binary files such as snapshots) the temporary file is opened
/// with `O_DIRECT`: bytes go from the writer's page-aligned buffer to the disk without passing
/// through the page cache, and the last block is padded to the 4 KiB alignment and cut back to
/// the true length with `ftruncate(2)` at commit. On this project's Linux VMs a buffered 2 GB
/// write ran at 220 MB/s and a direct one at 0.9-1.0 GB/s (`dd`). File systems that refuse
/// `O_DIRECT` (tmpfs, some network file systems) get a buffered write instead, transparently.
///
/// C functions used: `open(2)` (O_CREAT | O_EXCL, optionally O_DIRECT), `write(2)`, `fcntl(2)`
/// (to drop O_DIRECT when a write refuses it), `ftruncate(2)`, `fsync(2)`, `close(2)`,
/// `rename(2)`, `unlink(2)`, and `fsync(2)` on the directory after the rename.
public final class AtomicFileWriter {
    /// The default buffer size: 1 MiB.
    public static let defaultBufferSize = 1 << 20

    /// The path the file appears at after ``commit()``.
    public let path: String
    /// The temporary file the bytes go to until ``commit()``, in the same directory as ``path``.
    public let temporaryPath: String
    /// The number of bytes written so far (buffered ones included).
    public private(set) var byteCount = 0
    /// The first write failure, if any; ``commit()`` throws it.
    public private(set) var failure: KernelError?

    private enum State { case open, committed, closed }

    private var fd: Int32
    private var state = State.open
    private let buffer: UnsafeMutableRawPointer
    private let capacity: Int
    private var used = 0
    /// True while the file is open with O_DIRECT: every write is a whole number of
    /// ``directAlignment`` blocks from the page-aligned buffer.
    private var direct: Bool

    /// Alignment of buffer addresses, file offsets and lengths for O_DIRECT (covers 512-byte and
    /// 4 KiB logical blocks).
    static let directAlignment = 4096
    /// Buffer size for direct writes: 8 MiB.
    public static let directBufferSize = 8 << 20

    /// Creates the temporary file for `path` (mode 0666 less the umask).
    ///
    /// - Parameters:
    ///   - bufferSize: bytes gathered before a write to the file (rounded up to a multiple of
    ///     4 KiB when `direct`).
    ///   - direct: write around the page cache (`O_DIRECT`) where the file system allows it.
    /// - Throws: ``KernelError/io(path:reason:)`` when `path` is a directory or the temporary file
    ///   cannot be created (no such directory, no permission).
    public init(
        path: String, bufferSize: Int = AtomicFileWriter.defaultBufferSize, direct: Bool = false
    ) throws(KernelError) {
        precondition(bufferSize > 0, "buffer size must be positive")
        self.path = path
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw .io(path: path, reason: "is a directory")
        }
        let (directory, name) = AtomicFileWriter.split(path)
        var descriptor: Int32 = -1
        var candidate = ""
        var useDirect = direct && openDirectFlag != 0
        for _ in 0..<16 {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
            candidate = directory + "." + name + ".tmp-" + suffix
            let flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC
            descriptor = open(candidate, flags | (useDirect ? openDirectFlag : 0), 0o666)
            if descriptor < 0 && useDirect && errno == EINVAL {
                // The file system refuses O_DIRECT: write through the page cache instead.
                useDirect = false
                descriptor = open(candidate, flags, 0o666)
            }
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else {
            throw .io(path: path, reason: "cannot create a temporary file: " + String(cString: strerror(errno)))
        }
        self.fd = descriptor
        self.temporaryPath = candidate
        self.direct = useDirect
        let alignment = AtomicFileWriter.directAlignment
        self.capacity = useDirect ? (bufferSize + alignment - 1) / alignment * alignment : bufferSize
        // SAFETY: `buffer` holds `capacity` bytes, freed in deinit; all copies into it stay
        // within `used + count <= capacity` (checked in append). Page-aligned for O_DIRECT.
        self.buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: alignment)
    }

    deinit {
        if state == .open {
            close(fd)
            unlink(temporaryPath)
        }
        buffer.deallocate()
    }

    /// Appends `bytes`.
    public func write(_ bytes: RawSpan) {
        precondition(state == .open, "write after commit")
        byteCount += bytes.byteCount
        guard failure == nil, bytes.byteCount > 0 else { return }
        bytes.withUnsafeBytes { raw in
            // SAFETY: `raw` is valid for the closure; append reads exactly raw.count bytes.
            append(raw)
        }
    }

    /// Appends `bytes`.
    public func write(_ bytes: [UInt8]) {
        write(bytes.span.bytes)
    }

    /// Appends the UTF-8 bytes of `text`.
    public func write(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            // SAFETY: `utf8` is valid for the closure; it is converted to a raw span used inside it.
            write(RawSpan(_unsafeBytes: UnsafeRawBufferPointer(utf8)))
        }
    }

    /// Writes what is buffered, flushes the file to disk (`fsync`), renames it to ``path``
    /// (replacing a file there) and flushes the directory entry.
    ///
    /// After `commit` (successful or not) the writer is finished: a failed commit removes the
    /// temporary file and leaves ``path`` as it was. The directory `fsync` is best effort (some
    /// file systems do not support it).
    ///
    /// - Parameter durable: when false, skip both `fsync` calls: the file still appears whole or
    ///   not at all to other readers, but a power cut may lose it. For reproducible outputs (a
    ///   generated tape) where waiting for the disk buys nothing.
    /// - Throws: ``KernelError/io(path:reason:)`` with the first write failure, or when `fsync`,
    ///   `close` or `rename` fails.
    public func commit(durable: Bool = true) throws(KernelError) {
        precondition(state == .open, "commit called twice")
        flush(final: true)
        if let failure {
            abandon()
            throw failure
        }
        if durable, fsync(fd) != 0 {
            let reason = "cannot flush to disk: " + String(cString: strerror(errno))
            abandon()
            throw .io(path: path, reason: reason)
        }
        state = .closed
        if close(fd) != 0 {
            let reason = "cannot close: " + String(cString: strerror(errno))
            unlink(temporaryPath)
            throw .io(path: path, reason: reason)
        }
        if rename(temporaryPath, path) != 0 {
            let reason = "cannot rename the temporary file into place: " + String(cString: strerror(errno))
            unlink(temporaryPath)
            throw .io(path: path, reason: reason)
        }
        state = .committed
        guard durable else { return }
        let directory = AtomicFileWriter.split(path).directory
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    private func abandon() {
        state = .closed
        close(fd)
        unlink(temporaryPath)
    }

    private func append(_ raw: UnsafeRawBufferPointer) {
        guard let source = raw.baseAddress else { return }
        if direct {
            // Everything goes through the aligned buffer, written whenever it is full.
            var offset = 0
            while offset < raw.count {
                let count = min(capacity - used, raw.count - offset)
                // SAFETY: used + count <= capacity; offset + count <= raw.count.
                (buffer + used).copyMemory(from: source + offset, byteCount: count)
                used += count
                offset += count
                if used == capacity { flush(final: false) }
            }
            return
        }
        if raw.count >= capacity {
            flush(final: false)
            writeAll(source, raw.count)
            return
        }
        if used + raw.count > capacity { flush(final: false) }
        // SAFETY: used + raw.count <= capacity after the flush above.
        (buffer + used).copyMemory(from: source, byteCount: raw.count)
        used += raw.count
    }

    /// Writes the buffer. A direct writer writes whole aligned blocks: before the `final` write
    /// it pads the buffer with zeros to the next block and then cuts the file back to
    /// ``byteCount``.
    private func flush(final: Bool) {
        guard used > 0 else { return }
        guard direct else {
            writeAll(UnsafeRawPointer(buffer), used)
            used = 0
            return
        }
        let alignment = AtomicFileWriter.directAlignment
        let padded = (used + alignment - 1) / alignment * alignment
        precondition(final || padded == used, "a direct write that is not the last must fill the buffer")
        // SAFETY: padded <= capacity (a multiple of the alignment).
        (buffer + used).initializeMemory(as: UInt8.self, repeating: 0, count: padded - used)
        writeAll(UnsafeRawPointer(buffer), padded)
        let paddingAdded = padded != used
        used = 0
        if paddingAdded, failure == nil, ftruncate(fd, off_t(byteCount)) != 0 {
            failure = .io(path: path, reason: "cannot set the file length: " + String(cString: strerror(errno)))
        }
    }

    /// Writes `count` bytes from `start`, retrying partial writes and EINTR; records a failure.
    private func writeAll(_ start: UnsafeRawPointer, _ count: Int) {
        guard failure == nil else { return }
        var offset = 0
        while offset < count {
            // SAFETY: start + offset ..< start + count lies inside the caller's buffer.
            let written = systemWrite(fd, start + offset, min(count - offset, 1 << 30))
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EINVAL && direct {
                    // Opened with O_DIRECT but the file system refuses the write: go on buffered.
                    // Everything written so far was whole aligned blocks, so the offsets hold.
                    let flags = fcntl(fd, F_GETFL)
                    if flags >= 0, fcntl(fd, F_SETFL, flags & ~openDirectFlag) == 0 {
                        direct = false
                        continue
                    }
                }
                failure = .io(path: path, reason: "cannot write: " + String(cString: strerror(errno)))
                return
            }
            if written == 0 {
                failure = .io(path: path, reason: "cannot write: no progress")
                return
            }
            offset += written
        }
    }

    /// The directory part of `path` with its trailing slash ("" for none), and the file name.
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }
}

/// Linux's `O_DIRECT` (asm-generic/fcntl.h and the x86 and arm64 variants), which the Swift
/// Glibc module does not import; 0 where unknown, which turns direct writes off.
#if os(Linux) && (arch(x86_64) || arch(i386))
    private let openDirectFlag: Int32 = 0o40000
#elseif os(Linux) && arch(arm64)
    private let openDirectFlag: Int32 = 0o200000
#else
    private let openDirectFlag: Int32 = 0
#endif

/// `write(2)` (the methods named `write` of ``AtomicFileWriter`` hide the C function).
@inline(__always)
private func systemWrite(_ fd: Int32, _ start: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.write(fd, start, count)
    #else
        Darwin.write(fd, start, count)
    #endif
}
