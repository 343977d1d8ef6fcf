/// The most of each part a policy may declare. Real schemes stay far below: the largest
/// example policy has 10 inputs, 8 lets, 5 components and 4 tiers.
///
/// Evaluation is linear in a policy's size, but a trace lists every let and every tier tried,
/// and the tier reachability check compares each tier with those before it; without a bound, a
/// policy that checks clean could take minutes and gigabytes per thousand records
/// (docs/language.md, "Limits").
public enum PolicyLimits {
  public static let inputs = 500
  public static let lets = 1_000
  public static let components = 100
  public static let tiers = 200
  public static let triggers = 200
  public static let benefitSets = 200
}

extension CheckRun {
  /// Reports every part of the policy that passes its limit ([L0110](docs/errors/L0110.md)), at
  /// the first item over it. Returns false when one does: the rest of the check is not run on
  /// such a policy (it would cost time for nothing).
  mutating func checkSize() -> Bool {
    var withinLimits = true
    func limit(_ count: Int, _ maximum: Int, _ what: String, firstOver span: @autoclosure () -> SourceSpan?) {
      guard count > maximum else { return }
      withinLimits = false
      report(
        Diagnostic(
          .policyTooLarge, "the policy declares \(count) \(what); at most \(maximum) are allowed",
          at: span() ?? syntax.startSpan, label: "the \(ordinal(maximum + 1)) of them",
          help: "split the policy, or compute with fewer \(what); docs/language.md lists every limit"))
    }
    limit(
      syntax.inputs.count, PolicyLimits.inputs, "inputs",
      firstOver: syntax.inputs[PolicyLimits.inputs].name.span)
    limit(syntax.lets.count, PolicyLimits.lets, "lets", firstOver: syntax.lets[PolicyLimits.lets].name.span)
    let components = syntax.score?.components ?? []
    limit(
      components.count, PolicyLimits.components, "score components",
      firstOver: components[PolicyLimits.components].name.span)
    limit(
      syntax.tiers.count, PolicyLimits.tiers, "tiers", firstOver: syntax.tiers[PolicyLimits.tiers].itemSpan)
    let triggers = syntax.review?.triggers ?? []
    limit(
      triggers.count, PolicyLimits.triggers, "triggers", firstOver: triggers[PolicyLimits.triggers].itemSpan)
    limit(
      syntax.benefits.count, PolicyLimits.benefitSets, "benefit sets",
      firstOver: syntax.benefits[PolicyLimits.benefitSets].tier.span)
    return withinLimits
  }

  private func ordinal(_ number: Int) -> String {
    let suffix =
      switch (number % 10, number % 100) {
      case (_, 11...13): "th"
      case (1, _): "st"
      case (2, _): "nd"
      case (3, _): "rd"
      default: "th"
      }
    return "\(number)\(suffix)"
  }
}
