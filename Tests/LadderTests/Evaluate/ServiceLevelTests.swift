import Foundation
import LadderTestSupport
import Testing

@testable import Ladder

/// Service levels through the whole engine: a policy with calendars and targets, records read
/// from CSV, each target's deadline and status checked against ``ReferenceClock`` (a plain
/// minute-by-minute walk written apart from the clocks).
@Suite struct ServiceLevelTests {
  /// Two calendars: a support centre in Shanghai with a lunch break, the Spring Festival of 2024
  /// and its make-up Sundays; and a team in Berlin, whose zone changes to summer time on
  /// 2024-03-31 (its Sunday night shift holds three real hours that night).
  static let policy = """
    ladder: 1
    policy: generated-requests
    record: request
    time_zone: Asia/Shanghai
    calendars:
      support_cn:
        hours: { mon-fri: "09:00-12:00, 13:00-18:00" }
        holidays: [2024-02-10, 2024-02-11, 2024-02-12, 2024-02-13, 2024-02-14, 2024-02-15, 2024-02-16, 2024-02-17, 2024-04-04, 2024-04-05]
        working_days: [2024-02-04, 2024-02-18, 2024-04-07]
        working_day_hours: 10:00-16:00
      support_de:
        time_zone: Europe/Berlin
        hours: { mon-fri: 08:00-17:00, sat: 00:00-03:30, sun: 01:00-05:00 }
        holidays: [2024-03-29, 2024-04-01]
    inputs:
      request_id: { type: string, key: true }
      team: { type: enum, values: [cn, de] }
      target_hours: { type: int, min: 0 }
      received_at: { type: datetime }
      met_at: { type: datetime, optional: true }
    tiers:
      - { id: request, otherwise: true }
    service_levels:
      at_risk: 25%
      targets:
        reply:
          from: received_at
          within: |
            if target_hours == 0 then 0h else if target_hours == 1 then 1h else if target_hours == 2 then 2h
            else if target_hours == 4 then 4h else if target_hours == 8 then 8h else if target_hours == 12 then 12h
            else 24h
          calendar: if team == "cn" then support_cn else support_de
          met_at: met_at
    """

  static func reference(_ team: String) -> ReferenceClock {
    if team == "cn" {
      return ReferenceClock(
        zone: TimeZone(identifier: "Asia/Shanghai") ?? .gmt,
        weekly: Array(repeating: [(540, 720), (780, 1080)], count: 5) + [[], []],
        holidays: Set(
          [
            "2024-02-10", "2024-02-11", "2024-02-12", "2024-02-13", "2024-02-14", "2024-02-15", "2024-02-16",
            "2024-02-17", "2024-04-04", "2024-04-05",
          ]),
        extraDays: ["2024-02-04", "2024-02-18", "2024-04-07"], extraHours: [(600, 960)])
    }
    return ReferenceClock(
      zone: TimeZone(identifier: "Europe/Berlin") ?? .gmt,
      weekly: Array(repeating: [(480, 1020)], count: 5) + [[(0, 210)], [(60, 300)]],
      holidays: ["2024-03-29", "2024-04-01"], extraDays: [], extraHours: [])
  }

  /// The status the reference gives, by the rules of docs/language.md#service_levels.
  static func expectedStatus(
    _ clock: ReferenceClock, start: Int64, minutes: Int, met: Int64?, asOf: Int64
  ) -> (due: Int64?, status: String, left: Int?, late: Int64?) {
    guard let due = clock.due(fromMinute: start, minutes: minutes) else { return (nil, "error", nil, nil) }
    if let met {
      return met <= due ? (due, "met", nil, nil) : (due, "breached", nil, met - due)
    }
    if asOf >= due { return (due, "breached", nil, asOf - due) }
    let left = clock.workingMinutes(from: max(start, asOf), to: due)
    return (due, left * 4 < minutes ? "at_risk" : "running", left, nil)
  }

  @Test func athousandGeneratedRequestsAgreeWithTheReference() throws {
    let asOfText = "2024-03-27T16:00+08:00"
    let asOf = try #require(LadderInstant(parsing: asOfText))
    let sources = SourceRegistry()
    var bag = DiagnosticBag()
    let policy = try #require(
      PolicyCompiler.compile(
        sources.add(path: "generated.yaml", text: Self.policy), into: &bag,
        output: OutputOptions(asOfTime: asOf)),
      "\(bag.diagnostics.map(\.message))")
    var random = SeededRandom(seed: 1501)
    var csv = "request_id,team,target_hours,received_at,met_at\n"
    var cases: [(team: String, start: Int64, hours: Int, met: Int64?)] = []
    // Starts from 1 February to 31 March 2024 (UTC minutes), a fifth of them near the change to
    // summer time in Berlin, a fifth in the four days before the as-of time; some met, some
    // still open then.
    let first: Int64 = 1_706_745_600 / 60
    let dstChange: Int64 = 1_711_846_800 / 60
    for index in 0..<1000 {
      let team = Bool.random(using: &random) ? "cn" : "de"
      let start: Int64
      switch Int.random(in: 0..<5, using: &random) {
      case 0: start = dstChange + Int64.random(in: -3000...600, using: &random)
      // The last days before the as-of time: targets still running or at risk.
      case 1: start = asOf.milliseconds / 60_000 - Int64.random(in: 0...(4 * 1440), using: &random)
      default: start = first + Int64.random(in: 0..<(59 * 1440), using: &random)
      }
      let hours = [0, 1, 2, 4, 8, 12, 24][Int.random(in: 0..<7, using: &random)]
      let met: Int64? =
        Int.random(in: 0..<3, using: &random) == 0
        ? nil : start + Int64.random(in: 0...(4 * 1440), using: &random)
      cases.append((team, start, hours, met))
      // Written in UTC, in Shanghai time, or without an offset (read in the policy's zone).
      let offset = [0, 480, 480][index % 3]
      func written(_ minute: Int64) -> String {
        let instant = LadderInstant(milliseconds: minute * 60_000, offsetSeconds: Int32(offset * 60))
        let text = instant.description
        return index % 3 == 2 ? String(text.dropLast(6)) : text
      }
      csv += "R\(index),\(team),\(hours),\(written(start)),\(met.map(written) ?? "")\n"
    }
    let outcomes = evaluate(policy, csv: csv, asOf: "2024-03-27")
    #expect(outcomes.count == 1000)
    var checked = 0
    var statuses: [String: Int] = [:]
    for (outcome, request) in zip(outcomes, cases) {
      let decision = try #require(outcome.decision, "\(outcome)")
      let result = try #require(decision.serviceLevels.first)
      let expected = Self.expectedStatus(
        Self.reference(request.team), start: request.start, minutes: request.hours * 60, met: request.met,
        asOf: asOf.milliseconds / 60_000)
      #expect(result.due.map { $0.milliseconds / 60_000 } == expected.due, "\(decision.key)")
      #expect(result.status.rawValue == expected.status, "\(decision.key)")
      #expect(result.left.map { $0.magnitude / 60_000 } == expected.left, "\(decision.key)")
      #expect(result.late.map { Int64($0.magnitude / 60_000) } == expected.late, "\(decision.key)")
      checked += 1
      statuses[expected.status, default: 0] += 1
    }
    #expect(checked == 1000)
    // Every status is among the cases, so each rule was held to the reference.
    for status in ["met", "breached", "running", "at_risk"] {
      #expect(statuses[status, default: 0] >= 10, "\(statuses)")
    }
  }

  /// `ladder diff` names what changed in calendars and targets, not only that the policy changed.
  @Test func diffNamesChangedHolidaysHoursAndTargets() throws {
    let text = try String(
      contentsOfFile: RepositoryPaths.path("policies/request-response.yaml"), encoding: .utf8)
    let edited =
      text
      .replacingOccurrences(of: "2024-10-07,\n", with: "2024-10-08,\n")
      .replacingOccurrences(
        of: "hours: { mon-fri: 09:00-18:00 }", with: "hours: { mon-fri: 09:00-18:00, sat: 10:00-14:00 }"
      )
      .replacingOccurrences(of: "      within: 12h", with: "      within: 8h")
    #expect(edited != text)
    let old = try #require(compilePolicy(text))
    let new = try #require(compilePolicy(edited))
    let changes = PolicyDiff.changes(from: old.checked, to: new.checked).map {
      "\($0.section): \($0.subject): \($0.old ?? "-") → \($0.new ?? "-")"
    }
    #expect(
      changes == [
        "calendars: sat hours of 'support_cn': closed → 10:00-14:00",
        "calendars: holiday 2024-10-07 of 'support_cn': listed → -",
        "calendars: holiday 2024-10-08 of 'support_cn': - → listed",
        "service_levels: time of target 'specialist': 12h → 8h",
      ], "\(changes)")
  }

  /// A time without an offset is read in the policy's zone, else in the zone its calendars share.
  @Test func aTimeWithoutAnOffsetIsReadInTheCalendarsZone() throws {
    let text = """
      ladder: 1
      policy: zones
      record: request
      calendars:
        support_de: { time_zone: Europe/Berlin, hours: { mon-fri: 08:00-17:00 } }
      inputs:
        request_id: { type: string, key: true }
        received_at: { type: datetime }
      tiers:
        - { id: request, otherwise: true }
      service_levels:
        calendar: support_de
        targets:
          reply: { from: received_at, within: 1h }
      """
    let policy = try #require(compilePolicy(text))
    let outcomes = evaluate(policy, csv: "request_id,received_at\nR1,2024-03-01 16:30\n")
    let result = try #require(outcomes.first?.decision?.serviceLevels.first)
    // 16:30 in Berlin (winter time): half an hour on Friday, half an hour on Monday.
    #expect(result.due?.description == "2024-03-04T08:30+01:00")
  }

  /// The edges the issue names, through `ladder eval`'s engine: one minute before closing on a
  /// Friday, across a holiday, across the change to summer time.
  @Test func theEdgesPrintAsDocumented() throws {
    let asOf = try #require(LadderInstant(parsing: "2024-04-02T12:00+08:00"))
    let sources = SourceRegistry()
    var bag = DiagnosticBag()
    let policy = try #require(
      PolicyCompiler.compile(
        sources.add(path: "generated.yaml", text: Self.policy), into: &bag,
        output: OutputOptions(asOfTime: asOf)))
    let csv = """
      request_id,team,target_hours,received_at,met_at
      friday,cn,8,2024-03-01T17:59+08:00,
      holiday,cn,4,2024-04-03T17:00+08:00,
      summer,de,4,2024-03-30T02:30+01:00,2024-04-02T09:00+02:00
      makeup,cn,2,2024-02-17T20:00+08:00,2024-02-18T11:00+08:00

      """
    let results = evaluate(policy, csv: csv, asOf: "2024-04-02").compactMap {
      $0.decision?.serviceLevels.first
    }
    try #require(results.count == 4)
    // 1 minute on Friday, 7 h 59 min from Monday 09:00 with the lunch hour: 17:59 on Monday.
    #expect(results[0].due?.description == "2024-03-04T17:59+08:00")
    // Open since: 29 days less 5 h 59 min of elapsed time.
    #expect(results[0].status == .breached && results[0].late?.description == "41401min")
    // 1 hour on Wednesday 3 April; Thursday and Friday are holidays: 12:00 on Monday 8 April…
    // but Sunday 7 April is a make-up day worked 10:00–16:00: 3 hours there, due at 13:00.
    #expect(results[1].due?.description == "2024-04-07T13:00+08:00")
    #expect(results[1].status == .running)
    // An hour on Saturday 02:30–03:30 in Berlin, then the Sunday night shift 01:00–05:00, which
    // holds three real hours on the night the clocks go forward: due at its end, summer time.
    #expect(results[2].due?.description == "2024-03-31T05:00+02:00")
    #expect(results[2].status == .breached && results[2].late?.description == "52h")
    // The make-up Sunday of the Spring Festival: 10:00 plus 2 hours.
    #expect(results[3].due?.description == "2024-02-18T12:00+08:00")
    #expect(results[3].status == .met)
  }
}
