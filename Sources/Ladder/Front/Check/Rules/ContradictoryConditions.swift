/// L0418: a tier or trigger condition that contradicts itself and can never hold; L0420: a
/// comparison that is never (or always) true given the input's declared bounds. Either way the
/// condition does not do what it says.
enum ContradictoryConditions: PolicyLint {
  static let codes: [DiagnosticCode] = [.neverFires, .thresholdOutsideBounds]

  static func lint(_ policy: CheckedPolicy, _ context: inout LintContext) {
    var conditions: [(what: String, expr: CheckedExpr)] = policy.tiers.compactMap { tier in
      tier.condition.map { ("tier '\(tier.id)'", $0) }
    }
    conditions += policy.review.triggers.map { ("trigger '\($0.id)'", $0.condition) }
    for (what, condition) in conditions {
      let shape = ConditionShape(condition)
      if !shape.disjuncts.isEmpty && shape.disjuncts.allSatisfy({ $0.ranges.values.contains { $0.isEmpty } })
      {
        context.report(
          Diagnostic(
            .neverFires, "the condition of \(what) contradicts itself and can never hold", at: condition.span,
            help: "the ranges it requires do not overlap; check the comparison operators and thresholds"))
        continue
      }
      for atom in ContradictoryConditions.comparisons(in: condition) {
        guard let (subject, range) = ConditionShape.range(of: atom),
          let domain = context.domain(ofSubject: subject, in: policy)
        else { continue }
        let bounds = context.describe(domain, subject: subject, in: policy)
        if range.intersection(domain).isEmpty {
          context.report(
            Diagnostic(
              .thresholdOutsideBounds,
              "'\(ExprPrinter.print(atom.syntax.ungrouped))' is never true: \(subject) is \(bounds)",
              at: atom.span,
              help:
                "the threshold lies outside what '\(subject)' can be; check it against the input's min and max"
            ))
        } else if range.contains(domain) {
          context.report(
            Diagnostic(
              .thresholdOutsideBounds,
              "'\(ExprPrinter.print(atom.syntax.ungrouped))' is always true: \(subject) is \(bounds)",
              at: atom.span, help: "the comparison decides nothing; remove it or fix the threshold"))
        }
      }
    }
  }

  /// The comparisons inside a condition's `and` / `or` / `not` structure.
  static func comparisons(in expr: CheckedExpr) -> [CheckedExpr] {
    switch expr.kind {
    case .and(let lhs, let rhs), .or(let lhs, let rhs): comparisons(in: lhs) + comparisons(in: rhs)
    case .not(let inner): comparisons(in: inner)
    case .comparison, .between: [expr]
    default: []
    }
  }

}
