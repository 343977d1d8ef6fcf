import Ladder
import LadderTestSupport
import Testing

/// The reader's node limit speaks of aliases only when aliases reached it (issue 17, item 10).
@Suite struct PolicyReaderLimitTests {
  @Test func aLargePolicyWithoutAliasesIsNotBlamedOnAliases() {
    var lines = ["ladder: 1", "policy: big", "inputs:", "  id: { type: string, key: true }", "let:"]
    for index in 0..<20_000 { lines.append("  l\(index): [1, 2]") }
    let outcome = checkPolicy(lines.joined(separator: "\n") + "\n")
    #expect(outcome.codes == ["L0004"])
    #expect(outcome.diagnostics.first?.message == "the policy has more than 50000 YAML nodes")
    #expect(outcome.diagnostics.first?.help?.contains("alias") == false)
  }

  @Test func aliasesThatExpandPastTheLimitAreNamed() {
    var text = "ladder: 1\npolicy: bomb\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for (name, previous) in [("b", "a"), ("c", "b"), ("d", "c"), ("e", "d")] {
      text +=
        "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
    }
    let outcome = checkPolicy(text)
    #expect(outcome.codes == ["L0004"])
    #expect(outcome.diagnostics.first?.message == "the YAML expands to more than 50000 nodes")
  }
}
