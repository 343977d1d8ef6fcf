import Foundation
import Ladder
import LadderTestSupport
import Testing

/// For policies that check clean, `fmt` always succeeds, keeps the meaning and is idempotent:
/// seeded generated policies, and the example policies under seeded mutations a person makes
/// by hand (blank lines, trailing spaces, comments, other indentation, multi-line strings).
@Suite struct FormatPropertyTests {
  /// Formats `text` if it checks clean; describes what broke, or nil.
  static func problem(formatting text: String) -> String? {
    guard checkPolicy(text).policy != nil else { return nil }
    guard let formatted = try? PolicyFormatter.format(text) else {
      return "format refused a policy that checks clean"
    }
    guard FormatSoundness.isSound(original: text, formatted: formatted) else {
      return "formatting changed the meaning:\n\(Golden.lineDiff(expected: text, actual: formatted))"
    }
    guard let again = try? PolicyFormatter.format(formatted), again == formatted else {
      return "formatting is not idempotent"
    }
    return nil
  }

  @Test func generatedPoliciesFormatSoundly() {
    for seed in UInt64(1)...300 {
      let policy = PolicyGenerator.generate(seed: seed, records: 0).policy
      if let problem = Self.problem(formatting: policy) {
        Issue.record("seed \(seed): \(problem)\n\(policy)")
      }
    }
  }

  static let examples = [
    "policies/b2b-service-tiers.yaml", "policies/retail-rfm-abc.yaml", "policies/loyalty-tiers.yaml",
    "policies/airline-status.yaml", "policies/request-response.yaml",
  ]

  /// One hand edit, chosen by `random`.
  static func mutate(_ lines: [String], _ random: inout SeededRandom) -> [String] {
    var lines = lines
    let at = Int(random.next() % UInt64(lines.count))
    switch random.next() % 8 {
    case 0: lines.insert(contentsOf: Array(repeating: "", count: 1 + Int(random.next() % 3)), at: at)
    case 1: lines[at] += String(repeating: " ", count: 1 + Int(random.next() % 3))
    case 2:
      let indent = String(repeating: " ", count: Int(random.next() % 6))
      lines.insert("\(indent)# a note \(random.next() % 100)", at: at)
    case 3:
      if let index = lines.firstIndex(where: { $0.hasPrefix("version:") }) {
        lines[index] = "version: \"2024.03"
        lines.insert(contentsOf: ["", "", "  second line\"  "], at: index + 1)
      }
    case 4:
      if let index = lines.firstIndex(where: { $0.hasPrefix("description:") || $0.hasPrefix("title:") }) {
        lines.insert(contentsOf: ["description: |", "  first  ", "", "", "  last"], at: index + 1)
        if lines[index].hasPrefix("description:") { lines.remove(at: index) }
      }
    case 5:
      // Twice the indentation throughout: still the same YAML.
      lines = lines.map { line in
        let spaces = line.prefix { $0 == " " }.count
        return String(repeating: " ", count: spaces * 2) + line.dropFirst(spaces)
      }
    case 6:
      if let index = lines.firstIndex(where: { $0.hasPrefix("title:") }) {
        lines[index] = "title: 'it''s \"quoted\"  #not a comment'"
      }
    default:
      lines.insert(contentsOf: ["  ", "\t"].prefix(1 + Int(random.next() % 2)), at: at)
    }
    return lines
  }

  @Test(arguments: examples)
  func mutatedExamplePoliciesFormatSoundly(path: String) throws {
    let text = try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8)
    let original = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var random = SeededRandom(seed: UInt64(path.utf8.count))
    var checkedClean = 0
    for round in 0..<150 {
      var lines = original
      for _ in 0..<(1 + Int(random.next() % 3)) { lines = Self.mutate(lines, &random) }
      let mutated = lines.joined(separator: "\n")
      if checkPolicy(mutated).policy != nil { checkedClean += 1 }
      if let problem = Self.problem(formatting: mutated) {
        Issue.record("\(path) round \(round): \(problem)\n--- input:\n\(mutated)")
        return
      }
    }
    #expect(checkedClean >= 50, "most mutations keep the policy valid")
  }
}
