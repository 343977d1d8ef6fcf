/// Operations on runtime values shared by the operators (`Builtins/Operators.swift`), the
/// built-ins, bands and the record validator, with the missing-value rules of docs/language.md.
/// The checker guarantees the operand types, so a mismatch here can only be a missing value,
/// which propagates.
enum ValueOperations {
  /// -1, 0 or 1; `nil` when either side is missing.
  static func compare(_ lhs: Value, _ rhs: Value) -> Int? {
    switch (lhs, rhs) {
    case (.number(let a), .number(let b)): return a < b ? -1 : a == b ? 0 : 1
    case (.date(let a), .date(let b)): return a < b ? -1 : a == b ? 0 : 1
    case (.datetime(let a), .datetime(let b)): return a < b ? -1 : a == b ? 0 : 1
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
