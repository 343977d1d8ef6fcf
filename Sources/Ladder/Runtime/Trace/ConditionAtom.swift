/// One comparison inside a tier or trigger condition, compiled separately so that a trace can
/// show its operands ("repurchase_rate 60% < 80%"). Only traced evaluation runs these; the
/// plain path never touches them.
struct ConditionAtom: Sendable {
  let text: String
  let left: CompiledExpression
  let leftType: ValueType
  let right: CompiledExpression?
  let rightType: ValueType?
  let result: CompiledExpression

  /// The leaves of a condition's `and`/`or`/`not` structure, in reading order.
  static func atoms(_ expr: CheckedExpr, registry: PopulationRegistry? = nil) -> [ConditionAtom] {
    switch expr.kind {
    case .and(let lhs, let rhs), .or(let lhs, let rhs):
      return atoms(lhs, registry: registry) + atoms(rhs, registry: registry)
    case .not(let inner): return atoms(inner, registry: registry)
    case .comparison(_, let lhs, let rhs), .membership(let lhs, let rhs, _):
      return [atom(expr, left: lhs, right: rhs, registry: registry)]
    case .between(let value, _, _, _), .isMissing(let value, _):
      return [atom(expr, left: value, right: nil, registry: registry)]
    case .constant: return []
    default: return [atom(expr, left: expr, right: nil, registry: registry)]
    }
  }

  private static func atom(
    _ expr: CheckedExpr, left: CheckedExpr, right: CheckedExpr?, registry: PopulationRegistry?
  ) -> ConditionAtom {
    ConditionAtom(
      text: ExprPrinter.print(expr.syntax.ungrouped),
      left: ExpressionCompiler.compile(left, registry: registry),
      leftType: left.type.value,
      right: right.map { ExpressionCompiler.compile($0, registry: registry) }, rightType: right?.type.value,
      result: ExpressionCompiler.compile(expr, registry: registry))
  }
}
