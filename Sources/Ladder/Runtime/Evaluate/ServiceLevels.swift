/// The status of one service-level target of a record (`service_levels:`).
public struct ServiceLevelResult: Sendable, Hashable {
  public enum Status: String, Sendable, Hashable {
    /// Met on or before its deadline.
    case met
    /// Met after its deadline, or still open after it.
    case breached
    /// Open, with at least the policy's share of its time left.
    case running
    /// Open, with less than the policy's share of its time left.
    case atRisk = "at_risk"
    /// The target does not apply to the record (its `when` does not hold), or the record has no
    /// start or no time for it (an optional value is missing).
    case none
  }

  public var name: String
  public var label: String
  public var start: LadderInstant?
  public var within: LadderDuration?
  public var calendar: String?
  public var due: LadderInstant?
  public var metAt: LadderInstant?
  public var status: Status
  /// False when the target's `when` does not hold for the record.
  public var applies = true
  /// Working time left before the deadline (running, at risk).
  public var left: LadderDuration?
  /// How late, in elapsed time: from the deadline to when it was met, or to the as-of time while
  /// it is still open.
  public var late: LadderDuration?
  /// How the deadline was reached, stretch by stretch, for traces.
  public var steps: [String] = []
}

extension CompiledPolicy {
  struct ServiceTarget: Sendable {
    let name: String
    let label: String
    let condition: CompiledExpression?
    let from: CompiledExpression
    let within: CompiledExpression
    let calendar: CompiledExpression
    let metAt: CompiledExpression?
    let atRisk: FixedDecimal
    let span: SourceSpan
  }

  /// Each target's deadline and status for the record in `frame`, as of `frame.clock`.
  func serviceLevels(_ frame: EvaluationFrame, explain: Bool) throws(EvaluationError) -> [ServiceLevelResult]
  {
    var results: [ServiceLevelResult] = []
    for target in serviceTargets {
      var result = ServiceLevelResult(name: target.name, label: target.label, status: .none)
      if let condition = target.condition, try condition(frame) != .bool(true) {
        result.applies = false
        results.append(result)
        continue
      }
      guard case .datetime(let start) = try target.from(frame),
        case .duration(let within) = try target.within(frame),
        case .calendar(let calendar) = try target.calendar(frame)
      else {
        results.append(result)
        continue
      }
      result.start = start
      result.within = within
      result.calendar = calendar.name
      let due = try calendar.deadline(from: start, after: within, at: target.span)
      result.due = due
      if explain { result.steps = calendar.explainDue(from: start, after: Int64(within.magnitude)) }
      if let metAt = target.metAt, case .datetime(let met) = try metAt(frame) {
        result.metAt = met
        if met <= due {
          result.status = .met
        } else {
          result.status = .breached
          result.late = LadderDuration(milliseconds: met.milliseconds - due.milliseconds)
        }
      } else if frame.clock >= due {
        result.status = .breached
        result.late = LadderDuration(milliseconds: frame.clock.milliseconds - due.milliseconds)
      } else {
        let left = calendar.workingTime(from: max(start, frame.clock), to: due)
        result.left = LadderDuration(milliseconds: left)
        // At risk below the share: left < share × within, exactly (milliseconds are whole).
        let threshold = (try? target.atRisk.multiplied(by: FixedDecimal(within.magnitude))) ?? .zero
        result.status = FixedDecimal(Int(left)) < threshold ? .atRisk : .running
      }
      results.append(result)
    }
    return results
  }
}

extension BusinessCalendar {
  /// How the deadline of `milliseconds` of working time from `start` is reached, for a trace:
  /// each stretch of working time used, and the days passed over without work between them.
  /// `Fri 2024-03-29 17:40–18:00: 20min`, `Mon 2024-04-01: holiday`.
  public func explainDue(from start: LadderInstant, after milliseconds: Int64, limit: Int = 24) -> [String] {
    var steps: [String] = []
    var remaining = milliseconds
    var lastDate = start.shown(in: zone).localDate
    var firstStretch = true
    var truncated = false
    _ = walkIntervals(from: start.milliseconds) { from, to in
      guard remaining > 0 else { return false }
      let used = min(remaining, to - from)
      remaining -= used
      let begin = LadderInstant(milliseconds: from, offsetSeconds: 0).shown(in: zone)
      let end = LadderInstant(milliseconds: from + used, offsetSeconds: 0).shown(in: zone)
      // Days without work between the previous stretch (or the start) and this one.
      var skipped: [String] = []
      var date = firstStretch ? lastDate : lastDate.adding(days: 1) ?? lastDate
      while date < begin.localDate {
        skipped.append(
          "\(Self.dayText(date)): \(kind(of: date) == .holiday ? "holiday" : "no working hours")")
        date = date.adding(days: 1) ?? begin.localDate
      }
      if skipped.count > 3 {
        steps.append(
          "\(skipped.count) days without working hours, \(skipped[0]) … \(skipped[skipped.count - 1])")
      } else {
        steps += skipped
      }
      let extra = kind(of: begin.localDate) == .extraWorkingDay ? " (extra working day)" : ""
      steps.append(
        "\(Self.dayText(begin.localDate)) \(Self.clockText(begin))–\(Self.clockText(end))\(extra): \(LadderDuration.spoken(used))"
      )
      lastDate = end.localDate
      firstStretch = false
      if steps.count >= limit && remaining > 0 {
        truncated = true
        return false
      }
      return true
    }
    if truncated { steps.append("… \(LadderDuration.spoken(remaining)) more") }
    return steps
  }

  static func dayText(_ date: CivilDate) -> String {
    let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    return "\(names[weekday(date)]) \(date)"
  }

  /// The wall time of `instant` in its offset, `17:40` (the stretches begin and end on minutes).
  static func clockText(_ instant: LadderInstant) -> String {
    let local = instant.localMilliseconds
    let minute =
      Int(
        local - LadderInstant.floorDivide(local, LadderInstant.millisecondsPerDay)
          * LadderInstant.millisecondsPerDay) / 60_000
    return Hours.clock(minute)
  }
}

extension LadderDuration {
  /// A length as people say it: `7h40min`, `20min`, `2h`, `45s`.
  public static func spoken(_ milliseconds: Int64) -> String {
    var rest = milliseconds
    let sign = rest < 0 ? "-" : ""
    rest = abs(rest)
    let hours = rest / 3_600_000
    let minutes = rest / 60_000 % 60
    let seconds = rest / 1000 % 60
    let millis = rest % 1000
    var text = sign
    if hours > 0 { text += "\(hours)h" }
    if minutes > 0 { text += "\(minutes)min" }
    if seconds > 0 { text += "\(seconds)s" }
    if millis > 0 { text += "\(millis)ms" }
    return text == sign ? "0min" : text
  }
}
