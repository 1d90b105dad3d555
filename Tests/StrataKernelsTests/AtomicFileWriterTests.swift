import Foundation
import StrataKernels
import Testing

@Suite struct AtomicFileWriterTests {
    /// A fresh empty directory, removed by the caller.
    static func makeDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "strata-writer-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    static func contents(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { Array($0) }
    }

    @Test func writesEverythingInOrderAcrossBufferSizes() throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var state: UInt64 = 99
        for bufferSize in [1, 7, 64, 1 << 20] {
            let path = directory + "/out-\(bufferSize).bin"
            let writer = try AtomicFileWriter(path: path, bufferSize: bufferSize)
            var expected = [UInt8]()
            for piece in 0..<200 {
                state = state &* 6_364_136_223_846_793_005 &+ 1
                let length = Int(state >> 58) * (piece % 7 == 0 ? 97 : 1)  // 0 ..< 6111 bytes
                let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &+ piece) }
                switch piece % 3 {
                case 0: writer.write(bytes)
                case 1: writer.write(bytes.span.bytes)
                default:
                    let text = String(repeating: "é", count: length / 2)
                    writer.write(text)
                    expected.append(contentsOf: text.utf8)
                    continue
                }
                expected.append(contentsOf: bytes)
            }
            #expect(writer.byteCount == expected.count)
            #expect(!FileManager.default.fileExists(atPath: path))
            try writer.commit()
            #expect(Self.contents(path) == expected, "buffer size \(bufferSize)")
            #expect(writer.failure == nil)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(names == ["out-1.bin", "out-1048576.bin", "out-64.bin", "out-7.bin"])
    }

    /// Direct (O_DIRECT) writes: whole 4 KiB blocks from the aligned buffer, the last one padded
    /// and cut back. Lengths around the block and buffer sizes, pieces larger than the buffer,
    /// and an empty file all come out byte for byte; so does a directory on tmpfs, which refuses
    /// O_DIRECT (the writer falls back to buffered writes).
    @Test func directWritesGiveTheSameBytes() throws {
        var directories = [try Self.makeDirectory()]
        if FileManager.default.fileExists(atPath: "/dev/shm") {
            let shm = "/dev/shm/strata-writer-" + UUID().uuidString
            if (try? FileManager.default.createDirectory(atPath: shm, withIntermediateDirectories: false)) != nil {
                directories.append(shm)
            }
        }
        defer { for directory in directories { try? FileManager.default.removeItem(atPath: directory) } }
        var state: UInt64 = 7
        for directory in directories {
            for total in [0, 1, 4095, 4096, 4097, 8192, 12_289, 100_000] {
                for bufferSize in [1, 4096, 10_000] {
                    let path = directory + "/direct-\(total)-\(bufferSize).bin"
                    let writer = try AtomicFileWriter(path: path, bufferSize: bufferSize, direct: true)
                    var expected = [UInt8]()
                    while expected.count < total {
                        state = state &* 6_364_136_223_846_793_005 &+ 1
                        let length = min(total - expected.count, Int(state >> 49))  // up to 32 KiB
                        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: ($0 &+ expected.count) &* 131) }
                        writer.write(bytes)
                        expected.append(contentsOf: bytes)
                    }
                    try writer.commit()
                    #expect(Self.contents(path) == expected, "\(directory): \(total) bytes, buffer \(bufferSize)")
                }
            }
        }
    }

    @Test func temporaryFileLivesBesideTheTargetUntilCommit() throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/table.strata"
        let writer = try AtomicFileWriter(path: path)
        writer.write("hello")
        #expect(writer.temporaryPath.hasPrefix(directory + "/.table.strata.tmp-"))
        #expect(FileManager.default.fileExists(atPath: writer.temporaryPath))
        #expect(!FileManager.default.fileExists(atPath: path))
        try writer.commit()
        #expect(!FileManager.default.fileExists(atPath: writer.temporaryPath))
        #expect(Self.contents(path) == Array("hello".utf8))
    }

    @Test func droppedWriterLeavesTheOldFileAndNoTemporaryFile() throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/report.csv"
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        var temporary = ""
        do {
            let writer = try AtomicFileWriter(path: path)
            temporary = writer.temporaryPath
            writer.write([UInt8](repeating: 65, count: 3 << 20))
        }
        #expect(!FileManager.default.fileExists(atPath: temporary))
        #expect(Self.contents(path) == Array("old".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["report.csv"])
    }

    @Test func commitReplacesAnExistingFile() throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/a.txt"
        try Data("old contents".utf8).write(to: URL(fileURLWithPath: path))
        let writer = try AtomicFileWriter(path: path)
        writer.write("new")
        try writer.commit()
        #expect(Self.contents(path) == Array("new".utf8))
    }

    @Test func relativePathWorks() throws {
        let name = "strata-writer-test-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: name) }
        let writer = try AtomicFileWriter(path: name)
        writer.write("x")
        try writer.commit()
        #expect(Self.contents(name) == [UInt8(ascii: "x")])
    }

    @Test func missingDirectoryOrDirectoryTargetThrows() throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect {
            _ = try AtomicFileWriter(path: directory + "/no/such/dir/file.bin")
        } throws: { error in
            guard case .io(let path, let reason) = error as? KernelError else { return false }
            return path.hasSuffix("file.bin") && reason.contains("No such file or directory")
        }
        #expect {
            _ = try AtomicFileWriter(path: directory)
        } throws: { error in
            (error as? KernelError) == .io(path: directory, reason: "is a directory")
        }
    }
}
