import Ladder
import LadderTestSupport
import Testing

/// The example of docs/library.md, as a test, so that the documentation keeps compiling.
@Suite struct LibraryUsageTests {
  @Test func documentedExampleWorks() throws {
    let sources = SourceRegistry()
    var diagnostics = DiagnosticBag()
    guard
      let policy = CompiledPolicy.load(
        path: RepositoryPaths.path("policies/b2b-service-tiers.yaml"), sources: sources,
        diagnostics: &diagnostics)
    else {
      Issue.record("policy: \(TextDiagnosticRenderer(sources: sources).render(diagnostics.sorted))")
      return
    }
    let asOf = try #require(CivilDate(parsing: "2024-03-01"))
    let decision = try policy.decide(
      [
        "customer_id": "C2024002", "last_purchase": "2024-01-01", "orders_12m": "6", "spend_12m": "300000",
        "industry_growth": "8%", "repurchase_rate": "60%",
        "monthly_spend": "50000;52000;48000;51000;49000;50000",
      ], asOf: asOf, trace: true)
    #expect(decision.tier?.label == "重点客户")
    #expect(decision.score?.description == "75.00")
    #expect(
      decision.benefits.first { $0.name == "response_within" }?.value
        == .duration(LadderDuration(amount: 8, unit: .hours)))
    let trace = try #require(decision.trace)
    #expect(TraceText.render(trace).contains("✗  repurchase_rate >= 80%  60% < 80%"))
  }

  @Test func unknownFieldsAndBadValuesAreRecordProblems() throws {
    var diagnostics = DiagnosticBag()
    let policy = try #require(
      CompiledPolicy.load(
        path: RepositoryPaths.path("policies/b2b-service-tiers.yaml"), sources: SourceRegistry(),
        diagnostics: &diagnostics))
    let asOf = try #require(CivilDate(parsing: "2024-03-01"))
    #expect(
      throws: RecordProblem(
        line: 1, field: "spend12m", reason: "unknown field 'spend12m'; did you mean 'spend_12m'?")
    ) {
      try policy.decide(["customer_id": "C1", "spend12m": "1"], asOf: asOf)
    }
    #expect(
      throws: RecordProblem(line: 1, key: "C1", field: "industry_growth", reason: "a required field is empty")
    ) {
      try policy.decide(["customer_id": "C1", "orders_12m": "1", "spend_12m": "1"], asOf: asOf)
    }
  }
}
