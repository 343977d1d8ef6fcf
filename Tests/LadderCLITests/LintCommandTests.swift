import Foundation
import LadderTestSupport
import Testing

@Suite struct LintCommandTests {
  static let unused = "Tests/LadderTests/Golden/diagnostics/unused-names.yaml"

  @Test func lintsAreWarningsUnlessStrict() throws {
    let relaxed = try CLIRunner.run(["lint", Self.unused])
    #expect(relaxed.exitCode == 0)
    #expect(relaxed.stderr.contains("warning: input 'region' is not used by any rule [L0419]"))
    #expect(relaxed.stderr.hasSuffix("linted 1 policy: 3 warnings\n"))
    let strict = try CLIRunner.run(["lint", "--strict", Self.unused])
    #expect(strict.exitCode == 1)
    #expect(strict.stderr.hasSuffix("linted 1 policy: 3 errors\n"))
  }

  @Test func lintShowsOnlyLintsAndErrors() throws {
    // The weights golden has an error and no lints: lint shows the error, and fails.
    let result = try CLIRunner.run(["lint", "Tests/LadderTests/Golden/diagnostics/weights-not-100.yaml"])
    #expect(result.exitCode == 1)
    #expect(result.stderr.contains("[L0403]"))
  }

  @Test func examplePoliciesHaveNoLints() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: RepositoryPaths.path("policies"))
      .filter { $0.hasSuffix(".yaml") && !$0.hasSuffix(".tests.yaml") }.sorted().map { "policies/\($0)" }
    let result = try CLIRunner.run(["lint", "--strict"] + names)
    #expect(result.exitCode == 0, "\(result.stderr)")
  }

  @Test func githubAnnotationsPointAtTheLines() throws {
    let result = try CLIRunner.run([
      "check", "--format", "github", "Tests/LadderTests/Golden/diagnostics/benefit-not-monotonic.yaml",
    ])
    #expect(result.exitCode == 0)
    #expect(
      result.stdout
        == "::warning file=Tests/LadderTests/Golden/diagnostics/benefit-not-monotonic.yaml,line=11,col=27,endColumn=30,title=L0417::tier 'vip' gets response_within 48h, worse than 24h for the lower tier 'standard' (help: a higher tier should never be served worse; fix the value, or the declared direction of 'response_within')\n"
    )
  }
}
