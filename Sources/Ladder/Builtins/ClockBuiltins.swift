extension BusinessCalendar {
  /// ``due(from:after:)`` for a duration of the language, or the error the record gets: a
  /// month has no length in working time, and a calendar may have none within the horizon.
  func deadline(from start: LadderInstant, after duration: LadderDuration, at span: SourceSpan)
    throws(EvaluationError) -> LadderInstant
  {
    guard !duration.isCalendar, duration.magnitude >= 0 else {
      throw EvaluationError("a deadline needs zero or more hours of working time, not \(duration)", at: span)
    }
    guard let due = due(from: start, after: Int64(duration.magnitude)) else {
      throw EvaluationError(
        "calendar '\(name)' has no \(duration) of working time within \(Self.horizonDays) days", at: span)
    }
    return due
  }
}

/// The clocks of service levels: deadlines and elapsed time in a calendar's working hours
/// (`calendars:` in the policy, ``BusinessCalendar``). Each takes the calendar as its last
/// argument, written `in support_cn`. They run on the scalar backend (no kernels): a policy
/// that uses them is decided record by record.
extension Builtin {
  /// The built-ins whose last argument is a calendar; the printer writes it `in name`.
  public static let calendarFunctions: Set<String> = [
    "due", "working_time", "is_working_time", "is_working_day",
  ]

  /// `due(start, 8h, in support_cn)`: the earliest instant with 8 hours of working time since
  /// the start.
  static let due = Builtin(
    name: "due", usage: "due(start, duration, in calendar): the deadline in working time",
    typeRule: { call in
      guard call.arguments.count == 3, call.types[0] == .datetime, call.types[1] == .duration,
        call.types[2] == .calendar
      else {
        return call.problem(
          "due takes a datetime, a duration and a calendar: due(received_at, 8h, in support_cn)")
      }
      if case .constant(.duration(let duration)) = call.arguments[1].kind, duration.isCalendar {
        return call.problem(
          "a deadline in working time is counted in minutes, hours, days or weeks, not '\(duration)'",
          help: "months and years have no fixed length in working time; write e.g. 40h")
      }
      return call.result(.datetime)
    },
    scalar: { call throws(EvaluationError) in
      guard let start = call.instant(0), let duration = call.duration(1), let calendar = call.calendar(2)
      else {
        return .missing
      }
      return .datetime(try calendar.deadline(from: start, after: duration, at: call.span))
    },
    kernel: nil)

  /// `working_time(from, to, in support_cn)`: the working time between two instants (negative
  /// when `to` is earlier).
  static let workingTime = Builtin(
    name: "working_time", usage: "working_time(from, to, in calendar): the working time between two instants",
    typeRule: { call in
      guard call.arguments.count == 3, call.types[0] == .datetime, call.types[1] == .datetime,
        call.types[2] == .calendar
      else {
        return call.problem(
          "working_time takes two datetimes and a calendar: working_time(received_at, resolved_at, in support_cn)"
        )
      }
      return call.result(.duration)
    },
    scalar: { call in
      guard let from = call.instant(0), let to = call.instant(1), let calendar = call.calendar(2) else {
        return .missing
      }
      return .duration(LadderDuration(milliseconds: calendar.workingTime(from: from, to: to)))
    },
    kernel: nil)

  /// `is_working_time(t, in support_cn)`: whether the instant falls within working hours.
  static let isWorkingTime = Builtin(
    name: "is_working_time", usage: "is_working_time(instant, in calendar): within working hours",
    typeRule: { call in
      guard call.arguments.count == 2, call.types[0] == .datetime, call.types[1] == .calendar else {
        return call.problem(
          "is_working_time takes a datetime and a calendar: is_working_time(received_at, in support_cn)")
      }
      return call.result(.bool)
    },
    scalar: { call in
      guard let instant = call.instant(0), let calendar = call.calendar(1) else { return .missing }
      return .bool(calendar.isWorkingTime(instant))
    },
    kernel: nil)

  /// `is_working_day(t, in support_cn)`: whether the date (of a datetime, in the calendar's
  /// zone) has working hours: not a holiday, and a working weekday or an extra working day.
  static let isWorkingDay = Builtin(
    name: "is_working_day", usage: "is_working_day(date or instant, in calendar): a day with working hours",
    typeRule: { call in
      guard call.arguments.count == 2, call.types[0] == .datetime || call.types[0] == .date,
        call.types[1] == .calendar
      else {
        return call.problem(
          "is_working_day takes a date or datetime and a calendar: is_working_day(received_at, in support_cn)"
        )
      }
      return call.result(.bool)
    },
    scalar: { call in
      guard let calendar = call.calendar(1) else { return .missing }
      if let date = call.date(0) { return .bool(calendar.isWorkingDay(date)) }
      guard let instant = call.instant(0) else { return .missing }
      return .bool(calendar.isWorkingDay(instant.shown(in: calendar.zone).localDate))
    },
    kernel: nil)
}
