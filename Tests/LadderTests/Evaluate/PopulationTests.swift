import Foundation
import Ladder
import LadderTestSupport
import Testing

@Suite struct PopulationTests {
  static let source = LadderTestSupport.policyText(
    inputs: "v: { type: decimal, optional: true }",
    body: """
      let:
        p: percentile(v)
        q: ntile(v, 3)
        k: rank(v)
        top: top_percent(v, 25%)
        c: abc_class(v)
      tiers:
        - { id: a, label: A, when: (c ?? "C") == "A" }
        - { id: other, label: Other, otherwise: true }
      """)

  static func lets(_ csv: String) throws -> [String: [String: String]] {
    let policy = try #require(compilePolicy(Self.source))
    var result: [String: [String: String]] = [:]
    for outcome in evaluate(policy, csv: "id,v\n" + csv, trace: true) {
      let decision = try #require(outcome.decision)
      let trace = try #require(decision.trace)
      result[decision.key] = Dictionary(
        uniqueKeysWithValues: trace.derived.map { ($0.name, $0.value ?? "missing") })
    }
    return result
  }

  @Test func abcClassesFollowTheCumulativeShareWithTheCrossingRecordIncluded() throws {
    // Total 100: a (50) → A (50%), b (30) crosses 80% → A, c (15) crosses 95% → B, d (5) → C.
    let values = try Self.lets("d,5\nb,30\na,50\nc,15\n")
    #expect(
      values["a"]?["c"] == "A" && values["b"]?["c"] == "A" && values["c"]?["c"] == "B"
        && values["d"]?["c"] == "C")
    #expect(values["a"]?["k"] == "1" && values["d"]?["k"] == "4")
    #expect(values["a"]?["p"] == "100.00" && values["d"]?["p"] == "0.00" && values["c"]?["p"] == "33.33")
    // top 25% of 4 is the first one.
    #expect(values["a"]?["top"] == "true" && values["b"]?["top"] == "false")
  }

  @Test func tiesAreBrokenByTheKey() throws {
    // All values equal: order is by key, so results depend on the input alone.
    let values = try Self.lets("c,7\na,7\nb,7\n")
    #expect(values["a"]?["k"] == "1" && values["b"]?["k"] == "2" && values["c"]?["k"] == "3")
    #expect(values["a"]?["q"] == "1" && values["b"]?["q"] == "2" && values["c"]?["q"] == "3")
    #expect(values["a"]?["p"] == "0.00" && values["c"]?["p"] == "100.00")
    // Shares 33%, 67%, 100%: a and b are A (b crosses 80%? no: before b is 33%), c is before 67% → A.
    #expect(values["a"]?["c"] == "A" && values["b"]?["c"] == "A" && values["c"]?["c"] == "A")
  }

  @Test func ntileGivesTheFirstGroupsTheExtraRecords() throws {
    // 7 records in 3 groups: 3, 2, 2 (SQL NTILE).
    let values = try Self.lets((1...7).map { "r\($0),\($0)" }.joined(separator: "\n") + "\n")
    #expect((1...7).map { values["r\($0)"]?["q"] ?? "" } == ["1", "1", "1", "2", "2", "3", "3"])
  }

  @Test func zeroTotalMakesEveryRecordClassC() throws {
    let values = try Self.lets("a,0\nb,0\n")
    #expect(values["a"]?["c"] == "C" && values["b"]?["c"] == "C")
  }

  @Test func oneRecordIsItsOwnPopulation() throws {
    let values = try Self.lets("only,42\n")
    #expect(values["only"]?["p"] == "100.00" && values["only"]?["q"] == "1" && values["only"]?["k"] == "1")
    #expect(values["only"]?["c"] == "A" && values["only"]?["top"] == "true")
  }

  @Test func missingValuesTakeNoPartAndGetNoValue() throws {
    let values = try Self.lets("a,10\nb,\nc,20\n")
    #expect(values["b"]?["k"] == "missing" && values["b"]?["c"] == "missing")
    #expect(values["c"]?["k"] == "1" && values["a"]?["k"] == "2")
  }

  @Test func emptyInputDecidesNothing() throws {
    let policy = try #require(compilePolicy(Self.source))
    #expect(evaluate(policy, csv: "id,v\n").isEmpty)
  }

  @Test func rejectedRecordsStayOutOfThePopulation() throws {
    let policy = try #require(compilePolicy(Self.source))
    let outcomes = evaluate(policy, csv: "id,v\na,10\nbad,lots\nb,20\n", trace: true)
    #expect(outcomes.count == 3)
    #expect(outcomes[1].problem?.key == "bad")
    #expect(outcomes[2].decision?.trace?.derived.first { $0.name == "k" }?.value == "1")
  }

  @Test func singleRecordAPIRefusesPopulationPolicies() throws {
    let policy = try #require(compilePolicy(Self.source))
    let asOf = try #require(CivilDate(parsing: "2024-03-01"))
    #expect(throws: RecordProblem.self) { try policy.decide(["id": "x", "v": "1"], asOf: asOf) }
  }

  @Test func populationFunctionsCannotRankThemselves() {
    let nested = checkPolicy(
      policyText(inputs: "v: { type: decimal }", body: "let:\n  a: rank(v)\n  b: ntile(a, 5)\n"))
    #expect(nested.codes.contains("L0310"))
    let direct = checkPolicy(
      policyText(inputs: "v: { type: decimal }", body: "let:\n  b: rank(percentile(v))\n"))
    #expect(direct.codes.contains("L0310"))
  }
}
