/// The operations of the expression language on runtime values, with the missing-value rules of
/// docs/language.md. The checker guarantees the operand types, so a mismatch here can only be a
/// missing value, which propagates.
enum ValueOperations {
  static func arithmetic(_ op: BinaryOperator, _ lhs: Value, _ rhs: Value, at span: SourceSpan)
    throws(EvaluationError)
    -> Value
  {
    switch (lhs, rhs) {
    case (.number(let a), .number(let b)):
      do {
        switch op {
        case .add: return .number(try a.adding(b))
        case .subtract: return .number(try a.subtracting(b))
        case .multiply: return .number(try a.multiplied(by: b))
        case .divide: return .number(try a.divided(by: b))
        default: return .missing
        }
      } catch .divisionByZero {
        throw EvaluationError("division by zero", at: span)
      } catch {
        throw EvaluationError("the result is too large", at: span)
      }
    case (.date(let date), .duration(let duration)), (.duration(let duration), .date(let date)):
      let sign = op == .subtract ? -1 : 1
      let moved =
        duration.isCalendar
        ? date.adding(months: sign * duration.magnitude)
        : date.adding(days: sign * (duration.magnitude / 1440))
      guard let moved else { throw EvaluationError("the date falls outside the years 1 to 9999", at: span) }
      return .date(moved)
    default:
      return .missing
    }
  }

  /// -1, 0 or 1; `nil` when either side is missing.
  static func compare(_ lhs: Value, _ rhs: Value) -> Int? {
    switch (lhs, rhs) {
    case (.number(let a), .number(let b)): return a < b ? -1 : a == b ? 0 : 1
    case (.date(let a), .date(let b)): return a < b ? -1 : a == b ? 0 : 1
    case (.duration(let a), .duration(let b)): return a.compare(b)
    case (.string(let a), .string(let b)): return a == b ? 0 : (a < b ? -1 : 1)
    case (.bool(let a), .bool(let b)): return a == b ? 0 : (!a ? -1 : 1)
    default: return nil
    }
  }

  static func comparison(_ op: BinaryOperator, _ lhs: Value, _ rhs: Value) -> Value {
    guard let order = compare(lhs, rhs) else { return .missing }
    switch op {
    case .equal: return .bool(order == 0)
    case .notEqual: return .bool(order != 0)
    case .less: return .bool(order < 0)
    case .lessOrEqual: return .bool(order <= 0)
    case .greater: return .bool(order > 0)
    case .greaterOrEqual: return .bool(order >= 0)
    default: return .missing
    }
  }

  static func membership(_ value: Value, in list: Value, negated: Bool) -> Value {
    guard !value.isMissing, case .list(let items) = list else { return .missing }
    let found = items.contains { compare($0, value) == 0 }
    return .bool(found != negated)
  }

  static func index(_ list: Value, _ position: Value) -> Value {
    guard case .list(let items) = list, case .number(let number) = position, let index = number.integerValue
    else {
      return .missing
    }
    let resolved = index < 0 ? items.count + index : index
    return items.indices.contains(resolved) ? items[resolved] : .missing
  }

  static func call(_ builtin: Builtin, _ arguments: [Value], at span: SourceSpan) throws(EvaluationError)
    -> Value
  {
    if arguments.contains(where: \.isMissing) { return .missing }
    func numbers(_ value: Value) -> [FixedDecimal]? {
      guard case .list(let items) = value else { return nil }
      return items.compactMap { if case .number(let n) = $0 { n } else { nil } }
    }
    func number(_ index: Int) -> FixedDecimal? {
      if case .number(let n) = arguments[index] { return n }
      return nil
    }
    switch builtin {
    case .percentile, .ntile, .rank, .topPercent, .abcClass:
      // Compiled as lookups into the statistics pass; never evaluated per record.
      return .missing
    case .min, .max:
      var candidates = arguments
      if arguments.count == 1, case .list(let items) = arguments[0] { candidates = items }
      guard var best = candidates.first else { return .missing }
      for candidate in candidates.dropFirst() {
        guard let order = compare(candidate, best) else { return .missing }
        if (builtin == .min && order < 0) || (builtin == .max && order > 0) { best = candidate }
      }
      return best
    case .abs:
      return number(0).map { .number($0.magnitude) } ?? .missing
    case .round:
      let places = arguments.count > 1 ? (number(1)?.integerValue ?? 0) : 0
      return number(0).map { .number($0.rounded(to: places, .halfUp)) } ?? .missing
    case .floor:
      return number(0).map { .number($0.rounded(to: 0, .floor)) } ?? .missing
    case .ceil:
      return number(0).map { .number($0.rounded(to: 0, .ceiling)) } ?? .missing
    case .clamp:
      guard let low = compare(arguments[0], arguments[1]), let high = compare(arguments[0], arguments[2])
      else {
        return .missing
      }
      if low < 0 { return arguments[1] }
      if high > 0 { return arguments[2] }
      return arguments[0]
    case .sum, .avg:
      guard let values = numbers(arguments[0]) else { return .missing }
      var total = FixedDecimal.zero
      do {
        for value in values { total = try total.adding(value) }
        if builtin == .sum { return .number(total) }
        guard !values.isEmpty else { return .missing }
        return .number(try total.divided(by: FixedDecimal(values.count)))
      } catch {
        throw EvaluationError("the sum is too large", at: span)
      }
    case .count, .len:
      switch arguments[0] {
      case .list(let items): return .number(FixedDecimal(items.count))
      case .string(let text): return .number(FixedDecimal(text.count))
      default: return .missing
      }
    case .daysBetween, .monthsBetween, .yearsBetween:
      guard case .date(let from) = arguments[0], case .date(let to) = arguments[1] else { return .missing }
      switch builtin {
      case .daysBetween: return .number(FixedDecimal(from.days(until: to)))
      case .monthsBetween: return .number(FixedDecimal(from.wholeMonths(until: to)))
      default: return .number(FixedDecimal(from.wholeMonths(until: to) / 12))
      }
    }
  }
}
