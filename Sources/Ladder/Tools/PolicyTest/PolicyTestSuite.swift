/// Policy unit tests as data: the contents of a `NAME.tests.yaml` file beside a policy.
///
/// ```yaml
/// tests: b2b-service-tiers.yaml        # the policy, relative to this file
/// as_of: 2024-03-01
/// defaults: { orders_12m: 0, spend_12m: 0, … }   # record values every case starts from
/// cases:
///   - name: C2024001 is vip
///     record: { customer_id: C2024001, spend_12m: 800000, … }
///     expect: { tier: vip, score: 97.75, benefits: { discount_budget: 10% } }
/// tables:
///   - name: monetary band edges
///     record: [spend_12m]
///     expect: [tier]
///     rows: [[499_999, key], [500_000, vip]]
/// ```
public struct PolicyTestSuite: Sendable {
  public var file: SourceFileID
  /// The policy path as written, relative to the test file.
  public var policyPath: Located<String>
  public var asOf: Located<CivilDate>?
  /// The moment service clocks are read at, when `as_of` gives a time.
  public var clock: LadderInstant?
  public var defaults: [(name: Located<String>, value: RawValue)] = []
  public var cases: [PolicyTestCase] = []
}

/// One case: a record (over the suite's defaults), an as-of date, and what must hold.
public struct PolicyTestCase: Sendable {
  public var name: String
  public var span: SourceSpan
  public var record: [(name: Located<String>, value: RawValue)] = []
  public var asOf: CivilDate?
  public var clock: LadderInstant?
  public var expectations: [PolicyExpectation] = []
}

/// What a case expects of the decision.
public enum PolicyExpectation: Sendable, Hashable {
  case tier(String, SourceSpan)
  case notTier(String, SourceSpan)
  case score(FixedDecimal, SourceSpan)
  /// A benefit with this value (in the policy language's notation).
  case benefit(name: String, value: String, SourceSpan)
  case lacksBenefit(String, SourceSpan)
  /// An `output:` column with this value, as `eval` writes it (`missing` for none).
  case output(name: String, value: String, SourceSpan)
  case fired(String, SourceSpan)
  case quiet(String, SourceSpan)
  case reviewDue(Bool, SourceSpan)
  /// The record is rejected; the reason contains the text when one is given.
  case rejected(reason: String?, SourceSpan)
  /// A service-level target's `status`, `due`, `left` or `late`, as `eval` writes it.
  case serviceLevel(target: String, part: String, value: String, SourceSpan)

  public var span: SourceSpan {
    switch self {
    case .tier(_, let span), .notTier(_, let span), .score(_, let span), .benefit(_, _, let span),
      .lacksBenefit(_, let span), .output(_, _, let span), .fired(_, let span), .quiet(_, let span),
      .reviewDue(_, let span),
      .rejected(_, let span), .serviceLevel(_, _, _, let span):
      span
    }
  }

  /// The expectation without its position, e.g. `tier vip`.
  public var summary: String {
    switch self {
    case .tier(let id, _): "tier \(id)"
    case .notTier(let id, _): "not tier \(id)"
    case .score(let value, _): "score \(value)"
    case .benefit(let name, let value, _): "benefit \(name)=\(value)"
    case .lacksBenefit(let name, _): "lacks \(name)"
    case .output(let name, let value, _): "output \(name)=\(value)"
    case .fired(let id, _): "fired \(id)"
    case .quiet(let id, _): "quiet \(id)"
    case .reviewDue(let due, _): "review due \(due)"
    case .rejected(let reason, _): "rejected \(reason ?? "")"
    case .serviceLevel(let target, let part, let value, _): "\(target) \(part) \(value)"
    }
  }

  /// Whether the expectation is about benefits (for benefit-set coverage).
  var isAboutBenefits: Bool {
    switch self {
    case .benefit, .lacksBenefit: true
    default: false
    }
  }
}
