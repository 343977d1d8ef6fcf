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

  /// `outputs:` checks an `output:` column as eval writes it; a name the policy does not output
  /// fails and lists the ones it does.
  @Test func outputExpectationsCompareTheWrittenValue() throws {
    let sources = SourceRegistry()
    let file = sources.add(
      path: "policies/outputs.tests.yaml",
      text: """
        tests: retail-rfm-abc.yaml
        as_of: 2024-03-01
        cases:
          - name: right
            record: { customer_id: A, last_purchase: 2024-02-29, orders_12m: 20, spend_12m: 20000 }
            expect: { outputs: { value_class: high, abc: A, r: 2 } }
          - name: wrong
            record: { customer_id: B, last_purchase: 2023-02-28, orders_12m: 1, spend_12m: 10 }
            expect: { outputs: { value_class: high, segment: x } }
        """)
    var diagnostics = DiagnosticBag()
    let suite = try #require(PolicyTestReader.read(file, into: &diagnostics))
    let path = "policies/retail-rfm-abc.yaml"
    let policy = try #require(
      compilePolicy(try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8), path: path))
    let report = PolicyTestRunner.run(suite, suitePath: "policies/outputs.tests.yaml", policy: policy)
    // One population of two: A is above average on all three (high value), B below on all three.
    #expect(
      report.results.map(\.failures) == [
        [],
        [
          "output 'value_class': expected high, got low",
          "output 'segment': the policy has no such output (its outputs: r, f, m, abc, value_class)",
        ],
      ])
  }
}
