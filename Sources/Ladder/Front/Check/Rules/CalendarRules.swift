import Foundation

/// `time_zone:` and `calendars:`: every calendar becomes a ``BusinessCalendar``, or a diagnostic
/// says what is wrong with it (L0422 for its hours and dates, L0105 for an unknown zone).
extension CheckRun {
  mutating func checkCalendars() -> (TimeZone?, [BusinessCalendar]) {
    let policyZone = syntax.timeZone.flatMap { zone(named: $0) }
    var calendars: [BusinessCalendar] = []
    var seen: [String: SourceSpan] = [:]
    for calendar in syntax.calendars {
      if let first = seen[calendar.name.value] {
        report(duplicate("calendar", calendar.name.value, calendar.name.span, first))
        continue
      }
      seen[calendar.name.value] = calendar.name.span
      if let checked = checkCalendar(calendar, policyZone: policyZone) { calendars.append(checked) }
    }
    return (policyZone, calendars)
  }

  /// A zone of the IANA database (`Asia/Shanghai`, `Europe/Berlin`, `UTC`).
  private mutating func zone(named name: Located<String>) -> TimeZone? {
    if let zone = TimeZone(identifier: name.value), name.value.contains("/") || name.value == "UTC" {
      return zone
    }
    report(
      Diagnostic(
        .invalidValue, "unknown time zone '\(name.value)'", at: name.span,
        help: Suggestions.help(
          for: name.value, candidates: TimeZone.knownTimeZoneIdentifiers + ["UTC"], kind: "the time zones")
          ?? "name a zone of the IANA time zone database, e.g. 'Asia/Shanghai' or 'Europe/Berlin'"))
    return nil
  }

  private mutating func checkCalendar(_ calendar: CalendarSyntax, policyZone: TimeZone?) -> BusinessCalendar?
  {
    let name = calendar.name.value
    // Its file could not be read, which is reported; there is nothing more to check.
    if calendar.fileUnread { return nil }
    var failed = false
    var zone = policyZone
    if let written = calendar.timeZone {
      zone = self.zone(named: written)
      failed = zone == nil
    } else if policyZone == nil && syntax.timeZone == nil {
      report(
        Diagnostic(
          .missingKey, "calendar '\(name)' has no 'time_zone'", at: calendar.name.span,
          help:
            "say where its hours are kept, e.g. 'time_zone: Asia/Shanghai' (or set 'time_zone:' for the policy)"
        ))
      failed = true
    }
    var weekly = [[BusinessCalendar.Hours]](repeating: [], count: 7)
    var daySpans = [SourceSpan?](repeating: nil, count: 7)
    for entry in calendar.hours {
      guard let days = weekdays(entry.days) else {
        failed = true
        continue
      }
      let hours = stretches(entry.stretches, for: "'\(entry.days.value)'")
      if hours == nil { failed = true }
      for day in days {
        if let first = daySpans[day] {
          report(
            Diagnostic(
              .invalidCalendar,
              "\(BusinessCalendar.weekdayNames[day]) is given hours twice in calendar '\(name)'",
              at: entry.days.span, notes: [Diagnostic.Note("first given here", at: first)],
              help:
                "give each weekday its hours once; a day with two stretches lists both: 09:00-12:00, 13:00-18:00"
            ))
          failed = true
          continue
        }
        daySpans[day] = entry.days.span
        weekly[day] = hours ?? []
      }
    }
    if calendar.hoursSpan == nil {
      report(
        Diagnostic(
          .missingKey, "calendar '\(name)' has no 'hours'", at: calendar.name.span,
          help: "give the working hours per weekday, e.g. 'hours: { mon-fri: 09:00-18:00 }'"))
      failed = true
    } else if !failed && weekly.allSatisfy(\.isEmpty) {
      report(
        Diagnostic(
          .invalidCalendar, "calendar '\(name)' has no working hours on any weekday",
          at: calendar.hoursSpan ?? calendar.name.span,
          help:
            "a deadline in it could never be reached; give at least one day hours, e.g. 'mon-fri: 09:00-18:00'"
        ))
      failed = true
    }
    let holidays = sortedDates(calendar.holidays, what: "holidays", calendar: name)
    let workingDays = sortedDates(calendar.workingDays, what: "working_days", calendar: name)
    if let holidays, let workingDays {
      for day in calendar.workingDays {
        guard let date = CivilDate(parsing: day.value), holidays.contains(date) else { continue }
        report(
          Diagnostic(
            .invalidCalendar, "\(day.value) is both a holiday and a working day in calendar '\(name)'",
            at: day.span, help: "remove it from one of the two lists"))
        failed = true
      }
    } else {
      failed = true
    }
    var extraHours = weekly[0]
    if let written = calendar.workingDayHours {
      if let hours = stretches(written, for: "'working_day_hours'") {
        extraHours = hours
      } else {
        failed = true
      }
    } else if !calendar.workingDays.isEmpty && extraHours.isEmpty {
      report(
        Diagnostic(
          .invalidCalendar, "calendar '\(name)' has working days but no hours for them",
          at: calendar.workingDays[0].span,
          help:
            "extra working days take Monday's hours, and Monday is closed: add 'working_day_hours: 09:00-18:00'"
        ))
      failed = true
    }
    guard !failed, let zone, let holidays, let workingDays else { return nil }
    return BusinessCalendar(
      name: name, zone: zone, weekly: weekly, holidays: holidays, extraWorkingDays: workingDays,
      extraDayHours: extraHours)
  }

  /// `mon`, `mon-fri`, `sat-sun`, `mon-sun` as weekday indices (Monday 0).
  private mutating func weekdays(_ text: Located<String>) -> [Int]? {
    let names = BusinessCalendar.weekdayNames
    let parts = text.value.lowercased().split(separator: "-", omittingEmptySubsequences: false).map(
      String.init)
    if parts.count <= 2, let first = names.firstIndex(of: parts[0]),
      let last = parts.count == 2 ? names.firstIndex(of: parts[1]) : first, first <= last
    {
      return Array(first...last)
    }
    report(
      Diagnostic(
        .invalidCalendar, "'\(text.value)' is not a weekday or a range of weekdays", at: text.span,
        help: Suggestions.help(
          for: text.value, candidates: names + ["mon-fri", "sat-sun", "mon-sun"], kind: "the days")
          ?? "write mon, tue, wed, thu, fri, sat or sun, or a range such as mon-fri"))
    return nil
  }

  /// The stretches of one day, sorted and apart; `closed` is none.
  private mutating func stretches(_ texts: [Located<String>], for what: String) -> [BusinessCalendar.Hours]? {
    if texts.count == 1, texts[0].value == "closed" { return [] }
    var hours: [(BusinessCalendar.Hours, SourceSpan)] = []
    for text in texts {
      guard let stretch = BusinessCalendar.Hours(parsing: text.value) else {
        report(
          Diagnostic(
            .invalidCalendar, "'\(text.value)' is not a stretch of working hours", at: text.span,
            help:
              "write HH:MM-HH:MM on the 24-hour clock, e.g. 09:00-18:00 (24:00 ends at midnight), or 'closed'"
          ))
        return nil
      }
      guard stretch.start < stretch.end else {
        report(
          Diagnostic(
            .invalidCalendar, "the hours '\(text.value)' end before they start", at: text.span,
            help:
              "a stretch cannot pass midnight: split a night shift into 22:00-24:00 and 00:00-06:00 on the next day"
          ))
        return nil
      }
      hours.append((stretch, text.span))
    }
    for index in hours.indices.dropFirst() where hours[index].0.start < hours[index - 1].0.end {
      let overlaps = hours[index].0.start >= hours[index - 1].0.start
      report(
        Diagnostic(
          .invalidCalendar,
          overlaps
            ? "the hours \(hours[index].0) overlap \(hours[index - 1].0) in \(what)"
            : "the hours of \(what) are not in order", at: hours[index].1,
          notes: [Diagnostic.Note("the stretch before", at: hours[index - 1].1)],
          help: "list a day's stretches in order, each ending before the next starts"))
      return nil
    }
    return hours.map(\.0)
  }

  /// A list of dates, each after the one before; `nil` (reported) otherwise.
  private mutating func sortedDates(_ texts: [Located<String>], what: String, calendar: String)
    -> [CivilDate]?
  {
    var dates: [CivilDate] = []
    for (index, text) in texts.enumerated() {
      guard let date = CivilDate(parsing: text.value) else {
        report(
          Diagnostic(
            .invalidCalendar, "'\(text.value)' in the \(what) of calendar '\(calendar)' is not a date",
            at: text.span, help: "write dates as YYYY-MM-DD, e.g. 2024-10-01"))
        return nil
      }
      if let previous = dates.last, date <= previous {
        report(
          Diagnostic(
            .invalidCalendar,
            date == previous
              ? "\(text.value) is listed twice in the \(what) of calendar '\(calendar)'"
              : "the \(what) of calendar '\(calendar)' are not sorted: \(text.value) comes after \(previous)",
            at: text.span, notes: [Diagnostic.Note("the date before", at: texts[index - 1].span)],
            help: "list the dates once each, earliest first, so that a missing or doubled date is easy to see"
          ))
        return nil
      }
      dates.append(date)
    }
    return dates
  }
}
