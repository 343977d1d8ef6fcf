import Foundation

/// When a team works: hours per weekday in a time zone, less holidays, plus extra working days
/// (a make-up Saturday after a long holiday). Declared in a policy's `calendars:` section.
///
/// Working time is the set of instants whose wall time in the zone falls on a working day within
/// its hours. Everything else follows from that one definition: on the night clocks go forward,
/// hours from 01:00 to 05:00 hold three real hours; on the night they go back, five (02:00 to
/// 03:00 happens twice and is worked twice).
public struct BusinessCalendar: Sendable, Hashable {
  /// Working hours of one day, in minutes after midnight: `09:00-18:00` is 540..<1080. The end
  /// may be 1440 (`24:00`).
  public struct Hours: Sendable, Hashable, CustomStringConvertible {
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
      self.start = start
      self.end = end
    }

    /// `09:00-18:00`.
    public init?(parsing text: some StringProtocol) {
      let parts = text.split(separator: "-", omittingEmptySubsequences: false)
      guard parts.count == 2, let start = Self.minutes(parts[0]), let end = Self.minutes(parts[1]) else {
        return nil
      }
      self.init(start: start, end: end)
    }

    /// `HH:MM` as minutes after midnight, `24:00` included.
    static func minutes(_ text: some StringProtocol) -> Int? {
      let trimmed = text.trimmingCharacters(in: .whitespaces)
      let pieces = trimmed.split(separator: ":", omittingEmptySubsequences: false)
      guard pieces.count == 2, (1...2).contains(pieces[0].count), pieces[1].count == 2,
        pieces.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
        let hour = Int(pieces[0]), let minute = Int(pieces[1]), minute < 60,
        hour < 24 || (hour == 24 && minute == 0)
      else { return nil }
      return hour * 60 + minute
    }

    public var description: String { "\(Self.clock(start))-\(Self.clock(end))" }

    /// Minutes after midnight as `HH:MM`.
    static func clock(_ minutes: Int) -> String {
      let hour = minutes / 60
      let minute = minutes % 60
      return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }
  }

  /// The weekdays, Monday first, as policies name them.
  public static let weekdayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

  public let name: String
  public let zone: TimeZone
  /// Seven entries, Monday first; each sorted and without overlaps.
  public let weekly: [[Hours]]
  /// Sorted; no work on these dates.
  public let holidays: [CivilDate]
  /// Sorted; worked with `extraDayHours` whatever their weekday.
  public let extraWorkingDays: [CivilDate]
  public let extraDayHours: [Hours]

  public init(
    name: String, zone: TimeZone, weekly: [[Hours]], holidays: [CivilDate] = [],
    extraWorkingDays: [CivilDate] = [], extraDayHours: [Hours] = []
  ) {
    self.name = name
    self.zone = zone
    self.weekly = weekly
    self.holidays = holidays
    self.extraWorkingDays = extraWorkingDays
    self.extraDayHours = extraDayHours
  }

  public static func == (lhs: BusinessCalendar, rhs: BusinessCalendar) -> Bool {
    lhs.name == rhs.name && lhs.zone.identifier == rhs.zone.identifier && lhs.weekly == rhs.weekly
      && lhs.holidays == rhs.holidays && lhs.extraWorkingDays == rhs.extraWorkingDays
      && lhs.extraDayHours == rhs.extraDayHours
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(name)
    hasher.combine(zone.identifier)
  }

  /// Monday 0 … Sunday 6 (1970-01-01 was a Thursday).
  public static func weekday(_ date: CivilDate) -> Int {
    let value = (Int(date.daysSinceEpoch) + 3) % 7
    return value < 0 ? value + 7 : value
  }

  /// How a date is treated, for traces.
  public enum DayKind: Sendable, Hashable {
    case regular, holiday, extraWorkingDay
  }

  public func kind(of date: CivilDate) -> DayKind {
    if Self.sortedContains(holidays, date) { return .holiday }
    if Self.sortedContains(extraWorkingDays, date) { return .extraWorkingDay }
    return .regular
  }

  /// The working hours of a date in the calendar's zone.
  public func hours(on date: CivilDate) -> [Hours] {
    switch kind(of: date) {
    case .holiday: []
    case .extraWorkingDay: extraDayHours
    case .regular: weekly[Self.weekday(date)]
    }
  }

  private static func sortedContains(_ dates: [CivilDate], _ date: CivilDate) -> Bool {
    var low = 0
    var high = dates.count
    while low < high {
      let middle = (low + high) / 2
      if dates[middle] < date { low = middle + 1 } else { high = middle }
    }
    return low < dates.count && dates[low] == date
  }

  // MARK: - Clocks

  private static let day = LadderInstant.millisecondsPerDay
  /// How far the clocks look: ten years of dates without working time is a calendar that never
  /// works (its holidays cover everything), not a deadline.
  public static let horizonDays = 3660

  func offset(atUTC milliseconds: Int64) -> Int64 {
    Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(milliseconds) / 1000))) * 1000
  }

  /// The next change of the zone's offset after `milliseconds`, if there is one.
  private func nextTransition(after milliseconds: Int64) -> Int64? {
    guard
      let next = zone.nextDaylightSavingTimeTransition(
        after: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    else { return nil }
    return Int64((next.timeIntervalSince1970 * 1000).rounded())
  }

  /// Walks the working intervals from `start`, in order, as UTC milliseconds, until `body`
  /// returns false or the horizon is passed. Within a stretch where the zone's offset is
  /// constant, wall time is UTC plus the offset, so a day's hours map to one UTC interval each.
  func walkIntervals(from start: Int64, _ body: (_ start: Int64, _ end: Int64) -> Bool) -> Bool {
    var cursor = start
    let limit = start + Int64(Self.horizonDays) * Self.day
    while cursor < limit {
      let offset = offset(atUTC: cursor)
      let pieceEnd = min(nextTransition(after: cursor) ?? limit, limit)
      var date = LadderInstant.floorDivide(cursor + offset, Self.day)
      // Dates whose wall-clock day begins inside this stretch.
      while date * Self.day - offset < pieceEnd {
        for hours in self.hours(on: CivilDate(daysSinceEpoch: Int32(clamping: date))) {
          let from = max(cursor, date * Self.day + Int64(hours.start) * 60_000 - offset)
          let to = min(pieceEnd, date * Self.day + Int64(hours.end) * 60_000 - offset)
          if from < to, !body(from, to) { return true }
        }
        date += 1
      }
      cursor = pieceEnd
    }
    return false
  }

  /// The earliest instant with exactly `milliseconds` of working time between `start` and it,
  /// shown in the calendar's zone; `nil` when the calendar has no such time within
  /// ``horizonDays`` days. A zero duration is due at the start itself.
  public func due(from start: LadderInstant, after milliseconds: Int64) -> LadderInstant? {
    guard milliseconds > 0 else { return start.shown(in: zone) }
    var remaining = milliseconds
    var result: Int64?
    _ = walkIntervals(from: start.milliseconds) { from, to in
      if remaining <= to - from {
        result = from + remaining
        return false
      }
      remaining -= to - from
      return true
    }
    guard let result, LadderInstant.supportedRange.contains(result) else { return nil }
    return LadderInstant(milliseconds: result, offsetSeconds: 0).shown(in: zone)
  }

  /// The working time from `start` to `end`, in milliseconds; negative when `end` is earlier.
  public func workingTime(from start: LadderInstant, to end: LadderInstant) -> Int64 {
    guard start != end else { return 0 }
    if end < start { return -workingTime(from: end, to: start) }
    var total: Int64 = 0
    var cursor = start.milliseconds
    // A walk stops at the horizon; the next one starts where it stopped.
    while cursor < end.milliseconds {
      let stopped = walkIntervals(from: cursor) { from, to in
        guard from < end.milliseconds else { return false }
        total += min(to, end.milliseconds) - from
        return true
      }
      if stopped { break }
      cursor += Int64(Self.horizonDays) * Self.day
    }
    return total
  }

  /// True when `instant` is working time: its wall time falls within a working day's hours.
  public func isWorkingTime(_ instant: LadderInstant) -> Bool {
    let wall = instant.milliseconds + offset(atUTC: instant.milliseconds)
    let date = LadderInstant.floorDivide(wall, Self.day)
    let minute = (wall - date * Self.day) / 60_000
    return hours(on: CivilDate(daysSinceEpoch: Int32(clamping: date))).contains { hours in
      Int64(hours.start) <= minute && minute < Int64(hours.end)
    }
  }

  /// True when `date` has working hours.
  public func isWorkingDay(_ date: CivilDate) -> Bool { !hours(on: date).isEmpty }
}
