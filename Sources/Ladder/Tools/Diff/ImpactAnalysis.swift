/// What a policy change does to real records: who moves from which tier to which, and who gains
/// or loses which entitlements.
public struct ImpactReport: Sendable {
  public struct Move: Sendable, Hashable {
    public var key: String
    public var line: Int
    public var from: String?
    public var to: String?
    public var isDowngrade: Bool
    public var reason: String
  }

  public struct BenefitChange: Sendable, Hashable {
    public var benefit: String
    /// Records that had the benefit and no longer do.
    public var lost: Int
    public var gained: Int
    /// Records whose value changed for the better / worse (when the direction is declared) or
    /// just changed.
    public var better: Int
    public var worse: Int
    public var changed: Int
    public var direction: EntitlementDirection?
  }

  public var asOf: CivilDate
  /// Tier ids in display order: the new policy's, then ones only the old policy has, then `none`.
  public var tiers: [String]
  /// counts[from][to], `"none"` for no tier.
  public var matrix: [String: [String: Int]]
  public var evaluated: Int
  /// Records that either version rejected (not compared).
  public var rejected: Int
  public var moves: [Move]
  public var benefits: [BenefitChange]

  public var movedCount: Int { moves.count }
  public var downgradedCount: Int { moves.filter(\.isDowngrade).count }
}

public enum ImpactAnalysis {
  /// Evaluates the records with both versions and compares the decisions.
  public static func analyze(
    old: CompiledPolicy, new: CompiledPolicy, bytes: [UInt8], format: RecordFormat, asOf: CivilDate
  ) throws(CSVRecordReader.HeaderError) -> ImpactReport {
    var before: [RecordOutcome] = []
    var after: [RecordOutcome] = []
    try BatchEvaluator(policy: old, asOf: asOf).evaluate(bytes: bytes, format: format) { before.append($0) }
    let newEvaluator = BatchEvaluator(policy: new, asOf: asOf)
    let newReads = try newEvaluator.readAll(bytes: bytes, format: format)
    newEvaluator.evaluate(reads: newReads) { after.append($0) }
    let traced = tracedDecisions(of: new, reads: newReads, asOf: asOf, before: before, after: after)

    var tiers = new.checked.tiers.map(\.id)
    for tier in old.checked.tiers where !tiers.contains(tier.id) { tiers.append(tier.id) }
    tiers.append("none")
    var matrix: [String: [String: Int]] = [:]
    var moves: [ImpactReport.Move] = []
    var evaluated = 0
    var rejected = 0
    let directions = new.checked.entitlementDirections.merging(old.checked.entitlementDirections) { mine, _ in
      mine
    }
    var benefitChanges: [String: ImpactReport.BenefitChange] = [:]

    for (index, (a, b)) in zip(before, after).enumerated() {
      guard case .decided(let line, let oldDecision) = a, case .decided(_, let newDecision) = b else {
        rejected += 1
        continue
      }
      evaluated += 1
      let from = oldDecision.tier?.id ?? "none"
      let to = newDecision.tier?.id ?? "none"
      matrix[from, default: [:]][to, default: 0] += 1
      if from != to {
        let downgrade = rank(to, in: new, old: old) > rank(from, in: new, old: old)
        moves.append(
          ImpactReport.Move(
            key: newDecision.key, line: line, from: oldDecision.tier?.id, to: newDecision.tier?.id,
            isDowngrade: downgrade,
            reason: reason(from: oldDecision, to: traced[index] ?? newDecision, downgrade: downgrade)))
      }
      var names = oldDecision.benefits.map(\.name)
      for benefit in newDecision.benefits where !names.contains(benefit.name) { names.append(benefit.name) }
      for name in names {
        let x = oldDecision.benefits.first { $0.name == name }?.value
        let y = newDecision.benefits.first { $0.name == name }?.value
        guard x != y else { continue }
        var change =
          benefitChanges[name]
          ?? ImpactReport.BenefitChange(
            benefit: name, lost: 0, gained: 0, better: 0, worse: 0, changed: 0, direction: directions[name])
        switch (x, y) {
        case (_?, nil): change.lost += 1
        case (nil, _?): change.gained += 1
        case (let x?, let y?):
          if let direction = directions[name], let order = BenefitValue.order(y, x), order != 0 {
            let improved = direction == .lower ? order < 0 : order > 0
            if improved { change.better += 1 } else { change.worse += 1 }
          } else {
            change.changed += 1
          }
        default: break
        }
        benefitChanges[name] = change
      }
    }
    let benefits = benefitChanges.values.sorted { $0.benefit < $1.benefit }
    return ImpactReport(
      asOf: asOf, tiers: tiers, matrix: matrix, evaluated: evaluated, rejected: rejected, moves: moves,
      benefits: benefits)
  }

  /// The new version's decisions, traced, for the records that change tier: their traces give the
  /// reasons. Tracing costs several times plain evaluation, so only those records are traced — except
  /// under a policy with population functions, whose values depend on the whole input.
  static func tracedDecisions(
    of policy: CompiledPolicy, reads: [ReadRecord], asOf: CivilDate, before: [RecordOutcome],
    after: [RecordOutcome]
  ) -> [Int: Decision] {
    let moved = zip(before, after).enumerated().compactMap { index, pair -> Int? in
      guard case .decided(_, let a) = pair.0, case .decided(_, let b) = pair.1, a.tier?.id != b.tier?.id
      else { return nil }
      return index
    }
    guard !moved.isEmpty else { return [:] }
    let tracer = BatchEvaluator(policy: policy, asOf: asOf, trace: true)
    var traced: [Int: Decision] = [:]
    if policy.populationSites.isEmpty {
      var position = 0
      tracer.evaluate(reads: moved.map { reads[$0] }) { outcome in
        if case .decided(_, let decision) = outcome { traced[moved[position]] = decision }
        position += 1
      }
    } else {
      let wanted = Set(moved)
      var index = 0
      tracer.evaluate(reads: reads) { outcome in
        if wanted.contains(index), case .decided(_, let decision) = outcome { traced[index] = decision }
        index += 1
      }
    }
    return traced
  }

  /// Rank of a tier from the best (``CheckedPolicy/rank(ofTierAt:)``): the new policy's ranking,
  /// then the old one's, `none` last.
  static func rank(_ id: String, in new: CompiledPolicy, old: CompiledPolicy) -> Int {
    if let index = new.checked.tiers.firstIndex(where: { $0.id == id }) {
      return new.checked.rank(ofTierAt: index)
    }
    if let index = old.checked.tiers.firstIndex(where: { $0.id == id }) {
      return old.checked.rank(ofTierAt: index)
    }
    return Int.max
  }

  /// Why a record moved, from the new policy's trace: the conditions that now fail for its old
  /// tier, or that now hold for its new one.
  static func reason(from old: Decision, to new: Decision, downgrade: Bool) -> String {
    var parts: [String] = []
    if let a = old.score, let b = new.score, a != b { parts.append("score \(a) → \(b)") }
    if let trace = new.trace {
      let step =
        downgrade ? trace.tiers.first { $0.id == old.tier?.id } : trace.tiers.first { $0.id == new.tier?.id }
      if let step {
        let deciding = step.conditions.filter { $0.result == (downgrade ? "false" : "true") }
        let verb = downgrade ? "no longer meets" : "now meets"
        if !deciding.isEmpty {
          parts.append(
            "\(verb) \(step.id): " + deciding.map { "\($0.text) (\($0.values))" }.joined(separator: ", "))
        } else if !downgrade {
          parts.append("now \(step.condition ?? "otherwise")")
        }
      }
    }
    return parts.isEmpty ? "tier conditions changed" : parts.joined(separator: "; ")
  }
}
