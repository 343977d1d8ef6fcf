import Foundation

/// A span of time as policies write it: `4h`, `2d`, `1w`, `3mo`, `1y`, `3 months`, `90s`.
///
/// Milliseconds up to weeks are exact lengths (compared in milliseconds; a day is 24 hours);
/// months and years are calendar steps (compared in months). The two kinds are not comparable: a
/// month is not 30 days.
public struct LadderDuration: Sendable, Hashable, CustomStringConvertible {
  public enum Unit: String, Sendable, CaseIterable {
    case milliseconds = "ms"
    case seconds = "s"
    case minutes = "min"
    case hours = "h"
    case days = "d"
    case weeks = "w"
    case months = "mo"
    case years = "y"

    var isCalendar: Bool { self == .months || self == .years }
  }

  public let amount: Int
  public let unit: Unit

  public init(amount: Int, unit: Unit) {
    self.amount = amount
    self.unit = unit
  }

  /// True for months and years.
  public var isCalendar: Bool { unit.isCalendar }

  /// The length in milliseconds (exact kinds) or months (calendar kinds), for comparisons.
  public var magnitude: Int {
    switch unit {
    case .milliseconds: amount
    case .seconds: amount * 1000
    case .minutes: amount * 60_000
    case .hours: amount * 3_600_000
    case .days: amount * 86_400_000
    case .weeks: amount * 604_800_000
    case .months: amount
    case .years: amount * 12
    }
  }

  /// An exact length computed from instants, in the largest unit that holds it whole: `4h`,
  /// `125min`, `90s`, `1500ms` (hours, not days, because business time is counted in hours).
  public init(milliseconds: Int64) {
    let value = Int(milliseconds)
    if value % 3_600_000 == 0 {
      self.init(amount: value / 3_600_000, unit: .hours)
    } else if value % 60_000 == 0 {
      self.init(amount: value / 60_000, unit: .minutes)
    } else if value % 1000 == 0 {
      self.init(amount: value / 1000, unit: .seconds)
    } else {
      self.init(amount: value, unit: .milliseconds)
    }
  }

  /// Exact durations compare by length, calendar ones by months; mixed kinds do not compare.
  public func compare(_ other: LadderDuration) -> Int? {
    guard isCalendar == other.isCalendar else { return nil }
    return magnitude < other.magnitude ? -1 : magnitude == other.magnitude ? 0 : 1
  }

  public var description: String { "\(amount)\(unit.rawValue)" }

  static let unitWords: [String: Unit] = [
    "ms": .milliseconds, "millisecond": .milliseconds, "milliseconds": .milliseconds,
    "s": .seconds, "sec": .seconds, "second": .seconds, "seconds": .seconds,
    "min": .minutes, "mins": .minutes, "minute": .minutes, "minutes": .minutes,
    "h": .hours, "hour": .hours, "hours": .hours,
    "d": .days, "day": .days, "days": .days,
    "w": .weeks, "week": .weeks, "weeks": .weeks,
    "mo": .months, "month": .months, "months": .months,
    "y": .years, "year": .years, "years": .years,
  ]

  /// Parses `4h`, `90d`, `3mo`, `1y` and the spelt-out `3 months`, `1 year`.
  public init?(parsing text: some StringProtocol) {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
    guard !digits.isEmpty, digits.count <= 6, let amount = Int(digits) else { return nil }
    let rest = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
    guard let unit = Self.unitWords[rest.lowercased()] else { return nil }
    self.init(amount: amount, unit: unit)
  }
}

/// A recurring rhythm for benefits such as an executive visit: `quarterly`, `monthly`.
public enum Cadence: String, Sendable, CaseIterable {
  case daily, weekly, fortnightly, monthly, quarterly
  case halfYearly = "half-yearly"
  case yearly
  case annually

  /// Visits per year, for comparing two cadences (more often is more generous).
  public var perYear: Int {
    switch self {
    case .daily: 365
    case .weekly: 52
    case .fortnightly: 26
    case .monthly: 12
    case .quarterly: 4
    case .halfYearly: 2
    case .yearly, .annually: 1
    }
  }
}
