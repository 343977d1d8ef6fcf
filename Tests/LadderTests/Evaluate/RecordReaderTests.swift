import Ladder
import LadderTestSupport
import Testing

@Suite struct RecordReaderTests {
  static func policy() throws -> CompiledPolicy {
    try #require(
      compilePolicy(
        policyText(
          inputs: """
            name: { type: string, optional: true }
            spend: { type: decimal, scale: 2, optional: true }
            rate: { type: percent, optional: true }
            seg: { type: enum, values: [gold, silver], optional: true }
            xs: { type: list of int, optional: true }
            ok: { type: bool, optional: true }
            """, body: "")))
  }

  @Test func csvHandlesQuotesCommasLineBreaksAndCRLF() throws {
    let policy = try Self.policy()
    let csv =
      "\u{FEFF}id,name,spend\r\n\"a\",\"华东物流, 上海\",1.50\r\n\r\nb,\"He said \"\"hi\"\"\nand left\",2\r\nc,plain,3\n"
    let outcomes = evaluate(policy, bytes: Array(csv.utf8), format: .csv, trace: true)
    let decisions = outcomes.compactMap(\.decision)
    #expect(decisions.map(\.key) == ["a", "b", "c"])
    #expect(decisions[0].trace?.inputs.first { $0.name == "name" }?.value == "华东物流, 上海")
    #expect(decisions[1].trace?.inputs.first { $0.name == "name" }?.value == "He said \"hi\"\nand left")
    // Lines: a starts on line 2, b on 4 (after a blank line), c on 6 (b spans two lines).
    let lines = outcomes.map { if case .decided(let line, _) = $0 { line } else { -1 } }
    #expect(lines == [2, 4, 6])
    #expect(decisions[0].trace?.inputs.first { $0.name == "spend" }?.value == "1.50")
  }

  /// As docs/language.md says: an empty field, quoted or not, an empty JSON string, `null` and an
  /// absent key are all missing; a required text input rejects them.
  @Test func emptyQuotedAndNullFieldsAreMissing() throws {
    let policy = try Self.policy()
    let csv = evaluate(policy, csv: "id,name,spend\na,\"\",1.50\nb,,\"\"\n", trace: true)
    let json = evaluate(
      policy,
      bytes: Array(#"{"id":"c","name":"","spend":null}\#n{"id":"d"}\#n"#.utf8), format: .jsonl, trace: true)
    #expect(csv.count + json.count == 4)
    for outcome in csv + json {
      let inputs = try #require(outcome.decision?.trace?.inputs, "\(outcome)")
      let name = try #require(inputs.first { $0.name == "name" })
      // JSON says null; the text trace says `missing`, and would quote a text "missing".
      #expect(name.value == nil && name.notation == "missing", "\(outcome)")
    }
    #expect(csv.last?.decision?.trace?.inputs.first { $0.name == "spend" }?.value == nil)
    let text = evaluate(policy, csv: "id,name,spend\ne,missing,1\n", trace: true)
    let named = try #require(text.first?.decision?.trace?.inputs.first { $0.name == "name" })
    #expect(named.value == "missing" && named.notation == "\"missing\"")
    let required = try #require(
      compilePolicy(policyText(inputs: "name: { type: string }", body: "")))
    let rejected = evaluate(required, csv: "id,name\na,\"\"\n")
    #expect(rejected.first?.problem?.field == "name")
  }

  /// A carriage return that is not part of a line end is data (RFC 4180): it cannot end a
  /// record and start a new one on the same line, whole or read block by block.
  @Test func csvBareCarriageReturnIsDataNotALineEnd() throws {
    let policy = try Self.policy()
    let csv = Array("id,name,spend\r\na,x\ry,1.50\r\nb,plain,2\rc,z,3\n\r\nd,q,4\r".utf8)
    for blockSize in [1, 2, 3, 5, 7, 64] {
      var offset = 0
      var outcomes: [RecordOutcome] = []
      let evaluator = BatchEvaluator(policy: policy, asOf: CivilDate(daysSinceEpoch: 0), trace: true)
      let source = RecordSource.csv(blocks: {
        let end = min(csv.count, offset + blockSize)
        defer { offset = end }
        return Array(csv[offset..<end])
      })
      try evaluator.evaluate(source, into: OutcomeCallback { outcomes.append($0) })
      let decisions = outcomes.compactMap(\.decision)
      #expect(decisions.map(\.key) == ["a", "d"], "block size \(blockSize)")
      #expect(decisions.first?.trace?.inputs.first { $0.name == "name" }?.value == "x\ry")
      let rejections = outcomes.compactMap { if case .rejected(let problem) = $0 { problem } else { nil } }
      #expect(rejections.map(\.line) == [3], "block size \(blockSize)")
      // `b,plain,2\rc,z,3` is one record of five fields.
      #expect(
        rejections.first?.reason == "the record has 5 fields; the header has 3", "block size \(blockSize)")
      #expect(outcomes.count == 3)
    }
  }

  @Test func csvRejectsOneBadRecordAndGoesOn() throws {
    let policy = try Self.policy()
    var bytes = Array("id,name\na,x\nb,".utf8)
    bytes += [0xFF, 0xFE]
    bytes += Array("\nc,y,extra\nd,\"open\n".utf8)
    let outcomes = evaluate(policy, bytes: bytes, format: .csv)
    #expect(outcomes.count == 4)
    #expect(outcomes[0].decision?.key == "a")
    #expect(
      outcomes[1].problem
        == RecordProblem(line: 3, key: "b", field: "name", reason: "the field is not valid UTF-8"))
    #expect(outcomes[2].problem?.reason == "the record has 3 fields; the header has 2")
    #expect(outcomes[3].problem?.reason == "a quoted field is not closed before the end of the input")
  }

  @Test func csvHeaderMustHoldTheRequiredColumns() throws {
    let policy = try #require(compilePolicy(policyText(inputs: "spend: { type: decimal }", body: "")))
    let outcomes = evaluate(policy, csv: "id,amount\na,1\n")
    #expect(outcomes.first?.problem?.reason == "header: the header lacks the required column 'spend'")
  }

  @Test(arguments: [
    ("rate", "85%", "85%"), ("rate", "0.85", "85%"), ("rate", "12.5%", "12.5%"), ("spend", "12.5", "12.50"),
    ("seg", "gold", "gold"), ("xs", "1;2;3", "[1, 2, 3]"), ("xs", "[4, 5]", "[4, 5]"), ("ok", "TRUE", "true"),
    ("ok", "0", "false"),
  ])
  func fieldsAcceptTheDocumentedFormats(_ field: String, _ raw: String, _ shown: String) throws {
    let policy = try Self.policy()
    let csv = "id,\(field)\nr,\"\(raw)\"\n"
    let decision = try #require(evaluate(policy, csv: csv, trace: true).first?.decision)
    #expect(decision.trace?.inputs.first { $0.name == field }?.value == shown)
  }

  @Test(arguments: [
    ("spend", "12.345", "'12.345' has more than 2 decimals"),
    ("spend", "1,000", "the record has 3 fields; the header has 2"),
    ("spend", "1e5", "'1e5' is not a number"), ("seg", "bronze", "'bronze' is not one of 'gold', 'silver'"),
    ("ok", "maybe", "'maybe' is not true or false"), ("xs", "1;;3", "element 2 of the list is empty"),
    ("rate", "85", "no error"),
  ])
  func badFieldsAreRejectedWithTheReason(_ field: String, _ raw: String, _ reason: String) throws {
    let policy = try Self.policy()
    let outcome = try #require(evaluate(policy, csv: "id,\(field)\nr,\(raw)\n").first)
    #expect((outcome.problem?.reason ?? "no error") == reason)
  }

  @Test func jsonLinesKeepNumbersExactAndRejectUnknownKeys() throws {
    let policy = try Self.policy()
    let jsonl = """
      {"id": "a", "spend": 0.10, "rate": 0.1, "xs": [1, 2]}
      {"id": "b", "spnd": 1}
      {"id": "c", "id": "d"}
      not json

      {"id": "e", "name": "\\u4e2d\\u6587 \\"q\\"", "ok": true, "spend": null}
      """
    let outcomes = evaluate(policy, bytes: Array(jsonl.utf8), format: .jsonl, trace: true)
    #expect(outcomes.count == 5)
    #expect(outcomes[0].decision?.trace?.inputs.first { $0.name == "spend" }?.value == "0.10")
    #expect(outcomes[0].decision?.trace?.inputs.first { $0.name == "rate" }?.value == "10%")
    #expect(
      outcomes[1].problem
        == RecordProblem(
          line: 2, key: "b", field: "spnd", reason: "unknown field 'spnd'; did you mean 'spend'?"))
    #expect(outcomes[2].problem?.reason == "the key appears twice")
    #expect(outcomes[2].problem?.key == "c")
    #expect(outcomes[3].problem?.line == 4)
    #expect(outcomes[4].decision?.trace?.inputs.first { $0.name == "name" }?.value == "中文 \"q\"")
  }

  /// Values under keys the policy does not declare are passed over without being kept, but
  /// checked exactly as declared ones: the same line is rejected for the same reason at the same
  /// column whether its bad value is under a declared key or an undeclared one.
  @Test(arguments: [
    #""a \q b""#, "\"tab\u{09}inside\"", #""unclosed"#, #"{"x": 1}"#, "tru", #"[1, [2, {"x": 1}]]"#,
    #""\ud800 alone""#, "[[[[[[[[[1]]]]]]]]]", "[1 2]", "-", #""fine \u00e9 \"q\"""#, "[]", "12.5e3",
  ])
  func undeclaredValuesAreCheckedLikeDeclaredOnes(_ value: String) throws {
    let policy = try Self.policy()
    func reason(_ key: String) -> String {
      let line = #"{"id": "a", "\#(key)": \#(value), "spend": 1}"#
      let outcome = evaluate(policy, bytes: Array(line.utf8), format: .jsonl).first
      return outcome?.problem?.reason ?? "decided"
    }
    // `name` is declared (text); `qqqq`, as long, is not (and is close to no input's name).
    let declared = reason("name")
    let undeclared = reason("qqqq")
    if declared.hasPrefix("not a JSON object") {
      #expect(undeclared == declared)
    } else {
      // A value the parser accepts: kept under `name` (where its type may still refuse it),
      // passed over under the undeclared key.
      #expect(undeclared == "decided")
    }
  }
}
