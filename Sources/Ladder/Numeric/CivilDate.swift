import Foundation

/// A calendar date without time or zone, stored as days since 1970-01-01.
///
/// Ladder evaluates "as of" a date; times and time zones never enter a decision, so two runs
/// in different zones agree.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
  public let daysSinceEpoch: Int32

  public init(daysSinceEpoch: Int32) { self.daysSinceEpoch = daysSinceEpoch }

  /// A valid date, or `nil` for `2024-02-30` and the like. Years 1 through 9999.
  public init?(year: Int, month: Int, day: Int) {
    guard (1...9999).contains(year), (1...12).contains(month),
      (1...Self.daysInMonth(year: year, month: month)).contains(day)
    else { return nil }
    // Howard Hinnant's days_from_civil.
    let shiftedYear = month <= 2 ? year - 1 : year
    let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
    let yearOfEra = shiftedYear - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    self.daysSinceEpoch = Int32(era * 146_097 + dayOfEra - 719_468)
  }

  /// Parses exactly `YYYY-MM-DD`.
  public init?(parsing text: some StringProtocol) {
    let bytes = Array(text.utf8)
    guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
    func number(_ range: Range<Int>) -> Int? {
      var value = 0
      for index in range {
        let byte = bytes[index]
        guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
        value = value * 10 + Int(byte - UInt8(ascii: "0"))
      }
      return value
    }
    guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
    self.init(year: year, month: month, day: day)
  }

  public static func isLeapYear(_ year: Int) -> Bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
  }

  public static func daysInMonth(year: Int, month: Int) -> Int {
    switch month {
    case 2: isLeapYear(year) ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
  }

  /// Year, month and day (Hinnant's civil_from_days).
  public var components: (year: Int, month: Int, day: Int) {
    let z = Int(daysSinceEpoch) + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    return (year, month, day)
  }

  public func adding(days: Int) -> CivilDate? {
    let result = Int(daysSinceEpoch) + days
    guard let days32 = Int32(exactly: result) else { return nil }
    let candidate = CivilDate(daysSinceEpoch: days32)
    return (1...9999).contains(candidate.components.year) ? candidate : nil
  }

  /// Calendar months later; the day is clamped to the end of a shorter month
  /// (2024-01-31 + 1 month = 2024-02-29).
  public func adding(months: Int) -> CivilDate? {
    let (year, month, day) = components
    let total = year * 12 + (month - 1) + months
    let newYear = total / 12
    let newMonth = total % 12 + 1
    guard (1...9999).contains(newYear) else { return nil }
    return CivilDate(
      year: newYear, month: newMonth, day: min(day, Self.daysInMonth(year: newYear, month: newMonth)))
  }

  /// The date a duration later (`sign` -1: earlier): calendar months for months and years, whole
  /// days for the rest (hours and minutes below a day do not move a date).
  public func adding(_ duration: LadderDuration, sign: Int = 1) -> CivilDate? {
    duration.isCalendar
      ? adding(months: sign * duration.magnitude) : adding(days: sign * (duration.magnitude / 86_400_000))
  }

  /// Days from `self` to `other` (negative when `other` is earlier).
  public func days(until other: CivilDate) -> Int { Int(other.daysSinceEpoch) - Int(daysSinceEpoch) }

  /// Whole calendar months from `self` to `other`: 2024-01-31 → 2024-02-29 is 0 months,
  /// 2024-01-15 → 2024-02-15 is 1.
  public func wholeMonths(until other: CivilDate) -> Int {
    let (y1, m1, d1) = components
    let (y2, m2, d2) = other.components
    var months = (y2 * 12 + m2) - (y1 * 12 + m1)
    if months > 0 && d2 < d1 { months -= 1 }
    if months < 0 && d2 > d1 { months += 1 }
    return months
  }

  public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

  /// `YYYY-MM-DD`.
  public var description: String { ValueText.string { ValueText.appendDate(self, to: &$0) } }

}

extension CivilDate {
  /// The date `time` falls on in UTC: "today" for a run without an as-of date.
  public init(utcDayOf time: Date) {
    self.init(daysSinceEpoch: Int32((time.timeIntervalSince1970 / 86_400).rounded(.down)))
  }
}
