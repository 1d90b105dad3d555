import StrataKernels

/// Which values of a column are present: bit `i` set means row `i` holds a value.
///
/// A column with no bitmap has every value present (the fast path); a bitmap exists only where
/// at least one value is missing. Missing values are never stored as magic numbers.
public struct ValidityBitmap: Sendable, Equatable {
    /// 64 rows per word, least significant bit first.
    public let words: ColumnBuffer<UInt64>
    /// The number of rows covered.
    public let count: Int

    /// A bitmap over `count` rows stored in `words` (at least `(count + 63) / 64` of them).
    public init(words: ColumnBuffer<UInt64>, count: Int) {
        precondition(words.count >= (count + 63) / 64, "too few words for the row count")
        self.words = words
        self.count = count
    }

    /// A bitmap from one flag per row.
    public init(_ valid: [Bool]) {
        let builder = Builder(count: valid.count)
        for (i, isValid) in valid.enumerated() where isValid { builder.setValid(i) }
        self = builder.finish()
    }

    /// True when row `index` holds a value.
    @inline(__always)
    public func isValid(_ index: Int) -> Bool {
        (words[index >> 6] >> UInt64(index & 63)) & 1 == 1
    }

    /// The number of missing rows.
    public var nullCount: Int {
        var present = 0
        words.withSpan { span in
            let full = count >> 6
            for i in 0..<full { present += span[i].nonzeroBitCount }
            let rest = count & 63
            if rest > 0 { present += (span[full] & ((1 << UInt64(rest)) - 1)).nonzeroBitCount }
        }
        return count - present
    }

    /// The first `newCount` rows.
    public func prefix(_ newCount: Int) -> ValidityBitmap {
        ValidityBitmap(words: words, count: newCount)
    }

    /// Sets bits row by row for a new bitmap, all rows missing to start with.
    ///
    /// Concurrent writers must own disjoint runs of whole 64-row words (row ranges that start at
    /// multiples of 64), because one word holds 64 rows.
    public struct Builder: Sendable {
        let words: ColumnBufferBuilder<UInt64>
        /// The number of rows.
        public let count: Int

        /// Room for `count` rows, all missing.
        public init(count: Int) {
            self.count = count
            self.words = ColumnBufferBuilder(count: (count + 63) / 64)
        }

        /// Marks row `index` as holding a value.
        public func setValid(_ index: Int) {
            precondition(index >= 0 && index < count)
            words.set(index >> 6, words.get(index >> 6) | (1 << UInt64(index & 63)))
        }

        /// True when row `index` was marked valid.
        public func isValid(_ index: Int) -> Bool {
            (words.get(index >> 6) >> UInt64(index & 63)) & 1 == 1
        }

        /// The finished bitmap over the first `count` rows (default: all).
        public func finish(count finalCount: Int? = nil) -> ValidityBitmap {
            ValidityBitmap(words: words.finish(), count: finalCount ?? count)
        }
    }
}
