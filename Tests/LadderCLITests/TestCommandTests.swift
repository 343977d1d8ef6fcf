import Foundation
import LadderTestSupport
import Testing

@Suite struct TestCommandTests {
  static func folderWithFailingTest() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "ladder-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let policy = try String(
      contentsOfFile: RepositoryPaths.path("policies/b2b-service-tiers.yaml"), encoding: .utf8)
    try policy.write(to: directory.appendingPathComponent("b2b.yaml"), atomically: true, encoding: .utf8)
    let tests = """
      tests: b2b.yaml
      as_of: 2024-03-01
      defaults: { customer_id: T, orders_12m: 12, spend_12m: 800000, industry_growth: 15%, repurchase_rate: 85%,
                  monthly_spend: [1, 1, 1, 1, 1, 1], last_purchase: 2024-01-31 }
      cases:
        - name: full marks is vip
          expect: { tier: vip }
        - name: this expectation is wrong on purpose
          record: { repurchase_rate: 60% }
          expect: { tier: vip }
      """
    try tests.write(to: directory.appendingPathComponent("b2b.tests.yaml"), atomically: true, encoding: .utf8)
    return directory
  }

  @Test func examplePoliciesPassWithFullCoverage() throws {
    let result = try CLIRunner.run(["test", "--coverage-threshold", "100", "policies"])
    #expect(result.exitCode == 0, "\(result.stdout)")
    let closing = result.stdout.split(separator: "\n").last ?? ""
    #expect(closing.hasSuffix(" passed, 0 failed"))
    #expect((Int(closing.prefix { $0.isNumber }) ?? 0) >= 60, "\(closing)")
    #expect(result.stdout.contains("coverage 100.0% (38 of 38)"))
  }

  @Test func aFailureShowsExpectedActualAndTheDecidingTraceAndExitsOne() throws {
    let directory = try Self.folderWithFailingTest()
    defer { try? FileManager.default.removeItem(at: directory) }
    let junit = directory.appendingPathComponent("report.xml").path
    let result = try CLIRunner.run(["test", directory.path, "--junit", junit])
    #expect(result.exitCode == 1)
    #expect(
      result.stdout.contains("✗ this expectation is wrong on purpose\n      tier: expected 'vip', got 'key'"))
    #expect(result.stdout.contains("✗  repurchase_rate >= 80%  60% < 80%"))
    #expect(result.stdout.hasSuffix("1 passed, 1 failed\n"))
    let xml = try String(contentsOfFile: junit, encoding: .utf8)
    #expect(xml.contains("<testsuites name=\"ladder test\" tests=\"2\" failures=\"1\">"))
    #expect(xml.contains("<failure message=\"tier: expected &apos;vip&apos;, got &apos;key&apos;\">"))
  }

  @Test func coverageBelowTheThresholdFails() throws {
    let directory = try Self.folderWithFailingTest()
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try CLIRunner.run(["test", directory.path, "--coverage-threshold", "90"])
    #expect(result.exitCode == 1)
    #expect(result.stdout.contains("not covered:\n    tier 'standard' assigned"))
    #expect(result.stdout.contains("below --coverage-threshold 90.0%"))
  }

  @Test func githubFormatAnnotatesTheFailedCase() throws {
    let directory = try Self.folderWithFailingTest()
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try CLIRunner.run(["test", directory.path, "--format", "github"])
    #expect(result.exitCode == 1)
    let annotation = result.stdout.split(separator: "\n").first { $0.hasPrefix("::error ") }
    #expect(annotation?.contains("b2b.tests.yaml,line=8,col=5") == true, "\(result.stdout)")
    #expect(
      annotation?.hasSuffix("::this expectation is wrong on purpose: tier: expected 'vip', got 'key'") == true
    )
  }

  @Test func jsonFormatReportsCasesAndCoverage() throws {
    let result = try CLIRunner.run(["test", "policies/airline-status.tests.yaml", "--format", "json"])
    #expect(result.exitCode == 0)
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    let summary = object?["summary"] as? [String: Any]
    #expect(summary?["passed"] as? Int == 7)
    let suites = object?["suites"] as? [[String: Any]]
    #expect((suites?.first?["coverage"] as? [String: Any])?["percent"] as? String == "100.0")
  }

  @Test func brokenTestFilesAreDiagnosed() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "ladder-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try "tests: missing.yaml\ncases:\n  - { name: x, expct: { tier: a } }\n".write(
      to: directory.appendingPathComponent("x.tests.yaml"), atomically: true, encoding: .utf8)
    let result = try CLIRunner.run(["test", directory.path])
    #expect(result.exitCode == 1)
    #expect(result.stderr.contains("unknown key 'expct' in a test case [L0101]"))
    #expect(result.stderr.contains("= help: did you mean 'expect'?"))
  }
}
