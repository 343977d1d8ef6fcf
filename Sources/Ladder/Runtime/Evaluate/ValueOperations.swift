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
        case .divide: return .number(try a.quotient(by: b))
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

  /// A built-in's value for one record: missing when an argument is, else the registry entry's.
  static func call(_ builtin: Builtin, _ arguments: [Value], asOf: CivilDate, at span: SourceSpan)
    throws(EvaluationError) -> Value
  {
    if arguments.contains(where: \.isMissing) { return .missing }
    return try builtin.scalar(ScalarCall(arguments: arguments, asOf: asOf, span: span))
  }
}
