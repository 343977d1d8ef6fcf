/// A set of values on a number line, as a union of intervals; enough to decide whether a band
/// or a tier condition can ever be reached.
struct IntervalSet: Sendable, Equatable {
  struct Bound: Sendable, Equatable {
    var value: FixedDecimal
    var isInclusive: Bool
  }

  struct Interval: Sendable, Equatable {
    /// `nil` is unbounded.
    var lower: Bound?
    var upper: Bound?

    var isEmpty: Bool {
      guard let lower, let upper else { return false }
      return lower.value > upper.value
        || (lower.value == upper.value && !(lower.isInclusive && upper.isInclusive))
    }

    func contains(_ other: Interval) -> Bool {
      if other.isEmpty { return true }
      if let lower {
        guard let otherLower = other.lower else { return false }
        if otherLower.value < lower.value
          || (otherLower.value == lower.value && otherLower.isInclusive && !lower.isInclusive)
        {
          return false
        }
      }
      if let upper {
        guard let otherUpper = other.upper else { return false }
        if otherUpper.value > upper.value
          || (otherUpper.value == upper.value && otherUpper.isInclusive && !upper.isInclusive)
        {
          return false
        }
      }
      return true
    }

    func intersection(_ other: Interval) -> Interval {
      func tighterLower(_ a: Bound?, _ b: Bound?) -> Bound? {
        guard let a else { return b }
        guard let b else { return a }
        if a.value != b.value { return a.value > b.value ? a : b }
        return Bound(value: a.value, isInclusive: a.isInclusive && b.isInclusive)
      }
      func tighterUpper(_ a: Bound?, _ b: Bound?) -> Bound? {
        guard let a else { return b }
        guard let b else { return a }
        if a.value != b.value { return a.value < b.value ? a : b }
        return Bound(value: a.value, isInclusive: a.isInclusive && b.isInclusive)
      }
      return Interval(lower: tighterLower(lower, other.lower), upper: tighterUpper(upper, other.upper))
    }

    static let everything = Interval(lower: nil, upper: nil)

    /// The values `x` with `x op bound`; `nil` for `!=`, which is not an interval.
    static func of(_ op: BinaryOperator, _ bound: FixedDecimal, integers: Bool) -> Interval? {
      var interval: Interval
      switch op {
      case .less: interval = Interval(lower: nil, upper: Bound(value: bound, isInclusive: false))
      case .lessOrEqual: interval = Interval(lower: nil, upper: Bound(value: bound, isInclusive: true))
      case .greater: interval = Interval(lower: Bound(value: bound, isInclusive: false), upper: nil)
      case .greaterOrEqual: interval = Interval(lower: Bound(value: bound, isInclusive: true), upper: nil)
      case .equal:
        interval = Interval(
          lower: Bound(value: bound, isInclusive: true), upper: Bound(value: bound, isInclusive: true))
      default: return nil
      }
      return integers ? interval.integerNormalized : interval
    }

    /// For whole-number values, strict bounds become inclusive ones (`x > 5` is `x >= 6`), so
    /// that `<= 30` and `>= 31` are seen to leave no gap.
    var integerNormalized: Interval {
      var result = self
      if let lower {
        let ceiling = lower.value.rounded(to: 0, .ceiling)
        let value =
          !lower.isInclusive && ceiling == lower.value
          ? ((try? ceiling.adding(FixedDecimal(1))) ?? ceiling) : ceiling
        result.lower = Bound(value: value, isInclusive: true)
      }
      if let upper {
        let floor = upper.value.rounded(to: 0, .floor)
        let value =
          !upper.isInclusive && floor == upper.value
          ? ((try? floor.subtracting(FixedDecimal(1))) ?? floor) : floor
        result.upper = Bound(value: value, isInclusive: true)
      }
      return result
    }
  }

  private(set) var intervals: [Interval] = []
  let integers: Bool

  init(integers: Bool) { self.integers = integers }

  mutating func insert(_ interval: Interval) {
    guard !interval.isEmpty else { return }
    intervals.append(interval)
    merge()
  }

  /// Whether every value of `interval` is already in the set.
  func covers(_ interval: Interval) -> Bool {
    if interval.isEmpty { return true }
    return intervals.contains { $0.contains(interval) }
  }

  private mutating func merge() {
    let sorted = intervals.sorted { lhs, rhs in
      guard let left = lhs.lower else { return rhs.lower != nil }
      guard let right = rhs.lower else { return false }
      return left.value < right.value || (left.value == right.value && left.isInclusive && !right.isInclusive)
    }
    var merged: [Interval] = []
    for interval in sorted {
      guard var last = merged.last else {
        merged.append(interval)
        continue
      }
      if touches(last, interval) {
        if let upper = last.upper {
          if let next = interval.upper {
            if next.value > upper.value || (next.value == upper.value && next.isInclusive) {
              last.upper = next
            }
          } else {
            last.upper = nil
          }
        }
        merged[merged.count - 1] = last
      } else {
        merged.append(interval)
      }
    }
    intervals = merged
  }

  /// Whether `next` (starting at or after `current`) overlaps or adjoins it.
  private func touches(_ current: Interval, _ next: Interval) -> Bool {
    guard let upper = current.upper else { return true }
    guard let lower = next.lower else { return true }
    if lower.value < upper.value { return true }
    if lower.value == upper.value { return lower.isInclusive || upper.isInclusive }
    if integers, let gap = try? lower.value.subtracting(upper.value), gap == FixedDecimal(1),
      lower.value.isInteger,
      upper.value.isInteger
    {
      return true
    }
    return false
  }
}

extension CheckRun {
  /// Checks a component's bands: each bound of the value's type, ordered so that every band
  /// can match (L0404, L0405), and, without `else`, covering every value the input allows
  /// (L0414).
  mutating func checkBands(
    _ bands: [BandSyntax], of value: CheckedExpr, component: String, bandsSpan: SourceSpan, scope: Scope
  ) -> [CheckedBand]? {
    var checked: [CheckedBand] = []
    let valueType = value.type.value
    let integers = valueType == .int
    var covered = IntervalSet(integers: integers)
    var sawElse: SourceSpan?
    var ok = true
    var previous: (op: BinaryOperator, bound: FixedDecimal, text: String)?
    var earlier: [(op: BinaryOperator, interval: IntervalSet.Interval, text: String, span: SourceSpan)] = []
    for band in bands {
      let text = ExpressionSource.bandText(band)
      if let elseSpan = sawElse {
        report(
          Diagnostic(
            .unreachableBand, "band '\(text)' comes after 'else' and can never match", at: band.span,
            notes: [Diagnostic.Note("'else' takes every value left", at: elseSpan)],
            help: "'else' must be the last band"))
        ok = false
        continue
      }
      var checker = ExpressionChecker(scope: scope)
      let points = checker.checkRequiredNumber(band.points, what: "points of band '\(text)'")
      diagnostics.append(contentsOf: checker.diagnostics)
      guard case .constant(.number(let pointsValue)) = points.kind, points.type.value.isNumber else {
        if !points.type.value.isUnknown {
          report(
            Diagnostic(
              .invalidBand, "the points of band '\(text)' must be a number", at: band.points.span,
              help: "points are a plain number from 0 to 100, e.g. \"<= 30: 100\""))
        }
        ok = false
        continue
      }
      if pointsValue < .zero || pointsValue > .hundred {
        report(
          Diagnostic(
            .scoreOutOfScale, "band '\(text)' gives \(pointsValue) points, outside 0 to 100",
            at: band.points.span,
            help: "points are on a 0–100 scale; the weight scales them into the score"))
      }
      guard let op = band.comparison, let boundSyntax = band.bound else {
        sawElse = band.span
        checked.append(
          CheckedBand(comparison: nil, bound: nil, points: pointsValue, span: band.span, text: text))
        continue
      }
      var boundChecker = ExpressionChecker(scope: scope)
      let bound = boundChecker.check(boundSyntax)
      diagnostics.append(contentsOf: boundChecker.diagnostics)
      guard let boundValue = bound.constantValue else {
        if !bound.type.value.isUnknown {
          report(
            Diagnostic(
              .invalidBand, "the bound of band '\(text)' must be a literal value", at: boundSyntax.span,
              help: "compare with a number, percent or date written out, e.g. \">= 50_000: 50\""))
        }
        ok = false
        continue
      }
      guard typeFits(bound: bound, value: value, band: band, text: text) else {
        ok = false
        continue
      }
      let number: FixedDecimal
      switch boundValue {
      case .number(let n): number = n
      case .date(let date): number = FixedDecimal(Int(date.daysSinceEpoch))
      default:
        report(
          Diagnostic(
            .typeMismatch, "band '\(text)' cannot order \(bound.type.value) values", at: boundSyntax.span))
        ok = false
        continue
      }
      guard let interval = IntervalSet.Interval.of(op, number, integers: integers) else {
        report(
          Diagnostic(
            .invalidBand, "band '\(text)' uses '\(op.rawValue)', which does not mark out a range",
            at: band.span,
            help: "use <, <=, >, >= or =="))
        ok = false
        continue
      }
      if covered.covers(interval) {
        if let previous, previous.op == op || previous.op.mirrored == op.mirrored,
          (op == .lessOrEqual || op == .less) ? number < previous.bound : number > previous.bound
        {
          report(
            Diagnostic(
              .bandsOutOfOrder,
              "band '\(text)' comes after '\(previous.text)', which already takes all its values",
              at: band.span, label: "never matches",
              help: op == .lessOrEqual || op == .less
                ? "order '\(op.rawValue)' bands from the smallest bound up"
                : "order '\(op.rawValue)' bands from the largest bound down"))
        } else {
          report(
            Diagnostic(
              .unreachableBand, "band '\(text)' can never match: the bands above it take all its values",
              at: band.span,
              help: "remove it, or change its bound"))
        }
        ok = false
      }
      // Bands of opposite directions that overlap: the earlier one silently takes the shared values.
      let upward = op == .greater || op == .greaterOrEqual
      let downward = op == .less || op == .lessOrEqual
      if let clash = earlier.first(where: { other in
        ((upward && (other.op == .less || other.op == .lessOrEqual))
          || (downward && (other.op == .greater || other.op == .greaterOrEqual)))
          && !other.interval.intersection(interval).isEmpty
      }), !covered.covers(interval) {
        report(
          Diagnostic(
            .bandOverlap,
            "band '\(text)' overlaps band '\(clash.text)' above it, which takes the values both match",
            at: band.span, notes: [Diagnostic.Note("'\(clash.text)' is tried first", at: clash.span)],
            help:
              "make the bands of one direction (all '>=' from the top, or all '<=' from the bottom), or use 'between'"
          ))
      }
      earlier.append((op, interval, text, band.span))
      covered.insert(interval)
      previous = (op, number, text)
      checked.append(
        CheckedBand(comparison: op, bound: boundValue, points: pointsValue, span: band.span, text: text))
    }
    if sawElse == nil && ok {
      let domain = domainInterval(of: value, integers: integers)
      if !covered.covers(domain) {
        report(
          Diagnostic(
            .bandsWithoutElse,
            "the bands of component '\(component)' have no 'else' and leave some values unscored",
            at: bandsSpan,
            help: "add \"else: 0\" as the last band; a value that matches no band scores 0 points"))
      }
    }
    return ok ? checked : nil
  }

  private mutating func typeFits(bound: CheckedExpr, value: CheckedExpr, band: BandSyntax, text: String)
    -> Bool
  {
    let boundType = bound.type.value
    let valueType = value.type.value
    if valueType.isUnknown || boundType.isUnknown { return false }
    if (valueType.isNumber && boundType.isNumber) || valueType == boundType { return true }
    if valueType == .percent && boundType.isNumber, case .constant(.number(let n)) = bound.kind, n.isZero {
      return true
    }
    let isPercentMix =
      (valueType == .percent && boundType.isNumber) || (valueType.isNumber && boundType == .percent)
    report(
      Diagnostic(
        isPercentMix ? .percentMismatch : .typeMismatch,
        "band '\(text)' compares \(valueType) values with \(boundType.withArticle)", at: bound.span,
        help: valueType == .percent
          ? "write the bound as a percent, e.g. '>= 10%: 100'" : "write \(valueType.withArticle) bound"))
    return false
  }

  /// The values a band's subject can take: its input's declared bounds, or everything.
  func domainInterval(of value: CheckedExpr, integers: Bool) -> IntervalSet.Interval {
    guard case .input(let slot) = value.kind, let field = inputsBySlot[slot] else { return .everything }
    return field.boundsInterval
  }
}

extension InputField {
  /// The input's declared `min` and `max` as an interval (dates as day numbers).
  var boundsInterval: IntervalSet.Interval {
    func bound(_ value: Value?) -> IntervalSet.Bound? {
      switch value {
      case .number(let n): IntervalSet.Bound(value: n, isInclusive: true)
      case .date(let d): IntervalSet.Bound(value: FixedDecimal(Int(d.daysSinceEpoch)), isInclusive: true)
      default: nil
      }
    }
    return IntervalSet.Interval(lower: bound(minimum), upper: bound(maximum))
  }
}

extension IntervalSet.Interval {
  /// What `score` can be: weights add up to 100% and points run from 0 to 100.
  static let scoreScale = IntervalSet.Interval(
    lower: IntervalSet.Bound(value: .zero, isInclusive: true),
    upper: IntervalSet.Bound(value: .hundred, isInclusive: true))
}

extension ExpressionSource {
  /// A band in canonical form, e.g. `<= 30: 100`.
  static func bandText(_ band: BandSyntax) -> String {
    let condition =
      band.comparison.map { "\($0.rawValue) \(band.bound.map(ExprPrinter.print) ?? "")" } ?? "else"
    return "\(condition): \(ExprPrinter.print(band.points))"
  }
}
