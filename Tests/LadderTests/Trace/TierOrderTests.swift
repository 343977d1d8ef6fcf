import Foundation
import Ladder
import LadderTestSupport
import Testing

/// `tier_order: worst-first` (issue 11): a risk-grade policy lists its worst grade first, and
/// the lints and `diff`'s up, down and downgrade count follow its ranking, not the list order.
@Suite struct TierOrderTests {
  static let path = "policies/fintech-risk-grades.yaml"

  static func text() throws -> String {
    try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8)
  }

  /// The same policy read best-first: the `tier_order` line removed.
  static func bestFirst(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("tier_order:") }
      .joined(separator: "\n")
  }

  @Test func ranksRunFromTheLastTierWhenWorstFirst() throws {
    let policy = try #require(compilePolicy(try Self.text(), path: Self.path))
    #expect(policy.checked.tierOrder == .worstFirst)
    #expect(policy.checked.tiers.map(\.id) == ["high", "medium", "low"])
    #expect(policy.checked.tiers.indices.map { policy.checked.rank(ofTierAt: $0) } == [2, 1, 0])
  }

  @Test func benefitMonotonicityFollowsTheRanking() throws {
    let worstFirst = checkPolicy(try Self.text(), path: Self.path)
    #expect(!worstFirst.codes.contains("L0417"), "\(worstFirst.renderedText)")
    // Read best-first, the same benefits run the wrong way: high risk "gets less" than medium.
    let bestFirst = checkPolicy(Self.bestFirst(try Self.text()), path: Self.path)
    #expect(bestFirst.codes.filter { $0 == "L0417" }.count == 6, "\(bestFirst.renderedText)")
  }

  @Test func aMoveToAWorseGradeIsADowngrade() throws {
    let text = try Self.text()
    // The new version is stricter: 40 points make high risk, not 60.
    let stricter = text.replacingOccurrences(of: "when: score >= 60 or", with: "when: score >= 40 or")
    #expect(stricter != text)
    let records = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/fintech-risk-grades.csv"))))
    let asOf = try #require(CivilDate(parsing: "2024-03-01"))
    func impact(_ old: String, _ new: String) throws -> ImpactReport {
      let a = try #require(compilePolicy(old, path: "old.yaml"))
      let b = try #require(compilePolicy(new, path: "new.yaml"))
      return try ImpactAnalysis.analyze(old: a, new: b, bytes: records, format: .csv, asOf: asOf)
    }
    let report = try impact(text, stricter)
    let toHigh = report.moves.filter { $0.from == "medium" && $0.to == "high" }
    #expect(!toHigh.isEmpty && report.moves.count == toHigh.count, "\(report.moves)")
    #expect(report.downgradedCount == toHigh.count)
    // Read best-first, the same moves would have been upgrades.
    let naive = try impact(Self.bestFirst(text), Self.bestFirst(stricter))
    #expect(naive.moves.count == toHigh.count && naive.downgradedCount == 0)
    // A change of order is a change `diff` reports.
    let changes = PolicyDiff.changes(
      from: try #require(compilePolicy(Self.bestFirst(text), path: "old.yaml")).checked,
      to: try #require(compilePolicy(text, path: "new.yaml")).checked)
    #expect(
      changes.contains { $0.subject == "tier order" && $0.old == "best-first" && $0.new == "worst-first" })
  }

  @Test func anUnknownOrderIsRefused() throws {
    let text = (try? Self.text()) ?? ""
    let outcome = checkPolicy(
      text.replacingOccurrences(of: "tier_order: worst-first", with: "tier_order: backwards"))
    #expect(outcome.codes == ["L0105"], "\(outcome.renderedText)")
    #expect(
      outcome.renderedText.contains("'tier_order' must be 'best-first' or 'worst-first', not 'backwards'"))
  }
}

/// The text trace opens with one plain sentence and names policy locations only when asked
/// (issue 11).
@Suite struct DecisionStoryTests {
  static func trace(_ key: String, policy name: String = "b2b-service-tiers") throws -> DecisionTrace {
    let text = try String(contentsOfFile: RepositoryPaths.path("policies/\(name).yaml"), encoding: .utf8)
    let policy = try #require(compilePolicy(text, path: "policies/\(name).yaml"))
    let bytes = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/\(name).csv"))))
    let decision = try #require(
      evaluate(policy, bytes: bytes, format: .csv, asOf: "2024-03-01", trace: true).compactMap(\.decision)
        .first {
          $0.key == key
        })
    return try #require(decision.trace)
  }

  @Test func theSentenceSaysWhatHeldAndWhyEachTierAboveDidNot() throws {
    #expect(
      try Self.trace("C2024002").summary
        == "重点客户 (key): score 75.00 is at least 70; not VIP客户 (vip) because score 75.00 is under 90 and repurchase rate 60% is under 80%"
    )
    #expect(
      try Self.trace("C2024003").summary
        == "观察客户 (watch): no tier above applies; not VIP客户 (vip) because score 45.00 is under 90 and repurchase rate 30% is under 80%; not 重点客户 (key) because score 45.00 is under 70; not 普通客户 (standard) because score 45.00 is under 50"
    )
    // Only the comparisons that decided: of an `or`, the one that held.
    #expect(
      try Self.trace("F00020", policy: "fintech-risk-grades").summary
        == "高风险 (high): score 83 is at least 60 and credit score 579 is under 580")
  }

  @Test func locationsOnlyWhenAsked() throws {
    let trace = try Self.trace("C2024002")
    let plain = TraceText.render(trace)
    #expect(plain.split(separator: "\n")[1].hasPrefix("  重点客户 (key): score 75.00"))
    #expect(!plain.contains("policies/b2b-service-tiers.yaml:"))
    let located = TraceText.render(trace, locations: true)
    #expect(
      located.contains(
        "recency    60         \"<= 60: 80\"       80 pts  × 20%  = 16    policies/b2b-service-tiers.yaml:35:75"
      ))
    // JSON keeps everything.
    #expect(TraceJSON.render(trace).contains("\"at\":\"policies/b2b-service-tiers.yaml:35:75\""))
  }

  /// Points written as an if-chain say which branch applied (issue 11: the chain printed whole).
  @Test func anIfChainOfPointsSaysWhichBranchApplied() throws {
    let text = """
      ladder: 1
      policy: branches
      inputs:
        id: { type: string, key: true }
        tenure_years: { type: int, min: 0 }
      score:
        components:
          tenure:
            weight: 100%
            points: if tenure_years >= 5 then 100 else if tenure_years >= 2 then 60 else 20
      tiers:
        - { id: loyal, when: score >= 60 }
        - { id: new, otherwise: true }
      """
    let policy = try #require(compilePolicy(text))
    let outcomes = evaluate(policy, csv: "id,tenure_years\na,7\nb,3\nc,1\n", trace: true)
    let lines = try outcomes.map { outcome in
      let trace = try #require(outcome.decision?.trace)
      return try #require(TraceText.render(trace).split(separator: "\n").first { $0.contains(" took ") })
    }
    #expect(
      lines == [
        "  tenure took branch 1 of 3: tenure_years >= 5", "  tenure took branch 2 of 3: tenure_years >= 2",
        "  tenure took branch 3 of 3: else",
      ])
    // The JSON trace says it too, the same on both backends.
    let records = Array("id,tenure_years\na,7\nb,3\nc,1\n".utf8)
    #expect(try ColumnarDifferentialTests.expectSameBytes(policy, records, traced: true) == 3)
    let json = outcomes.compactMap { $0.decision?.trace }.map { TraceJSON.render($0) }
    #expect(json[1].contains(#""branch":{"number":2,"of":3,"condition":"tenure_years >= 2"}"#))
    #expect(json[2].contains(#""branch":{"number":3,"of":3,"condition":null}"#))
  }
}
