/// L0419: an input no rule reads, a let nothing uses, an entitlement no tier grants. Dead
/// names mislead whoever maintains the policy: they look as if they decided something.
enum UnusedNames: PolicyLint {
  static let codes: [DiagnosticCode] = [.unusedName]

  static func lint(_ policy: CheckedPolicy, _ context: inout LintContext) {
    var used: Set<String> = []
    var expressions: [Expr] = context.syntax.lets.map(\.expression)
    for component in context.syntax.score?.components ?? [] {
      expressions += [component.of, component.points].compactMap { $0 }
    }
    expressions += context.syntax.tiers.compactMap(\.when)
    expressions += context.syntax.review?.triggers.compactMap(\.when) ?? []
    if let levels = context.syntax.serviceLevels {
      expressions += [levels.calendar].compactMap { $0 }
      for target in levels.targets {
        expressions += [target.when, target.from, target.within, target.calendar, target.metAt].compactMap {
          $0
        }
      }
    }
    for expression in expressions { used.formUnion(expression.referencedNames.map(\.name)) }
    if let lastReview = context.syntax.review?.lastReview { used.insert(lastReview.value) }
    for output in context.syntax.outputs { used.insert(output.value) }
    for input in policy.inputs
    where !used.contains(input.name) && !input.isKey && !input.isPersonal && !input.isInformational {
      context.report(
        Diagnostic(
          .unusedName, "input '\(input.name)' is not used by any rule", at: input.span,
          help: "remove it, or mark it 'informational: true' if it is carried for people reading traces"))
    }
    for item in policy.lets where !used.contains(item.name) {
      context.report(
        Diagnostic(
          .unusedName, "let '\(item.name)' is not used by any rule", at: item.span,
          help: "remove it, or use it in a tier, a component or a trigger"))
    }
    for calendar in context.syntax.calendars where !used.contains(calendar.name.value) {
      context.report(
        Diagnostic(
          .unusedName, "calendar '\(calendar.name.value)' is not used", at: calendar.name.span,
          help: "remove it, or name it in a clock: due(received_at, 8h, in \(calendar.name.value))"))
    }
    let benefitNames = Set(policy.benefits.flatMap { $0.map(\.name) })
    for entitlement in context.syntax.entitlements where !benefitNames.contains(entitlement.name.value) {
      context.report(
        Diagnostic(
          .unusedName, "entitlement '\(entitlement.name.value)' is not a benefit of any tier",
          at: entitlement.name.span,
          help: Suggestions.help(
            for: entitlement.name.value, candidates: benefitNames.sorted(), kind: "the benefits")))
    }
  }
}
