/// L0420: a score band whose bound lies outside the input's declared bounds never matches:
/// its points are never given.
enum BandsOutsideBounds: PolicyLint {
  static let codes: [DiagnosticCode] = [.thresholdOutsideBounds]

  static func lint(_ policy: CheckedPolicy, _ context: inout LintContext) {
    for component in policy.score?.components ?? [] {
      guard case .bands(let value, let bands) = component.points, case .input(let slot) = value.kind,
        let domain = context.domain(ofSubject: policy.inputs[slot].name, in: policy)
      else { continue }
      for band in bands {
        guard let op = band.comparison, let bound = band.bound else { continue }
        let number: FixedDecimal
        switch bound {
        case .number(let n): number = n
        case .date(let d): number = FixedDecimal(Int(d.daysSinceEpoch))
        default: continue
        }
        guard let range = IntervalSet.Interval.of(op, number, integers: value.type.value == .int),
          range.intersection(domain).isEmpty
        else { continue }
        context.report(
          Diagnostic(
            .thresholdOutsideBounds,
            "band '\(band.text)' never matches: \(policy.inputs[slot].name) is \(context.describe(domain, subject: policy.inputs[slot].name, in: policy))",
            at: band.span,
            help: "move the bound inside the input's min and max, or remove the band"))
      }
    }
  }
}
