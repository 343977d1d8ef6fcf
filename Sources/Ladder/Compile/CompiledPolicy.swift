import Crypto
import Foundation

/// A checked policy lowered for evaluation: immutable, `Sendable`, shareable between threads.
///
/// Every name is a slot, every constant is converted, every benefit set is resolved. Evaluating
/// a record reads no YAML and looks nothing up by name.
public final class CompiledPolicy: Sendable {
  public let checked: CheckedPolicy
  /// The path the policy was loaded from, as the user named it.
  public let path: String
  /// SHA-256 of the policy file's bytes, followed by those of the calendar files it names (in
  /// the order named), lower-case hex.
  public let sha256: String
  /// The policy file, for the locations in traces.
  public let source: SourceFile
  /// `path:line:col` of every span a trace names, computed once: traces name them for every record.
  let locations: [SourceSpan: String]

  struct Let: Sendable {
    let slot: Int
    let name: String
    let span: SourceSpan
    let type: LadderType
    let compute: CompiledExpression
    /// Computed from personal data: shown as `***`.
    let isPersonal: Bool
  }

  struct Band: Sendable {
    let comparison: BinaryOperator?
    let bound: Value?
    let points: FixedDecimal
    let text: String
    let span: SourceSpan
  }

  struct Component: Sendable {
    let name: String
    let weight: FixedDecimal
    let value: CompiledExpression?
    let valueType: ValueType?
    /// The value the bands apply to is computed from personal data: shown as `***`.
    let valueIsPersonal: Bool
    let bands: [Band]
    let points: CompiledExpression?
    let pointsText: String?
    /// For points written as an if-chain: each branch's condition, in order, so that a trace can
    /// say which branch applied (the last branch, `else`, has none).
    var branches: [(condition: CompiledExpression, text: String)] = []
  }

  struct Tier: Sendable {
    let id: String
    let label: String
    let condition: CompiledExpression?
    let conditionText: String?
    let span: SourceSpan
    let atoms: [ConditionAtom]
  }

  struct Trigger: Sendable {
    let id: String
    let action: TriggerAction
    let reason: String
    let condition: CompiledExpression
    let conditionText: String
    let span: SourceSpan
    let atoms: [ConditionAtom]
  }

  let lets: [Let]
  let components: [Component]
  let scoreDecimals: Int
  let scoreRounding: FixedDecimal.RoundingMode
  let tiers: [Tier]
  let triggers: [Trigger]
  /// The `service_levels:` targets, in the order written.
  let serviceTargets: [ServiceTarget]
  /// The population functions of the policy; empty for a policy that evaluates record by record.
  public let populationSites: [PopulationSite]
  /// The fields of its decisions in JSON Lines, and in CSV without and with the `error` column.
  public let jsonLinesLayout: DecisionLayout
  let csvLayouts: (plain: DecisionLayout, withErrors: DecisionLayout)
  /// What ``review(tierIndex:lastReview:triggered:asOf:)`` reads of `checked.review`, taken out
  /// once: read through `checked` for every decision, its arrays were retained and released each
  /// time (3% of a compact trace's time).
  private let reviewIntervals: [LadderDuration?]
  private let reviewHasTriggers: Bool
  private let reviewTracksLastReview: Bool

  /// The columns of its decisions in CSV.
  public func csvLayout(withErrors: Bool) -> DecisionLayout {
    withErrors ? csvLayouts.withErrors : csvLayouts.plain
  }

  /// The conditions of an if-chain (`if a then x else if b then y else z`: `a`, `b`); none for
  /// any other expression. A trace says which branch applied: the first whose condition holds.
  static func ifChainConditions(_ expr: CheckedExpr) -> [CheckedExpr] {
    guard case .conditional(let condition, _, let otherwise) = expr.kind else { return [] }
    return [condition] + ifChainConditions(otherwise)
  }

  /// ``ifChainConditions(_:)``, each compiled on its own, with its text.
  static func branches(of expr: CheckedExpr, registry: PopulationRegistry)
    -> [(condition: CompiledExpression, text: String)]
  {
    ifChainConditions(expr).map { condition in
      (
        ExpressionCompiler.compile(condition, registry: registry),
        ExprPrinter.print(condition.syntax.ungrouped)
      )
    }
  }

  /// Compiles a checked policy read from `source`.
  public init(_ policy: CheckedPolicy, source: SourceFile) {
    checked = policy
    self.source = source
    reviewIntervals = policy.review.intervals
    reviewHasTriggers = !policy.review.triggers.isEmpty
    reviewTracksLastReview = policy.review.lastReviewInput != nil
    jsonLinesLayout = .jsonLines(policy)
    csvLayouts = (.csv(policy, withErrors: false), .csv(policy, withErrors: true))
    let personal = PersonalData(policy)
    let registry = PopulationRegistry(personal: personal)
    self.path = source.path
    // The policy's bytes, then each calendar file it names: a changed holiday list is a
    // changed policy.
    var hashed = source.bytes
    for file in policy.includedFiles { hashed += file.bytes }
    sha256 = SHA256.hash(data: hashed).map { byte in
      let hex = String(byte, radix: 16)
      return byte < 16 ? "0" + hex : hex
    }.joined()
    serviceTargets = (policy.serviceLevels?.targets ?? []).map { target in
      ServiceTarget(
        name: target.name, label: target.label,
        condition: target.condition.map { ExpressionCompiler.compile($0, registry: registry) },
        from: ExpressionCompiler.compile(target.from, registry: registry),
        within: ExpressionCompiler.compile(target.within, registry: registry),
        calendar: ExpressionCompiler.compile(target.calendar, registry: registry),
        metAt: target.metAt.map { ExpressionCompiler.compile($0, registry: registry) }, atRisk: target.atRisk,
        span: target.span)
    }
    lets = policy.lets.map { item in
      Let(
        slot: item.slot, name: item.name, span: item.span, type: item.expression.type,
        compute: ExpressionCompiler.compile(item.expression, registry: registry),
        isPersonal: personal.lets.contains(item.slot))
    }
    components =
      policy.score?.components.map { component in
        switch component.points {
        case .bands(let value, let bands):
          return Component(
            name: component.name, weight: component.weight,
            value: ExpressionCompiler.compile(value, registry: registry),
            valueType: value.type.value, valueIsPersonal: personal.isPersonal(value),
            bands: bands.map {
              Band(
                comparison: $0.comparison, bound: $0.bound, points: $0.points, text: $0.text, span: $0.span)
            }, points: nil, pointsText: nil)
        case .expression(let points):
          return Component(
            name: component.name, weight: component.weight, value: nil, valueType: nil,
            valueIsPersonal: false,
            bands: [],
            points: ExpressionCompiler.compile(points, registry: registry),
            pointsText: ExprPrinter.print(points.syntax),
            branches: Self.branches(of: points, registry: registry))
        }
      } ?? []
    scoreDecimals = policy.score?.decimals ?? 2
    scoreRounding = policy.score?.rounding ?? .halfUp
    tiers = policy.tiers.map { tier in
      Tier(
        id: tier.id, label: tier.label,
        condition: tier.condition.map({ ExpressionCompiler.compile($0, registry: registry) }),
        conditionText: tier.condition.map { ExprPrinter.print($0.syntax) }, span: tier.span,
        atoms: tier.condition.map { ConditionAtom.atoms($0, personal: personal, registry: registry) } ?? [])
    }
    triggers = policy.review.triggers.map { trigger in
      Trigger(
        id: trigger.id, action: trigger.action, reason: trigger.reason,
        condition: ExpressionCompiler.compile(trigger.condition, registry: registry),
        conditionText: ExprPrinter.print(trigger.condition.syntax),
        span: trigger.span,
        atoms: ConditionAtom.atoms(trigger.condition, personal: personal, registry: registry))
    }
    populationSites = registry.sites
    var spans = lets.map(\.span) + tiers.map(\.span) + triggers.map(\.span)
    spans += components.flatMap { $0.bands.map(\.span) }
    spans += policy.benefits.flatMap { $0.map(\.span) }
    var locations: [SourceSpan: String] = [:]
    for span in spans { locations[span] = Self.describe(span, in: source) }
    self.locations = locations
  }

  public var id: String { checked.id }
  public var version: String { checked.version }
  public var inputs: [InputField] { checked.inputs }
  public var hasScore: Bool { checked.score != nil }

  /// A frame sized for this policy, to be reused across records by one worker.
  public func makeFrame(asOf: CivilDate) -> EvaluationFrame {
    let frame = EvaluationFrame(inputCount: checked.inputs.count, letCount: checked.lets.count, asOf: asOf)
    frame.clock = clock(asOf: asOf)
    return frame
  }

  /// The moment service clocks are read at: the time `--as-of` gives, or the start of the as-of
  /// date in the policy's time zone (UTC without one).
  public func clock(asOf: CivilDate) -> LadderInstant {
    if let time = checked.outputOptions.asOfTime, time.localDate == asOf { return time }
    let midnight = Int64(asOf.daysSinceEpoch) * LadderInstant.millisecondsPerDay
    return LadderInstant.resolve(
      localMilliseconds: midnight, in: checked.timeZone ?? .gmt)
      ?? LadderInstant(milliseconds: midnight, offsetSeconds: 0)
  }

  // MARK: - Evaluation

  /// Evaluates one record whose input values are already in `frame.inputs`.
  ///
  /// - Parameter trace: also build the explanation (costs nothing when `false`).
  /// - Throws: ``EvaluationError`` when the policy's arithmetic fails on this record.
  public func evaluate(_ frame: EvaluationFrame, trace: Bool = false) throws(EvaluationError) -> Decision {
    for item in lets { frame.lets[item.slot] = try item.compute(frame) }

    var results: [ComponentResult] = []
    var score: FixedDecimal?
    if hasScore {
      var total = FixedDecimal.zero
      results.reserveCapacity(components.count)
      for component in components {
        let result = try evaluate(component, frame)
        do {
          total = try total.adding(result.contribution)
        } catch {
          throw EvaluationError(
            "the score is too large",
            at: checked.score?.span ?? SourceSpan(file: checked.file, start: 0, end: 0))
        }
        results.append(result)
      }
      let rounded = total.rounded(to: scoreDecimals, scoreRounding).withScale(scoreDecimals)
      score = rounded
      frame.score = .number(rounded)
    } else {
      frame.score = .missing
    }

    var assigned: AssignedTier?
    var tried = 0
    for (index, tier) in tiers.enumerated() {
      tried = index + 1
      guard let condition = tier.condition else {
        assigned = AssignedTier(index: index, id: tier.id, label: tier.label)
        break
      }
      if try condition(frame) == .bool(true) {
        assigned = AssignedTier(index: index, id: tier.id, label: tier.label)
        break
      }
    }
    frame.tier = assigned.map { .string($0.id) } ?? .missing

    var fired: [FiredTrigger] = []
    for trigger in triggers where try trigger.condition(frame) == .bool(true) {
      fired.append(FiredTrigger(id: trigger.id, action: trigger.action, reason: trigger.reason))
    }

    let review = reviewResult(tier: assigned, frame: frame, fired: fired)
    let benefits = assigned.map { checked.benefits[$0.index] } ?? []
    var decision = Decision(
      key: keyText(frame), tier: assigned, score: score, components: results, benefits: benefits,
      firedTriggers: fired,
      review: review, trace: nil)
    if !checked.outputs.isEmpty {
      decision.outputs = checked.outputs.map { column in
        switch column.source {
        case .input(let slot): frame.inputs[slot]
        case .letValue(let slot): frame.lets[slot]
        }
      }
    }
    if !serviceTargets.isEmpty { decision.serviceLevels = try serviceLevels(frame, explain: trace) }
    if trace {
      decision.trace = try makeTrace(decision, frame: frame, tiersTried: tried)
    }
    return decision
  }

  private func evaluate(_ component: Component, _ frame: EvaluationFrame) throws(EvaluationError)
    -> ComponentResult
  {
    var points = FixedDecimal.zero
    var value: Value?
    var matched: Band?
    if let compute = component.value {
      let subject = try compute(frame)
      value = subject
      for band in component.bands {
        guard let comparison = band.comparison, let bound = band.bound else {
          matched = band
          break
        }
        if ValueOperations.comparison(comparison, subject, bound) == .bool(true) {
          matched = band
          break
        }
      }
      points = matched?.points ?? .zero
    } else if let compute = component.points, case .number(let computed) = try compute(frame) {
      points = computed
    }
    let contribution: FixedDecimal
    do {
      contribution = try component.weight.multiplied(by: points)
    } catch {
      throw EvaluationError(
        "the points of '\(component.name)' are too large",
        at: matched?.span ?? checked.score?.span ?? SourceSpan(file: checked.file, start: 0, end: 0))
    }
    return ComponentResult(
      name: component.name, value: value, pointsExpression: component.pointsText,
      valueType: component.valueType,
      band: matched?.text, bandSpan: matched?.span,
      points: points, weight: component.weight, contribution: contribution)
  }

  private func reviewResult(tier: AssignedTier?, frame: EvaluationFrame, fired: [FiredTrigger])
    -> ReviewResult?
  {
    var last: CivilDate?
    if let slot = checked.review.lastReviewInput, case .date(let date) = frame.inputs[slot] { last = date }
    return review(
      tierIndex: tier?.index, lastReview: last, triggered: fired.contains { $0.action == .reviewNow },
      asOf: frame.asOf)
  }

  /// The review of a record in tier `tierIndex` last reviewed on `lastReview`; `nil` when the
  /// policy has nothing to say about reviews there. One rule for the row and columnar paths.
  func review(tierIndex: Int?, lastReview last: CivilDate?, triggered: Bool, asOf: CivilDate) -> ReviewResult?
  {
    let interval = tierIndex.flatMap { reviewIntervals[$0] }
    guard interval != nil || triggered || reviewHasTriggers else { return nil }
    var next: CivilDate?
    if let interval, let last { next = last.adding(interval) }
    let neverReviewed = reviewTracksLastReview && last == nil && interval != nil
    let due = triggered || neverReviewed || (next.map { $0 <= asOf } ?? false)
    return ReviewResult(interval: interval, lastReview: last, nextReview: next, isDue: due)
  }

  func keyText(_ frame: EvaluationFrame) -> String {
    switch frame.inputs[checked.keyInput] {
    case .string(let text): text
    case .number(let number): number.description
    default: ""
    }
  }
}
