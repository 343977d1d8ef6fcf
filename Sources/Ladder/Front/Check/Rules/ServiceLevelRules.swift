/// The `service_levels:` section: each target's start must be a date and time, its time an exact
/// duration, its calendar a calendar, and `met_at` a date and time (which may be missing: not
/// met yet). Targets may use the tier and the score, like triggers.
extension CheckRun {
  /// The share of a target's time below which a running target is at risk, unless the policy
  /// says otherwise.
  static let defaultAtRisk = FixedDecimal(units: 25, scale: 2)

  mutating func checkServiceLevels(scope: Scope) -> CheckedServiceLevels? {
    guard let levels = syntax.serviceLevels else { return nil }
    let sectionRisk = levels.atRisk.flatMap { share($0) } ?? Self.defaultAtRisk
    var checker = ExpressionChecker(scope: scope)
    let sectionCalendar = levels.calendar.map {
      checkTyped($0, .calendar, what: "calendar of the service levels", &checker)
    }
    var targets: [CheckedServiceTarget] = []
    var seen: [String: SourceSpan] = [:]
    if levels.targets.isEmpty {
      report(
        Diagnostic(
          .missingKey, "'service_levels' has no targets", at: levels.keySpan,
          help: "add targets, e.g. 'targets: { first_response: { from: received_at, within: 4h } }'"))
    }
    for target in levels.targets {
      let name = target.name.value
      if let first = seen[name] {
        report(duplicate("target", name, target.name.span, first))
        continue
      }
      seen[name] = target.name.span
      let what = "target '\(name)'"
      guard let fromSyntax = target.from, let withinSyntax = target.within else {
        report(
          Diagnostic(
            .missingKey, "\(what) needs 'from' and 'within'", at: target.name.span,
            help: "say when its clock starts and how long it has, e.g. 'from: received_at' and 'within: 4h'"))
        continue
      }
      let condition = target.when.map { checker.checkCondition($0, what: "condition of \(what)") }
      let from = checkTyped(fromSyntax, .datetime, what: "start of \(what)", &checker)
      let within = checkTyped(withinSyntax, .duration, what: "time of \(what)", &checker)
      if case .constant(.duration(let duration)) = within.kind, duration.isCalendar {
        report(
          Diagnostic(
            .typeMismatch, "the time of \(what) is '\(duration)', which has no fixed length",
            at: withinSyntax.span,
            help: "give it in minutes, hours, days or weeks, e.g. 24h"))
      }
      let calendar: CheckedExpr
      if let written = target.calendar {
        calendar = checkTyped(written, .calendar, what: "calendar of \(what)", &checker)
      } else if let sectionCalendar {
        calendar = sectionCalendar
      } else {
        report(
          Diagnostic(
            .missingKey, "\(what) has no calendar", at: target.name.span,
            help:
              "name the calendar its time runs in, e.g. 'calendar: support_cn', for the target or for all of 'service_levels'"
          ))
        continue
      }
      let metAt = target.metAt.map {
        checkTyped($0, .datetime, what: "'met_at' of \(what)", &checker, mayBeMissing: true)
      }
      targets.append(
        CheckedServiceTarget(
          name: name, label: target.label?.value ?? name, span: target.name.span, condition: condition,
          from: from, within: within,
          calendar: calendar, metAt: metAt, atRisk: target.atRisk.flatMap { share($0) } ?? sectionRisk))
    }
    diagnostics.append(contentsOf: checker.diagnostics)
    return CheckedServiceLevels(targets: targets)
  }

  /// An expression of `type`; the start, time and calendar of a target may be missing only
  /// where the policy says so (`??`), `met_at` may be missing (not met yet).
  private mutating func checkTyped(
    _ expr: Expr, _ type: ValueType, what: String, _ checker: inout ExpressionChecker,
    mayBeMissing: Bool = false
  ) -> CheckedExpr {
    let checked = checker.check(expr)
    guard !checked.type.value.isUnknown else { return checked }
    if checked.type.value != type {
      let example =
        switch type {
        case .datetime: "a datetime input such as 'received_at', or 'received_at + 2h'"
        case .duration: "a duration such as '4h', or 'if tier == \"urgent\" then 2h else 4h'"
        default: "a calendar name from 'calendars:'"
        }
      report(
        Diagnostic(
          .typeMismatch, "the \(what) is \(checked.type.value.withArticle), not \(type.withArticle)",
          at: expr.span,
          help: "write \(example)"))
    } else if checked.type.isOptional && !mayBeMissing {
      report(checker.missingDiagnostic(expr, checked, what: what))
    }
    return checked
  }

  /// `25%` as the fraction 0.25, between 0% and 100%.
  private mutating func share(_ text: Located<String>) -> FixedDecimal? {
    let trimmed = text.value.trimmingCharacters(in: .whitespaces)
    if trimmed.hasSuffix("%"), let value = FixedDecimal(parsing: trimmed.dropLast()),
      let fraction = value.percentFraction,
      fraction >= .zero, fraction <= FixedDecimal(1)
    {
      return fraction
    }
    report(
      Diagnostic(
        .invalidValue, "'at_risk' must be a percent from 0% to 100%, not '\(text.value)'", at: text.span,
        help: "a running target is at risk when less than this share of its time is left, e.g. 25%"))
    return nil
  }
}
