import Foundation
import StrataKernels
import Testing

/// Writes `bytes` to a fresh temporary file and returns its path; the caller removes it.
private func temporaryFile(_ bytes: [UInt8]) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-kernels-\(UUID().uuidString).bin")
    try Data(bytes).write(to: url)
    return url.path
}

@Suite("MappedFile")
struct MappedFileTests {
    @Test func readsBytesAndLittleEndianIntegers() throws {
        // 0..<24 as bytes: every integer below is easy to compute by hand.
        let path = try temporaryFile(Array(0..<24))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try MappedFile(path: path)
        #expect(file.byteCount == 24)
        #expect(file.path == path)
        #expect(file.withBytes { span in span[5] } == 5)
        #expect(file.withBytes(in: 10..<13) { span in [span[0], span[1], span[2]] } == [10, 11, 12])
        #expect(file.loadInteger(at: 0, as: UInt32.self) == 0x0302_0100)
        #expect(file.loadInteger(at: 1, as: UInt16.self) == 0x0201)  // unaligned is fine
        #expect(file.loadInteger(at: 16, as: UInt64.self) == 0x1716_1514_1312_1110)
        #expect(file.loadInteger(at: 23, as: UInt8.self) == 23)
    }

    @Test func releasedAndPrefetchedPagesReadTheSameBytes() throws {
        // Three and a half pages of a known pattern: releasing or prefetching any range (whole
        // pages, partial ones, the file's end) never changes what is read afterwards.
        let bytes = (0..<(4096 * 3 + 2048)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let path = try temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try MappedFile(path: path)
        let ranges = [0..<bytes.count, 100..<5000, 4096..<8192, 8000..<bytes.count, 3..<4, 0..<0]
        for range in ranges {
            file.prefetchPages(in: range)
            #expect(file.withBytes { span in (0..<span.count).allSatisfy { span[$0] == bytes[$0] } })
            file.releasePages(in: range)
            #expect(file.withBytes { span in (0..<span.count).allSatisfy { span[$0] == bytes[$0] } })
        }
    }

    @Test func nilPastTheEnd() throws {
        let path = try temporaryFile(Array(repeating: 0xFF, count: 10))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try MappedFile(path: path)
        #expect(file.loadInteger(at: 7, as: UInt32.self) == nil)
        #expect(file.loadInteger(at: 6, as: UInt32.self) == UInt32.max)
        #expect(file.loadInteger(at: 10, as: UInt8.self) == nil)
        #expect(file.loadInteger(at: -1, as: UInt8.self) == nil)
        #expect(file.loadInteger(at: Int.max - 2, as: UInt64.self) == nil)
        #expect(file.buffer(at: 8, count: 2, of: UInt16.self) == nil)
        #expect(file.buffer(at: 0, count: Int.max / 4, of: Int64.self) == nil)
        #expect(file.buffer(at: 0, count: -1, of: UInt8.self) == nil)
    }

    @Test func buffersAreZeroCopyAndAlignmentChecked() throws {
        var bytes = [UInt8](repeating: 0, count: 32)
        for (index, value) in [Int64(7), -2, 1 << 40].enumerated() {
            withUnsafeBytes(of: value.littleEndian) { raw in
                for (offset, byte) in raw.enumerated() { bytes[8 + index * 8 + offset] = byte }
            }
        }
        let path = try temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var buffer: ColumnBuffer<Int64>?
        do {
            let file = try MappedFile(path: path)
            buffer = file.buffer(at: 8, count: 3)
            #expect(file.buffer(at: 4, count: 1, of: Int64.self) == nil)  // misaligned for Int64
            #expect(file.buffer(at: 4, count: 1, of: Int32.self) != nil)  // fine for Int32
            #expect(file.buffer(at: 32, count: 0, of: Int64.self)?.count == 0)  // empty at the very end
        }
        // The buffer keeps the mapping alive after the MappedFile reference is gone.
        #expect(buffer?.array == [7, -2, 1 << 40])
    }

    @Test func emptyFile() throws {
        let path = try temporaryFile([])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try MappedFile(path: path)
        #expect(file.byteCount == 0)
        #expect(file.withBytes { $0.count } == 0)
        #expect(file.loadInteger(at: 0, as: UInt8.self) == nil)
        #expect(file.buffer(at: 0, count: 0, of: Double.self)?.count == 0)
        #expect(file.buffer(at: 0, count: 1, of: Double.self) == nil)
    }

    @Test func missingFileAndDirectoryThrow() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("strata-missing-\(UUID())").path
        #expect(throws: KernelError.io(path: missing, reason: "No such file or directory")) {
            _ = try MappedFile(path: missing)
        }
        let directory = FileManager.default.temporaryDirectory.path
        #expect(throws: KernelError.io(path: directory, reason: "is a directory")) {
            _ = try MappedFile(path: directory)
        }
    }
}
