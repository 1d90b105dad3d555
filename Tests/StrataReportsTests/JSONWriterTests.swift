import Foundation
import StrataFrame
import StrataKernels
import Testing

@testable import StrataReports

/// Parses JSON text with Foundation (the independent reader), allowing a top-level scalar.
func parseJSON(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

@Suite struct JSONWriterTests {
    @Test func escapesEveryControlCharacter() throws {
        let short: [UInt32: String] = [0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"]
        for code in UInt32(0)..<0x20 {
            let text = "a" + String(Unicode.Scalar(code)!) + "b"
            let hex = String(code, radix: 16)
            let escape = short[code] ?? "\\u00" + (hex.count == 1 ? "0" + hex : hex)
            let json = JSONValue.string(text).compactText
            #expect(json == "\"a" + escape + "b\"", "U+\(hex)")
            #expect(try parseJSON(json) as? String == text, "U+\(hex)")
        }
        let all = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar($0)! }))
        #expect(try parseJSON(JSONValue.string(all).compactText) as? String == all)
    }

    @Test func escapesQuotesAndBackslashKeepsUnicode() throws {
        let cases: [(String, String)] = [
            ("say \"hi\"", #""say \"hi\"""#), ("C:\\path\\", #""C:\\path\\""#), ("/", #""/""#),
            ("é中文😀", "\"é中文😀\""), ("\u{7F}", "\"\u{7F}\""), ("\u{2028}\u{2029}x", #""\u2028\u2029x""#),
            ("\u{2027}\u{202A}", "\"\u{2027}\u{202A}\""), ("", #""""#), ("\r\n", #""\r\n""#),
        ]
        for (text, expected) in cases {
            let json = JSONValue.string(text).compactText
            #expect(json == expected, "\(text.debugDescription)")
            #expect(try parseJSON(json) as? String == text, "\(text.debugDescription)")
        }
        // Non-ASCII stays UTF-8 bytes (no \u escapes).
        #expect(JSONWriter().bytes(.string("é")) == [0x22, 0xC3, 0xA9, 0x22])
    }

    @Test func keysKeepInsertionOrder() throws {
        var object: JSONObject = ["zeta": 1, "alpha": 2, "mid": 3]
        #expect(JSONValue.object(object).compactText == #"{"zeta":1,"alpha":2,"mid":3}"#)
        object["alpha"] = "replaced"
        object["new"] = true
        object["zeta"] = nil
        #expect(object.keys == ["alpha", "mid", "new"])
        #expect(JSONValue.object(object).compactText == #"{"alpha":"replaced","mid":3,"new":true}"#)
        let parsed = try parseJSON(JSONValue.object(object).compactText) as? [String: Any]
        #expect(parsed?["alpha"] as? String == "replaced")
        let weird: JSONValue = ["a\"b": 1, "\n": 2, "é": 3]
        #expect(weird.compactText == #"{"a\"b":1,"\n":2,"é":3}"#)
        #expect((try parseJSON(weird.compactText) as? [String: Any])?.count == 3)
    }

    @Test func numbersAndNonFinite() throws {
        let value: JSONValue = [.double(.nan), .double(.infinity), .double(-.infinity), 0.1, 12.0, -0.0, 1e-5, 1e300]
        #expect(value.compactText == "[null,null,null,0.1,12,0,1e-05,1e+300]")
        let parsed = try parseJSON(value.compactText) as? [Any]
        #expect(parsed?.count == 8)
        #expect(parsed?[0] is NSNull)
        let numbers = parsed?.dropFirst(3).compactMap { ($0 as? NSNumber)?.doubleValue }
        #expect(numbers == [0.1, 12, 0, 1e-5, 1e300])
        let ints: JSONValue = [.int(.max), .int(.min), 0, -7]
        #expect(ints.compactText == "[9223372036854775807,-9223372036854775808,0,-7]")
        // Doubles read back bit for bit (the shortest round-trip form).
        var random = TestRandom(seed: 3)
        var doubles = [Double]()
        for _ in 0..<2_000 {
            let d = Double(bitPattern: random.next())
            if d.isFinite { doubles.append(d) }
        }
        // Bit for bit through Swift's own (correctly rounded) parser...
        let text = JSONValue(doubles).compactText
        let tokens = text.dropFirst().dropLast().split(separator: ",").map { Double(String($0)) }
        #expect(tokens == doubles)
        // ...and within 1e-14 relative through Foundation's JSONSerialization, whose number parser
        // on Linux is not correctly rounded (it misses the last digit now and then).
        let back = try parseJSON(text) as? [NSNumber]
        #expect(back?.count == doubles.count)
        for (parsed, original) in zip(back ?? [], doubles) {
            #expect(abs(parsed.doubleValue - original) <= 1e-14 * abs(original))
        }
        #expect(
            JSONValue(nil as Double?) == .null && JSONValue(Optional(2)) == .int(2) && JSONValue(true) == .bool(true))
    }

    @Test func prettyAndCompactLayout() {
        let value: JSONValue = [
            "name": "book", "loans": 3, "pd": 0.02, "ok": true, "none": nil, "empty": [], "nothing": [:],
            "grades": ["A", ["B": 1]],
        ]
        #expect(
            value.compactText
                == #"{"name":"book","loans":3,"pd":0.02,"ok":true,"none":null,"empty":[],"nothing":{},"grades":["A",{"B":1}]}"#
        )
        let expected = """
            {
              "name": "book",
              "loans": 3,
              "pd": 0.02,
              "ok": true,
              "none": null,
              "empty": [],
              "nothing": {},
              "grades": [
                "A",
                {
                  "B": 1
                }
              ]
            }
            """
        #expect(value.prettyText == expected)
        #expect(JSONWriter(pretty: true, indent: 4).string([1]) == "[\n    1\n]")
        #expect(JSONValue.null.prettyText == "null")
    }

    @Test func tableRowsAsObjectsStreamingEqualsValues() throws {
        let table = try mixedTable(rows: 1_234, seed: 11)
        for pretty in [false, true] {
            let expected = JSONWriter(pretty: pretty).string(JSONValue(table: table))
            for (chunkSize, threads) in [(1, 1), (50, 2), (4096, 2)] {
                let streamed = JSONWriter(pretty: pretty, chunkSize: chunkSize, threads: threads).string(table: table)
                #expect(streamed == expected, "pretty \(pretty), \(chunkSize)/\(threads)")
            }
        }
        let rows = try parseJSON(JSONWriter(pretty: false).string(table: table)) as? [[String: Any]]
        #expect(rows?.count == table.rowCount)
        for (r, row) in (rows ?? []).enumerated() {
            for column in table.columns {
                let cell = row[column.name]
                guard column.isValid(r) else {
                    #expect(cell is NSNull)
                    continue
                }
                switch column.values {
                case .float64(let v):
                    if v[r].isFinite {
                        // JSONSerialization on Linux is not correctly rounded: 1e-14 relative.
                        let parsed = (cell as? NSNumber)?.doubleValue ?? .nan
                        #expect(abs(parsed - v[r]) <= 1e-14 * abs(v[r]))
                    } else {
                        #expect(cell is NSNull)
                    }
                case .int64(let v): #expect((cell as? NSNumber)?.int64Value == v[r])
                default: #expect(cell as? String == column.text(at: r))
                }
            }
        }
        // Key order is column order in every row.
        let first = JSONWriter(pretty: false).string(table: try table.selecting(["note", "amount"]))
        #expect(first.hasPrefix(#"[{"note":"#))
    }

    @Test func smallTableExactText() throws {
        let table = try Table(columns: [
            Column(name: "id", values: .string(StringValues(["L1", "L\"2"]))),
            Column(name: "pd", values: .float64(ColumnBuffer([0.025, .nan]))),
            Column(name: "d", values: .date(ColumnBuffer([0, 1])), validity: ValidityBitmap([true, false])),
        ])
        #expect(
            JSONWriter(pretty: false).string(table: table)
                == #"[{"id":"L1","pd":0.025,"d":"1970-01-01"},{"id":"L\"2","pd":null,"d":null}]"#)
        let pretty = """
            [
              {
                "id": "L1",
                "pd": 0.025,
                "d": "1970-01-01"
              },
              {
                "id": "L\\"2",
                "pd": null,
                "d": null
              }
            ]
            """
        #expect(JSONWriter().string(table: table) == pretty)
        let empty = try Table(columns: [Column(name: "a", values: .int64(ColumnBuffer()))])
        #expect(JSONWriter().string(table: empty) == "[]")
        #expect(JSONValue(table: empty).prettyText == "[]")
        let noColumns = try Table(columns: [], rowCount: 2)
        #expect(JSONWriter(pretty: false).string(table: noColumns) == "[{},{}]")
        #expect(JSONWriter().string(table: noColumns) == JSONValue(table: noColumns).prettyText)
    }

    @Test func writesFilesAtomicallyWithTrailingNewline() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/summary.json"
        try JSONWriter().write(["a": 1], to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\n  \"a\": 1\n}\n")
        let table = try mixedTable(rows: 100)
        try JSONWriter(pretty: false).write(table: table, to: path)
        #expect(
            try String(contentsOfFile: path, encoding: .utf8) == JSONWriter(pretty: false).string(table: table) + "\n")
        #expect(try directoryEntries(directory) == ["summary.json"])
        #expect(throws: ReportError.self) { try JSONWriter().write(.null, to: directory + "/no/such/dir.json") }
        #expect(try directoryEntries(directory) == ["summary.json"])
    }
}
