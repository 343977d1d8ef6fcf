/// The numbers a scheme's owners look at after a run (`../shared/DOMAIN.md`, "What users measure
/// afterwards"): customers per tier, the score's distribution near each threshold, each
/// component's average contribution per tier, triggers per tier, and rejected records by field
/// and reason. Built from the outcomes of one evaluation; rendered by ``TierReportJSON``,
/// ``TierReportMarkdown`` and ``TierReportHTML``, which show the same numbers. Nothing personal
/// is kept: keys and input values are counted, never listed.
public struct TierReport: Sendable, Equatable {
  public struct Identity: Sendable, Equatable {
    public var policy: String
    public var version: String
    public var title: String
    public var sha256: String
    public var asOf: String
  }

  public struct TierCount: Sendable, Equatable {
    /// `nil` for records no tier held (a policy without `otherwise`).
    public var id: String?
    public var label: String
    public var count: Int
  }

  /// Records whose score falls in `lower ..< lower + width` (the last bin includes its upper end).
  public struct ScoreBin: Sendable, Equatable {
    public var lower: FixedDecimal
    public var upper: FixedDecimal
    public var count: Int
  }

  /// A tier's score line (`score >= 90`): its value, and how many records scored within one point
  /// of it on either side (the ones a small change moves across).
  public struct Threshold: Sendable, Equatable {
    public var tier: String
    public var value: FixedDecimal
    public var justBelow: Int
    public var atOrJustAbove: Int
  }

  /// A component's average contribution to the score (weight × points) per tier, in the tiers'
  /// order; `nil` where a tier has no records.
  public struct ComponentAverages: Sendable, Equatable {
    public var name: String
    public var averages: [FixedDecimal?]
  }

  public struct TriggerCounts: Sendable, Equatable {
    public var id: String
    /// Per tier, in the tiers' order.
    public var counts: [Int]
  }

  /// Rejected records with the same field and reason; quoted values in the reason are left out
  /// (`'…' is not a number`), so that records are counted, not shown.
  public struct RejectionCount: Sendable, Equatable {
    public var field: String?
    public var reason: String
    public var count: Int
  }

  public var identity: Identity
  public var read: Int
  public var decided: Int
  public var tiers: [TierCount]
  public var hasScore: Bool
  public var scoreBins: [ScoreBin]
  public var thresholds: [Threshold]
  public var components: [ComponentAverages]
  public var triggers: [TriggerCounts]
  public var rejections: [RejectionCount]
  /// Where the policy's population functions draw their lines (``cutOffs(_:reads:)``); empty
  /// for a policy without them, or until filled.
  public var cutOffs: [CutOffs] = []

  public var rejected: Int { read - decided }
}

extension TierReport {
  /// The report of `outcomes` (every record's, in any order: the numbers do not depend on it).
  public init(policy: CompiledPolicy, asOf: CivilDate, outcomes: [RecordOutcome]) {
    let checked = policy.checked
    identity = Identity(
      policy: policy.id, version: policy.version, title: checked.title, sha256: policy.sha256,
      asOf: checked.outputOptions.asOfTime.map(\.description) ?? asOf.description)
    read = outcomes.count
    var decisions: [Decision] = []
    var rejectionCounts: [RejectionKey: Int] = [:]
    for outcome in outcomes {
      switch outcome {
      case .decided(_, let decision): decisions.append(decision)
      case .rejected(let problem):
        rejectionCounts[
          RejectionKey(field: problem.field, reason: Self.withoutQuotedValues(problem.reason)), default: 0] +=
          1
      }
    }
    decided = decisions.count
    // Tiers in the policy's order, then records no tier held.
    let tierCount = checked.tiers.count
    var perTier = [[Decision]](repeating: [], count: tierCount + 1)
    for decision in decisions { perTier[decision.tier?.index ?? tierCount].append(decision) }
    tiers = checked.tiers.map { TierCount(id: $0.id, label: $0.label, count: perTier[$0.index].count) }
    if !perTier[tierCount].isEmpty {
      tiers.append(TierCount(id: nil, label: "no tier", count: perTier[tierCount].count))
    }
    let scores = decisions.compactMap(\.score)
    hasScore = checked.score != nil
    thresholds = Self.thresholds(policy).map { tier, value in
      let one = FixedDecimal(1)
      let below = (try? value.subtracting(one)) ?? value
      let above = (try? value.adding(one)) ?? value
      return Threshold(
        tier: tier, value: value, justBelow: scores.count { $0 >= below && $0 < value },
        atOrJustAbove: scores.count { $0 >= value && $0 < above })
    }
    scoreBins = Self.bins(scores)
    components = (checked.score?.components ?? []).enumerated().map { index, component in
      ComponentAverages(
        name: component.name,
        averages: checked.tiers.map { tier in
          Self.average(
            perTier[tier.index].compactMap {
              $0.components.indices.contains(index) ? $0.components[index].contribution : nil
            })
        })
    }
    triggers = checked.review.triggers.map { trigger in
      TriggerCounts(
        id: trigger.id,
        counts: checked.tiers.map { tier in
          perTier[tier.index].count { $0.firedTriggers.contains { $0.id == trigger.id } }
        })
    }
    rejections = rejectionCounts.map {
      RejectionCount(field: $0.key.field, reason: $0.key.reason, count: $0.value)
    }
    .sorted { ($1.count, $0.field ?? "", $0.reason) < ($0.count, $1.field ?? "", $1.reason) }
  }

  private struct RejectionKey: Hashable {
    var field: String?
    var reason: String
  }

  /// `'abc' is not a number` → `'…' is not a number`: the value is the record's, not the report's.
  static func withoutQuotedValues(_ reason: String) -> String {
    var result = ""
    var inQuote = false
    for character in reason {
      if character == "'" {
        if !inQuote { result += "'…'" }
        inQuote.toggle()
      } else if !inQuote {
        result.append(character)
      }
    }
    return result
  }

  /// Each tier's least score when its condition is `score >= N` or `score > N` (or includes
  /// such a range in every way it can hold), in the tiers' order.
  static func thresholds(_ policy: CompiledPolicy) -> [(String, FixedDecimal)] {
    policy.checked.tiers.compactMap { tier in
      guard let condition = tier.condition else { return nil }
      let shape = ConditionShape(condition)
      let lowers = shape.disjuncts.compactMap { $0.ranges["score"]?.lower?.value }
      guard lowers.count == shape.disjuncts.count, let least = lowers.min() else { return nil }
      return (tier.id, least)
    }
  }

  /// Ten-point bins from the lowest score's ten down to the highest's (whole points when every
  /// score lies within 20 points), so that a whole-number threshold is a bin edge.
  static func bins(_ scores: [FixedDecimal]) -> [ScoreBin] {
    guard let low = scores.min(), let high = scores.max() else { return [] }
    let span = (try? high.subtracting(low)) ?? FixedDecimal(0)
    let width = FixedDecimal(span <= FixedDecimal(20) ? 1 : 10)
    func floor(_ value: FixedDecimal) -> FixedDecimal {
      guard let steps = try? value.quotient(by: width) else { return value }
      var whole = steps.rounded(to: 0, .down)
      if whole > steps { whole = (try? whole.subtracting(FixedDecimal(1))) ?? whole }
      return (try? whole.multiplied(by: width))?.normalized ?? value
    }
    var bins: [ScoreBin] = []
    var lower = floor(low)
    while lower <= high, bins.count < 1000 {
      guard let upper = try? lower.adding(width) else { break }
      let isLast = upper > high
      bins.append(
        ScoreBin(
          lower: lower, upper: upper,
          count: scores.count { $0 >= lower && ($0 < upper || isLast && $0 <= upper) }))
      lower = upper
    }
    return bins
  }

  /// The mean of `values` to two decimals (half up); `nil` for none.
  static func average(_ values: [FixedDecimal]) -> FixedDecimal? {
    guard !values.isEmpty else { return nil }
    var total = FixedDecimal(0)
    for value in values { total = (try? total.adding(value)) ?? total }
    guard let mean = try? total.divided(by: FixedDecimal(values.count)) else { return nil }
    return mean.rounded(to: 2, .halfUp)
  }
}

// MARK: - Population cut-offs

extension TierReport {
  /// One class a population function puts records in (an ABC letter, an ntile group, the top
  /// share, a side of the average, a tenth of the percentiles): how many records, and the lowest
  /// and highest argument value among them (`***` for a personal argument).
  public struct CutOffClass: Sendable, Equatable {
    public var name: String
    public var count: Int
    public var lowest: String
    public var highest: String
  }

  /// Where one population function draws its lines. `unranked`: the records it could not rank
  /// (their argument is missing).
  public struct CutOffs: Sendable, Equatable {
    public var call: String
    public var classes: [CutOffClass]
    public var unranked: Int
  }

  /// The cut-offs of every population function of the policy but `rank` (which draws no lines),
  /// over `reads`, the records of the run, as the evaluation ranks them.
  public static func cutOffs(_ evaluator: BatchEvaluator, reads: [ReadRecord]) -> [CutOffs] {
    let sites = evaluator.policy.populationSites
    guard !sites.isEmpty else { return [] }
    let pass = evaluator.populationPass(reads, validator: RecordValidator(policy: evaluator.policy))
    let ranked = reads.indices.count { index in
      if case .success = reads[index], pass.problems[index] == nil { return true }
      return false
    }
    return sites.enumerated().compactMap { site, definition in
      guard definition.function != .rank else { return nil }
      // Each class's records' argument values, by the class's place in the function's order.
      var members: [Int: (name: String, values: [FixedDecimal])] = [:]
      for entry in pass.entries[site] {
        guard let (place, name) = Self.cutOffClass(definition, pass.values[site][entry.record]) else {
          continue
        }
        members[place, default: (name, [])].values.append(entry.value)
      }
      let classes = members.keys.sorted().compactMap { place -> CutOffClass? in
        guard let member = members[place], let low = member.values.min(), let high = member.values.max()
        else {
          return nil
        }
        return CutOffClass(
          name: member.name, count: member.values.count, lowest: definition.show(low),
          highest: definition.show(high))
      }
      return CutOffs(call: definition.text, classes: classes, unranked: ranked - pass.entries[site].count)
    }
  }

  /// The class of a population function's value, with its place among the function's classes.
  private static func cutOffClass(_ site: PopulationSite, _ value: Value) -> (Int, String)? {
    switch (site.function, value) {
    case (.abcClass, .string(let letter)), (.averageClass, .string(let letter)):
      return (site.function.classNames?.firstIndex(of: letter) ?? 0, letter)
    case (.topPercent, .bool(let top)):
      return top ? (0, "top") : (1, "rest")
    case (.ntile, .number(let group)):
      let number = Int(group.description) ?? 0
      return (number, "group \(number)")
    case (.percentile, .number(let percentile)):
      // Tenths: 0 to under 10, …, 90 to 100.
      let tenth = min(9, max(0, (Int(percentile.rounded(to: 0, .down).description) ?? 0) / 10))
      return (tenth, "\(tenth * 10)–\(tenth == 9 ? 100 : tenth * 10 + 10)")
    default:
      return nil
    }
  }
}
