import Foundation
import LadderTestSupport
import Testing

/// Claims in docs/ that a test can hold to the code.
@Suite struct DocumentationTests {
  /// Every trace shown in the docs names a policy file and its SHA-256: the hash must be the
  /// file's as it is now (issue 11: the tutorial showed a stale one).
  @Test(arguments: ["docs/tutorial.md", "docs/cli.md", "README.md"])
  func policyHashesShownInTheDocsAreCurrent(path: String) throws {
    let text = try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8)
    let lines = text.components(separatedBy: "\n")
    for (index, line) in lines.enumerated() {
      let words = line.split(separator: " ", omittingEmptySubsequences: true)
      guard words.count == 2, words[0] == "sha256", index > 0 else { continue }
      let previous = lines[index - 1].split(separator: " ", omittingEmptySubsequences: true)
      guard previous.count == 2, previous[0] == "file" else {
        Issue.record("\(path):\(index + 1): a sha256 line without the file it belongs to")
        continue
      }
      let file = String(previous[1])
      let policy = try #require(
        compilePolicy(try String(contentsOfFile: RepositoryPaths.path(file), encoding: .utf8), path: file))
      #expect(String(words[1]) == policy.sha256, "\(path):\(index + 1): \(file) hashes to \(policy.sha256)")
    }
  }

  /// The tutorial shows what `ladder check` says when `standard` is listed before `key`: it must
  /// be what the checker says of the example policy so edited, line numbers included.
  @Test func theTutorialsTierOrderMistakeIsWhatTheCheckerSays() throws {
    let path = "policies/b2b-service-tiers.yaml"
    let policy = try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8)
    let key = "  - { id: key,      label: 重点客户, when: score >= 70 }\n"
    let standard = "  - { id: standard, label: 普通客户, when: score >= 50 }\n"
    #expect(policy.contains(key + standard))
    let outcome = checkPolicy(
      policy.replacingOccurrences(of: key + standard, with: standard + key), path: path)
    let tutorial = try String(contentsOfFile: RepositoryPaths.path("docs/tutorial.md"), encoding: .utf8)
    let shown = try #require(tutorial.components(separatedBy: "Ladder would say:\n\n```\n").dropFirst().first)
    let block = try #require(shown.components(separatedBy: "```").first)
    #expect(block == outcome.renderedText + "checked 1 policy: 1 error\n", "\(outcome.renderedText)")
  }
}
