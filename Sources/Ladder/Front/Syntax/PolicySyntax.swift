/// A value read from the policy file together with where it was written.
public struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
  public var value: Value
  public var span: SourceSpan

  public init(_ value: Value, at span: SourceSpan) {
    self.value = value
    self.span = span
  }
}

/// A policy file as written: every section and field with its source span, expressions parsed
/// but not yet checked. Produced by ``PolicyReader``, consumed by ``PolicyChecker``.
public struct PolicySyntax: Sendable {
  public var file: SourceFileID
  public var formatVersion: Located<Int>?
  public var id: Located<String>?
  public var version: Located<String>?
  public var title: Located<String>?
  public var description: Located<String>?
  /// What one record is (`customer` unless the policy says `record: request`); used in messages.
  public var recordName: Located<String>?
  public var inputs: [InputSyntax] = []
  public var lets: [LetSyntax] = []
  public var score: ScoreSyntax?
  public var tiers: [TierSyntax] = []
  /// Which end of the tier list is the best tier (`tier_order:`); best first when absent.
  public var tierOrder: Located<TierOrder>?
  public var benefits: [BenefitSetSyntax] = []
  public var review: ReviewSyntax?
  /// How an assigned tier changes over time (`lifecycle:`), applied by `ladder run`.
  public var lifecycle: LifecycleSyntax?
  /// Inputs and lets written into every output record, after the tier (`output: [abc, segment]`).
  public var outputs: [Located<String>] = []
  /// Declared meanings of benefits: which direction is better, for the monotonicity lint.
  public var entitlements: [EntitlementSyntax] = []
  /// The zone in which date-times written without an offset are read (`time_zone:`).
  public var timeZone: Located<String>?
  /// Working hours for the clock built-ins (`calendars:`), in the order written.
  public var calendars: [CalendarSyntax] = []
  /// The calendar files the policy names, once read (their bytes count in the policy's hash).
  public var includedFiles: [SourceFile] = []
  /// Deadlines per record and their status (`service_levels:`).
  public var serviceLevels: ServiceLevelsSyntax?
  /// The key of each top-level section, for findings about a section as a whole.
  public var sectionSpans: [String: SourceSpan] = [:]
  /// The start of the file, for findings about something that is absent.
  public var startSpan: SourceSpan

  public init(file: SourceFileID, startSpan: SourceSpan) {
    self.file = file
    self.startSpan = startSpan
  }
}

/// The declared type of an input field.
public enum InputTypeSyntax: Sendable, Hashable {
  case string, int, decimal, percent, bool, date, datetime, enumeration
  indirect case list(InputTypeSyntax)
}

public struct InputSyntax: Sendable {
  public var name: Located<String>
  public var type: Located<InputTypeSyntax>?
  public var isOptional = false
  public var isKey = false
  public var isPersonal = false
  /// Carried into traces for people, used by no rule (exempt from the unused-input lint).
  public var isInformational = false
  /// `actionable: false`: a value the customer cannot change (industry growth); what-it-takes
  /// never suggests changing it.
  public var isActionable = true
  public var minimum: Expr?
  public var maximum: Expr?
  public var length: Located<Int>?
  public var minimumLength: Located<Int>?
  public var maximumLength: Located<Int>?
  /// Decimal places a decimal field is stored with (e.g. 2 for money).
  public var scale: Located<Int>?
  public var values: [Located<String>] = []
  public var description: Located<String>?

  public init(name: Located<String>) { self.name = name }
}

public struct LetSyntax: Sendable {
  public var name: Located<String>
  public var expression: Expr
}

public struct ScoreSyntax: Sendable {
  public var keySpan: SourceSpan
  public var round: Located<Int>?
  public var rounding: Located<FixedDecimal.RoundingMode>?
  public var components: [ComponentSyntax] = []
  public var componentsSpan: SourceSpan?
}

public struct ComponentSyntax: Sendable {
  public var name: Located<String>
  public var weight: Expr?
  /// The value the bands are applied to.
  public var of: Expr?
  public var bands: [BandSyntax]?
  public var bandsSpan: SourceSpan?
  /// Points computed by an expression instead of bands.
  public var points: Expr?
  public var description: Located<String>?

  public init(name: Located<String>) { self.name = name }
}

public struct TierSyntax: Sendable {
  public var itemSpan: SourceSpan
  public var id: Located<String>?
  public var label: Located<String>?
  public var when: Expr?
  public var otherwise: Located<Bool>?
  public var description: Located<String>?

  public init(itemSpan: SourceSpan) { self.itemSpan = itemSpan }
}

/// A typed benefit value, typed by how it is written.
public enum BenefitValue: Sendable, Hashable {
  case duration(LadderDuration)
  case percent(FixedDecimal)
  case number(FixedDecimal)
  case bool(Bool)
  case cadence(Cadence)
  case text(String)

  /// The kind, for the type-conflict check and for docs.
  public var kind: String {
    switch self {
    case .duration: "duration"
    case .percent: "percent"
    case .number: "number"
    case .bool: "boolean"
    case .cadence: "cadence"
    case .text: "text"
    }
  }
}

public struct BenefitEntrySyntax: Sendable {
  public var name: Located<String>
  public var value: Located<BenefitValue>
}

public struct BenefitSetSyntax: Sendable {
  public var tier: Located<String>
  public var inherits: Located<String>?
  public var entries: [BenefitEntrySyntax] = []
}

/// Which way a benefit is better: `response_within: { better: lower }`.
public struct EntitlementSyntax: Sendable {
  public enum Direction: String, Sendable, Hashable, CaseIterable {
    case lower, higher
  }

  public var name: Located<String>
  public var better: Located<Direction>?
  public var description: Located<String>?
}

public enum TriggerAction: String, Sendable, Hashable, CaseIterable {
  case reviewNow = "review_now"
  case flag
}

public struct TriggerSyntax: Sendable {
  public var itemSpan: SourceSpan
  public var id: Located<String>?
  public var when: Expr?
  public var action: Located<TriggerAction>?
  public var because: Located<String>?

  public init(itemSpan: SourceSpan) { self.itemSpan = itemSpan }
}

public struct ReviewSyntax: Sendable {
  public var keySpan: SourceSpan
  /// Tier id (or `otherwise`) → cadence, in the order written.
  public var every: [(tier: Located<String>, interval: Located<LadderDuration>)] = []
  public var everySpan: SourceSpan?
  /// The input field holding the date of the last review, if any.
  public var lastReview: Located<String>?
  public var triggers: [TriggerSyntax] = []
}

/// The `lifecycle:` section as written.
public struct LifecycleSyntax: Sendable {
  public var keySpan: SourceSpan
  public var upgrades: Located<LifecycleTiming>?
  public var downgrades: Located<LifecycleTiming>?
  public var downgradeBy: Located<DowngradeStep>?
  public var graceReviews: Located<Int>?
  public var minimumStay: Located<LadderDuration>?
  /// Tiers whose downgrades, and tiers whose upgrades, wait for a second person's approval.
  public var approvalDowngradesFrom: [Located<String>] = []
  public var approvalUpgradesTo: [Located<String>] = []
}

/// When a change of tier takes effect: at the run that computes it, or at the customer's next
/// review (its cadence in `review: every:`, or a `review_now` trigger).
public enum LifecycleTiming: String, Sendable, Hashable, CaseIterable {
  case atOnce = "at_once"
  case atReview = "at_review"
}

/// How far a downgrade goes: one tier down from the tier held, or straight to the tier computed.
public enum DowngradeStep: String, Sendable, Hashable, CaseIterable {
  case oneTier = "one_tier"
  case toComputed = "to_computed"
}

/// How a policy's tiers are ranked. Tiers are always tried in the order written (the first
/// whose condition holds wins); the order says only which end is best. A risk-grade scheme is
/// naturally written strictest first — high risk, then medium, then low — and is `worst-first`.
public enum TierOrder: String, Sendable, Hashable, CaseIterable {
  case bestFirst = "best-first"
  case worstFirst = "worst-first"
}

/// One calendar of the `calendars:` section as written.
public struct CalendarSyntax: Sendable {
  public var name: Located<String>
  /// `file: calendars/support-cn.yaml`: the calendar is in that file (relative to the policy),
  /// which holds the same keys; ``PolicyChecker`` reads it.
  public var file: Located<String>?
  /// Its file could not be read (reported): the calendar is not checked further.
  public var fileUnread = false
  public var timeZone: Located<String>?
  /// Each `hours:` entry: the days as written (`mon-fri`) and their hours (`09:00-18:00`, or
  /// `closed`), one text per stretch.
  public var hours: [(days: Located<String>, stretches: [Located<String>])] = []
  public var hoursSpan: SourceSpan?
  public var holidays: [Located<String>] = []
  public var workingDays: [Located<String>] = []
  /// The hours of the extra working days; Monday's when absent.
  public var workingDayHours: [Located<String>]?
  public var description: Located<String>?

  public init(name: Located<String>) { self.name = name }
}

/// The `service_levels:` section as written: targets whose deadlines run in a calendar's working
/// time, and the share of a target's time below which a running target is at risk.
public struct ServiceLevelsSyntax: Sendable {
  public var keySpan: SourceSpan
  public var atRisk: Located<String>?
  /// The calendar of targets that name none.
  public var calendar: Expr?
  public var targets: [ServiceTargetSyntax] = []

  public init(keySpan: SourceSpan) { self.keySpan = keySpan }
}

/// One target: when its clock starts, how long it has, in which calendar, and when it was met.
public struct ServiceTargetSyntax: Sendable {
  public var name: Located<String>
  public var label: Located<String>?
  /// The records the target applies to; every record when absent.
  public var when: Expr?
  public var from: Expr?
  public var within: Expr?
  public var calendar: Expr?
  public var metAt: Expr?
  public var atRisk: Located<String>?

  public init(name: Located<String>) { self.name = name }
}
