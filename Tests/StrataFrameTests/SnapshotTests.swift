import Foundation
import StrataFrame
import StrataKernels
import Testing

/// Round trips, the documented byte layout, and damaged files (truncated, flipped, crafted): every
/// damaged file must throw `.snapshot(file:reason:)`, never crash.
@Suite struct SnapshotTests {
    // MARK: - Round trips

    @Test func roundTripOfEveryColumnTypeWithAndWithoutValidity() throws {
        let table = try SnapshotFixtures.everyType(rows: 1000, seed: 1)
        try SnapshotFixtures.withDirectory { directory in
            let path = directory + "/every.strata"
            try Snapshot.write(table, to: path)
            for verify in [true, false] {
                let loaded = try Snapshot.load(path: path, verify: verify)
                SnapshotFixtures.expectIdentical(loaded, table)
            }
        }
    }

    @Test func specialFloatBitPatternsSurvive() throws {
        let signalling = Double(bitPattern: 0x7FF4_0000_0000_0001)
        let payloadNaN = Double(bitPattern: 0xFFF8_0000_DEAD_BEEF)
        let values: [Double] = [
            0, -0.0, .infinity, -.infinity, .nan, signalling, payloadNaN, .leastNonzeroMagnitude, 1e308,
        ]
        let table = try Table(columns: [Column(name: "x", values: .float64(ColumnBuffer(values)))])
        try SnapshotFixtures.withDirectory { directory in
            let path = directory + "/floats.strata"
            try Snapshot.write(table, to: path)
            let loaded = try Snapshot.load(path: path)
            #expect(try loaded.float64("x").array.map(\.bitPattern) == values.map(\.bitPattern))
        }
    }

    @Test func emptyTableWithZeroRows() throws {
        let table = try SnapshotFixtures.everyType(rows: 0, seed: 2)
        #expect(table.rowCount == 0 && table.columns.count == 10)
        try SnapshotFixtures.withDirectory { directory in
            let path = directory + "/empty.strata"
            try Snapshot.write(table, to: path, metadata: ["k": "v"])
            for verify in [true, false] {
                let loaded = try Snapshot.load(path: path, verify: verify)
                #expect(loaded.rowCount == 0)
                SnapshotFixtures.expectIdentical(loaded, table)
            }
            #expect(try Snapshot.metadata(path: path) == ["k": "v"])
        }
    }

    @Test(arguments: [0, 1, 12_345]) func tableWithZeroColumnsKeepsItsRowCount(rows: Int) throws {
        let table = try Table(columns: [], rowCount: rows)
        try SnapshotFixtures.withDirectory { directory in
            let path = directory + "/none.strata"
            try Snapshot.write(table, to: path)
            let loaded = try Snapshot.load(path: path)
            #expect(loaded.columns.isEmpty)
            #expect(loaded.rowCount == rows)
            let size = try SnapshotFixtures.bytes(path).count
            #expect(size % 64 == 0)
        }
    }

    @Test func largeTableCrossesChecksumBlocks() throws {
        let rows = 200_000
        let table = try SnapshotFixtures.everyType(rows: rows, seed: 3)
        try SnapshotFixtures.withDirectory { directory in
            let path = directory + "/large.strata"
            try Snapshot.write(table, to: path, metadata: ["rows": "\(rows)"])
            let loaded = try Snapshot.load(path: path)
            SnapshotFixtures.expectIdentical(loaded, table)

            // The Float64 buffer is 1.6 MB: two blocks. Its stored checksum follows the documented
            // formula, and damage in the second block is found and named.
            var bytes = try SnapshotFixtures.bytes(path)
            let layout = SnapshotLayoutWalker(bytes)
            let amount = try #require(layout.buffers.first { $0.column == "amount" && $0.role == 0 })
            #expect(amount.byteLength == rows * 8)
            let original = try table.float64("amount")
            let expected = original.withBytes { Checksum.blocked($0) }
            #expect(layout.integer(bytes, at: amount.descriptorAt + 24, width: 8) == Int(bitPattern: UInt(expected)))
            bytes[amount.offset + Checksum.blockSize + 5] ^= 0x10
            try SnapshotFixtures.write(bytes, to: path)
            let reason = SnapshotFixtures.expectSnapshotError(path)
            #expect(reason?.contains("checksum mismatch in the values buffer of column 'amount'") == true)
            // Without verification the header is still valid and the file loads.
            #expect(try Snapshot.load(path: path, verify: false).rowCount == rows)
        }
    }

    @Test func metadataRoundTripsAndFilesAreDeterministic() throws {
        let table = try SnapshotFixtures.everyType(rows: 70, seed: 4)
        let metadata = [
            "source": "tape_2025-06.csv", "as_of_date": "2025-06-30", "ünïcødé 🔑": "välue ✓", "": "empty key",
        ]
        try SnapshotFixtures.withDirectory { directory in
            try Snapshot.write(table, to: directory + "/a.strata", metadata: metadata)
            try Snapshot.write(table, to: directory + "/b.strata", metadata: metadata)
            #expect(
                try SnapshotFixtures.bytes(directory + "/a.strata") == SnapshotFixtures.bytes(directory + "/b.strata"))
            #expect(try Snapshot.metadata(path: directory + "/a.strata") == metadata)
        }
    }

    @Test func loadedTableCanBeWrittenAgainAndOutlivesReplacement() throws {
        let first = try SnapshotFixtures.everyType(rows: 300, seed: 5)
        let second = try SnapshotFixtures.everyType(rows: 20, seed: 6)
        try SnapshotFixtures.withDirectory { directory in
            let path = directory + "/book.strata"
            try Snapshot.write(first, to: path)
            let mapped = try Snapshot.load(path: path)
            // Columns that point into a mapping write like any other.
            try Snapshot.write(mapped, to: directory + "/copy.strata")
            #expect(try SnapshotFixtures.bytes(directory + "/copy.strata") == SnapshotFixtures.bytes(path))
            // Replacing the file renames a new inode into place; the mapped table is unaffected.
            try Snapshot.write(second, to: path)
            SnapshotFixtures.expectIdentical(mapped, first)
            SnapshotFixtures.expectIdentical(try Snapshot.load(path: path), second)
            // Writing a mapped table over the very file it maps is safe for the same reason.
            let current = try Snapshot.load(path: path)
            try Snapshot.write(current, to: path)
            SnapshotFixtures.expectIdentical(current, second)
            SnapshotFixtures.expectIdentical(try Snapshot.load(path: path), second)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(names == ["book.strata", "copy.strata"])
        }
    }

    // MARK: - The documented layout

    @Test func layoutFollowsTheDocumentation() throws {
        let table = try SnapshotFixtures.everyType(rows: 100, seed: 7)
        try SnapshotFixtures.withDirectory { directory in
            let path = directory + "/layout.strata"
            try Snapshot.write(table, to: path, metadata: ["b": "2", "a": "1"])
            let bytes = try SnapshotFixtures.bytes(path)
            let layout = SnapshotLayoutWalker(bytes)
            #expect(Array(bytes[0..<8]) == [0x89, 0x53, 0x54, 0x52, 0x41, 0x54, 0x41, 0x0A])
            #expect(layout.integer(bytes, at: 8, width: 4) == 1)
            #expect(layout.integer(bytes, at: 12, width: 4) == 0)
            #expect(layout.integer(bytes, at: 24, width: 8) == bytes.count)
            #expect(layout.integer(bytes, at: 32, width: 8) == 100)
            #expect(layout.metadataKeys == ["a", "b"])
            #expect(layout.columnNames == table.columnNames)
            let checksum = Checksum.blocked(Array(bytes[0..<layout.headerLength]).span.bytes)
            #expect(layout.integer(bytes, at: layout.headerLength, width: 8) == Int(bitPattern: UInt(checksum)))
            #expect(layout.dataStart == (layout.headerLength + 8 + 63) / 64 * 64)
            var previousEnd = layout.dataStart
            for buffer in layout.buffers {
                #expect(buffer.offset % 64 == 0)
                #expect(buffer.offset == (previousEnd + 63) / 64 * 64)
                previousEnd = buffer.offset + buffer.byteLength
            }
            #expect(bytes.count == (previousEnd + 63) / 64 * 64)
            // Ten columns: string and validity columns have more buffers.
            #expect(layout.buffers.count == 1 + 2 + 1 + 2 + 1 + 2 + 1 + 2 + 2 + 3)
        }
    }

    // MARK: - Damaged files

    @Test func everyTruncationThrows() throws {
        let table = try SnapshotFixtures.everyType(rows: 5, seed: 8)
        try SnapshotFixtures.withDirectory { directory in
            let path = directory + "/t.strata"
            try Snapshot.write(table, to: path, metadata: ["m": "x"])
            let bytes = try SnapshotFixtures.bytes(path)
            let damaged = directory + "/damaged.strata"
            for length in 0..<bytes.count {
                try SnapshotFixtures.write(Array(bytes[0..<length]), to: damaged)
                SnapshotFixtures.expectSnapshotError(damaged, verify: true)
                SnapshotFixtures.expectSnapshotError(damaged, verify: false)
                #expect(throws: StrataFrameError.self) { try Snapshot.metadata(path: damaged) }
            }
            // A few typical messages.
            try SnapshotFixtures.write([], to: damaged)
            #expect(SnapshotFixtures.expectSnapshotError(damaged) == "the file is empty")
            try SnapshotFixtures.write(Array(bytes[0..<bytes.count - 64]), to: damaged)
            #expect(SnapshotFixtures.expectSnapshotError(damaged)?.hasPrefix("truncated: the file has") == true)
        }
    }

    @Test(arguments: [UInt8(0xFF), 0x01]) func everyFlippedByteIsCaught(mask: UInt8) throws {
        let table = try SnapshotFixtures.everyType(rows: 5, seed: 9)
        try SnapshotFixtures.withDirectory { directory in
            let path = directory + "/f.strata"
            try Snapshot.write(table, to: path, metadata: ["m": "x"])
            let bytes = try SnapshotFixtures.bytes(path)
            let layout = SnapshotLayoutWalker(bytes)
            let damaged = directory + "/damaged.strata"
            for index in bytes.indices {
                var copy = bytes
                copy[index] ^= mask
                try SnapshotFixtures.write(copy, to: damaged)
                SnapshotFixtures.expectSnapshotError(damaged, verify: true)
                // Without verification damage in the data section may load, but must not crash;
                // damage in the header must still throw.
                let loaded = try? Snapshot.load(path: damaged, verify: false)
                if index < layout.headerLength + 8 { #expect(loaded == nil, "byte \(index)") }
            }
        }
    }

    @Test func wrongVersionNamesBothVersions() throws {
        try SnapshotFixtures.withDamagedFile { bytes, walker in
            SnapshotLayoutWalker.put(2, at: 8, width: 4, in: &bytes)
            SnapshotLayoutWalker.resealHeader(&bytes, headerLength: walker.headerLength)
        } check: { path in
            let reason = SnapshotFixtures.expectSnapshotError(path, verify: false)
            #expect(
                reason == "format version 2 is not supported: this build reads version 1 (written by a newer Strata?)")
        }
        try SnapshotFixtures.withDamagedFile { bytes, _ in
            SnapshotLayoutWalker.put(0, at: 8, width: 4, in: &bytes)
        } check: { path in
            #expect(
                SnapshotFixtures.expectSnapshotError(path)
                    == "format version 0 is not supported: this build reads version 1")
        }
    }

    @Test func wrongMagicAndOtherFormatsAreNotSnapshots() throws {
        try SnapshotFixtures.withDamagedFile { bytes, _ in
            bytes[1] = UInt8(ascii: "X")
        } check: { path in
            let reason = SnapshotFixtures.expectSnapshotError(path, verify: false)
            #expect(reason?.hasPrefix("wrong magic bytes 89 58 54 52 41 54 41 0A") == true)
        }
        try SnapshotFixtures.withDirectory { directory in
            let csv = directory + "/tape.csv"
            try SnapshotFixtures.write(Array("loan_id,balance\nL1,100.5\nL2,20\n".utf8), to: csv)
            let reason = SnapshotFixtures.expectSnapshotError(csv)
            #expect(reason?.hasSuffix("(a snapshot starts with 89 53 54 52 41 54 41 0A)") == true)
            #expect(reason?.contains("6C 6F 61 6E 5F 69 64 2C") == true)
            let error = try #require(throws: StrataFrameError.self) { try Snapshot.load(path: csv) }
            #expect(error.description.hasPrefix("\(csv): not a valid Strata snapshot: wrong magic bytes"))
            #expect(throws: StrataFrameError.self) { try Snapshot.metadata(path: csv) }
        }
    }

    @Test func missingFileAndDirectoryAreIOErrors() throws {
        try SnapshotFixtures.withDirectory { directory in
            let missing = directory + "/missing.strata"
            #expect {
                try Snapshot.load(path: missing)
            } throws: { error in
                guard case .io(let path, _) = error as? StrataFrameError else { return false }
                return path == missing
            }
            #expect(throws: StrataFrameError.io(path: directory, reason: "is a directory")) {
                try Snapshot.load(path: directory)
            }
        }
    }

    /// Header fields changed and the header checksum recomputed, as a buggy or hostile writer would:
    /// the bounds checks, not the checksum, must catch each one.
    @Test func craftedHeadersAreRejectedByTheBoundsChecks() throws {
        typealias Walker = SnapshotLayoutWalker
        let cases: [(String, (inout [UInt8], Walker) -> Void)] = [
            ("expected for 4611686018427387904 rows", { b, _ in Walker.put(1 << 62, at: 32, width: 8, in: &b) }),
            ("row count", { b, _ in Walker.put(UInt64.max, at: 32, width: 8, in: &b) }),
            ("elements", { b, _ in Walker.put(6, at: 32, width: 8, in: &b) }),
            ("columns cannot fit", { b, _ in Walker.put(UInt64(UInt32.max), at: 40, width: 4, in: &b) }),
            ("metadata entries cannot fit", { b, _ in Walker.put(UInt64(UInt32.max), at: 44, width: 4, in: &b) }),
            ("after the last column record", { b, _ in Walker.put(9, at: 40, width: 4, in: &b) }),
            ("ends inside", { b, w in Walker.put(UInt64(UInt32.max), at: w.columnRecords[0].at, width: 4, in: &b) }),
            ("not valid UTF-8", { b, w in b[w.columnRecords[0].at + 4] = 0xFF }),
            ("unknown type code", { b, w in b[w.columnRecords[0].typeAt] = 9 }),
            ("unknown flags", { b, w in b[w.columnRecords[0].typeAt + 1] = 4 }),
            ("reserved field", { b, w in b[w.columnRecords[0].typeAt + 2] = 1 }),
            ("has a dictionary", { b, w in Walker.put(1, at: w.columnRecords[0].typeAt + 4, width: 4, in: &b) }),
            (
                "cannot fit in the header",
                { b, w in
                    Walker.put(UInt64(UInt32.max), at: w.column("grade").typeAt + 4, width: 4, in: &b)
                }
            ),
            (
                "buffers, its type needs",
                { b, w in Walker.put(2, at: w.columnRecords[0].bufferCountAt, width: 4, in: &b) }
            ),
            (
                "passes the end of the file",
                { b, w in Walker.put(1 << 40, at: w.buffers[3].descriptorAt, width: 8, in: &b) }
            ),
            (
                "past the end of any file",
                { b, w in Walker.put(UInt64.max, at: w.buffers[3].descriptorAt, width: 8, in: &b) }
            ),
            (
                "not a multiple of 64",
                { b, w in
                    Walker.put(UInt64(w.buffers[3].offset + 8), at: w.buffers[3].descriptorAt, width: 8, in: &b)
                }
            ),
            (
                "overlaps the previous buffer",
                { b, w in
                    Walker.put(UInt64(w.buffers[2].offset), at: w.buffers[3].descriptorAt, width: 8, in: &b)
                }
            ),
            ("inside the header", { b, w in Walker.put(0, at: w.buffers[0].descriptorAt, width: 8, in: &b) }),
            (
                "bytes for",
                { b, w in Walker.put(UInt64(Int.max), at: w.buffers[0].descriptorAt + 16, width: 8, in: &b) }
            ),
            ("bytes for", { b, w in Walker.put(7, at: w.buffers[0].descriptorAt + 8, width: 8, in: &b) }),
            (
                "passes the end of the file",
                { b, w in
                    Walker.put(UInt64(Int.max), at: w.buffers[0].descriptorAt + 8, width: 8, in: &b)
                }
            ),
            ("appears twice", { b, w in b[w.metadataAt[1] + 5] = b[w.metadataAt[0] + 5] }),
            (
                "duplicate column name 'count2'",
                { b, w in
                    for (i, c) in "count2".utf8.enumerated() { b[w.column("amount").at + 4 + i] = c }
                }
            ),
            ("header length", { b, _ in Walker.put(10, at: 16, width: 8, in: &b) }),
            ("truncated or damaged", { b, _ in Walker.put(1 << 50, at: 16, width: 8, in: &b) }),
            (
                "more than its header records",
                { b, _ in
                    Walker.put(UInt64(Walker(b).integer(b, at: 24, width: 8) - 64), at: 24, width: 8, in: &b)
                }
            ),
            ("unknown header flags", { b, _ in b[12] = 1 }),
        ]
        for (expected, damage) in cases {
            try SnapshotFixtures.withDamagedFile(rows: 5) { bytes, walker in
                damage(&bytes, walker)
                SnapshotLayoutWalker.resealHeader(&bytes, headerLength: walker.headerLength)
            } check: { path in
                for verify in [false, true] {
                    let reason = SnapshotFixtures.expectSnapshotError(path, verify: verify)
                    #expect(reason?.contains(expected) == true, "expected '\(expected)', got '\(reason ?? "")'")
                }
            }
        }
    }

    @Test func categoryCodesOutsideTheDictionaryAreCaughtWhenVerifying() throws {
        try SnapshotFixtures.withDamagedFile(rows: 5) { bytes, walker in
            let codes = walker.buffer("grade", role: 0)
            SnapshotLayoutWalker.put(7, at: codes.offset + 4 * 3, width: 4, in: &bytes)
            SnapshotLayoutWalker.resealBuffer(codes, in: &bytes)
        } check: { path in
            let reason = SnapshotFixtures.expectSnapshotError(path)
            #expect(reason == "column 'grade' row 3: category code 7 is outside its dictionary of 4 entries")
            let unverified = try Snapshot.load(path: path, verify: false)
            #expect(unverified.rowCount == 5)
        }
        // A missing row's code is never read, so it is not an error.
        try SnapshotFixtures.withDamagedFile(rows: 5) { bytes, walker in
            let codes = walker.buffer("grade2", role: 0)
            SnapshotLayoutWalker.put(99, at: codes.offset + 4 * 1, width: 4, in: &bytes)
            SnapshotLayoutWalker.resealBuffer(codes, in: &bytes)
        } check: { path in
            let loaded = try Snapshot.load(path: path)
            #expect(loaded.rowCount == 5)
        }
    }

    @Test func stringOffsetsMustNotDecrease() throws {
        try SnapshotFixtures.withDamagedFile(rows: 5) { bytes, walker in
            let offsets = walker.buffer("name", role: 0)
            SnapshotLayoutWalker.put(UInt64(bitPattern: -3), at: offsets.offset + 8 * 2, width: 8, in: &bytes)
            SnapshotLayoutWalker.resealBuffer(offsets, in: &bytes)
        } check: { path in
            let reason = SnapshotFixtures.expectSnapshotError(path)
            #expect(reason?.hasPrefix("column 'name': string offsets decrease at row 1") == true)
        }
        // The first and last offsets are checked even without verification.
        try SnapshotFixtures.withDamagedFile(rows: 5) { bytes, walker in
            let offsets = walker.buffer("name", role: 0)
            SnapshotLayoutWalker.put(1_000, at: offsets.offset + 8 * 5, width: 8, in: &bytes)
            SnapshotLayoutWalker.resealBuffer(offsets, in: &bytes)
        } check: { path in
            let reason = SnapshotFixtures.expectSnapshotError(path, verify: false)
            #expect(reason?.contains("the last string offset is 1000") == true)
        }
        try SnapshotFixtures.withDamagedFile(rows: 5) { bytes, walker in
            let offsets = walker.buffer("name", role: 0)
            SnapshotLayoutWalker.put(1, at: offsets.offset, width: 8, in: &bytes)
            SnapshotLayoutWalker.resealBuffer(offsets, in: &bytes)
        } check: { path in
            #expect(
                SnapshotFixtures.expectSnapshotError(path, verify: false)?.contains("first string offset is 1") == true)
        }
    }

    @Test func nonZeroPaddingIsCaughtWhenVerifying() throws {
        try SnapshotFixtures.withDamagedFile(rows: 5) { bytes, walker in
            let first = walker.buffers[0]
            bytes[first.offset + first.byteLength] = 1
        } check: { path in
            let reason = SnapshotFixtures.expectSnapshotError(path)
            #expect(reason?.hasPrefix("damaged padding: byte") == true)
            let unverified = try Snapshot.load(path: path, verify: false)
            #expect(unverified.rowCount == 5)
        }
    }

    // MARK: - Atomic writes

    @Test func failedWriteLeavesNothingBehind() throws {
        let table = try SnapshotFixtures.everyType(rows: 10, seed: 10)
        try SnapshotFixtures.withDirectory { directory in
            let path = directory + "/no/such/dir/x.strata"
            #expect {
                try Snapshot.write(table, to: path)
            } throws: { error in
                guard case .io(let errorPath, _) = error as? StrataFrameError else { return false }
                return errorPath == path
            }
            let left = try FileManager.default.contentsOfDirectory(atPath: directory)
            #expect(left.isEmpty)
            // A directory in the way is an error too and is left alone.
            #expect(throws: StrataFrameError.io(path: directory, reason: "is a directory")) {
                try Snapshot.write(table, to: directory)
            }
        }
    }
}

// MARK: - Fixtures

enum SnapshotFixtures {
    /// A deterministic table with one column of every type without validity and one with
    /// (every fifth row missing), plus a string column with empty and non-ASCII values.
    static func everyType(rows: Int, seed: UInt64) throws -> Table {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        let grades = ["A", "B", "C", "Ünïcode ✓"]
        var amounts = [Double](), counts = [Int64](), dates = [Int32](), codes = [UInt32](), names = [String]()
        var valid = [Bool]()
        for row in 0..<rows {
            amounts.append(Double(Int64(bitPattern: next() << 11)) / 1e6)
            counts.append(Int64(bitPattern: next() << 11))
            dates.append(Int32(truncatingIfNeeded: Int64(next() % 80_000) - 40_000))
            codes.append(UInt32(next() % 4))
            names.append(row % 7 == 3 ? "" : "loan-\(next() % 1_000_000)" + (row % 11 == 0 ? "-é中" : ""))
            valid.append(row % 5 != 1)
        }
        let validity = ValidityBitmap(valid)
        func masked<T: BitwiseCopyable & Numeric>(_ values: [T]) -> [T] {
            values.indices.map { valid[$0] ? values[$0] : 0 }
        }
        let maskedNames = names.indices.map { valid[$0] ? names[$0] : "" }
        return try Table(
            columns: [
                Column(name: "amount", values: .float64(ColumnBuffer(amounts))),
                Column(name: "amount2", values: .float64(ColumnBuffer(masked(amounts))), validity: validity),
                Column(name: "count", values: .int64(ColumnBuffer(counts))),
                Column(name: "count2", values: .int64(ColumnBuffer(masked(counts))), validity: validity),
                Column(name: "day", values: .date(ColumnBuffer(dates))),
                Column(name: "day2", values: .date(ColumnBuffer(masked(dates))), validity: validity),
                Column(
                    name: "grade", values: .category(CategoryValues(codes: ColumnBuffer(codes), dictionary: grades))),
                Column(
                    name: "grade2",
                    values: .category(CategoryValues(codes: ColumnBuffer(masked(codes)), dictionary: grades)),
                    validity: validity),
                Column(name: "name", values: .string(StringValues(names))),
                Column(name: "name2", values: .string(StringValues(maskedNames)), validity: validity),
            ], rowCount: rows)
    }

    /// Expects the same names, types, bit-identical buffers, dictionaries and validity.
    static func expectIdentical(
        _ loaded: Table, _ original: Table, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(loaded.rowCount == original.rowCount, sourceLocation: sourceLocation)
        #expect(loaded.columnNames == original.columnNames, sourceLocation: sourceLocation)
        for (a, b) in zip(loaded.columns, original.columns) {
            let same: Bool
            switch (a.values, b.values) {
            case (.float64(let x), .float64(let y)): same = x.bitwiseEqual(y)
            case (.int64(let x), .int64(let y)): same = x.bitwiseEqual(y)
            case (.date(let x), .date(let y)): same = x.bitwiseEqual(y)
            case (.category(let x), .category(let y)):
                same = x.codes.bitwiseEqual(y.codes) && x.dictionary == y.dictionary
            case (.string(let x), .string(let y)):
                same = x.offsets.bitwiseEqual(y.offsets) && x.bytes.bitwiseEqual(y.bytes)
            default: same = false
            }
            #expect(same, "column \(a.name)", sourceLocation: sourceLocation)
            #expect((a.validity == nil) == (b.validity == nil), "column \(a.name)", sourceLocation: sourceLocation)
            if let x = a.validity, let y = b.validity {
                #expect(x.count == y.count && x.words.bitwiseEqual(y.words), sourceLocation: sourceLocation)
            }
            for row in stride(from: 0, to: a.count, by: max(1, a.count / 50)) {
                #expect(a.text(at: row) == b.text(at: row), sourceLocation: sourceLocation)
            }
        }
    }

    /// Loads `path` expecting `.snapshot(file: path, ...)`; returns the reason.
    @discardableResult
    static func expectSnapshotError(
        _ path: String, verify: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
    ) -> String? {
        do {
            _ = try Snapshot.load(path: path, verify: verify)
            Issue.record("\(path) loaded, an error was expected", sourceLocation: sourceLocation)
        } catch {
            if case .snapshot(let file, let reason) = error, file == path { return reason }
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// Runs `body` with a fresh directory, removed afterwards.
    static func withDirectory(_ body: (String) throws -> Void) throws {
        let path = NSTemporaryDirectory() + "strata-snapshot-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    /// Writes a small table, lets `damage` change its bytes, and runs `check` on the damaged file.
    static func withDamagedFile(
        rows: Int = 5, _ damage: (inout [UInt8], SnapshotLayoutWalker) -> Void, check: (String) throws -> Void
    ) throws {
        try withDirectory { directory in
            let path = directory + "/d.strata"
            try Snapshot.write(try everyType(rows: rows, seed: 11), to: path, metadata: ["k1": "a", "k2": "b"])
            var bytes = try Self.bytes(path)
            damage(&bytes, SnapshotLayoutWalker(bytes))
            try write(bytes, to: path)
            try check(path)
        }
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Writes `bytes` to a new file at `path`, without `fsync` (Foundation's `Data.write` syncs) and
    /// without truncating the old file (ext4 starts writeback on truncate-and-rewrite), so that the
    /// thousands of damaged files of these tests cost no disk I/O.
    static func write(_ bytes: [UInt8], to path: String) throws {
        unlink(path)
        guard let file = fopen(path, "wb") else { throw CocoaError(.fileWriteUnknown) }
        let written = fwrite(bytes, 1, bytes.count, file)
        guard fclose(file) == 0, written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
    }
}

/// Reads a snapshot's header by the description in docs/snapshot-format.md, independently of
/// the library's reader, and records where each field lies, so that tests can damage one field
/// and recompute checksums. Only for well-formed files.
struct SnapshotLayoutWalker {
    struct Buffer {
        var column: String
        var role: Int
        var descriptorAt: Int
        var offset: Int
        var byteLength: Int
    }

    struct ColumnRecord {
        var name: String
        var at: Int
        var typeAt: Int
        var bufferCountAt: Int
    }

    var headerLength = 0
    var dataStart = 0
    var metadataKeys = [String]()
    var metadataAt = [Int]()
    var columnRecords = [ColumnRecord]()
    var buffers = [Buffer]()

    var columnNames: [String] { columnRecords.map(\.name) }

    init(_ bytes: [UInt8]) {
        headerLength = Self.integer(bytes, at: 16, width: 8)
        dataStart = (headerLength + 8 + 63) / 64 * 64
        let columnCount = Self.integer(bytes, at: 40, width: 4)
        let metadataCount = Self.integer(bytes, at: 44, width: 4)
        var p = 48
        func text() -> String {
            let count = Self.integer(bytes, at: p, width: 4)
            defer { p += 4 + count }
            return String(decoding: bytes[(p + 4)..<(p + 4 + count)], as: UTF8.self)
        }
        for _ in 0..<metadataCount {
            metadataAt.append(p)
            metadataKeys.append(text())
            _ = text()
        }
        for _ in 0..<columnCount {
            let at = p
            let name = text()
            let typeAt = p
            p += 4
            let dictionaryCount = Self.integer(bytes, at: p, width: 4)
            p += 4
            for _ in 0..<dictionaryCount { _ = text() }
            let bufferCountAt = p
            let bufferCount = Self.integer(bytes, at: p, width: 4)
            p += 4
            for role in 0..<bufferCount {
                buffers.append(
                    Buffer(
                        column: name, role: role, descriptorAt: p, offset: Self.integer(bytes, at: p, width: 8),
                        byteLength: Self.integer(bytes, at: p + 8, width: 8)))
                p += 32
            }
            columnRecords.append(ColumnRecord(name: name, at: at, typeAt: typeAt, bufferCountAt: bufferCountAt))
        }
        precondition(p == headerLength, "walker and file disagree on the header length")
    }

    func column(_ name: String) -> ColumnRecord { columnRecords.first { $0.name == name }! }

    func buffer(_ column: String, role: Int) -> Buffer { buffers.first { $0.column == column && $0.role == role }! }

    /// A little-endian integer of `width` bytes at `at`.
    func integer(_ bytes: [UInt8], at: Int, width: Int) -> Int { Self.integer(bytes, at: at, width: width) }

    /// A little-endian integer of `width` bytes at `at`.
    static func integer(_ bytes: [UInt8], at: Int, width: Int) -> Int {
        var value: UInt64 = 0
        for i in (0..<width).reversed() { value = value << 8 | UInt64(bytes[at + i]) }
        return Int(bitPattern: UInt(value))
    }

    static func put(_ value: UInt64, at: Int, width: Int, in bytes: inout [UInt8]) {
        for i in 0..<width { bytes[at + i] = UInt8(truncatingIfNeeded: value >> UInt64(8 * i)) }
    }

    /// Recomputes the header checksum of a header `headerLength` bytes long.
    static func resealHeader(_ bytes: inout [UInt8], headerLength: Int) {
        let checksum = Checksum.blocked(Array(bytes[0..<headerLength]).span.bytes)
        put(checksum, at: headerLength, width: 8, in: &bytes)
    }

    /// Recomputes the checksum of `buffer`'s data into its descriptor, then the header checksum.
    static func resealBuffer(_ buffer: Buffer, in bytes: inout [UInt8]) {
        let data = Array(bytes[buffer.offset..<(buffer.offset + buffer.byteLength)])
        put(Checksum.blocked(data.span.bytes), at: buffer.descriptorAt + 24, width: 8, in: &bytes)
        resealHeader(&bytes, headerLength: Self.integer(bytes, at: 16, width: 8))
    }
}
