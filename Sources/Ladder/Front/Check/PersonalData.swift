/// Which values of a policy are personal data: each `personal: true` input, and every let
/// computed from one, however indirectly. Traces, diffs and test reports show such a value as
/// `***` on both backends, and L0421 warns where a rule depends on one.
///
/// The score and the tier are decisions, not personal data, even when a rule behind them reads
/// a personal field: that is what L0421 is for. With ``CheckedPolicy/showsPersonalData`` set
/// nothing is masked, so nothing is personal here.
public struct PersonalData: Sendable {
  /// Slots of the personal inputs and of the lets computed from them.
  public let inputs: Set<Int>
  public let lets: Set<Int>
  /// Per personal let: the personal inputs it is computed from.
  private let sourcesOfLet: [Int: Set<Int>]

  public init(_ policy: CheckedPolicy) {
    inputs = Set(policy.inputs.filter(policy.masks).map(\.slot))
    var sources: [Int: Set<Int>] = [:]
    // Lets are in evaluation order: everything a let uses is decided before it.
    for item in policy.lets {
      let read = Self.sources(of: item.expression, inputs: inputs, lets: sources)
      if !read.isEmpty { sources[item.slot] = read }
    }
    sourcesOfLet = sources
    lets = Set(sources.keys)
  }

  /// Whether `expr` reads personal data.
  public func isPersonal(_ expr: CheckedExpr) -> Bool { !sources(of: expr).isEmpty }

  /// The slots of the personal inputs `expr` reads, directly or through lets.
  public func sources(of expr: CheckedExpr) -> Set<Int> {
    Self.sources(of: expr, inputs: inputs, lets: sourcesOfLet)
  }

  private static func sources(of expr: CheckedExpr, inputs: Set<Int>, lets: [Int: Set<Int>]) -> Set<Int> {
    var found: Set<Int> = []
    expr.visit { node in
      switch node.kind {
      case .input(let slot): if inputs.contains(slot) { found.insert(slot) }
      case .letValue(let slot): found.formUnion(lets[slot] ?? [])
      default: break
      }
    }
    return found
  }
}

extension CheckedExpr {
  /// Calls `body` on this expression and every expression inside it.
  func visit(_ body: (CheckedExpr) -> Void) {
    body(self)
    switch kind {
    case .constant, .input, .letValue, .asOf, .score, .tier, .invalid:
      break
    case .negate(let operand), .not(let operand), .isMissing(let operand, _):
      operand.visit(body)
    case .arithmetic(_, let left, let right), .comparison(_, let left, let right), .and(let left, let right),
      .or(let left, let right), .coalesce(let left, let right), .membership(let left, let right, _),
      .index(let left, let right):
      left.visit(body)
      right.visit(body)
    case .between(let value, let low, let high, _):
      value.visit(body)
      low.visit(body)
      high.visit(body)
    case .call(_, let arguments), .list(let arguments):
      for argument in arguments { argument.visit(body) }
    case .conditional(let condition, let then, let otherwise):
      condition.visit(body)
      then.visit(body)
      otherwise.visit(body)
    }
  }
}
