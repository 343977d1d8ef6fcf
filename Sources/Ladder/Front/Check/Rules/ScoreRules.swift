/// The scorecard: weights are percents that add up to exactly 100% (L0403), so the score runs
/// from 0 to 100 when every component gives 0 to 100 points; each component has bands or a
/// points expression that is a number and never missing.
extension CheckRun {
  mutating func checkScore(scope: Scope) -> CheckedScore? {
    guard let score = syntax.score else { return nil }
    var components: [CheckedComponent] = []
    var ok = true
    var seen: [String: SourceSpan] = [:]
    var total = FixedDecimal.zero
    var weightsKnown = true
    for component in score.components {
      let name = component.name.value
      if let first = seen[name] {
        report(duplicate("component", name, component.name.span, first))
        ok = false
        continue
      }
      seen[name] = component.name.span
      let weight = checkWeight(component)
      if let weight { total = (try? total.adding(weight)) ?? total } else { weightsKnown = false }

      var points: CheckedComponent.Points?
      if let pointsSyntax = component.points {
        var checker = ExpressionChecker(scope: scope)
        let checked = checker.checkRequiredNumber(pointsSyntax, what: "points of component '\(name)'")
        diagnostics.append(contentsOf: checker.diagnostics)
        if !checked.type.value.isUnknown {
          if checked.type.value == .percent {
            report(
              Diagnostic(
                .percentMismatch, "the points of component '\(name)' are a percent, not points",
                at: pointsSyntax.span,
                help: "points run from 0 to 100; multiply a rate by 100, e.g. 'clamp(rate * 100, 0, 100)'"))
          } else {
            points = .expression(checked)
          }
        }
      } else if let bands = component.bands, let ofSyntax = component.of, let bandsSpan = component.bandsSpan
      {
        var checker = ExpressionChecker(scope: scope)
        let value = checker.check(ofSyntax)
        diagnostics.append(contentsOf: checker.diagnostics)
        if !value.type.value.isUnknown {
          if value.type.isOptional {
            report(checker.missingDiagnostic(ofSyntax, value, what: "value of component '\(name)'"))
          } else if !(value.type.value.isNumeric || value.type.value == .date) {
            report(
              Diagnostic(
                .typeMismatch,
                "bands need a number, percent or date, but '\(ExprPrinter.print(ofSyntax))' is \(value.type.value.withArticle)",
                at: ofSyntax.span))
          } else if let checkedBands = checkBands(
            bands, of: value, component: name, bandsSpan: bandsSpan, scope: scope)
          {
            points = .bands(of: value, checkedBands)
          }
        }
      }
      if let weight, let points {
        components.append(
          CheckedComponent(name: name, span: component.name.span, weight: weight, points: points))
      } else {
        ok = false
      }
    }
    if weightsKnown && !score.components.isEmpty && total != .hundredPercent {
      let listed = score.components.compactMap { component -> String? in
        guard let weight = component.weight else { return nil }
        return "\(component.name.value) \(ExprPrinter.print(weight))"
      }.joined(separator: " + ")
      let difference = (try? FixedDecimal.hundredPercent.subtracting(total)) ?? .zero
      let fix =
        difference.isNegative
        ? "remove \(difference.negated.percentDescription) from the weights"
        : "add \(difference.percentDescription) to the weights"
      report(
        Diagnostic(
          .weightsNotHundred, "the weights add up to \(total.percentDescription), not 100%",
          at: score.componentsSpan ?? score.keySpan,
          label: listed, help: "\(fix) so that the score runs from 0 to 100"))
      ok = false
    }
    if score.components.isEmpty && score.componentsSpan != nil {
      report(
        Diagnostic(
          .missingKey, "the scorecard has no components", at: score.componentsSpan,
          help: "add at least one component"))
      ok = false
    }
    guard ok else { return nil }
    return CheckedScore(
      components: components, decimals: score.round?.value ?? 2, rounding: score.rounding?.value ?? .halfUp,
      span: score.keySpan)
  }

  private mutating func checkWeight(_ component: ComponentSyntax) -> FixedDecimal? {
    guard let weight = component.weight else { return nil }
    switch weight.ungrouped.kind {
    case .literal(.percent(let value)):
      guard value > .zero && value <= .hundredPercent else {
        report(
          Diagnostic(
            .invalidValue,
            "the weight of component '\(component.name.value)' must be above 0% and at most 100%",
            at: weight.span))
        return nil
      }
      return value
    case .error:
      return nil
    case .literal(.number(let value, _)):
      report(
        Diagnostic(
          .percentMismatch, "the weight of component '\(component.name.value)' must be a percent",
          at: weight.span,
          help: "write '\(value.normalized)%'"))
      return nil
    default:
      report(
        Diagnostic(
          .invalidValue, "the weight of component '\(component.name.value)' must be a percent literal",
          at: weight.span,
          help: "e.g. 'weight: 20%'"))
      return nil
    }
  }
}

extension FixedDecimal {
  /// 100% as a fraction: 1.
  static let hundredPercent = FixedDecimal(1)
}
