/// A proleptic Gregorian calendar date, convertible to and from days since 1970-01-01.
///
/// The conversions are Howard Hinnant's `days_from_civil` / `civil_from_days` algorithms
/// (public domain, http://howardhinnant.github.io/date_algorithms.html), exact for every date
/// of years 0001 to 9999.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A date from its parts, or nil when it does not exist (month 13, 30 February, ...).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= CivilDate.daysInMonth(year: year, month: month)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01 (negative: before it).
    public init(daysSinceEpoch days: Int32) {
        let z = Int(days) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, let days = CivilDate.parseDays(bytes[...]) else { return nil }
        self.init(daysSinceEpoch: days)
    }

    /// Days since 1970-01-01.
    public var daysSinceEpoch: Int32 {
        Int32(CivilDate.days(year: year, month: month, day: day))
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    /// True in leap years of the Gregorian calendar.
    public static func isLeapYear(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    /// The number of days in `month` of `year`.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a valid civil date.
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Parses ten bytes `YYYY-MM-DD` into days since 1970-01-01; nil when malformed or not a date.
    @inline(__always)
    public static func parseDays<C: Collection>(_ b: C) -> Int32? where C.Element == UInt8, C.Index == Int {
        guard b.count == 10 else { return nil }
        let s = b.startIndex
        @inline(__always) func digit(_ i: Int) -> Int? {
            let v = Int(b[s + i]) &- 48
            return v >= 0 && v <= 9 ? v : nil
        }
        guard b[s + 4] == UInt8(ascii: "-"), b[s + 7] == UInt8(ascii: "-"),
            let y0 = digit(0), let y1 = digit(1), let y2 = digit(2), let y3 = digit(3),
            let m0 = digit(5), let m1 = digit(6), let d0 = digit(8), let d1 = digit(9)
        else { return nil }
        let year = y0 * 1000 + y1 * 100 + y2 * 10 + y3
        let month = m0 * 10 + m1
        let day = d0 * 10 + d1
        guard year >= 1, (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month) else {
            return nil
        }
        return Int32(days(year: year, month: month, day: day))
    }
}
