/// Deep lints: findings about a policy that checks and runs, but probably not as its author
/// meant. Warnings by default (errors with `--strict`); each has a code and a docs page.
extension CheckRun {
  mutating func runLints(_ policy: CheckedPolicy) {
    lintUnusedNames(policy)
    lintConditions(policy)
    lintBandsAgainstBounds(policy)
    lintBenefitMonotonicity(policy)
  }

  // MARK: - Domains

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

  // MARK: - L0419 unused inputs, lets and entitlements

  mutating func lintUnusedNames(_ policy: CheckedPolicy) {
    var used: Set<String> = []
    var expressions: [Expr] = syntax.lets.map(\.expression)
    for component in syntax.score?.components ?? [] {
      expressions += [component.of, component.points].compactMap { $0 }
    }
    expressions += syntax.tiers.compactMap(\.when)
    expressions += syntax.review?.triggers.compactMap(\.when) ?? []
    for expression in expressions { used.formUnion(expression.referencedNames.map(\.name)) }
    if let lastReview = syntax.review?.lastReview { used.insert(lastReview.value) }
    for output in syntax.outputs { used.insert(output.value) }
    for input in policy.inputs
    where !used.contains(input.name) && !input.isKey && !input.isPersonal && !input.isInformational {
      report(
        Diagnostic(
          .unusedName, "input '\(input.name)' is not used by any rule", at: input.span,
          help: "remove it, or mark it 'informational: true' if it is carried for people reading traces"))
    }
    for item in policy.lets where !used.contains(item.name) {
      report(
        Diagnostic(
          .unusedName, "let '\(item.name)' is not used by any rule", at: item.span,
          help: "remove it, or use it in a tier, a component or a trigger"))
    }
    let benefitNames = Set(policy.benefits.flatMap { $0.map(\.name) })
    for entitlement in syntax.entitlements where !benefitNames.contains(entitlement.name.value) {
      report(
        Diagnostic(
          .unusedName, "entitlement '\(entitlement.name.value)' is not a benefit of any tier",
          at: entitlement.name.span,
          help: Suggestions.help(
            for: entitlement.name.value, candidates: benefitNames.sorted(), kind: "the benefits")))
    }
  }

  // MARK: - L0418 contradictions, L0420 thresholds outside bounds

  mutating func lintConditions(_ policy: CheckedPolicy) {
    var conditions: [(what: String, expr: CheckedExpr)] = policy.tiers.compactMap { tier in
      tier.condition.map { ("tier '\(tier.id)'", $0) }
    }
    conditions += policy.review.triggers.map { ("trigger '\($0.id)'", $0.condition) }
    for (what, condition) in conditions {
      let shape = ConditionShape(condition)
      if !shape.disjuncts.isEmpty && shape.disjuncts.allSatisfy({ $0.ranges.values.contains { $0.isEmpty } })
      {
        report(
          Diagnostic(
            .neverFires, "the condition of \(what) contradicts itself and can never hold", at: condition.span,
            help: "the ranges it requires do not overlap; check the comparison operators and thresholds"))
        continue
      }
      for atom in comparisons(in: condition) {
        guard let (subject, range) = ConditionShape.range(of: atom),
          let domain = domain(ofSubject: subject, in: policy)
        else { continue }
        let bounds = describe(domain, subject: subject, in: policy)
        if range.intersection(domain).isEmpty {
          report(
            Diagnostic(
              .thresholdOutsideBounds,
              "'\(ExprPrinter.print(atom.syntax.ungrouped))' is never true: \(subject) is \(bounds)",
              at: atom.span,
              help:
                "the threshold lies outside what '\(subject)' can be; check it against the input's min and max"
            ))
        } else if range.contains(domain) {
          report(
            Diagnostic(
              .thresholdOutsideBounds,
              "'\(ExprPrinter.print(atom.syntax.ungrouped))' is always true: \(subject) is \(bounds)",
              at: atom.span, help: "the comparison decides nothing; remove it or fix the threshold"))
        }
      }
    }
  }

  /// `between 0% and 100%`, in the subject's own notation.
  private func describe(_ interval: IntervalSet.Interval, subject: String, in policy: CheckedPolicy) -> String
  {
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

  /// The comparisons inside a condition's `and` / `or` / `not` structure.
  private func comparisons(in expr: CheckedExpr) -> [CheckedExpr] {
    switch expr.kind {
    case .and(let lhs, let rhs), .or(let lhs, let rhs): comparisons(in: lhs) + comparisons(in: rhs)
    case .not(let inner): comparisons(in: inner)
    case .comparison, .between: [expr]
    default: []
    }
  }

  mutating func lintBandsAgainstBounds(_ policy: CheckedPolicy) {
    for component in policy.score?.components ?? [] {
      guard case .bands(let value, let bands) = component.points, case .input(let slot) = value.kind,
        let domain = domain(ofSubject: policy.inputs[slot].name, in: policy)
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
        report(
          Diagnostic(
            .thresholdOutsideBounds,
            "band '\(band.text)' never matches: \(policy.inputs[slot].name) is \(describe(domain, subject: policy.inputs[slot].name, in: policy))",
            at: band.span,
            help: "move the bound inside the input's min and max, or remove the band"))
      }
    }
  }

  // MARK: - L0417 benefit monotonicity

  mutating func lintBenefitMonotonicity(_ policy: CheckedPolicy) {
    for entitlement in syntax.entitlements {
      guard let better = entitlement.better?.value else { continue }
      let name = entitlement.name.value
      // Tiers are listed highest first: each tier must be at least as good as every later one.
      for (higherIndex, higher) in policy.tiers.enumerated() {
        guard let mine = policy.benefits[higherIndex].first(where: { $0.name == name }) else { continue }
        for lowerIndex in (higherIndex + 1)..<policy.tiers.count {
          guard let theirs = policy.benefits[lowerIndex].first(where: { $0.name == name }),
            let order = Self.compare(mine.value, theirs.value)
          else { continue }
          let worse = better == .lower ? order > 0 : order < 0
          guard worse else { continue }
          let lower = policy.tiers[lowerIndex]
          report(
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

  /// Orders two benefit values of one kind: -1, 0, 1; `nil` when they do not compare.
  static func compare(_ lhs: BenefitValue, _ rhs: BenefitValue) -> Int? {
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
