import Foundation
import LadderTestSupport
import Testing

/// docs/lifecycle.md walks through a year of quarterly `ladder run`s of the B2B example. Each of
/// its console blocks is run here, in order, on a fresh ledger, and must print what the page
/// shows. Only what cannot repeat is set aside: SHA-256 hashes (the chain covers the time of each
/// run) and the time a run was recorded.
@Suite struct LifecycleWalkthroughTests {
  static let page = "docs/lifecycle.md"

  /// Each console block: the command after `$ ladder `, and the output shown under it.
  static func blocks(of path: String = page) throws -> [(command: [String], output: String)] {
    let text = try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8)
    return text.components(separatedBy: "```console\n").dropFirst().compactMap { rest in
      guard let block = rest.components(separatedBy: "```").first else { return nil }
      var lines = block.components(separatedBy: "\n")
      guard let first = lines.first, first.hasPrefix("$ ladder ") else { return nil }
      lines.removeFirst()
      return (
        first.dropFirst("$ ladder ".count).split(separator: " ").map(String.init),
        lines.joined(separator: "\n")
      )
    }
  }

  /// Hashes and times replaced by placeholders.
  static func steady(_ text: String) -> String {
    text.replacingOccurrences(of: "[0-9a-f]{64}", with: "<sha256>", options: .regularExpression)
      .replacingOccurrences(
        of: "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", with: "<time>",
        options: .regularExpression)
  }

  @Test func everyCommandOfThePagePrintsWhatThePageShows() throws {
    let blocks = try Self.blocks()
    #expect(blocks.count == 8, "the page's console blocks")
    #expect(blocks.filter { $0.command.first == "run" }.count == 4, "four quarterly runs")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "ladder-walkthrough-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let ledger = directory.appendingPathComponent("ladder.db").path
    for (command, shown) in blocks {
      let result = try CLIRunner.run(command + ["--ledger", ledger])
      #expect(result.exitCode == 0, "ladder \(command.joined(separator: " ")): \(result.stderr)")
      let printed = (result.stdout + result.stderr).replacingOccurrences(of: ledger, with: "ladder.db")
      #expect(
        Self.steady(printed) == Self.steady(shown),
        "ladder \(command.joined(separator: " ")) printed:\n\(printed)")
    }
  }

  @Test func jsonListsWhatWasHeldBackAndWithWhatItTakesHowToKeepTheTier() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "ladder-walkthrough-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let ledger = directory.appendingPathComponent("ladder.db").path
    for (asOf, extra) in [("2024-03-01", [String]()), ("2024-06-01", ["--what-it-takes"])] {
      let result = try CLIRunner.run(
        [
          "run", "policies/b2b-service-tiers.yaml", "examples/b2b-quarters/\(asOf).csv", "--as-of", asOf,
          "--format", "json", "--ledger", ledger,
        ] + extra)
      #expect(result.exitCode == 0, "\(result.stderr)")
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
      let held = try #require(object["held"] as? [[String: Any]])
      guard asOf == "2024-06-01" else {
        #expect(held.isEmpty)
        continue
      }
      let warned = try #require(held.first { $0["key"] as? String == "C2024008" })
      #expect(
        warned["outcome"] as? String == "downgrade-at-review"
          && warned["next_review"] as? String == "2024-09-01")
      let keep = try #require(warned["to_keep"] as? [[String: Any]])
      // The same answer the text gives: a repurchase rate of 60% would keep standard.
      #expect(keep.contains { $0["input"] as? String == "repurchase_rate" && $0["to"] as? String == "60%" })
      let changes = try #require(object["changes"] as? [[String: Any]])
      #expect(
        changes.contains { $0["key"] as? String == "C2024006" && $0["outcome"] as? String == "downgraded" })
    }
  }

  /// The page's sentences about the year, held to the ledger it leaves.
  @Test func theStoriesThePageTellsAreWhatTheLedgerHolds() throws {
    let blocks = try Self.blocks()
    let runs = blocks.filter { $0.command.first == "run" }.map(\.output)
    #expect(runs.count == 4)
    // Second quarter: B公司 up at once, A公司 down at its quarterly review, 北方制造 down at once
    // by the spend-collapse trigger although its review is in September, four warned.
    #expect(runs[1].contains("C2024002  key → vip       up"))
    #expect(runs[1].contains("C2024001  vip → key       down"))
    #expect(runs[1].contains("C2024006  key → standard  down"))
    #expect(runs[1].contains("held back by the lifecycle: 4 (4 will drop at their next review"))
    // Third quarter: the four warned drop at their half-yearly review.
    for key in ["C2024004", "C2024007", "C2024008", "C2024016"] {
      let line = runs[2].split(separator: "\n").first { $0.hasPrefix("  \(key)  ") }
      #expect(line?.hasSuffix("down") == true, "\(key): \(line ?? "not listed")")
      #expect(runs[1].contains("\(key)  stays"), "\(key) was warned")
    }
    // Fourth quarter: C公司 keeps standard until March.
    #expect(runs[3].contains("C2024003  stays standard; drops to watch at its review on 2025-03-01"))
  }
}
