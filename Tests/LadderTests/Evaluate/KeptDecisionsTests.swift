import Foundation
import LadderTestSupport
import Testing

@testable import Ladder

/// What the ledger keeps of each decision (`BatchEvaluator.keep`) is the same from the kernels as
/// from the scalar backend: the generated cases compare it (`GeneratedDifferentialTests`, mode
/// `kept`); these are the CSV fields the generator does not write.
@Suite struct KeptDecisionsTests {
  static let policy = """
    ladder: 1
    policy: kept
    version: "1"
    inputs:
      id:      { type: string, key: true }
      region:  { type: string, optional: true }
      note:    { type: string, optional: true, personal: true }
      spend:   { type: decimal, min: 0, scale: 2 }
      monthly: { type: list of decimal, length: 2, optional: true }
    tiers:
      - { id: gold, when: spend >= 1000 }
      - { id: base, otherwise: true }
    review:
      triggers:
        - { id: big, when: spend >= 5000, then: review_now, because: a big spender }
        - { id: watch, when: spend < 10, then: flag, because: hardly buys }
    """

  static func kept(_ csv: String, backend: BatchEvaluator.Backend) throws -> (KeptBlock, blocks: Int) {
    let policy = try #require(compilePolicy(Self.policy))
    let evaluator = BatchEvaluator(
      policy: policy, asOf: try #require(CivilDate(parsing: "2024-03-01")), backend: backend)
    var all = KeptBlock()
    var blocks = 0
    // Every input but the personal one, as the ledger keeps them.
    let slots = policy.inputs.filter { !$0.isPersonal }.map(\.slot)
    try evaluator.keep(.bytes(Array(csv.utf8), format: .csv), inputs: slots) { block in
      all.read += block.read
      all.decisions += block.decisions
      all.rejections += block.rejections
      blocks += 1
    }
    return (all, blocks)
  }

  @Test func quotedEmptyAndAbsentFieldsAreKeptAsTheRowReaderReadsThem() throws {
    let csv = #"""
      id,region,note,spend,monthly
      A1,north,x,1200.50,1.5;2
      A2,"south, east","said ""hi""",5000,
      A3,"",,9.99,"3;4"
      A4,"say ""west""",n,300,
      "A5",Ω,,100,
      A6, padded ,,2000.00,1;2
      A7,x,,abc,

      """#
    let (kernels, _) = try Self.kept(csv, backend: .automatic)
    let (scalar, _) = try Self.kept(csv, backend: .scalar)
    #expect(kernels.decisions == scalar.decisions)
    #expect(kernels.rejections == scalar.rejections && kernels.read == 7 && scalar.read == 7)
    let byKey = Dictionary(uniqueKeysWithValues: kernels.decisions.map { ($0.key, $0) })
    #expect(byKey["A1"]?.inputs == #"["A1","north","1200.50","1.5;2"]"#)
    #expect(byKey["A2"]?.inputs == #"["A2","south, east","5000",null]"#)
    #expect(byKey["A2"]?.flags == "big" && byKey["A2"]?.reviewNow == true)
    #expect(byKey["A3"]?.inputs == #"["A3",null,"9.99","3;4"]"# && byKey["A3"]?.flags == "watch")
    #expect(byKey["A6"]?.inputs == #"["A6"," padded ","2000.00","1;2"]"# && byKey["A6"]?.tier == "gold")
    #expect(kernels.rejections.map(\.line) == [8])
    #expect(byKey["A4"]?.inputs == #"["A4","say \"west\"","300",null]"#)
    #expect(byKey["A5"]?.inputs == #"["A5","Ω","100",null]"#)
    // The personal note is never among the kept inputs.
    #expect(!kernels.decisions.contains { $0.inputs.contains("hi") })
  }

  @Test func jsonLinesAreKeptByTheScalarBackendWithTheirNumbersAsWritten() throws {
    let policy = try #require(compilePolicy(Self.policy))
    let evaluator = BatchEvaluator(policy: policy, asOf: try #require(CivilDate(parsing: "2024-03-01")))
    var kept: [KeptDecision] = []
    let lines = #"{"id":"B1","spend":1500.5,"monthly":[1,2.5]}"# + "\n"
    try evaluator.keep(.bytes(Array(lines.utf8), format: .jsonl), inputs: policy.inputs.map(\.slot)) {
      kept += $0.decisions
    }
    #expect(kept.map(\.inputs) == [#"["B1",null,null,1500.5,[1,2.5]]"#])
    #expect(kept.map(\.tier) == ["gold"])
  }
}
