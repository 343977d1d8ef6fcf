/// A literal value written in an expression.
public enum Literal: Sendable, Hashable {
  /// `12`, `1_000`, `4.50`; `isInteger` is true when written without a decimal point.
  case number(FixedDecimal, isInteger: Bool)
  /// `80%`, stored as the fraction 0.80.
  case percent(FixedDecimal)
  case duration(LadderDuration)
  case date(CivilDate)
  case string(String)
  case bool(Bool)
}

public enum UnaryOperator: String, Sendable, Hashable {
  case negate = "-"
  case not
}

public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
  case add = "+"
  case subtract = "-"
  case multiply = "*"
  case divide = "/"
  case equal = "=="
  case notEqual = "!="
  case less = "<"
  case lessOrEqual = "<="
  case greater = ">"
  case greaterOrEqual = ">="
  case and
  case or
  case coalesce = "??"
  case `in`
  case notIn = "not in"

  public var isComparison: Bool {
    switch self {
    case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: true
    default: false
    }
  }

  public var isArithmetic: Bool {
    switch self {
    case .add, .subtract, .multiply, .divide: true
    default: false
    }
  }

  /// `a < b` is `b > a`.
  public var mirrored: BinaryOperator {
    switch self {
    case .less: .greater
    case .lessOrEqual: .greaterOrEqual
    case .greater: .less
    case .greaterOrEqual: .lessOrEqual
    default: self
    }
  }
}

/// An expression as written, with the span of every node. Produced by ``ExpressionParser``;
/// syntax errors leave `.error` nodes so that checking can go on around them.
public struct Expr: Sendable, Hashable {
  public indirect enum Kind: Sendable, Hashable {
    case literal(Literal)
    case name(String)
    case unary(UnaryOperator, Expr)
    case binary(BinaryOperator, Expr, Expr)
    /// `value between low and high` (or `not between`).
    case between(Expr, low: Expr, high: Expr, negated: Bool)
    /// `value is missing` (or `is not missing`).
    case isMissing(Expr, negated: Bool)
    case call(String, nameSpan: SourceSpan, arguments: [Expr])
    case index(Expr, Expr)
    case list([Expr])
    case conditional(Expr, then: Expr, else: Expr)
    /// `(expr)`: kept so that the printer and the trace show the author's grouping.
    case group(Expr)
    case error
  }

  public var kind: Kind
  public var span: SourceSpan

  public init(_ kind: Kind, span: SourceSpan) {
    self.kind = kind
    self.span = span
  }

  /// The expression without its `( )` groups.
  public var ungrouped: Expr {
    if case .group(let inner) = kind { return inner.ungrouped }
    return self
  }

  /// True when no `.error` node is inside.
  public var isWellFormed: Bool {
    var ok = true
    visit { if case .error = $0.kind { ok = false } }
    return ok
  }

  /// Calls `body` on this node and every node below it, parents first.
  public func visit(_ body: (Expr) -> Void) {
    body(self)
    switch kind {
    case .literal, .name, .error: break
    case .unary(_, let operand), .isMissing(let operand, _), .group(let operand): operand.visit(body)
    case .binary(_, let lhs, let rhs), .index(let lhs, let rhs):
      lhs.visit(body)
      rhs.visit(body)
    case .between(let value, let low, let high, _):
      value.visit(body)
      low.visit(body)
      high.visit(body)
    case .call(_, _, let arguments), .list(let arguments): arguments.forEach { $0.visit(body) }
    case .conditional(let condition, let then, let otherwise):
      condition.visit(body)
      then.visit(body)
      otherwise.visit(body)
    }
  }

  /// The names this expression refers to, each with its first span, in order of appearance.
  public var referencedNames: [(name: String, span: SourceSpan)] {
    var names: [(String, SourceSpan)] = []
    visit { node in
      if case .name(let name) = node.kind { names.append((name, node.span)) }
    }
    return names
  }
}
