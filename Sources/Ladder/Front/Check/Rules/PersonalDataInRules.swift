/// L0421: a tier, a score component or a trigger that reads personal data (directly or
/// through a let). A decision that turns on a phone number or a birth date is hard to justify
/// to an auditor and may not be allowed at all; its trace cannot show the values that decided
/// it, since personal values are never shown.
enum PersonalDataInRules: PolicyLint {
  static let codes: [DiagnosticCode] = [.personalDataInRule]

  static func lint(_ policy: CheckedPolicy, _ context: inout LintContext) {
    let personal = PersonalData(policy)
    guard !personal.inputs.isEmpty else { return }
    func check(_ expressions: [CheckedExpr], rule: String, at span: SourceSpan) {
      let slots = expressions.reduce(into: Set<Int>()) { $0.formUnion(personal.sources(of: $1)) }
      guard !slots.isEmpty else { return }
      let names = policy.inputs.filter { slots.contains($0.slot) }.map { "'\($0.name)'" }
      let fields = names.count == 1 ? "field \(names[0])" : "fields \(names.joined(separator: ", "))"
      context.report(
        Diagnostic(
          .personalDataInRule, "\(rule) depends on the personal \(fields)", at: span,
          label: "decided by personal data",
          help:
            "decide on data that is not personal (an age band recorded upstream rather than a birth date), or drop 'personal: true' if the field is not personal data"
        ))
    }
    for component in policy.score?.components ?? [] {
      switch component.points {
      case .bands(let value, _):
        check([value], rule: "score component '\(component.name)'", at: component.span)
      case .expression(let points):
        check([points], rule: "score component '\(component.name)'", at: component.span)
      }
    }
    for tier in policy.tiers {
      if let condition = tier.condition { check([condition], rule: "tier '\(tier.id)'", at: tier.span) }
    }
    for trigger in policy.review.triggers {
      check([trigger.condition], rule: "trigger '\(trigger.id)'", at: trigger.span)
    }
  }
}
