/// The outcome of evaluating one record: its tier, score, benefits, triggers and review, and
/// (when asked for) the trace that explains them.
public struct Decision: Sendable {
  /// The record's key, as read.
  public var key: String
  /// The assigned tier, or `nil` when no tier matched (a policy without `otherwise`).
  public var tier: AssignedTier?
  /// The total score, rounded as the policy declares; `nil` for a policy without a scorecard.
  public var score: FixedDecimal?
  public var components: [ComponentResult]
  /// The tier's benefits, inheritance resolved, in declaration order.
  public var benefits: [ResolvedBenefit]
  /// The triggers that fired, in policy order.
  public var firedTriggers: [FiredTrigger]
  public var review: ReviewResult?
  /// Each `service_levels:` target's deadline and status, in order.
  public var serviceLevels: [ServiceLevelResult] = []
  /// The policy's `output` values, in order.
  public var outputs: [Value] = []
  /// The explanation, when evaluation was traced.
  public var trace: DecisionTrace?
  /// What it would take to move up or down a tier, when asked for (``BatchEvaluator/whatItTakes``).
  public var whatItTakes: WhatItTakes?
}

public struct AssignedTier: Sendable, Hashable {
  public var index: Int
  public var id: String
  public var label: String
}

public struct ComponentResult: Sendable, Hashable {
  public var name: String
  /// The value the bands were applied to, or `nil` for a points expression.
  public var value: Value?
  /// The points expression as written, for a component without bands.
  public var pointsExpression: String?
  public var valueType: ValueType?
  /// The band that matched, as written (`<= 30: 100`), and where; `nil` when none did.
  public var band: String?
  public var bandSpan: SourceSpan?
  public var points: FixedDecimal
  public var weight: FixedDecimal
  /// weight × points, exact.
  public var contribution: FixedDecimal
}

public struct FiredTrigger: Sendable, Hashable {
  public var id: String
  public var action: TriggerAction
  public var reason: String
}

public struct ReviewResult: Sendable, Hashable {
  public var interval: LadderDuration?
  public var lastReview: CivilDate?
  public var nextReview: CivilDate?
  /// Due when the next review date is on or before the as-of date, when the record was never
  /// reviewed, or when a `review_now` trigger fired.
  public var isDue: Bool
}
