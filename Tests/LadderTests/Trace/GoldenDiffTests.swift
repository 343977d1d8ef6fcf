import Foundation
import Ladder
import LadderTestSupport
import Testing

/// Pins `ladder diff` output (`Golden/diff/b2b-2024.06.{txt,json,md}`) for the example change of
/// the B2B policy: new weights, a stricter vip line, a longer watch response time.
@Suite struct GoldenDiffTests {
  static func report() throws -> DiffReport {
    let old = try #require(
      compilePolicy(
        try String(contentsOfFile: RepositoryPaths.path("policies/b2b-service-tiers.yaml"), encoding: .utf8),
        path: "policies/b2b-service-tiers.yaml"))
    let newPath = "examples/changes/b2b-service-tiers-2024.06.yaml"
    let new = try #require(
      compilePolicy(try String(contentsOfFile: RepositoryPaths.path(newPath), encoding: .utf8), path: newPath)
    )
    let bytes = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/b2b-service-tiers.csv"))))
    let asOf = try #require(CivilDate(parsing: "2024-03-01"))
    let impact = try ImpactAnalysis.analyze(old: old, new: new, bytes: bytes, format: .csv, asOf: asOf)
    return DiffReport(
      old: old, new: new, oldName: "policies/b2b-service-tiers.yaml", newName: newPath,
      changes: PolicyDiff.changes(from: old.checked, to: new.checked), impact: impact,
      recordsName: "examples/b2b-service-tiers.csv", moverLimit: 20)
  }

  @Test func diffOutputsMatchTheGoldenFiles() throws {
    let report = try Self.report()
    GoldenOutputs.check(report.renderText(), "diff/b2b-2024.06.txt")
    GoldenOutputs.check(report.renderJSON(), "diff/b2b-2024.06.json")
    GoldenOutputs.check(report.renderMarkdown(), "diff/b2b-2024.06.md")
  }

  @Test func changesAreInDomainTerms() throws {
    let report = try Self.report()
    let subjects = report.changes.map(\.subject)
    #expect(subjects.contains("weight of 'monetary'"))
    #expect(subjects.contains("condition of tier 'vip'"))
    #expect(report.changes.contains { $0.subject == "churn_alert of tier 'watch'" && $0.kind == .removed })
    let impact = try #require(report.impact)
    #expect(
      impact.movedCount == 2 && impact.downgradedCount == 1 && impact.evaluated == 33 && impact.rejected == 8)
    #expect(impact.benefits.first { $0.benefit == "churn_alert" }?.lost == 14)
    #expect(impact.benefits.first { $0.benefit == "response_within" }?.worse == 14)
  }

  @Test func identicalPoliciesHaveNoChangesAndMoveNobody() throws {
    let text = try String(
      contentsOfFile: RepositoryPaths.path("policies/loyalty-tiers.yaml"), encoding: .utf8)
    let a = try #require(compilePolicy(text))
    let b = try #require(compilePolicy(text))
    #expect(PolicyDiff.changes(from: a.checked, to: b.checked).isEmpty)
  }
}
