/// A condition as a disjunction of conjunctions of ranges over subjects (`score`,
/// `repurchase_rate`, …). Parts that are not ranges make a conjunction inexact: it then says
/// less than the condition, which is safe for the side that must imply, never for the side
/// that is implied.
struct ConditionShape {
  struct Conjunction {
    var ranges: [String: IntervalSet.Interval] = [:]
    var texts: [String] = []
    var isExact = true
  }

  var disjuncts: [Conjunction]

  static let maximumDisjuncts = 32

  init(disjuncts: [Conjunction]) { self.disjuncts = disjuncts }

  init(_ expr: CheckedExpr) {
    switch expr.kind {
    case .constant(.bool(true)):
      disjuncts = [Conjunction()]
    case .and(let lhs, let rhs):
      let left = ConditionShape(lhs)
      let right = ConditionShape(rhs)
      var result: [Conjunction] = []
      for a in left.disjuncts {
        for b in right.disjuncts where result.count < Self.maximumDisjuncts {
          var merged = a
          for (subject, range) in b.ranges {
            merged.ranges[subject] = merged.ranges[subject].map { $0.intersection(range) } ?? range
          }
          merged.texts += b.texts
          merged.isExact = a.isExact && b.isExact
          result.append(merged)
        }
      }
      disjuncts = result
    case .or(let lhs, let rhs):
      disjuncts = Array(
        (ConditionShape(lhs).disjuncts + ConditionShape(rhs).disjuncts).prefix(Self.maximumDisjuncts))
    default:
      if let (subject, range) = Self.range(of: expr) {
        disjuncts = [
          Conjunction(
            ranges: [subject: range], texts: [ExprPrinter.print(expr.syntax.ungrouped)], isExact: true)
        ]
      } else {
        disjuncts = [
          Conjunction(ranges: [:], texts: [ExprPrinter.print(expr.syntax.ungrouped)], isExact: false)
        ]
      }
    }
  }

  /// `subject op constant` (either way round) or `subject between a and b` as a range.
  static func range(of expr: CheckedExpr) -> (String, IntervalSet.Interval)? {
    func number(_ value: Value?) -> FixedDecimal? {
      switch value {
      case .number(let n): n
      case .date(let d): FixedDecimal(Int(d.daysSinceEpoch))
      default: nil
      }
    }
    switch expr.kind {
    case .comparison(let op, let lhs, let rhs):
      if let bound = number(rhs.constantValue), lhs.constantValue == nil,
        let range = IntervalSet.Interval.of(op, bound, integers: lhs.type.value == .int)
      {
        return (ExprPrinter.print(lhs.syntax.ungrouped), range)
      }
      if let bound = number(lhs.constantValue), rhs.constantValue == nil,
        let range = IntervalSet.Interval.of(op.mirrored, bound, integers: rhs.type.value == .int)
      {
        return (ExprPrinter.print(rhs.syntax.ungrouped), range)
      }
      return nil
    case .between(let value, let low, let high, negated: false):
      guard let lower = number(low.constantValue), let upper = number(high.constantValue),
        value.constantValue == nil
      else {
        return nil
      }
      let range = IntervalSet.Interval(
        lower: IntervalSet.Bound(value: lower, isInclusive: true),
        upper: IntervalSet.Bound(value: upper, isInclusive: true))
      return (ExprPrinter.print(value.syntax.ungrouped), range)
    default:
      return nil
    }
  }

  /// Whether every record meeting `self` also meets `other` (sound, not complete: `false` may
  /// mean "cannot tell").
  func implies(_ other: ConditionShape) -> Bool {
    guard !disjuncts.isEmpty else { return false }
    return disjuncts.allSatisfy { mine in
      other.disjuncts.contains { theirs in
        theirs.isExact
          && theirs.ranges.allSatisfy { subject, range in
            guard let narrower = mine.ranges[subject] else { return false }
            return range.contains(narrower)
          }
      }
    }
  }
}

/// Tiers are tried in order and the first match wins. A tier whose condition implies an earlier
/// tier's can never be assigned (L0406): usually tiers listed lowest first, or a threshold typo.
extension CheckRun {
  /// Whether the tier conditions together provably take every record: all are ranges over one
  /// subject whose union covers what the subject can be (`score` 0–100, an input's bounds).
  func conditionsCoverEverything(_ shapes: [ConditionShape]) -> Bool {
    let disjuncts = shapes.flatMap(\.disjuncts)
    guard let subject = disjuncts.first?.ranges.keys.first,
      disjuncts.allSatisfy({ $0.isExact && $0.ranges.count == 1 && $0.ranges[subject] != nil })
    else { return false }
    var union = IntervalSet(integers: false)
    for disjunct in disjuncts { if let range = disjunct.ranges[subject] { union.insert(range) } }
    var domain = IntervalSet.Interval.everything
    if subject == "score", syntax.score != nil {
      domain = .scoreScale
    } else if let field = inputsBySlot.values.first(where: { $0.name == subject }) {
      domain = field.boundsInterval
    }
    return union.covers(domain)
  }

  mutating func checkTiers(scope: Scope) -> [CheckedTier] {
    var tiers: [CheckedTier] = []
    var seen: [String: SourceSpan] = [:]
    var shapes: [(tier: CheckedTier, shape: ConditionShape)] = []
    var otherwiseSpan: (id: String, span: SourceSpan)?
    for tier in syntax.tiers {
      guard let id = tier.id else { continue }
      if let first = seen[id.value] {
        report(duplicate("tier", id.value, id.span, first))
        continue
      }
      seen[id.value] = id.span
      if isReserved(id, kind: "a tier") { continue }
      if let otherwise = otherwiseSpan {
        report(
          Diagnostic(
            .misplacedOtherwise,
            "tier '\(otherwise.id)' takes every remaining \(recordName) ('otherwise'), so tier '\(id.value)' after it is never used",
            at: otherwise.span, help: "move the 'otherwise' tier to the end of the list"))
        otherwiseSpan = nil
      }
      var condition: CheckedExpr?
      if let when = tier.when {
        var checker = ExpressionChecker(scope: scope)
        let checked = checker.checkCondition(when, what: "condition of tier '\(id.value)'")
        diagnostics.append(contentsOf: checker.diagnostics)
        condition = checked
      } else if tier.otherwise?.value == true {
        otherwiseSpan = (id.value, tier.otherwise?.span ?? id.span)
      } else {
        continue
      }
      let checked = CheckedTier(
        index: tiers.count, id: id.value, label: tier.label?.value ?? id.value, span: id.span,
        condition: condition)
      tiers.append(checked)
      if let condition, !condition.type.value.isUnknown {
        let shape = ConditionShape(condition)
        if let earlier = shapes.first(where: { shape.implies($0.shape) }) {
          let mine = ExprPrinter.print(condition.syntax)
          let theirs = earlier.tier.condition.map { ExprPrinter.print($0.syntax) } ?? "otherwise"
          report(
            Diagnostic(
              .unreachableTier,
              "tier '\(id.value)' can never be assigned: every \(recordName) with \(mine) already gets tier '\(earlier.tier.id)'",
              at: tier.when?.span ?? id.span, label: "never reached",
              notes: [
                Diagnostic.Note(
                  "tier '\(earlier.tier.id)' (\(theirs)) is tried first", at: earlier.tier.condition?.span)
              ],
              help: "list tiers from the strictest condition to the loosest (highest tier first)"))
        }
        shapes.append((checked, shape))
      }
    }
    if let last = syntax.tiers.last, last.otherwise?.value != true, last.when != nil,
      !conditionsCoverEverything(shapes.map(\.shape)),
      !(tiers.last?.condition.map {
        if case .constant(.bool(true)) = $0.kind { return true } else { return false }
      } ?? false)
    {
      report(
        Diagnostic(
          .noFallbackTier, "no tier takes the \(recordName)s that match none of the conditions",
          at: last.id?.span ?? last.itemSpan,
          help: "end the list with a fallback tier, e.g. '- { id: watch, label: 观察客户, otherwise: true }'"))
    }
    return tiers
  }
}
