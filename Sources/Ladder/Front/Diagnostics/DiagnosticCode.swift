/// A stable identifier for a kind of finding, `L` followed by four digits.
///
/// Ranges by phase: `L00xx` files and YAML, `L01xx` policy structure, `L02xx` expression
/// syntax, `L03xx` names and types, `L04xx` policy semantics, `L05xx` record data, `L09xx`
/// internal errors. Every code has a page `docs/errors/Lxxxx.md` and at least one golden case.
public struct DiagnosticCode: Hashable, Sendable, CustomStringConvertible {
  public let rawValue: String
  /// A kebab-case name for the problem, used in docs and JSON.
  public let name: String
  public let defaultSeverity: Severity
  /// One line for the docs index.
  public let summary: String

  init(_ rawValue: String, _ name: String, _ severity: Severity, _ summary: String) {
    self.rawValue = rawValue
    self.name = name
    self.defaultSeverity = severity
    self.summary = summary
  }

  public var description: String { rawValue }

  public static func == (lhs: DiagnosticCode, rhs: DiagnosticCode) -> Bool { lhs.rawValue == rhs.rawValue }
  public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

extension DiagnosticCode {
  // MARK: - L00xx: files and YAML
  public static let unreadableFile = DiagnosticCode(
    "L0001", "unreadable-file", .error, "the file cannot be read or is not valid UTF-8")
  public static let yamlSyntax = DiagnosticCode(
    "L0002", "yaml-syntax", .error, "the file is not well-formed YAML")
  public static let duplicateKey = DiagnosticCode(
    "L0003", "duplicate-key", .error, "a key appears twice in the same mapping")
  public static let documentTooComplex = DiagnosticCode(
    "L0004", "document-too-complex", .error, "the YAML nests too deeply or is too large to be a policy")
  public static let notAPolicy = DiagnosticCode(
    "L0005", "not-a-policy", .error,
    "the file is empty, holds several documents, or its top level is not a mapping")

  // MARK: - L01xx: policy structure
  public static let unknownKey = DiagnosticCode(
    "L0101", "unknown-key", .error, "a section or key that Ladder does not know, often a misspelling")
  public static let missingKey = DiagnosticCode(
    "L0102", "missing-key", .error, "a required section or key is absent")
  public static let wrongShape = DiagnosticCode(
    "L0103", "wrong-shape", .error,
    "a mapping, list or single value was expected and something else was found")
  public static let unsupportedFormatVersion = DiagnosticCode(
    "L0104", "unsupported-format-version", .error, "the `ladder:` format version is not one this build reads")
  public static let invalidValue = DiagnosticCode(
    "L0105", "invalid-value", .error, "a value is not one of those the key accepts")
  public static let recordKey = DiagnosticCode(
    "L0106", "record-key", .error, "the inputs declare no `key: true` field, or more than one")
  public static let invalidBand = DiagnosticCode(
    "L0107", "invalid-band", .error,
    "a score band is not of the form `<op> <value>: <points>` or `else: <points>`")
  public static let invalidIdentifier = DiagnosticCode(
    "L0108", "invalid-identifier", .error,
    "a field, let, tier, component or benefit name is not a valid identifier")
  public static let invalidBounds = DiagnosticCode(
    "L0109", "invalid-bounds", .error, "an input's bounds contradict its type or each other")
  public static let policyTooLarge = DiagnosticCode(
    "L0110", "policy-too-large", .error,
    "the policy declares more inputs, lets, components, tiers, triggers or benefit sets than allowed")

  // MARK: - L02xx: expression syntax
  public static let expressionSyntax = DiagnosticCode(
    "L0201", "expression-syntax", .error, "an expression does not follow the grammar")
  public static let invalidToken = DiagnosticCode(
    "L0202", "invalid-token", .error, "a character or unterminated string that no token can start")
  public static let invalidLiteral = DiagnosticCode(
    "L0203", "invalid-literal", .error, "a number, date or duration literal that is out of range or malformed"
  )
  public static let expressionTooDeep = DiagnosticCode(
    "L0204", "expression-too-deep", .error, "an expression nests more deeply than the evaluator allows")

  // MARK: - L03xx: names and types
  public static let unknownName = DiagnosticCode(
    "L0301", "unknown-name", .error, "an expression names a field, let or value that does not exist")
  public static let typeMismatch = DiagnosticCode(
    "L0302", "type-mismatch", .error, "an operator or band is applied to values of the wrong type")
  public static let badCall = DiagnosticCode(
    "L0303", "bad-call", .error, "an unknown function, or a call with the wrong number or types of arguments")
  public static let notACondition = DiagnosticCode(
    "L0304", "not-a-condition", .error, "a `when` condition is not true/false")
  public static let mayBeMissing = DiagnosticCode(
    "L0305", "may-be-missing", .error, "a value that can be missing is used where a value is required")
  public static let indexOutOfRange = DiagnosticCode(
    "L0306", "index-out-of-range", .error, "a list index is outside the list's declared length")
  public static let percentMismatch = DiagnosticCode(
    "L0307", "percent-mismatch", .error, "a percent is compared with or added to a plain number")
  public static let unknownEnumValue = DiagnosticCode(
    "L0308", "unknown-enum-value", .error, "a string compared with an enum field is not one of its values")
  public static let neverMissing = DiagnosticCode(
    "L0309", "never-missing", .warning, "`??` or `is missing` applied to a value that can never be missing")

  public static let populationDependency = DiagnosticCode(
    "L0310", "population-dependency", .error,
    "a population function's value is needed to compute its own population (nested, or through a let or the score)"
  )

  // MARK: - L04xx: policy semantics
  public static let duplicateID = DiagnosticCode(
    "L0401", "duplicate-id", .error, "two tiers, triggers, components, inputs or lets share a name")
  public static let cyclicLet = DiagnosticCode(
    "L0402", "cyclic-let", .error, "lets that depend on each other in a cycle")
  public static let weightsNotHundred = DiagnosticCode(
    "L0403", "weights-not-100", .error, "the scorecard's weights do not add up to 100%")
  public static let bandsOutOfOrder = DiagnosticCode(
    "L0404", "bands-out-of-order", .error,
    "score bands are not ordered from one end of the scale to the other")
  public static let unreachableBand = DiagnosticCode(
    "L0405", "unreachable-band", .error,
    "a score band can never match because earlier bands take all its values")
  public static let unreachableTier = DiagnosticCode(
    "L0406", "unreachable-tier", .error,
    "a tier can never be assigned because an earlier tier always matches first")
  public static let unknownTier = DiagnosticCode(
    "L0407", "unknown-tier", .error,
    "benefits, `inherits` or a review schedule name a tier that does not exist")
  public static let inheritanceCycle = DiagnosticCode(
    "L0408", "inheritance-cycle", .error, "benefit sets inherit from each other in a cycle")
  public static let benefitTypeConflict = DiagnosticCode(
    "L0409", "benefit-type-conflict", .error, "one benefit has values of different kinds in different tiers")
  public static let missingBaseService = DiagnosticCode(
    "L0410", "missing-base-service", .warning, "a tier lacks a base-service benefit that every other tier has"
  )
  public static let noFallbackTier = DiagnosticCode(
    "L0411", "no-fallback-tier", .warning, "the last tier is not `otherwise`, so some records may get no tier"
  )
  public static let misplacedOtherwise = DiagnosticCode(
    "L0412", "misplaced-otherwise", .error, "an `otherwise` tier is not the last tier")
  public static let missingReviewCadence = DiagnosticCode(
    "L0413", "missing-review-cadence", .error,
    "a tier has no review cadence and there is no `otherwise` cadence")
  public static let bandsWithoutElse = DiagnosticCode(
    "L0414", "bands-without-else", .warning, "a band list has no `else` band and may leave values unscored")
  public static let scoreOutOfScale = DiagnosticCode(
    "L0415", "score-out-of-scale", .warning, "band points or a threshold lie outside the 0 to 100 score scale"
  )

  // MARK: - L04xx lints: warnings by default, errors with --strict
  public static let bandOverlap = DiagnosticCode(
    "L0416", "band-overlap", .warning,
    "bands of opposite directions overlap, so the earlier one silently takes shared values")
  public static let benefitNotMonotonic = DiagnosticCode(
    "L0417", "benefit-not-monotonic", .warning, "a higher tier gets a worse entitlement than a lower tier")
  public static let neverFires = DiagnosticCode(
    "L0418", "never-fires", .warning, "a trigger or tier condition contradicts itself and can never hold")
  public static let unusedName = DiagnosticCode(
    "L0419", "unused-name", .warning, "an input, let or entitlement that no rule uses")
  public static let thresholdOutsideBounds = DiagnosticCode(
    "L0420", "threshold-outside-bounds", .warning,
    "a comparison is always true or always false given the input's bounds")

  /// Every code, in order. Used by the docs and golden-coverage tests.
  public static let personalDataInRule = DiagnosticCode(
    "L0421", "personal-data-in-rule", .warning,
    "a tier, score component or trigger depends on a personal field")

  public static let invalidCalendar = DiagnosticCode(
    "L0422", "invalid-calendar", .error,
    "a calendar's hours overlap or are out of order, its holidays are not sorted dates, or it never works")

  public static let all: [DiagnosticCode] = [
    .unreadableFile, .yamlSyntax, .duplicateKey, .documentTooComplex, .notAPolicy,
    .unknownKey, .missingKey, .wrongShape, .unsupportedFormatVersion, .invalidValue, .recordKey,
    .invalidBand, .invalidIdentifier, .invalidBounds, .policyTooLarge,
    .expressionSyntax, .invalidToken, .invalidLiteral, .expressionTooDeep,
    .unknownName, .typeMismatch, .badCall, .notACondition, .mayBeMissing, .indexOutOfRange,
    .percentMismatch, .unknownEnumValue, .neverMissing, .populationDependency,
    .duplicateID, .cyclicLet, .weightsNotHundred, .bandsOutOfOrder, .unreachableBand,
    .unreachableTier, .unknownTier, .inheritanceCycle, .benefitTypeConflict, .missingBaseService,
    .noFallbackTier, .misplacedOtherwise, .missingReviewCadence, .bandsWithoutElse, .scoreOutOfScale,
    .bandOverlap, .benefitNotMonotonic, .neverFires, .unusedName, .thresholdOutsideBounds,
    .personalDataInRule, .invalidCalendar,
  ]

  /// The codes `ladder lint` reports: findings about a policy that checks, as opposed to errors
  /// that stop it from running.
  public static let lints: Set<DiagnosticCode> = [
    .neverMissing, .missingBaseService, .noFallbackTier, .bandsWithoutElse, .scoreOutOfScale, .bandOverlap,
    .benefitNotMonotonic, .neverFires, .unusedName, .thresholdOutsideBounds, .personalDataInRule,
  ]
}
