import Foundation
import Ladder
import LadderTestSupport
import Testing

/// Pins the test report and the JUnit XML of a suite with a failing case:
/// `Golden/test-reports/failing.{txt,xml}`.
@Suite struct PolicyTestReportTests {
  static let suiteText = """
    tests: b2b-service-tiers.yaml
    as_of: 2024-03-01
    defaults: { customer_id: T, last_purchase: 2024-01-31, orders_12m: 12, spend_12m: 800000, industry_growth: 15%,
                repurchase_rate: 85%, monthly_spend: [1, 1, 1, 1, 1, 1] }
    cases:
      - name: the worked example A scores 92 and is vip
        expect: { tier: vip, score: 92.00 }
      - name: a deliberately wrong expectation
        record: { repurchase_rate: 60% }
        expect: { tier: vip, benefits: { discount_budget: 10% } }
    tables:
      - name: frequency edges
        record: [orders_12m]
        expect: [score]
        rows: [[6, 90.50], [5, 90.50]]
    """

  static func report() throws -> PolicyTestReport {
    let sources = SourceRegistry()
    let file = sources.add(path: "policies/failing.tests.yaml", text: suiteText)
    var diagnostics = DiagnosticBag()
    let suite = try #require(PolicyTestReader.read(file, into: &diagnostics))
    let policyText = try String(
      contentsOfFile: RepositoryPaths.path("policies/b2b-service-tiers.yaml"), encoding: .utf8)
    let policy = try #require(compilePolicy(policyText, path: "policies/b2b-service-tiers.yaml"))
    return PolicyTestRunner.run(suite, suitePath: "policies/failing.tests.yaml", policy: policy)
  }

  @Test func reportAndJUnitMatchTheGoldenFiles() throws {
    let report = try Self.report()
    #expect(report.passedCount == 2 && report.failedCount == 2)
    var text = ""
    for result in report.results {
      text += "\(result.passed ? "✓" : "✗") \(result.name)\n"
      for failure in result.failures { text += "    \(failure)\n" }
      if let explanation = result.explanation { text += explanation }
    }
    text += "coverage \(report.coveragePercent)%\n"
    text += report.coverage.filter { !$0.isCovered }.map {
      "  not covered: \($0.description) \($0.location)\n"
    }.joined()
    GoldenOutputs.check(text, "test-reports/failing.txt")
    GoldenOutputs.check(JUnitReport.render([report]), "test-reports/failing.xml")
  }

  @Test func tableRowsAreNamedAfterTheirValues() throws {
    let report = try Self.report()
    #expect(
      report.results.map(\.name).suffix(2) == [
        "frequency edges [orders_12m=6]", "frequency edges [orders_12m=5]",
      ])
    #expect(report.results.last?.failures == ["score: expected 90.50, got 84.50"])
  }
}
