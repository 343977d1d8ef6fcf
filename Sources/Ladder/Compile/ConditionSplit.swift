/// One comparison inside a tier or trigger condition, as a trace shows it: the comparison, and
/// the operands whose values decided it ("repurchase_rate 60% < 80%").
struct CheckedAtom {
  /// The comparison (or any other leaf) whose truth the trace records.
  var condition: CheckedExpr
  var left: CheckedExpr
  var right: CheckedExpr?
  /// The leaf as written, for the trace.
  var text: String { ExprPrinter.print(condition.syntax.ungrouped) }
}

extension CheckedExpr {
  /// The leaves of a condition's `and`/`or`/`not` structure, in reading order: the one split of a
  /// condition into atoms, compiled into closures for the scalar backend (``ConditionAtom``) and
  /// into kernels for the batch backend (``ColumnarLowering/atoms(_:)``).
  var atoms: [CheckedAtom] {
    switch kind {
    case .and(let lhs, let rhs), .or(let lhs, let rhs): return lhs.atoms + rhs.atoms
    case .not(let inner): return inner.atoms
    case .comparison(_, let lhs, let rhs), .membership(let lhs, let rhs, _):
      return [CheckedAtom(condition: self, left: lhs, right: rhs)]
    case .between(let value, _, _, _), .isMissing(let value, _):
      return [CheckedAtom(condition: self, left: value, right: nil)]
    case .constant: return []
    default: return [CheckedAtom(condition: self, left: self, right: nil)]
    }
  }
}
