/// A lint: a finding about a policy that checks and runs, but probably not as its author meant.
/// Warnings by default (errors with `--strict`); each has a code, a docs page and a golden case.
///
/// One lint per file in this folder, its diagnostics beside it; ``PolicyLints/all`` lists them
/// in the order they report. They run only on a policy without errors (on a broken file they
/// are noise).
protocol PolicyLint: Sendable {
  /// The codes it reports.
  static var codes: [DiagnosticCode] { get }
  static func lint(_ policy: CheckedPolicy, _ context: inout LintContext)
}

enum PolicyLints {
  /// Every lint, in the order its findings are reported.
  static let all: [any PolicyLint.Type] = [
    UnusedNames.self, ContradictoryConditions.self, BandsOutsideBounds.self, BenefitMonotonicity.self,
    PersonalDataInRules.self,
  ]
}

/// What a lint reads besides the checked policy, and where it reports.
struct LintContext {
  let syntax: PolicySyntax
  var diagnostics: [Diagnostic] = []

  mutating func report(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

  /// The values a condition's subject can take: an input's bounds, or 0–100 for `score`.
  func domain(ofSubject subject: String, in policy: CheckedPolicy) -> IntervalSet.Interval? {
    if subject == "score", policy.score != nil { return .scoreScale }
    guard let field = policy.inputs.first(where: { $0.name == subject }),
      field.minimum != nil || field.maximum != nil
    else {
      return nil
    }
    return field.boundsInterval
  }

  /// `between 0% and 100%`, in the subject's own notation.
  func describe(_ interval: IntervalSet.Interval, subject: String, in policy: CheckedPolicy) -> String {
    let type = policy.inputs.first { $0.name == subject }?.elementType ?? .decimal
    func show(_ value: FixedDecimal) -> String {
      switch type {
      case .percent: value.percentDescription
      case .date: CivilDate(daysSinceEpoch: Int32(value.integerValue ?? 0)).description
      default: value.normalized.description
      }
    }
    switch (interval.lower, interval.upper) {
    case (let lower?, let upper?): return "between \(show(lower.value)) and \(show(upper.value))"
    case (let lower?, nil): return "at least \(show(lower.value))"
    case (nil, let upper?): return "at most \(show(upper.value))"
    case (nil, nil): return "unbounded"
    }
  }

}

extension CheckRun {
  mutating func runLints(_ policy: CheckedPolicy) {
    var context = LintContext(syntax: syntax)
    for lint in PolicyLints.all { lint.lint(policy, &context) }
    for diagnostic in context.diagnostics { report(diagnostic) }
  }
}
