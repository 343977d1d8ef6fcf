import Foundation
import LadderTestSupport
import Testing

@Suite struct DiffCommandTests {
  static let old = "policies/b2b-service-tiers.yaml"
  static let new = "examples/changes/b2b-service-tiers-2024.06.yaml"
  static let records = "examples/b2b-service-tiers.csv"

  func diff(_ extra: [String], reversed: Bool = false) throws -> CLIResult {
    let pair = reversed ? [Self.new, Self.old] : [Self.old, Self.new]
    return try CLIRunner.run(["diff"] + pair + [Self.records, "--as-of", "2024-03-01"] + extra)
  }

  /// The HTML page (issue 16): the changes, the migration matrix drawn as a heat map with every
  /// count written in and in a table beside it, the movers with their reasons; nothing fetched.
  @Test func htmlDrawsTheMigrationMatrixAndListsTheMovers() throws {
    let result = try diff(["--format", "html"])
    #expect(result.exitCode == 0)
    let page = result.stdout
    #expect(page.hasPrefix("<!DOCTYPE html>") && page.hasSuffix("</html>\n"))
    #expect(page.contains("<title id=\"moves-title\">Migration matrix</title>"))
    // 5 × 5 cells (vip, key, standard, watch, none), each with its count.
    #expect(page.components(separatedBy: "<rect ").count - 1 == 25)
    #expect(
      page.contains("<title>standard → watch: 1</title>")
        && page.contains("<title>watch → standard: 1</title>"))
    #expect(page.contains("<td>C2024028</td><td>standard</td><td>watch</td><td>down</td>"))
    #expect(page.contains("2 of 33 customers change tier (6.1%), 1 downgraded"))
    for fetch in ["<script", " src=", " href=", "url(", "<link"] {
      #expect(!page.contains(fetch), "\(fetch)")
    }
    #expect(try diff(["--format", "html"]).stdout == page)
  }

  @Test func markdownMatchesTheGoldenFile() throws {
    let result = try diff(["--format", "markdown"])
    #expect(result.exitCode == 0)
    let golden = try String(
      contentsOfFile: RepositoryPaths.path("Tests/LadderTests/Golden/diff/b2b-2024.06.md"), encoding: .utf8)
    #expect(result.stdout == golden)
  }

  @Test func movedGate() throws {
    let failing = try diff(["--fail-if-moved", "5%"])
    #expect(failing.exitCode == 3)
    #expect(failing.stderr == "gate failed: 6.1% of records changed tier, more than 5%\n")
    #expect(try diff(["--fail-if-moved", "10%"]).exitCode == 0)
  }

  @Test func downgradedGate() throws {
    // Going back from 2024.06 to 2024.03 moves C2024030 down from standard to watch (its
    // potential counts for less again: 50.50 → 49.50).
    let failing = try diff(["--fail-if-downgraded", "0"], reversed: true)
    #expect(failing.exitCode == 3)
    #expect(failing.stderr == "gate failed: 1 record was downgraded, more than 0\n")
    #expect(try diff(["--fail-if-downgraded", "1"], reversed: true).exitCode == 0)
  }

  @Test func benefitLostGate() throws {
    let failing = try diff(["--fail-if-benefit-lost", "churn_alert", "--fail-if-benefit-lost", "fast_lane"])
    #expect(failing.exitCode == 3)
    #expect(failing.stderr == "gate failed: 14 records lose churn_alert\n")
    #expect(try diff(["--fail-if-benefit-lost", "fast_lane"]).exitCode == 0)
  }

  @Test func benefitWorseGate() throws {
    // 2024.06 gives the watch tier 72h instead of 48h; a lower response time is declared better.
    let failing = try diff(["--fail-if-benefit-worse", "response_within"])
    #expect(failing.exitCode == 3)
    #expect(failing.stderr == "gate failed: 14 records get a worse response_within\n")
    // A benefit removed is worse too.
    let reversed = try diff(["--fail-if-benefit-worse", "discount_budget"], reversed: true)
    #expect(reversed.exitCode == 3)
    #expect(reversed.stderr == "gate failed: 1 record loses discount_budget\n")
    // Nobody moves into or out of vip: its off-day resolution time is no worse for anyone.
    #expect(try diff(["--fail-if-benefit-worse", "resolve_within_off_days"]).exitCode == 0)
  }

  @Test func gatesRejectBenefitsNeitherVersionGrants() throws {
    let misspelt = try diff(["--fail-if-benefit-lost", "churn_alrt"])
    #expect(misspelt.exitCode == 64)
    #expect(
      misspelt.stderr.contains(
        "--fail-if-benefit-lost 'churn_alrt': neither version of the policy grants a benefit of that name; did you mean 'churn_alert'?"
      ))
    #expect(try diff(["--fail-if-benefit-worse", "account_manager"]).exitCode == 64)
    // Worse needs a declared direction.
    let undirected = try diff(["--fail-if-benefit-worse", "churn_alert"])
    #expect(undirected.exitCode == 64)
    #expect(undirected.stderr.contains("declare it under 'entitlements'"))
  }

  @Test func gitRevisionsAreRead() throws {
    let result = try CLIRunner.run([
      "diff", "HEAD:policies/airline-status.yaml", "HEAD:policies/airline-status.yaml",
    ])
    #expect(result.exitCode == 0, "\(result.stderr)")
    #expect(result.stdout.contains("changes (0)\n  none\n"))
  }

  @Test func usageAndPolicyErrors() throws {
    #expect(try CLIRunner.run(["diff", Self.old, Self.new, "--fail-if-moved", "5%"]).exitCode == 64)
    #expect(
      try CLIRunner.run(["diff", Self.old, Self.new, Self.records, "--fail-if-moved", "lots"]).exitCode == 64)
    let broken = try CLIRunner.run([
      "diff", Self.old, "Tests/LadderTests/Golden/diagnostics/weights-not-100.yaml",
    ])
    #expect(broken.exitCode == 1)
    #expect(broken.stderr.contains("[L0403]"))
    #expect(try CLIRunner.run(["diff", Self.old, "no-such-file.yaml"]).exitCode == 1)
  }
}
