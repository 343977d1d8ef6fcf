/// Population functions (`percentile`, `ntile`, `rank`, `top_percent`, `abc_class`) take their
/// value from the whole input, in a statistics pass before the per-record pass. Their argument
/// must therefore be computable per record: it may not contain a population function, nor use a
/// let or the score that does (L0310).
extension CheckRun {
  static func populationCalls(in expr: Expr) -> [Expr] {
    var calls: [Expr] = []
    expr.visit { node in
      if case .call(let name, _, _) = node.kind, Builtin.named(name)?.isPopulation == true {
        calls.append(node)
      }
    }
    return calls
  }

  mutating func checkPopulationDependencies() {
    // Lets that need population values, directly or through other lets.
    var populationLets: Set<String> = []
    var changed = true
    while changed {
      changed = false
      for item in syntax.lets where !populationLets.contains(item.name.value) {
        let direct = !Self.populationCalls(in: item.expression).isEmpty
        let indirect = item.expression.referencedNames.contains { populationLets.contains($0.name) }
        if direct || indirect {
          populationLets.insert(item.name.value)
          changed = true
        }
      }
    }
    var componentExpressions: [Expr] = []
    for component in syntax.score?.components ?? [] {
      componentExpressions += [component.of, component.points].compactMap { $0 }
    }
    let scoreUsesPopulation = componentExpressions.contains { expr in
      !Self.populationCalls(in: expr).isEmpty
        || expr.referencedNames.contains { populationLets.contains($0.name) }
    }

    var all: [Expr] = syntax.lets.map(\.expression) + componentExpressions + syntax.tiers.compactMap(\.when)
    all += syntax.review?.triggers.compactMap(\.when) ?? []
    for expression in all {
      for call in Self.populationCalls(in: expression) {
        guard case .call(let name, _, let arguments) = call.kind, let argument = arguments.first else {
          continue
        }
        if let inner = Self.populationCalls(in: argument).first {
          report(
            Diagnostic(
              .populationDependency, "'\(name)' cannot be applied to another population function",
              at: inner.span,
              help:
                "population values are computed from per-record values; compute the inner one in a let and use it elsewhere"
            ))
        }
        for reference in argument.referencedNames {
          if populationLets.contains(reference.name) {
            report(
              Diagnostic(
                .populationDependency,
                "'\(name)' is applied to '\(reference.name)', which itself depends on the whole population",
                at: reference.span, help: "apply population functions to values computed per record"))
          } else if reference.name == "score" && scoreUsesPopulation {
            report(
              Diagnostic(
                .populationDependency,
                "'\(name)(score)' needs the score, which itself uses a population function",
                at: reference.span,
                help: "a score built from percentiles cannot be ranked again in the same policy"))
          }
        }
      }
    }
  }
}
