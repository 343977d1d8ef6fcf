/// An operator of the expression language (`+`, `<`, `and`, `??`, `in`, `between`,
/// `is missing`, `if … then … else`, unary `-` and `not`), declared once, as a built-in function
/// is: its type rule, its exact implementation and its kernel sit side by side in one entry of
/// `Operators.swift`.
///
/// The checker parses and checks the operands and asks `typeRule` for the result type; the scalar
/// backend asks `scalar` for the closure computing it from the operands' closures (so that
/// `and`, `or`, `??` and `if` can leave an operand unevaluated); the lowering asks `kernel` for
/// the kernels. A `nil` from `kernel` runs the policy on the scalar backend. List literals and
/// indexing are structure, not operators, and stay in the checker and the two compilers.
struct Operator: Sendable {
  /// As written in a policy, for diagnostics.
  let symbol: String
  /// The checked expression applying it to its operands (the inverse of
  /// ``CheckedExpr/Kind/operation``).
  let build: @Sendable ([CheckedExpr]) -> CheckedExpr.Kind
  /// The result type of the checked operands, or `nil` after reporting why there is none.
  let typeRule: @Sendable (inout ExpressionChecker, OperatorTyping) -> LadderType?
  /// The closure computing the operation for one record from the operands' closures.
  let scalar: @Sendable (OperatorScalar) -> CompiledExpression
  /// Emits the kernels computing the operation for a batch; `nil` when it has none for these
  /// operands.
  let kernel: @Sendable (inout ColumnarLowering, [CheckedExpr]) -> KernelValue?
}

/// An operation as the checker sees it: its operands checked, and where each was written.
struct OperatorTyping {
  var operands: [CheckedExpr]
  /// The operands as written, for messages that quote them.
  var syntax: [Expr]
  /// The whole operation, where most problems are reported.
  var expr: Expr

  var types: [ValueType] { operands.map(\.type.value) }
  /// True when an operand's type could not be found (already reported).
  var hasUnknown: Bool { operands.contains { $0.type.value.isUnknown } }
  /// True when an operand may be missing.
  var anyOptional: Bool { operands.contains { $0.type.isOptional } }
}

/// An operation on the scalar backend: its operands compiled.
struct OperatorScalar {
  var operands: [CompiledExpression]
  /// The operands as checked (a constant threshold is read once, not per record).
  var checked: [CheckedExpr]
  /// The operation, for errors.
  var span: SourceSpan

  /// The closure for an operation that needs both operands' values.
  func strict(
    _ body: @escaping @Sendable (Value, Value, SourceSpan) throws(EvaluationError) -> Value
  ) -> CompiledExpression {
    let (left, right, span) = (operands[0], operands[1], span)
    return { frame throws(EvaluationError) in try body(try left(frame), try right(frame), span) }
  }
}

extension CheckedExpr.Kind {
  /// The operator this expression applies and its operands; `nil` for names, constants, calls,
  /// lists and indexing.
  var operation: (Operator, [CheckedExpr])? {
    switch self {
    case .negate(let operand): (Operator.negate, [operand])
    case .not(let operand): (Operator.not, [operand])
    case .arithmetic(let op, let lhs, let rhs), .comparison(let op, let lhs, let rhs):
      (Operator.binary(op), [lhs, rhs])
    case .and(let lhs, let rhs): (Operator.binary(.and), [lhs, rhs])
    case .or(let lhs, let rhs): (Operator.binary(.or), [lhs, rhs])
    case .coalesce(let lhs, let rhs): (Operator.binary(.coalesce), [lhs, rhs])
    case .membership(let value, let list, let negated):
      (Operator.binary(negated ? .notIn : .in), [value, list])
    case .isMissing(let operand, let negated): (Operator.isMissing(negated: negated), [operand])
    case .between(let value, let low, let high, let negated):
      (Operator.between(negated: negated), [value, low, high])
    case .conditional(let condition, let then, let otherwise):
      (Operator.conditional, [condition, then, otherwise])
    case .constant, .input, .letValue, .asOf, .score, .tier, .call, .index, .list, .invalid: nil
    }
  }
}
