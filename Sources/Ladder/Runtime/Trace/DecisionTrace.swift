/// Why a record got its tier, in the domain's words: the single model that both the text and
/// the JSON renderings are made from, so the two cannot disagree.
public struct DecisionTrace: Sendable, Hashable {
  public struct Header: Sendable, Hashable {
    public var policy: String
    public var version: String
    public var title: String
    public var file: String
    public var sha256: String
    public var asOf: String
  }

  public struct InputValue: Sendable, Hashable {
    public var name: String
    public var type: String
    /// The value as JSON shows it: numbers, dates and lists in the language's notation, text as
    /// it is, `***` for personal data; `nil` when missing.
    public var value: String?
    /// The value as the text rendering shows it: the language's notation, where text is quoted
    /// and a missing value is `missing`, so the two cannot be confused.
    public var notation: String
    public var isPersonal: Bool
  }

  public struct Derived: Sendable, Hashable {
    public var name: String
    /// As ``InputValue/value`` and ``InputValue/notation``.
    public var value: String?
    public var notation: String
    public var location: String
  }

  public struct Component: Sendable, Hashable {
    public var name: String
    /// The value the bands were applied to, as ``InputValue/value``; `nil` when missing, and for a
    /// points expression.
    public var value: String?
    /// The value in the language's notation (`missing` when missing); `nil` for a points
    /// expression.
    public var notation: String?
    /// The points expression, for a component without bands.
    public var pointsExpression: String?
    /// For points written as an if-chain, the branch that applied.
    public var branch: Branch? = nil
    public var band: String?
    public var bandLocation: String?
    public var points: String
    public var weight: String
    public var contribution: String
  }

  public struct Score: Sendable, Hashable {
    /// Σ contributions, exact.
    public var sum: String
    public var total: String
    public var rounding: String
  }

  /// One sub-condition with its operands.
  public struct Condition: Sendable, Hashable {
    public var text: String
    /// The operand values in the language's notation and the relation that actually holds
    /// between them, e.g. `60% < 80%`, `"silver" ≠ "gold"`, `missing vs 80%`.
    public var values: String
    /// `true`, `false` or `missing`.
    public var result: String
  }

  public struct TierStep: Sendable, Hashable {
    public var id: String
    public var label: String
    /// `nil` for the `otherwise` tier.
    public var condition: String?
    public var location: String
    public var held: Bool
    public var conditions: [Condition]
  }

  public struct Benefit: Sendable, Hashable {
    public var name: String
    public var value: String
    public var kind: String
    /// The tier whose benefit set declared the value.
    public var from: String
    public var isInherited: Bool
    public var location: String
  }

  public struct Trigger: Sendable, Hashable {
    public var id: String
    public var action: String
    public var condition: String
    public var held: Bool
    public var reason: String
    public var conditions: [Condition]
    public var location: String
  }

  /// A population function's value for this record and how it came about.
  public struct PopulationNote: Sendable, Hashable {
    public var call: String
    public var value: String
    /// e.g. "spend_12m 812000.00 is in the top 7.9% (rank 3 of 38); class A ends at …"
    public var explanation: String
  }

  public struct Review: Sendable, Hashable {
    public var interval: String?
    public var lastReview: String?
    public var nextReview: String?
    public var isDue: Bool
  }

  /// A service-level target: its clock, its deadline and how it was reached, and its status.
  public struct ServiceLevel: Sendable, Hashable {
    public var name: String
    public var label: String
    /// False when its `when` does not hold for the record.
    public var applies: Bool
    public var start: String?
    public var within: String?
    public var calendar: String?
    public var due: String?
    public var metAt: String?
    /// The moment an open target was read at.
    public var clock: String
    public var status: String
    public var left: String?
    public var late: String?
    /// How the deadline was reached: `Fri 2024-03-29 17:40–18:00: 20min`, `Mon 2024-04-01: holiday`.
    public var steps: [String]
  }

  public var header: Header
  public var recordName: String
  public var key: String
  /// Where the record came from (`records.csv:3`), when known.
  public var origin: String?
  public var inputs: [InputValue]
  public var derived: [Derived]
  /// Population functions used by the policy, with their cut-offs (empty for other policies).
  public var population: [PopulationNote] = []
  public var components: [Component]
  public var score: Score?
  public var tiers: [TierStep]
  public var tier: String?
  public var tierLabel: String?
  public var benefits: [Benefit]
  public var triggers: [Trigger]
  public var review: Review?
  /// The `service_levels:` targets (empty for a policy without them).
  public var serviceLevels: [ServiceLevel] = []
  /// One plain sentence: the tier, what made it hold and why each tier above did not. Text only:
  /// the JSON trace holds the same facts, structured.
  public var summary: String = ""
}

extension DecisionTrace.Component {
  /// The branch of an if-chain of points that applied: the first whose condition holds, or
  /// the last, `else`.
  public struct Branch: Sendable, Hashable, CustomStringConvertible {
    /// 1-based.
    public var number: Int
    public var count: Int
    /// The branch's condition as written; `nil` for `else`.
    public var condition: String?

    /// `branch 2 of 3: tenure >= 2`, `branch 3 of 3: else`.
    public var description: String { "branch \(number) of \(count): \(condition ?? "else")" }
  }
}
