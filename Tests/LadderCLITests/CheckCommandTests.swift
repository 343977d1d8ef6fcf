import Foundation
import LadderTestSupport
import Testing

/// End-to-end: runs the built `ladder` and checks its exit code, stdout and stderr.
@Suite struct CheckCommandTests {
  @Test func examplePoliciesCheckCleanWithExitZero() throws {
    let result = try CLIRunner.run([
      "check", "policies/b2b-service-tiers.yaml", "policies/loyalty-tiers.yaml",
      "policies/request-response.yaml",
      "policies/airline-status.yaml",
    ])
    #expect(result.exitCode == 0, "\(result.stderr)")
    #expect(result.stdout.isEmpty)
    #expect(result.stderr == "checked 4 policies: no problems\n")
  }

  @Test func errorsExitOneWithLocatedFindingsOnStderr() throws {
    let path = "Tests/LadderTests/Golden/diagnostics/unknown-field-suggests-nearest.yaml"
    let result = try CLIRunner.run(["check", path])
    #expect(result.exitCode == 1)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.hasPrefix("\(path):7:36: error: unknown name 'spend12m' [L0301]\n"))
    #expect(result.stderr.contains("= help: did you mean 'spend_12m'?"))
    #expect(result.stderr.hasSuffix("checked 1 policy: 1 error\n"))
    // No colour codes when standard error is not a terminal.
    #expect(!result.stderr.contains("\u{1B}["))
  }

  @Test func jsonFormatWritesOneObjectToStdout() throws {
    let path = "Tests/LadderTests/Golden/diagnostics/weights-not-100.yaml"
    let result = try CLIRunner.run(["check", "--format", "json", path])
    #expect(result.exitCode == 1)
    #expect(result.stderr.isEmpty)
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    let diagnostics = object?["diagnostics"] as? [[String: Any]]
    #expect(diagnostics?.first?["code"] as? String == "L0403")
    let summary = object?["summary"] as? [String: Any]
    #expect(summary?["errors"] as? Int == 1)
  }

  @Test func warningsPassUnlessStrict() throws {
    let path = "Tests/LadderTests/Golden/diagnostics/no-fallback-tier.yaml"
    let relaxed = try CLIRunner.run(["check", path])
    #expect(relaxed.exitCode == 0)
    #expect(relaxed.stderr.contains("warning: no tier takes"))
    let strict = try CLIRunner.run(["check", "--strict", path])
    #expect(strict.exitCode == 1)
    #expect(strict.stderr.contains("error: no tier takes"))
    #expect(strict.stderr.hasSuffix("checked 1 policy: 1 error\n"))
  }

  @Test func usageErrorsExitSixtyFour() throws {
    #expect(try CLIRunner.run(["check"]).exitCode == 64)
    #expect(try CLIRunner.run(["check", "--format", "xml", "policies/loyalty-tiers.yaml"]).exitCode == 64)
    #expect(try CLIRunner.run(["frobnicate"]).exitCode == 64)
  }

  @Test func missingFileIsReportedNotCrashed() throws {
    let result = try CLIRunner.run(["check", "no/such/policy.yaml"])
    #expect(result.exitCode == 1)
    #expect(result.stderr.contains("error: cannot read 'no/such/policy.yaml': no such file [L0001]"))
  }

  @Test func hostileFilesGetADiagnosticNotACrash() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "ladder-hostile-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var random = SeededRandom(seed: 5)
    let cases: [String: [UInt8]] = [
      "deep.yaml": Array(
        ("a: " + String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000)).utf8),
      "dashes.yaml": Array(("a:\n" + String(repeating: "- ", count: 20_000) + "x\n").utf8),
      "random.yaml": (0..<50_000).map { _ in UInt8.random(in: 0...255, using: &random) },
      "long-line.yaml": Array(
        ("ladder: 1\npolicy: p\ntitle: " + String(repeating: "长", count: 1_000_000) + "\n").utf8),
      "long-expression.yaml": Array(
        ("ladder: 1\npolicy: p\ninputs: {id: {type: string, key: true}}\nlet:\n  a: "
          + Array(repeating: "1", count: 100_000).joined(separator: " + ") + "\ntiers: []\n").utf8),
      "key-bomb.yaml": Array(
        ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
          + "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
          + "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n? *f\n: 1\n")
          .utf8),
    ]
    for (name, bytes) in cases {
      let url = directory.appendingPathComponent(name)
      try Data(bytes).write(to: url)
      let result = try CLIRunner.run(["check", url.path])
      #expect(result.exitCode == 1, "\(name): \(result.stderr.prefix(300))")
      #expect(result.stderr.contains("error:"), "\(name)")
      #expect(result.stderr.contains("checked 1 policy"), "\(name)")
    }
  }
}
