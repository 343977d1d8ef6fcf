import Foundation
import Ladder
import LadderTestSupport
import Testing

/// `ladder ledger report` (issue 16): a year of quarterly runs, each run's tier counts and each
/// flow between consecutive runs checked against `ladder export` on the runs' dates, another
/// reader of the same ledger.
@Suite struct LedgerReportTests {
  static let quarters = ["2024-03-01", "2024-06-01", "2024-09-01", "2024-12-01"]
  static let policy = "policies/b2b-service-tiers.yaml"

  static func ledger() throws -> (directory: URL, path: String) {
    let directory = try EvalCommandTests.temporaryDirectory()
    let path = directory.appendingPathComponent("quarters.db").path
    for quarter in quarters {
      let run = try CLIRunner.run([
        "run", policy, "examples/b2b-quarters/\(quarter).csv", "--as-of", quarter, "--ledger", path, "--by",
        "test",
      ])
      #expect(run.exitCode == 0, "\(run.stderr)")
    }
    return (directory, path)
  }

  /// Each key's tier in force on `date`, as `ladder export` writes it, by the tier's label.
  static func exported(_ ledger: String, on date: String, labels: [String: String]) throws -> [String: String]
  {
    let export = try CLIRunner.run(["export", "--ledger", ledger, "--as-of", date])
    #expect(export.exitCode == 0)
    var tiers: [String: String] = [:]
    for line in export.stdout.split(separator: "\n").dropFirst() {
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      tiers[fields[0]] = labels[fields[1]] ?? "no tier"
    }
    return tiers
  }

  @Test func countsAndFlowsAreWhatExportSaysOnEachRunsDate() throws {
    let (directory, path) = try Self.ledger()
    defer { try? FileManager.default.removeItem(at: directory) }
    let text = try String(contentsOfFile: RepositoryPaths.path(Self.policy), encoding: .utf8)
    let compiled = try #require(compilePolicy(text, path: Self.policy))
    let labels = Dictionary(uniqueKeysWithValues: compiled.checked.tiers.map { ($0.id, $0.label) })
    let result = try CLIRunner.run(["ledger", "report", "--ledger", path, "--format", "json"])
    #expect(result.exitCode == 0, "\(result.stderr)")
    let json = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    let categories = try #require(json["categories"] as? [String])
    #expect(categories == compiled.checked.tiers.map(\.label) + ["not in run"])
    let runs = try #require(json["runs"] as? [[String: Any]])
    let flows = try #require(json["flows"] as? [[String: Any]])
    #expect(runs.count == 4 && flows.count == 3)
    let byDate = try Self.quarters.map { try Self.exported(path, on: $0, labels: labels) }
    for (index, run) in runs.enumerated() {
      let counts = try #require(run["counts"] as? [Int])
      let expected = categories.dropLast().map { name in byDate[index].values.count { $0 == name } }
      #expect(counts == expected, "run \(index + 1)")
    }
    for (index, flow) in flows.enumerated() {
      let moves = try #require(flow["moves"] as? [[Int]])
      let (before, after) = (byDate[index], byDate[index + 1])
      for (row, from) in categories.enumerated() {
        for (column, to) in categories.enumerated() {
          let expected = Set(before.keys).union(after.keys).count { key in
            (before[key] ?? "not in run") == from && (after[key] ?? "not in run") == to
          }
          #expect(moves[row][column] == expected, "flow \(index + 1): \(from) → \(to)")
        }
      }
      // Someone moves every quarter in this example: the check above is not all zeros.
      #expect((flow["moved"] as? Int ?? 0) > 0)
    }
  }

  @Test func aRangeAndEveryFormatAreTheSameNumbers() throws {
    let (directory, path) = try Self.ledger()
    defer { try? FileManager.default.removeItem(at: directory) }
    let range = try CLIRunner.run([
      "ledger", "report", "--ledger", path, "--from", "2", "--to", "3", "--format", "json",
    ])
    let json = try #require(JSONSerialization.jsonObject(with: Data(range.stdout.utf8)) as? [String: Any])
    #expect((json["runs"] as? [[String: Any]])?.compactMap { $0["run"] as? Int } == [2, 3])
    #expect((json["flows"] as? [[String: Any]])?.count == 1)
    // Markdown to a file writes its charts beside it; the page holds a chart per run range and flow.
    let output = directory.appendingPathComponent("runs.md")
    #expect(
      try CLIRunner.run(["ledger", "report", "--ledger", path, "--format", "markdown", "-o", output.path])
        .exitCode == 0)
    let markdown = try String(contentsOf: output, encoding: .utf8)
    for chart in ["counts", "flow-1", "flow-2", "flow-3"] {
      #expect(markdown.contains("](runs-\(chart).svg)"))
      #expect(
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("runs-\(chart).svg").path))
    }
    let page = try CLIRunner.run(["ledger", "report", "--ledger", path]).stdout
    #expect(page.components(separatedBy: "<svg").count - 1 == 4)
    // The same bytes every time; no key appears.
    #expect(try CLIRunner.run(["ledger", "report", "--ledger", path]).stdout == page)
    #expect(!page.contains("C2024001") && !markdown.contains("C2024001"))
    // A range with no run.
    let empty = try CLIRunner.run(["ledger", "report", "--ledger", path, "--from", "9"])
    #expect(empty.exitCode == 0 && empty.stdout.contains("holds no run in this range"))
    let backwards = try CLIRunner.run(["ledger", "report", "--ledger", path, "--from", "3", "--to", "2"])
    #expect(backwards.exitCode == 64)
  }
}
