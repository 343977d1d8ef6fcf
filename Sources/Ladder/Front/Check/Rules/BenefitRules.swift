/// Benefits per tier. Every set names a real tier, `inherits` forms no cycle (L0407, L0408),
/// one benefit keeps one kind of value everywhere (L0409), and — fairness — a service time that
/// every other tier gets is not withheld from one tier (L0410).
extension CheckRun {
  mutating func checkBenefits(tiers: [CheckedTier]) -> [[ResolvedBenefit]] {
    let tierIDs = tiers.map(\.id)
    var sets: [String: BenefitSetSyntax] = [:]
    for set in syntax.benefits {
      if let parent = set.inherits, !tierIDs.contains(parent.value),
        !syntax.tiers.contains(where: { $0.id?.value == parent.value })
      {
        report(
          Diagnostic(
            .unknownTier, "tier '\(set.tier.value)' inherits from unknown tier '\(parent.value)'",
            at: parent.span,
            help: Suggestions.help(for: parent.value, candidates: tierIDs, kind: "the tiers")))
      }
      guard tierIDs.contains(set.tier.value) else {
        if syntax.tiers.contains(where: { $0.id?.value == set.tier.value }) { continue }
        report(
          Diagnostic(
            .unknownTier, "benefits for unknown tier '\(set.tier.value)'", at: set.tier.span,
            help: Suggestions.help(for: set.tier.value, candidates: tierIDs, kind: "the tiers")))
        continue
      }
      sets[set.tier.value] = set
    }

    // Inheritance chains, each cycle reported once, at the set that closes it.
    var inCycle: Set<String> = []
    for id in tierIDs {
      var chain = [id]
      var current = id
      while let parent = sets[current]?.inherits?.value, sets[parent] != nil || tierIDs.contains(parent) {
        if let start = chain.firstIndex(of: parent) {
          let cycle = Array(chain[start...])
          if cycle.contains(where: inCycle.contains) { break }
          inCycle.formUnion(cycle)
          let path = (cycle + [parent]).map { "'\($0)'" }.joined(separator: " → ")
          if let span = sets[cycle[cycle.count - 1]]?.inherits?.span {
            report(
              Diagnostic(
                .inheritanceCycle, "benefits inherit in a cycle: \(path)", at: span,
                help: "inherit from a lower tier only, so that the chain ends"))
          }
          break
        }
        chain.append(parent)
        current = parent
      }
    }

    // Kinds: the first kind seen for a benefit is the one every other set must use.
    var kinds: [String: (kind: String, span: SourceSpan, tier: String)] = [:]
    for set in syntax.benefits {
      for entry in set.entries {
        let kind = entry.value.value.kind
        if let first = kinds[entry.name.value] {
          if first.kind != kind {
            report(
              Diagnostic(
                .benefitTypeConflict,
                "benefit '\(entry.name.value)' is \(Self.article(kind)) here but \(Self.article(first.kind)) for tier '\(first.tier)'",
                at: entry.value.span,
                notes: [Diagnostic.Note("first given as \(Self.article(first.kind)) here", at: first.span)],
                help:
                  "give '\(entry.name.value)' the same kind of value in every tier (e.g. durations like '24h')"
              ))
          }
        } else {
          kinds[entry.name.value] = (kind, entry.value.span, set.tier.value)
        }
      }
    }

    // Resolve: a tier's benefits are its parent's, overridden by its own.
    var resolvedByTier: [String: [ResolvedBenefit]] = [:]
    func resolve(_ id: String, depth: Int) -> [ResolvedBenefit] {
      if let done = resolvedByTier[id] { return done }
      guard let set = sets[id], depth < 64 else { return [] }
      var result: [ResolvedBenefit] = []
      if let parent = set.inherits?.value, !inCycle.contains(id) {
        result = resolve(parent, depth: depth + 1)
      }
      for entry in set.entries {
        let benefit = ResolvedBenefit(
          name: entry.name.value, value: entry.value.value, span: entry.value.span, declaredBy: id)
        if let index = result.firstIndex(where: { $0.name == entry.name.value }) {
          result[index] = benefit
        } else {
          result.append(benefit)
        }
      }
      resolvedByTier[id] = result
      return result
    }
    let resolved = tierIDs.map { resolve($0, depth: 0) }

    checkBaseService(tiers: tiers, resolved: resolved, sets: sets)
    return resolved
  }

  /// Fairness: a duration benefit (a response or resolution time) that every other tier has.
  private mutating func checkBaseService(
    tiers: [CheckedTier], resolved: [[ResolvedBenefit]], sets: [String: BenefitSetSyntax]
  ) {
    guard tiers.count >= 2, syntax.sectionSpans["benefits"] != nil else { return }
    var names: [String] = []
    for benefits in resolved {
      for benefit in benefits where !names.contains(benefit.name) {
        if case .duration = benefit.value { names.append(benefit.name) }
      }
    }
    for name in names {
      let lacking = tiers.indices.filter { index in !resolved[index].contains { $0.name == name } }
      guard lacking.count == 1, let index = lacking.first else { continue }
      let tier = tiers[index]
      let otherIDs = tiers.indices.filter { $0 != index }.map { "'\(tiers[$0].id)'" }
      let others = otherIDs.joined(separator: ", ") + (otherIDs.count == 1 ? " has" : " have")
      report(
        Diagnostic(
          .missingBaseService, "tier '\(tier.id)' has no '\(name)', which every other tier gets",
          at: sets[tier.id]?.tier.span ?? tier.span, label: "no '\(name)'",
          help:
            "fairness: every tier gets a defined base service; give '\(tier.id)' a '\(name)' too (\(others) one)"
        ))
    }
  }

  static func article(_ word: String) -> String {
    guard let first = word.unicodeScalars.first else { return word }
    return ("aeiou".unicodeScalars.contains(first) ? "an " : "a ") + word
  }

  // MARK: - Review

  mutating func checkReview(tiers: [CheckedTier], scope: Scope, inputs: [InputField]) -> CheckedReview {
    var intervals: [LadderDuration?] = Array(repeating: nil, count: tiers.count)
    guard let review = syntax.review else {
      return CheckedReview(intervals: intervals, lastReviewInput: nil, triggers: [])
    }
    let ids = tiers.map(\.id)
    var fallback: LadderDuration?
    for (tier, interval) in review.every {
      if tier.value == "otherwise" {
        fallback = interval.value
      } else if let index = ids.firstIndex(of: tier.value) {
        intervals[index] = interval.value
      } else if !syntax.tiers.contains(where: { $0.id?.value == tier.value }) {
        report(
          Diagnostic(
            .unknownTier, "review cadence for unknown tier '\(tier.value)'", at: tier.span,
            help: Suggestions.help(for: tier.value, candidates: ids + ["otherwise"], kind: "the tiers")))
      }
    }
    if review.everySpan != nil {
      let missing = ids.indices.filter { intervals[$0] == nil }
      if let fallback {
        for index in missing { intervals[index] = fallback }
      } else if !missing.isEmpty {
        report(
          Diagnostic(
            .missingReviewCadence,
            "no review cadence for tier\(missing.count == 1 ? "" : "s") \(missing.map { "'\(ids[$0])'" }.joined(separator: ", "))",
            at: review.everySpan, help: "add a cadence for each tier, or 'otherwise: 6 months' for the rest"))
      }
    }
    var lastReviewInput: Int?
    if let name = review.lastReview {
      if let field = inputs.first(where: { $0.name == name.value }) {
        if field.type == .date {
          lastReviewInput = field.slot
        } else {
          report(
            Diagnostic(
              .typeMismatch,
              "'last_review' must name a date input, but '\(name.value)' is \(field.type.withArticle)",
              at: name.span))
        }
      } else {
        report(
          Diagnostic(
            .unknownName, "unknown input '\(name.value)'", at: name.span,
            label: "not a field of record '\(recordName)'",
            help: Suggestions.help(
              for: name.value, candidates: inputs.filter { $0.type == .date }.map(\.name),
              kind: "the date inputs")))
      }
    }
    var triggers: [CheckedTrigger] = []
    var seen: [String: SourceSpan] = [:]
    for trigger in review.triggers {
      guard let id = trigger.id else { continue }
      if let first = seen[id.value] {
        report(duplicate("trigger", id.value, id.span, first))
        continue
      }
      seen[id.value] = id.span
      guard let when = trigger.when else { continue }
      var checker = ExpressionChecker(scope: scope)
      let condition = checker.checkCondition(when, what: "condition of trigger '\(id.value)'")
      diagnostics.append(contentsOf: checker.diagnostics)
      guard let action = trigger.action, let because = trigger.because else { continue }
      triggers.append(
        CheckedTrigger(
          id: id.value, span: id.span, condition: condition, action: action.value, reason: because.value))
    }
    return CheckedReview(intervals: intervals, lastReviewInput: lastReviewInput, triggers: triggers)
  }
}
