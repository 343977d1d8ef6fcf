import Foundation
import Ladder
import LadderTestSupport
import Testing

@Suite struct LadderInstantTests {
  @Test func parsesTheISOFormsAndPrintsCanonically() throws {
    let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
    let cases: [(String, String)] = [
      ("2024-02-20T17:40:00+08:00", "2024-02-20T17:40+08:00"),
      ("2024-02-20T09:40Z", "2024-02-20T09:40Z"),
      ("2024-02-20 17:40:05+0800", "2024-02-20T17:40:05+08:00"),
      ("2024-02-20T17:40:05.250-05", "2024-02-20T17:40:05.250-05:00"),
      ("2024-02-20T17:40:05.120000000Z", "2024-02-20T17:40:05.120Z"),
    ]
    for (text, printed) in cases {
      #expect(LadderInstant(parsing: text)?.description == printed, "\(text)")
    }
    // The same moment is equal whatever the offset it is shown with.
    #expect(LadderInstant(parsing: "2024-02-20T09:40Z") == LadderInstant(parsing: "2024-02-20T17:40+08:00"))
    // Without an offset the wall time is read in the zone given; without one it is refused.
    #expect(
      LadderInstant(parsing: "2024-02-20T17:40", zone: shanghai)?.description == "2024-02-20T17:40+08:00")
    #expect(LadderInstant(parsing: "2024-02-20T17:40") == nil)
    for bad in [
      "2024-02-30T10:00Z", "2024-02-20T24:00Z", "2024-02-20T10:60Z", "2024-02-20", "2024-02-20T10Z",
      "2024-02-20T10:00+19:00", "2024-02-20T10:00:00.1234Z", "2024-02-20T10:00:00.Z", "2024-02-20T10:00 Z",
    ] {
      #expect(LadderInstant(parsing: bad) == nil, "\(bad)")
    }
  }

  @Test func wallTimesAcrossDaylightSavingChangesFollowJavaTimesRules() throws {
    let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
    // 2024-03-31: 02:00 jumps to 03:00; 02:30 does not exist and lands at 03:30 summer time.
    #expect(LadderInstant(parsing: "2024-03-31T02:30", zone: berlin)?.description == "2024-03-31T03:30+02:00")
    // 2024-10-27: 03:00 goes back to 02:00; 02:30 happens twice, the first is taken.
    #expect(LadderInstant(parsing: "2024-10-27T02:30", zone: berlin)?.description == "2024-10-27T02:30+02:00")
    #expect(LadderInstant(parsing: "2024-10-27T03:30", zone: berlin)?.description == "2024-10-27T03:30+01:00")
  }
}

@Suite struct BusinessCalendarTests {
  private func hours(_ text: String) -> [BusinessCalendar.Hours] {
    text.split(separator: ",").compactMap { BusinessCalendar.Hours(parsing: $0) }
  }

  private func instant(_ text: String) throws -> LadderInstant {
    try #require(LadderInstant(parsing: text))
  }

  /// Monday to Friday 09:00–18:00 in Shanghai, with the holidays given.
  private func officeHours(holidays: [String] = [], extra: [String] = []) throws -> BusinessCalendar {
    let weekday = hours("09:00-18:00")
    return BusinessCalendar(
      name: "support_cn", zone: try #require(TimeZone(identifier: "Asia/Shanghai")),
      weekly: [weekday, weekday, weekday, weekday, weekday, [], []],
      holidays: holidays.compactMap { CivilDate(parsing: $0) },
      extraWorkingDays: extra.compactMap { CivilDate(parsing: $0) }, extraDayHours: weekday)
  }

  @Test func aRequestAtOneMinuteToCloseOnFridayIsDueOnMondayAfternoon() throws {
    let calendar = try officeHours()
    // Friday 2024-03-01 17:59: one minute on Friday, 7 h 59 min on Monday from 09:00.
    let due = calendar.due(from: try instant("2024-03-01T17:59+08:00"), after: 8 * 3_600_000)
    #expect(due?.description == "2024-03-04T16:59+08:00")
    // Exactly the working time left on Friday is due at Friday's close, not Monday's opening.
    #expect(
      calendar.due(from: try instant("2024-03-01T17:00+08:00"), after: 3_600_000)?.description
        == "2024-03-01T18:00+08:00")
    // Received outside hours: the clock starts at the next opening.
    #expect(
      calendar.due(from: try instant("2024-03-02T11:00+08:00"), after: 2 * 3_600_000)?.description
        == "2024-03-04T11:00+08:00")
  }

  @Test func aHolidayMondayMovesTheDeadlineToTuesday() throws {
    let calendar = try officeHours(holidays: ["2024-04-01"])
    // Friday 17:40: 20 minutes on Friday, Monday is a holiday, 7 h 40 min on Tuesday.
    let start = try instant("2024-03-29T17:40+08:00")
    let due = try #require(calendar.due(from: start, after: 8 * 3_600_000))
    #expect(due.description == "2024-04-02T16:40+08:00")
    #expect(calendar.workingTime(from: start, to: due) == 8 * 3_600_000)
    #expect(!calendar.isWorkingTime(try instant("2024-04-01T10:00+08:00")))
    #expect(calendar.isWorkingTime(try instant("2024-04-02T09:00+08:00")))
    #expect(!calendar.isWorkingTime(try instant("2024-04-02T18:00+08:00")))
  }

  @Test func anExtraWorkingSaturdayCounts() throws {
    // 2024-02-04 (a Sunday) was worked in China to make up for the Spring Festival.
    let calendar = try officeHours(holidays: ["2024-02-12"], extra: ["2024-02-04"])
    let due = calendar.due(from: try instant("2024-02-02T17:00+08:00"), after: 3 * 3_600_000)
    #expect(due?.description == "2024-02-04T11:00+08:00")
  }

  @Test func daylightSavingChangesGiveTheRealHours() throws {
    let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
    let always = BusinessCalendar(
      name: "always", zone: berlin, weekly: Array(repeating: hours("00:00-24:00"), count: 7))
    // 2024-03-31: four real hours from midnight end at 05:00 summer time (02:00–03:00 is skipped).
    #expect(
      always.due(from: try instant("2024-03-31T00:00+01:00"), after: 4 * 3_600_000)?.description
        == "2024-03-31T05:00+02:00")
    // 2024-10-27: 02:00–03:00 happens twice; four real hours from midnight end at 03:00 winter time.
    #expect(
      always.due(from: try instant("2024-10-27T00:00+02:00"), after: 4 * 3_600_000)?.description
        == "2024-10-27T03:00+01:00")
    // A night shift 01:00–05:00 holds three real hours in March and five in October.
    let night = BusinessCalendar(
      name: "night", zone: berlin, weekly: Array(repeating: hours("01:00-05:00"), count: 7))
    #expect(
      night.workingTime(
        from: try instant("2024-03-31T00:00+01:00"), to: try instant("2024-03-31T12:00+02:00")) == 3
        * 3_600_000)
    #expect(
      night.workingTime(
        from: try instant("2024-10-27T00:00+02:00"), to: try instant("2024-10-27T12:00+01:00")) == 5
        * 3_600_000)
  }

  @Test func aCalendarThatNeverWorksHasNoDeadline() throws {
    let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
    let never = BusinessCalendar(name: "never", zone: shanghai, weekly: Array(repeating: [], count: 7))
    #expect(never.due(from: try instant("2024-03-01T10:00+08:00"), after: 60_000) == nil)
    #expect(
      never.workingTime(
        from: try instant("2024-03-01T10:00+08:00"), to: try instant("2034-03-01T10:00+08:00")) == 0)
  }

  // MARK: - Generated calendars

  static let zones = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]

  /// A random calendar over 2024 (with its reference twin): each weekday works with probability
  /// 3/4, in one or two stretches (sometimes the whole day), some holidays and extra days.
  static func randomCalendar(_ random: inout SeededRandom) -> (BusinessCalendar, ReferenceClock) {
    let zone = TimeZone(identifier: zones[Int.random(in: 0..<zones.count, using: &random)]) ?? .gmt
    func randomDay() -> [(Int, Int)] {
      if Int.random(in: 0..<8, using: &random) == 0 { return [(0, 1440)] }
      var cuts = (0..<(Int.random(in: 1...2, using: &random) * 2)).map { _ in
        Int.random(in: 0...1440, using: &random)
      }
      cuts.sort()
      var ranges: [(Int, Int)] = []
      for pair in stride(from: 0, to: cuts.count, by: 2) where cuts[pair] < cuts[pair + 1] {
        if let last = ranges.last, last.1 >= cuts[pair] { continue }
        ranges.append((cuts[pair], cuts[pair + 1]))
      }
      return ranges
    }
    var weekly = (0..<7).map { _ in Int.random(in: 0..<4, using: &random) == 0 ? [] : randomDay() }
    if weekly.allSatisfy(\.isEmpty) { weekly[0] = [(540, 1080)] }
    let extraHours = randomDay().isEmpty ? [(540, 1080)] : randomDay()
    var holidays = Set<String>()
    var extra = Set<String>()
    let start = CivilDate(year: 2024, month: 1, day: 1) ?? CivilDate(daysSinceEpoch: 0)
    for _ in 0..<Int.random(in: 0...20, using: &random) {
      holidays.insert((start.adding(days: Int.random(in: 0..<366, using: &random)) ?? start).description)
    }
    for _ in 0..<Int.random(in: 0...5, using: &random) {
      let day = (start.adding(days: Int.random(in: 0..<366, using: &random)) ?? start).description
      if !holidays.contains(day) { extra.insert(day) }
    }
    func toHours(_ ranges: [(Int, Int)]) -> [BusinessCalendar.Hours] {
      ranges.map { BusinessCalendar.Hours(start: $0.0, end: $0.1) }
    }
    let calendar = BusinessCalendar(
      name: "generated", zone: zone, weekly: weekly.map(toHours),
      holidays: holidays.compactMap { CivilDate(parsing: $0) }.sorted(),
      extraWorkingDays: extra.compactMap { CivilDate(parsing: $0) }.sorted(),
      extraDayHours: toHours(extraHours))
    let reference = ReferenceClock(
      zone: zone, weekly: weekly, holidays: holidays, extraDays: extra, extraHours: extraHours)
    return (calendar, reference)
  }

  /// A start in 2024, a third of them within two days of a daylight-saving change.
  static func randomStart(_ random: inout SeededRandom, wholeMinutes: Bool) -> Int64 {
    let year2024: Int64 = 1_704_067_200_000
    let changes: [Int64] = [1_711_846_800_000, 1_729_990_800_000, 1_710_054_000_000, 1_730_613_600_000]
    var start: Int64
    if Int.random(in: 0..<3, using: &random) == 0 {
      start =
        changes[Int.random(in: 0..<changes.count, using: &random)]
        + Int64.random(in: -2 * 86_400_000...2 * 86_400_000, using: &random)
    } else {
      start = year2024 + Int64.random(in: 0..<(360 * 86_400_000), using: &random)
    }
    if wholeMinutes { start -= start % 60_000 }
    return start
  }

  /// `due(start, d)` is the earliest instant with exactly `d` of working time since `start`.
  @Test func dueIsTheEarliestInstantWithExactlyTheDurationOfWorkingTime() throws {
    var random = SeededRandom(seed: 15)
    for _ in 0..<400 {
      let (calendar, _) = Self.randomCalendar(&random)
      let start = LadderInstant(
        milliseconds: Self.randomStart(&random, wholeMinutes: false), offsetSeconds: 0)
      let duration = Int64.random(in: 0...(60 * 3_600_000), using: &random)
      let due = try #require(calendar.due(from: start, after: duration))
      #expect(
        calendar.workingTime(from: start, to: due) == duration,
        "\(calendar.zone.identifier) \(start) +\(duration)ms")
      if duration > 0, let before = due.adding(milliseconds: -1) {
        #expect(calendar.workingTime(from: start, to: before) == duration - 1)
        #expect(calendar.isWorkingTime(before))
      }
    }
  }

  /// The clocks against the minute-by-minute reference on 1,000 generated requests.
  @Test func clocksAgreeWithTheMinuteByMinuteReference() throws {
    var random = SeededRandom(seed: 1015)
    for _ in 0..<1000 {
      let (calendar, reference) = Self.randomCalendar(&random)
      let startMinute = Self.randomStart(&random, wholeMinutes: true) / 60_000
      let minutes = Int.random(in: 0...(16 * 60), using: &random)
      let start = LadderInstant(milliseconds: startMinute * 60_000, offsetSeconds: 0)
      let due = calendar.due(from: start, after: Int64(minutes) * 60_000)
      let expected = reference.due(fromMinute: startMinute, minutes: minutes)
      #expect(
        due.map { $0.milliseconds / 60_000 } == expected,
        "\(calendar.zone.identifier) \(start) +\(minutes)min")
      let end = startMinute + Int64.random(in: 0...(3 * 1440), using: &random)
      #expect(
        calendar.workingTime(from: start, to: LadderInstant(milliseconds: end * 60_000, offsetSeconds: 0))
          == Int64(reference.workingMinutes(from: startMinute, to: end)) * 60_000)
      #expect(calendar.isWorkingTime(start) == reference.isWorkingMinute(startMinute))
    }
  }
}
