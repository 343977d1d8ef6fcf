import Foundation
import Ladder
import LadderTestSupport
import Testing

@Suite struct PolicyFormatterTests {
  static let messy = """


    # Header comment about the policy.
    tiers:\("   ")
        # the top tier
        -   id: vip
            label: VIP客户
            when: score>=90   and repurchase_rate>=80%     # strict
        - { id: rest, label: 其他, otherwise: true }
    score:
          components:
              a: { weight: 50%, of: spend, bands: [">=500_000:100", "else:0"] }
              b:
                  weight: 50%
                  points: clamp( repurchase_rate*100 ,0,100)
    ladder: 1
    policy: messy



    inputs:
      id: { type: string, key: true }
      spend: { type: decimal }
      repurchase_rate: { type: percent }

    """

  @Test func messyPolicyGetsTheCanonicalLayout() throws {
    let formatted = try PolicyFormatter.format(Self.messy)
    #expect(
      formatted == """
        ladder: 1
        policy: messy

        inputs:
          id: { type: string, key: true }
          spend: { type: decimal }
          repurchase_rate: { type: percent }

        score:
          components:
            a: { weight: 50%, of: spend, bands: [">= 500_000: 100", "else: 0"] }
            b:
              weight: 50%
              points: clamp(repurchase_rate * 100, 0, 100)

        # Header comment about the policy.
        tiers:
          # the top tier
          - id: vip
            label: VIP客户
            when: score >= 90 and repurchase_rate >= 80%     # strict
          - { id: rest, label: 其他, otherwise: true }

        """)
    #expect(FormatSoundness.isSound(original: Self.messy, formatted: formatted))
  }

  /// Property: over every policy and test file in the repository, formatting keeps the meaning,
  /// keeps every comment, and a second pass changes nothing.
  @Test func formattingIsIdempotentAndKeepsMeaningAndComments() throws {
    var paths: [String] = []
    for folder in ["policies", "Tests/LadderTests/Golden/diagnostics"] {
      let names = try FileManager.default.contentsOfDirectory(atPath: RepositoryPaths.path(folder))
      paths += names.filter { $0.hasSuffix(".yaml") }.sorted().map { "\(folder)/\($0)" }
    }
    var formattedCount = 0
    for path in paths {
      guard let data = FileManager.default.contents(atPath: RepositoryPaths.path(path)),
        let original = String(data: data, encoding: .utf8), let once = try? PolicyFormatter.format(original)
      else { continue }
      formattedCount += 1
      #expect(FormatSoundness.isSound(original: original, formatted: once), "\(path) changed meaning")
      #expect(try PolicyFormatter.format(once) == once, "\(path) is not idempotent")
      let comments = original.split(separator: "\n").compactMap { line -> String? in
        guard let hash = line.firstIndex(of: "#"), !line.contains("\"#"), !line.contains("'#") else {
          return nil
        }
        return String(line[hash...]).trimmingCharacters(in: .whitespaces)
      }
      for comment in comments { #expect(once.contains(comment), "\(path) lost \(comment)") }
    }
    #expect(formattedCount >= 45)
  }

  @Test func examplePoliciesAreFormatted() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: RepositoryPaths.path("policies"))
    for name in names where name.hasSuffix(".yaml") {
      let text = try String(contentsOfFile: RepositoryPaths.path("policies/\(name)"), encoding: .utf8)
      #expect(try PolicyFormatter.format(text) == text, "\(name) is not formatted")
    }
  }

  @Test func unreadableYAMLIsRefused() {
    #expect(throws: PolicyFormatter.Failure.unreadable) { try PolicyFormatter.format("a: [1, 2\nb: 3\n") }
    #expect(throws: PolicyFormatter.Failure.unreadable) { try PolicyFormatter.format("- a\n- b\n") }
  }

  @Test func expressionsThatWouldNeedQuotesAreLeftAsWritten() throws {
    // Reprinting inside a flow mapping must never introduce a comma or a bracket.
    let text = policyText(inputs: "x: { type: int }", body: "let:\n  y: x*2\n  z: \"min(x,3)\"\n")
    let formatted = try PolicyFormatter.format(text)
    #expect(formatted.contains("  y: x * 2\n"))
    #expect(formatted.contains("  z: \"min(x,3)\"\n"))
    #expect(FormatSoundness.isSound(original: text, formatted: formatted))
  }
}
