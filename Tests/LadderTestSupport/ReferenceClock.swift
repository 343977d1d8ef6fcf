import Foundation
import Ladder

/// A plain reference for business-time clocks, written apart from ``BusinessCalendar``: it walks
/// minute by minute and asks Foundation's Gregorian calendar for each minute's wall time, then
/// checks the weekday, the hours, the holidays and the extra working days. Slow and obvious, so
/// that the clocks' interval arithmetic (offset stretches, daylight-saving changes) is checked
/// against something that shares none of it. Starts and durations are whole minutes.
public struct ReferenceClock {
  public var zone: TimeZone
  /// Working minutes per weekday, Monday first: `[start, end)` pairs in minutes after midnight.
  public var weekly: [[(Int, Int)]]
  public var holidays: Set<String>
  public var extraDays: Set<String>
  public var extraHours: [(Int, Int)]
  private var calendar: Calendar

  public init(
    zone: TimeZone, weekly: [[(Int, Int)]], holidays: Set<String>, extraDays: Set<String>,
    extraHours: [(Int, Int)]
  ) {
    self.zone = zone
    self.weekly = weekly
    self.holidays = holidays
    self.extraDays = extraDays
    self.extraHours = extraHours
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    self.calendar = calendar
  }

  /// True when the minute starting at `epochMinute` (minutes since 1970 UTC) is working time.
  public func isWorkingMinute(_ epochMinute: Int64) -> Bool {
    let date = Date(timeIntervalSince1970: Double(epochMinute) * 60)
    let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
    guard let year = parts.year, let month = parts.month, let day = parts.day, let hour = parts.hour,
      let minute = parts.minute, let weekday = parts.weekday
    else { return false }
    let dayText = String(format: "%04d-%02d-%02d", year, month, day)
    let minuteOfDay = hour * 60 + minute
    let hours: [(Int, Int)]
    if holidays.contains(dayText) {
      hours = []
    } else if extraDays.contains(dayText) {
      hours = extraHours
    } else {
      // Foundation counts Sunday as 1.
      hours = weekly[(weekday + 5) % 7]
    }
    return hours.contains { $0.0 <= minuteOfDay && minuteOfDay < $0.1 }
  }

  /// The end of the `minutes`-th working minute from `startMinute`, in minutes since 1970 UTC;
  /// `nil` when it is not found within `limit` minutes.
  public func due(fromMinute startMinute: Int64, minutes: Int, limit: Int64 = 60 * 24 * 400) -> Int64? {
    if minutes == 0 { return startMinute }
    var counted = 0
    var minute = startMinute
    while minute < startMinute + limit {
      if isWorkingMinute(minute) {
        counted += 1
        if counted == minutes { return minute + 1 }
      }
      minute += 1
    }
    return nil
  }

  /// Working minutes from `start` to `end` (minutes since 1970 UTC, `start <= end`).
  public func workingMinutes(from start: Int64, to end: Int64) -> Int {
    var count = 0
    for minute in start..<max(start, end) where isWorkingMinute(minute) { count += 1 }
    return count
  }
}
