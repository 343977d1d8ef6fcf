/// L0417: a higher tier served worse than a lower one, for an entitlement whose better
/// direction the policy declares (a longer response time for VIP than for standard).
enum BenefitMonotonicity: PolicyLint {
  static let codes: [DiagnosticCode] = [.benefitNotMonotonic]

  static func lint(_ policy: CheckedPolicy, _ context: inout LintContext) {
    for entitlement in context.syntax.entitlements {
      guard let better = entitlement.better?.value else { continue }
      let name = entitlement.name.value
      // Each tier must be at least as good as every tier ranked below it (`tier_order`).
      let byRank = policy.tiers.indices.sorted { policy.rank(ofTierAt: $0) < policy.rank(ofTierAt: $1) }
      for (position, higherIndex) in byRank.enumerated() {
        let higher = policy.tiers[higherIndex]
        guard let mine = policy.benefits[higherIndex].first(where: { $0.name == name }) else { continue }
        for lowerIndex in byRank[(position + 1)...] {
          guard let theirs = policy.benefits[lowerIndex].first(where: { $0.name == name }),
            let order = BenefitValue.order(mine.value, theirs.value)
          else { continue }
          let worse = better == .lower ? order > 0 : order < 0
          guard worse else { continue }
          let lower = policy.tiers[lowerIndex]
          context.report(
            Diagnostic(
              .benefitNotMonotonic,
              "tier '\(higher.id)' gets \(name) \(CompiledPolicy.display(mine.value)), worse than \(CompiledPolicy.display(theirs.value)) for the lower tier '\(lower.id)'",
              at: mine.span, label: "\(better) is better",
              notes: [
                Diagnostic.Note(
                  "tier '\(lower.id)' gets \(CompiledPolicy.display(theirs.value))", at: theirs.span)
              ],
              help:
                "a higher tier should never be served worse; fix the value, or the declared direction of '\(name)'"
            ))
          break
        }
      }
    }
  }
}

extension BenefitValue {
  /// Orders two benefit values of one kind: -1, 0, 1; `nil` when they do not compare.
  static func order(_ lhs: BenefitValue, _ rhs: BenefitValue) -> Int? {
    func order<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : a == b ? 0 : 1 }
    switch (lhs, rhs) {
    case (.duration(let a), .duration(let b)): return a.compare(b)
    case (.percent(let a), .percent(let b)), (.number(let a), .number(let b)): return order(a, b)
    case (.cadence(let a), .cadence(let b)): return order(a.perYear, b.perYear)
    case (.bool(let a), .bool(let b)): return order(a ? 1 : 0, b ? 1 : 0)
    default: return nil
    }
  }
}
