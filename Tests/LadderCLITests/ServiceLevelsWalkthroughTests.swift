import Foundation
import LadderTestSupport
import Testing

/// docs/service-levels.md walks through the request example's service levels. Each of its
/// console blocks is run here and must print what the page shows; only the policy's SHA-256 is
/// set aside (it changes with every edit of the policy's comments).
@Suite struct ServiceLevelsWalkthroughTests {
  static let page = "docs/service-levels.md"

  @Test func everyCommandOfThePagePrintsWhatThePageShows() throws {
    let blocks = try LifecycleWalkthroughTests.blocks(of: Self.page)
    #expect(blocks.count == 3, "the page's console blocks")
    for (command, shown) in blocks {
      let result = try CLIRunner.run(command)
      #expect(result.exitCode == 0, "ladder \(command.joined(separator: " ")): \(result.stderr)")
      let printed = result.stdout + result.stderr
      let steady = { (text: String) in
        text.replacingOccurrences(of: "[0-9a-f]{64}", with: "<sha256>", options: .regularExpression)
      }
      #expect(
        steady(printed) == steady(shown), "ladder \(command.joined(separator: " ")) printed:\n\(printed)")
    }
  }

  /// The page's stories are what the table says.
  @Test func theStoriesMatchTheTable() throws {
    let result = try CLIRunner.run([
      "eval", "policies/request-response.yaml", "examples/request-response.csv", "--as-of",
      "2024-03-01T09:30+08:00", "--format", "csv",
    ])
    let rows = result.stdout.split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false)
    }
    let header = try #require(rows.first).map(String.init)
    func cell(_ key: String, _ column: String) -> String? {
      guard let index = header.firstIndex(of: column),
        let row = rows.first(where: { $0.first.map(String.init) == key })
      else { return nil }
      return String(row[index])
    }
    #expect(cell("R00001", "first_response_due") == "2024-02-18T12:40+08:00")
    #expect(cell("R00001", "first_response_status") == "met")
    #expect(cell("R00002", "resolution_status") == "breached" && cell("R00002", "resolution_late") == "50min")
    #expect(cell("R00003", "first_response_left") == "209min")
    #expect(cell("R00004", "first_response_late") == "990min")
    #expect(
      cell("R00005", "first_response_status") == "at_risk" && cell("R00005", "first_response_left") == "20min"
    )
  }
}
