import Foundation
import Ladder
import LadderTestSupport
import Testing

/// Asserts that the outcome holds exactly one diagnostic with `code`, underlining `text`.
func expectOne(
  _ outcome: CheckOutcome, _ code: DiagnosticCode, underlining text: String, helpContains help: String? = nil,
  sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
  let matching = outcome.diagnostics.filter { $0.code == code }
  #expect(
    matching.count == 1, "expected one \(code) in:\n\(outcome.renderedText)", sourceLocation: sourceLocation)
  guard let diagnostic = matching.first else { return }
  #expect(outcome.underlined(diagnostic) == text, "\(outcome.renderedText)", sourceLocation: sourceLocation)
  if let help {
    #expect(
      diagnostic.help?.contains(help) == true, "help was: \(diagnostic.help ?? "none")",
      sourceLocation: sourceLocation)
  }
}

@Suite struct CheckerTests {
  @Test func unknownNameUnderlinesTheNameAndSuggests() {
    let outcome = checkPolicy(
      policyText(
        inputs: "spend_12m: { type: decimal }",
        body: """
          tiers:
            - { id: vip, label: VIP客户, when: spend12m >= 500_000 }
            - { id: rest, label: 其他, otherwise: true }
          """))
    expectOne(outcome, .unknownName, underlining: "spend12m", helpContains: "did you mean 'spend_12m'?")
    #expect(outcome.policy == nil)
  }

  @Test func expressionSpansAreExactInsideQuotedAndFoldedScalars() {
    let outcome = checkPolicy(
      policyText(
        inputs: "x: { type: int }",
        body: """
          let:
            a: "x + nope"
            b: >-
              x +
                missing_one
            c: 'x + ''s'''
          """))
    let underlined = outcome.diagnostics.compactMap(outcome.underlined)
    #expect(underlined.contains("nope"))
    #expect(underlined.contains("missing_one"))
    #expect(outcome.diagnostics.contains { $0.code == .typeMismatch })
  }

  @Test func percentComparedWithPlainNumberIsCaught() {
    let outcome = checkPolicy(
      policyText(
        inputs: "rate: { type: percent }",
        body: """
          tiers:
            - { id: vip, label: VIP, when: rate >= 80 }
            - { id: rest, label: Rest, otherwise: true }
          """))
    expectOne(outcome, .percentMismatch, underlining: "rate >= 80", helpContains: "80%")
  }

  /// The help points at the side that can change: a ratio held in a field is compared with a
  /// fraction (issue 11: it told the author to write the field "as a percent").
  @Test func percentMismatchHelpPointsAtTheSideToChange() {
    func help(_ condition: String) -> String? {
      let outcome = checkPolicy(
        policyText(
          inputs: "ratio: { type: decimal }\nrate: { type: percent }",
          body:
            "tiers:\n  - { id: a, label: A, when: \(condition) }\n  - { id: b, label: B, otherwise: true }\n")
      )
      return outcome.diagnostics.first { $0.code == .percentMismatch }?.help
    }
    #expect(
      help("'ratio >= 5%'")?.hasPrefix("'ratio' is a plain number: compare it with 0.05 (5% as a fraction)")
        == true)
    #expect(help("'rate >= 0.8'") == "write '80%'")
    #expect(
      help("'rate >= ratio'")?.hasPrefix("'rate * 100' is a plain number, or declare 'ratio' 'type: percent'")
        == true)
  }

  @Test func optionalInputsMustBeDefaultedInConditions() {
    let outcome = checkPolicy(
      policyText(
        inputs: "last: { type: date, optional: true }",
        body: """
          tiers:
            - id: recent
              label: Recent
              when: days_between(last, as_of) < 30
            - { id: rest, label: Rest, otherwise: true }
          """))
    expectOne(outcome, .mayBeMissing, underlining: "days_between(last, as_of) < 30", helpContains: "??")
  }

  @Test func defaultedOptionalsAndThreeValuedLogicCheckClean() {
    let outcome = checkPolicy(
      policyText(
        inputs: "last: { type: date, optional: true }",
        body: """
          let:
            recency: days_between(last, as_of) ?? 9999
            known: last is not missing
          tiers:
            - { id: recent, label: Recent, when: recency < 30 and known }
            - { id: rest, label: Rest, otherwise: true }
          """))
    #expect(outcome.diagnostics.isEmpty, "\(outcome.renderedText)")
    #expect(outcome.policy?.lets.map(\.name) == ["recency", "known"])
  }

  @Test func letsAreOrderedByDependencyAndCyclesAreReported() {
    let ordered = checkPolicy(policyText(inputs: "x: { type: int }", body: "let:\n  b: a + 1\n  a: x * 2\n"))
    #expect(ordered.policy?.lets.map(\.name) == ["a", "b"])
    let cyclic = checkPolicy(
      policyText(inputs: "x: { type: int }", body: "let:\n  a: b + 1\n  b: c + 1\n  c: a\n"))
    expectOne(cyclic, .cyclicLet, underlining: "a")
    #expect(cyclic.diagnostics.first?.message.contains("'a' → 'b' → 'c' → 'a'") == true)
  }

  @Test func weightsMustAddUpToExactlyHundredPercent() {
    let outcome = checkPolicy(
      policyText(
        inputs: "x: { type: int }",
        body: """
          score:
            components:
              a: { weight: 33.3%, points: 100 }
              b: { weight: 33.3%, points: 100 }
              c: { weight: 33.3%, points: 100 }
          """))
    expectOne(outcome, .weightsNotHundred, underlining: "components", helpContains: "add 0.1%")
  }

  @Test func bandsOutOfOrderAndUnreachable() {
    let outcome = checkPolicy(
      policyText(
        inputs: "x: { type: int }",
        body: """
          score:
            components:
              a: { weight: 100%, of: x, bands: ["<= 60: 80", "<= 30: 100", "else: 0", ">= 5: 1"] }
          """))
    expectOne(outcome, .bandsOutOfOrder, underlining: "<= 30: 100")
    expectOne(outcome, .unreachableBand, underlining: ">= 5: 1")
  }

  @Test func bandsCoveringTheInputsBoundsNeedNoElse() {
    let covered = checkPolicy(
      policyText(
        inputs: "x: { type: int, min: 0 }",
        body: """
          score:
            components:
              a: { weight: 100%, of: x, bands: [">= 10: 100", ">= 1: 50", "<= 0: 0"] }
          """))
    #expect(covered.diagnostics.isEmpty, "\(covered.renderedText)")
    let gap = checkPolicy(
      policyText(
        inputs: "x: { type: decimal }",
        body: """
          score:
            components:
              a: { weight: 100%, of: x, bands: [">= 10: 100", "< 5: 0"] }
          """))
    #expect(gap.codes == ["L0414"])
  }

  @Test func laterTierThatImpliesAnEarlierOneIsUnreachable() {
    let outcome = checkPolicy(
      policyText(
        inputs: "x: { type: int }",
        body: """
          score:
            components:
              a: { weight: 100%, points: 50 }
          tiers:
            - { id: standard, label: 普通客户, when: score >= 50 }
            - { id: key, label: 重点客户, when: score >= 70 and x > 3 }
            - { id: watch, label: 观察客户, otherwise: true }
          """))
    expectOne(outcome, .unreachableTier, underlining: "score >= 70 and x > 3")
  }

  @Test func orderedTiersAreReachable() {
    let outcome = checkPolicy(
      policyText(
        inputs: "x: { type: int }",
        body: """
          tiers:
            - { id: a, label: A, when: x >= 10 or x <= -10 }
            - { id: b, label: B, when: x >= 5 }
            - { id: c, label: C, when: x between 0 and 4 }
            - { id: d, label: D, otherwise: true }
          """))
    #expect(outcome.diagnostics.isEmpty, "\(outcome.renderedText)")
  }

  @Test func benefitInheritanceResolvesAndRecordsWhereEachValueCameFrom() {
    let outcome = checkPolicy(
      policyText(
        inputs: "x: { type: int }",
        body: """
          tiers:
            - { id: vip, label: VIP, when: x > 10 }
            - { id: std, label: Std, otherwise: true }
          benefits:
            std: { response_within: 24h, survey: quarterly }
            vip: { inherits: std, response_within: 4h, discount: 10% }
          """))
    #expect(outcome.diagnostics.isEmpty, "\(outcome.renderedText)")
    let vip = outcome.policy?.benefits.first ?? []
    #expect(vip.map(\.name) == ["response_within", "survey", "discount"])
    #expect(vip.map(\.declaredBy) == ["vip", "std", "vip"])
    #expect(vip.first?.value == .duration(LadderDuration(amount: 4, unit: .hours)))
  }

  @Test func inheritanceCyclesAndUnknownTiers() {
    let outcome = checkPolicy(
      policyText(
        inputs: "x: { type: int }",
        body: """
          tiers:
            - { id: a, label: A, when: x > 1 }
            - { id: b, label: B, otherwise: true }
          benefits:
            a: { inherits: b, r: 1h }
            b: { inherits: a, r: 2h }
            c: { r: 3h }
          """))
    #expect(outcome.codes.filter { $0 == "L0408" }.count == 1)
    expectOne(outcome, .unknownTier, underlining: "c")
  }

  @Test func fairnessWarnsWhenOneTierLacksAServiceTime() {
    let outcome = checkPolicy(
      policyText(
        inputs: "x: { type: int }",
        body: """
          tiers:
            - { id: a, label: A, when: x > 2 }
            - { id: b, label: B, when: x > 1 }
            - { id: c, label: C, otherwise: true }
          benefits:
            a: { response_within: 4h }
            b: { response_within: 8h }
            c: { churn_alert: true }
          """))
    expectOne(outcome, .missingBaseService, underlining: "c")
    #expect(outcome.diagnostics.first?.severity == .warning)
    #expect(outcome.policy != nil)
  }

  @Test func unknownKeysSuggestTheNearestKey() {
    let outcome = checkPolicy(policyText(body: "tiers:\n  - { id: a, lable: A, otherwise: true }\n"))
    expectOne(outcome, .unknownKey, underlining: "lable", helpContains: "did you mean 'label'?")
  }

  @Test func listIndexesAreCheckedAgainstTheDeclaredLength() {
    let outcome = checkPolicy(
      policyText(
        inputs: "m: { type: list of decimal, length: 6 }",
        body: """
          let:
            last: m[-1]
            first: m[-6]
            bad: m[6]
          """))
    expectOne(outcome, .indexOutOfRange, underlining: "6")
  }

  @Test func enumValuesAreChecked() {
    let outcome = checkPolicy(
      policyText(
        inputs: "seg: { type: enum, values: [gold, silver] }",
        body: """
          tiers:
            - { id: g, label: G, when: seg == "glod" }
            - { id: r, label: R, otherwise: true }
          """))
    expectOne(outcome, .unknownEnumValue, underlining: "\"glod\"", helpContains: "did you mean 'gold'?")
  }

  @Test func everyExamplePolicyChecksClean() throws {
    let directory = RepositoryPaths.path("policies")
    let names = try FileManager.default.contentsOfDirectory(atPath: directory)
      .filter { $0.hasSuffix(".yaml") && !$0.hasSuffix(".tests.yaml") }.sorted()
    #expect(names.count >= 4)
    for name in names {
      let text = try String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8)
      let outcome = checkPolicy(text, path: "policies/\(name)")
      #expect(outcome.diagnostics.isEmpty, "\(name):\n\(outcome.renderedText)")
      #expect(outcome.policy != nil)
    }
  }

  @Test func tiersThatCoverEveryScoreNeedNoFallback() {
    let covered = checkPolicy(
      policyText(
        inputs: "x: { type: int }",
        body: """
          score:
            components:
              a: { weight: 100%, of: x, bands: [">= 1: 100", "else: 0"] }
          tiers:
            - { id: high, label: High, when: score >= 50 }
            - { id: low, label: Low, when: score < 50 }
          """))
    #expect(covered.diagnostics.isEmpty, "\(covered.renderedText)")
    let gap = checkPolicy(
      policyText(
        inputs: "x: { type: int }",
        body: """
          score:
            components:
              a: { weight: 100%, of: x, bands: [">= 1: 100", "else: 0"] }
          tiers:
            - { id: high, label: High, when: score >= 50 }
            - { id: low, label: Low, when: score < 40 }
          """))
    #expect(gap.codes == ["L0411"])
  }

  @Test func lintsStaySilentOnPoliciesWithErrors() {
    let outcome = checkPolicy(policyText(inputs: "unused: { type: int }", body: "let:\n  a: nope + 1\n"))
    #expect(outcome.codes == ["L0301"])
  }
}
