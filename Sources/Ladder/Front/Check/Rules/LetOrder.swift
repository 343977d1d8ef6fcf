/// Lets may be written in any order; they are evaluated in dependency order. A cycle
/// (`a` uses `b`, `b` uses `a`) has no order and is reported with its path (L0402), because a
/// value that depends on itself has no meaning.
extension CheckRun {
  mutating func checkLets(scope: inout Scope) -> [CheckedLet] {
    var byName: [String: LetSyntax] = [:]
    var order: [String] = []
    for item in syntax.lets {
      let name = item.name.value
      if let first = byName[name] {
        report(duplicate("let", name, item.name.span, first.name.span))
        continue
      }
      if let input = scope.inputs[name] {
        report(duplicate("name", name, item.name.span, input.span))
        continue
      }
      if isReserved(item.name, kind: "a let") { continue }
      byName[name] = item
      order.append(name)
    }
    let dependencies = Dictionary(
      uniqueKeysWithValues: order.map { name in
        (name, (byName[name]?.expression.referencedNames ?? []).map(\.name).filter { byName[$0] != nil })
      })

    // Depth-first search in declaration order: lets come out after everything they use.
    enum Mark { case visiting, done }
    var marks: [String: Mark] = [:]
    var sorted: [String] = []
    var inCycle: Set<String> = []
    var stack: [String] = []
    func visit(_ name: String, _ run: inout CheckRun) {
      if marks[name] == .done { return }
      if marks[name] == .visiting {
        guard let start = stack.firstIndex(of: name) else { return }
        let cycle = Array(stack[start...])
        if cycle.contains(where: inCycle.contains) { return }
        inCycle.formUnion(cycle)
        let path = (cycle + [name]).map { "'\($0)'" }.joined(separator: " → ")
        guard let first = byName[cycle[0]] else { return }
        let notes = cycle.dropFirst().compactMap { member in
          byName[member].map { Diagnostic.Note("'\(member)' is part of the cycle", at: $0.name.span) }
        }
        run.report(
          Diagnostic(
            .cyclicLet, "let '\(cycle[0])' depends on itself: \(path)", at: first.name.span, notes: notes,
            help: "a let may use inputs and other lets, but not itself through any chain; break the cycle"))
        return
      }
      marks[name] = .visiting
      stack.append(name)
      for dependency in dependencies[name] ?? [] { visit(dependency, &run) }
      stack.removeLast()
      marks[name] = .done
      sorted.append(name)
    }
    for name in order { visit(name, &self) }

    scope.untypedLets = inCycle
    var checked: [CheckedLet] = []
    for name in sorted where !inCycle.contains(name) {
      guard let item = byName[name] else { continue }
      var checker = ExpressionChecker(scope: scope)
      let expression = checker.check(item.expression)
      diagnostics.append(contentsOf: checker.diagnostics)
      if expression.type.value.isUnknown {
        scope.untypedLets.insert(name)
        continue
      }
      let slot = checked.count
      scope.lets[name] = (slot, expression.type)
      checked.append(CheckedLet(slot: slot, name: name, span: item.name.span, expression: expression))
    }
    return checked
  }
}
