import Foundation

/// A policy that passed every check: names resolved to slots, every expression typed.
///
/// This is the boundary between the front end (read, check) and the back end (compile,
/// evaluate): nothing after it reports a user error.
public struct CheckedPolicy: Sendable {
  public var file: SourceFileID
  public var id: String
  public var version: String
  public var title: String
  public var description: String?
  /// What one record is: `customer` unless the policy says otherwise.
  public var recordName: String
  public var inputs: [InputField]
  /// The slot of the `key: true` input.
  public var keyInput: Int
  /// Lets in evaluation order (each after everything it uses).
  public var lets: [CheckedLet]
  public var score: CheckedScore?
  public var tiers: [CheckedTier]
  /// Which end of `tiers` is the best tier.
  public var tierOrder: TierOrder = .bestFirst
  /// Benefits per tier, in tier order, inheritance resolved.
  public var benefits: [[ResolvedBenefit]]
  public var review: CheckedReview
  /// How an assigned tier changes over time; `nil` when the policy has no `lifecycle:` section
  /// (every run then assigns the tier it computes).
  public var lifecycle: CheckedLifecycle?
  /// Values written into every output record, in order.
  public var outputs: [OutputColumn] = []
  /// Declared benefit directions (`entitlements:`).
  public var entitlements: [CheckedEntitlement] = []
  /// The zone date-times without an offset are read in (`time_zone:`).
  public var timeZone: TimeZone?
  /// The business calendars the clock built-ins use, in the order written.
  public var calendars: [BusinessCalendar] = []
  /// The calendar files the policy names, in order: part of the policy (and of its hash).
  public var includedFiles: [SourceFile] = []
  /// Deadlines and their status per record (`service_levels:`).
  public var serviceLevels: CheckedServiceLevels?
  /// What the user chose about the outputs of this evaluation (command-line flags).
  public var outputOptions = OutputOptions()

  /// Outputs show personal values instead of `***` (`--show-personal-data`, asked for
  /// explicitly). They stay personal for L0421 and what-it-takes.
  public var showsPersonalData: Bool { outputOptions.showsPersonalData }

  /// Whether outputs show `field`'s values as `***`.
  public func masks(_ field: InputField) -> Bool { field.isPersonal && !showsPersonalData }
}

/// Choices about a policy's outputs that belong to the run, not to the policy file.
public struct OutputOptions: Sendable, Hashable {
  /// Show personal values instead of `***` (`--show-personal-data`).
  public var showsPersonalData = false
  /// Write the `as_of` column in CSV decisions (the default; `--no-as-of-column` drops it, for a
  /// file whose date is known from its name or its run).
  public var csvAsOfColumn = true
  /// The moment of the as-of date at which service clocks are read (`--as-of` with a time,
  /// `2024-04-01T10:00+08:00`); `nil` reads them at the start of the as-of date.
  public var asOfTime: LadderInstant?

  public init(showsPersonalData: Bool = false, csvAsOfColumn: Bool = true, asOfTime: LadderInstant? = nil) {
    self.showsPersonalData = showsPersonalData
    self.csvAsOfColumn = csvAsOfColumn
    self.asOfTime = asOfTime
  }
}

/// An input or let the policy writes into its output.
public struct OutputColumn: Sendable, Hashable {
  public enum Source: Sendable, Hashable {
    case input(slot: Int)
    case letValue(slot: Int)
  }

  public var name: String
  public var source: Source
  public var type: ValueType
}

/// A benefit whose better direction the policy declares.
public struct CheckedEntitlement: Sendable, Hashable {
  public var name: String
  public var direction: EntitlementDirection
}

/// Which direction of a benefit is better, as the policy declares in `entitlements`.
public enum EntitlementDirection: String, Sendable, Hashable {
  case lower, higher
}

extension CheckedPolicy {
  /// How far the tier at `index` (in the order written) is from the best tier: 0 for the best.
  /// Lints, `diff`'s up and down and its downgrade gates compare tiers by this.
  public func rank(ofTierAt index: Int) -> Int {
    tierOrder == .bestFirst ? index : tiers.count - 1 - index
  }

  /// Declared directions of benefits, by name.
  public var entitlementDirections: [String: EntitlementDirection] {
    Dictionary(entitlements.map { ($0.name, $0.direction) }, uniquingKeysWith: { first, _ in first })
  }
}

/// One declared input field, resolved to a slot.
public struct InputField: Sendable, Hashable {
  public var slot: Int
  public var name: String
  public var span: SourceSpan
  public var type: ValueType
  public var isOptional: Bool
  public var isKey: Bool
  public var isPersonal: Bool
  /// Carried for people reading traces; no rule needs it.
  public var isInformational: Bool = false
  /// False for a value the customer cannot change: what-it-takes leaves it alone.
  public var isActionable: Bool = true
  /// Inclusive bounds for numbers (as decimals) and dates (as dates).
  public var minimum: Value?
  public var maximum: Value?
  public var minimumLength: Int?
  public var maximumLength: Int?
  /// Decimal places a decimal input is read with; `nil` keeps what the record says.
  public var scale: Int?
  public var description: String?

  /// The fixed length of a list input, when its length is declared exactly.
  public var fixedLength: Int? {
    guard let minimumLength, minimumLength == maximumLength else { return nil }
    return minimumLength
  }
}

public struct CheckedLet: Sendable {
  public var slot: Int
  public var name: String
  public var span: SourceSpan
  public var expression: CheckedExpr
}

public struct CheckedScore: Sendable {
  public var components: [CheckedComponent]
  public var decimals: Int
  public var rounding: FixedDecimal.RoundingMode
  public var span: SourceSpan
}

public struct CheckedComponent: Sendable {
  public var name: String
  public var span: SourceSpan
  /// The weight as a fraction (20% is 0.20).
  public var weight: FixedDecimal
  public var points: Points

  public enum Points: Sendable {
    case bands(of: CheckedExpr, [CheckedBand])
    case expression(CheckedExpr)
  }
}

public struct CheckedBand: Sendable {
  /// `nil` for `else`.
  public var comparison: BinaryOperator?
  public var bound: Value?
  public var points: FixedDecimal
  public var span: SourceSpan
  /// The band as written, e.g. `<= 30: 100`.
  public var text: String
}

public struct CheckedTier: Sendable {
  public var index: Int
  public var id: String
  public var label: String
  public var span: SourceSpan
  /// `nil` for the `otherwise` tier.
  public var condition: CheckedExpr?
}

public struct ResolvedBenefit: Sendable, Hashable {
  public var name: String
  public var value: BenefitValue
  public var span: SourceSpan
  /// The tier whose benefit set declared this value (the tier itself, or an ancestor).
  public var declaredBy: String
}

public struct CheckedReview: Sendable {
  /// The re-evaluation interval of each tier, in tier order (`nil` when the policy has none).
  public var intervals: [LadderDuration?]
  /// The input holding the date of the last review.
  public var lastReviewInput: Int?
  public var triggers: [CheckedTrigger]
}

/// The `lifecycle:` section with its defaults filled in (docs/language.md#lifecycle).
public struct CheckedLifecycle: Sendable, Hashable {
  public var upgrades: LifecycleTiming = .atOnce
  public var downgrades: LifecycleTiming = .atReview
  public var downgradeBy: DowngradeStep = .toComputed
  /// Reviews a customer may stay below its tier before the downgrade takes effect.
  public var graceReviews = 0
  /// The shortest time in a tier before a downgrade; none when `nil`.
  public var minimumStay: LadderDuration?
  /// Downgrades out of these tiers, and upgrades into these, wait for approval.
  public var approvalDowngradesFrom: Set<String> = []
  public var approvalUpgradesTo: Set<String> = []

  public init() {}
}

public struct CheckedTrigger: Sendable {
  public var id: String
  public var span: SourceSpan
  public var condition: CheckedExpr
  public var action: TriggerAction
  public var reason: String
}

/// A typed expression with its names resolved. The compiler lowers it to kernels.
public struct CheckedExpr: Sendable {
  public indirect enum Kind: Sendable {
    case constant(Value)
    case input(slot: Int)
    case letValue(slot: Int)
    case asOf
    case score
    case tier
    case negate(CheckedExpr)
    case not(CheckedExpr)
    case arithmetic(BinaryOperator, CheckedExpr, CheckedExpr)
    case comparison(BinaryOperator, CheckedExpr, CheckedExpr)
    case and(CheckedExpr, CheckedExpr)
    case or(CheckedExpr, CheckedExpr)
    case coalesce(CheckedExpr, CheckedExpr)
    case isMissing(CheckedExpr, negated: Bool)
    case membership(CheckedExpr, CheckedExpr, negated: Bool)
    case between(CheckedExpr, low: CheckedExpr, high: CheckedExpr, negated: Bool)
    case call(Builtin, [CheckedExpr])
    case index(CheckedExpr, CheckedExpr)
    case list([CheckedExpr])
    case conditional(CheckedExpr, then: CheckedExpr, else: CheckedExpr)
    case invalid
  }

  public var kind: Kind
  public var type: LadderType
  public var span: SourceSpan
  /// The expression as written, for traces and the formatter.
  public var syntax: Expr

  /// The constant value, when the expression is a literal.
  public var constantValue: Value? {
    if case .constant(let value) = kind { return value }
    return nil
  }
}

/// The checked `service_levels:` section.
public struct CheckedServiceLevels: Sendable {
  public var targets: [CheckedServiceTarget]
}

/// One target: its clock starts at `from` and has `within` of `calendar`'s working time.
public struct CheckedServiceTarget: Sendable {
  public var name: String
  public var label: String
  public var span: SourceSpan
  /// The records it applies to (`when:`); `nil` for every record.
  public var condition: CheckedExpr?
  public var from: CheckedExpr
  public var within: CheckedExpr
  public var calendar: CheckedExpr
  /// When the target was met; missing while it is not.
  public var metAt: CheckedExpr?
  /// The share of `within` below which a running target is at risk.
  public var atRisk: FixedDecimal
}
