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
    case .negate(let operand):
      let inner = compile(operand)
      return { frame throws(EvaluationError) in
        if case .number(let value) = try inner(frame) { return .number(value.negated) }
        return .missing
      }
    case .not(let operand):
      let inner = compile(operand)
      return { frame throws(EvaluationError) in
        if case .bool(let value) = try inner(frame) { return .bool(!value) }
        return .missing
      }
    case .arithmetic(let op, let lhs, let rhs):
      let left = compile(lhs)
      let right = compile(rhs)
      return { frame throws(EvaluationError) in
        try ValueOperations.arithmetic(op, try left(frame), try right(frame), at: span)
      }
    case .comparison(let op, let lhs, let rhs):
      let left = compile(lhs)
      // A constant right-hand side (the usual threshold) is read once, not per record.
      if let constant = rhs.constantValue {
        return { frame throws(EvaluationError) in ValueOperations.comparison(op, try left(frame), constant) }
      }
      let right = compile(rhs)
      return { frame throws(EvaluationError) in
        ValueOperations.comparison(op, try left(frame), try right(frame))
      }
    case .and(let lhs, let rhs):
      let left = compile(lhs)
      let right = compile(rhs)
      // Three-valued: false wins over missing.
      return { frame throws(EvaluationError) in
        let a = try left(frame)
        if a == .bool(false) { return a }
        let b = try right(frame)
        if b == .bool(false) { return b }
        return a.isMissing || b.isMissing ? .missing : .bool(true)
      }
    case .or(let lhs, let rhs):
      let left = compile(lhs)
      let right = compile(rhs)
      return { frame throws(EvaluationError) in
        let a = try left(frame)
        if a == .bool(true) { return a }
        let b = try right(frame)
        if b == .bool(true) { return b }
        return a.isMissing || b.isMissing ? .missing : .bool(false)
      }
    case .coalesce(let lhs, let rhs):
      let left = compile(lhs)
      let right = compile(rhs)
      return { frame throws(EvaluationError) in
        let value = try left(frame)
        return value.isMissing ? try right(frame) : value
      }
    case .isMissing(let operand, let negated):
      let inner = compile(operand)
      return { frame throws(EvaluationError) in .bool(try inner(frame).isMissing != negated) }
    case .membership(let value, let list, let negated):
      let item = compile(value)
      let items = compile(list)
      return { frame throws(EvaluationError) in
        ValueOperations.membership(try item(frame), in: try items(frame), negated: negated)
      }
    case .between(let value, let low, let high, let negated):
      let item = compile(value)
      let lower = compile(low)
      let upper = compile(high)
      return { frame throws(EvaluationError) in
        let x = try item(frame)
        guard let a = ValueOperations.compare(x, try lower(frame)),
          let b = ValueOperations.compare(x, try upper(frame))
        else { return .missing }
        return .bool((a >= 0 && b <= 0) != negated)
      }
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
    case .conditional(let condition, let then, let otherwise):
      let test = compile(condition)
      let yes = compile(then)
      let no = compile(otherwise)
      return { frame throws(EvaluationError) in
        try test(frame) == .bool(true) ? try yes(frame) : try no(frame)
      }
    }
  }
}
