/// A compiled expression: a closure over an ``EvaluationFrame``, with names resolved to slots
/// and constants converted once, at compile time.
public typealias CompiledExpression = @Sendable (EvaluationFrame) throws(EvaluationError) -> Value

/// Lowers checked expressions to closures. Runs once per policy; nothing here looks at names
/// or YAML again.
enum ExpressionCompiler {
  static func compile(_ expr: CheckedExpr, registry: PopulationRegistry? = nil) -> CompiledExpression {
    let span = expr.span
    let compile = { (inner: CheckedExpr) in Self.compile(inner, registry: registry) }
    switch expr.kind {
    case .call(let builtin, let arguments) where builtin.isPopulation:
      guard let registry, let function = builtin.population else { return { _ in .missing } }
      let site = registry.site(for: expr, function, arguments)
      return { frame in site < frame.population.count ? frame.population[site] : .missing }
    case .constant(let value):
      return { _ in value }
    case .invalid:
      // The checker never lets an invalid expression through; treat one as missing.
      return { _ in .missing }
    case .input(let slot):
      return { frame in frame.inputs[slot] }
    case .letValue(let slot):
      return { frame in frame.lets[slot] }
    case .asOf:
      return { frame in .date(frame.asOf) }
    case .score:
      return { frame in frame.score }
    case .tier:
      return { frame in frame.tier }
    case .call(let builtin, let arguments):
      let compiled = arguments.map { compile($0) }
      return { frame throws(EvaluationError) in
        var values: [Value] = []
        values.reserveCapacity(compiled.count)
        for argument in compiled { values.append(try argument(frame)) }
        return try ValueOperations.call(builtin, values, asOf: frame.asOf, at: span)
      }
    case .index(let base, let position):
      let list = compile(base)
      let index = compile(position)
      return { frame throws(EvaluationError) in ValueOperations.index(try list(frame), try index(frame)) }
    case .list(let elements):
      if elements.allSatisfy({ $0.constantValue != nil }) {
        let constant = Value.list(elements.compactMap(\.constantValue))
        return { _ in constant }
      }
      let compiled = elements.map { compile($0) }
      return { frame throws(EvaluationError) in
        var values: [Value] = []
        for element in compiled { values.append(try element(frame)) }
        return .list(values)
      }
    default:
      // An operator: its entry in Builtins/Operators.swift builds the closure.
      guard let (op, operands) = expr.kind.operation else { return { _ in .missing } }
      return op.scalar(OperatorScalar(operands: operands.map(compile), checked: operands, span: span))
    }
  }
}
