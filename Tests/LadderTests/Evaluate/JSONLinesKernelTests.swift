import Foundation
import LadderTestSupport
import Testing

@testable import Ladder

/// JSON Lines input on the kernels (``BlockTask``, ``JSONLFields``): plain lines are decided by the kernels,
/// every other line by the row reader from its own text, and the bytes are those of the scalar
/// backend reading the same lines.
struct JSONLinesKernelTests {
  /// `bytes` handed out `size` bytes at a time (7: every line crosses blocks).
  static func blocks(of bytes: [UInt8], size: Int = 7) -> () -> InputBytes {
    var position = 0
    return {
      let end = min(bytes.count, position + size)
      defer { position = end }
      return InputBytes(bytes: Array(bytes[position..<end]))
    }
  }

  static let policy = "policies/benchmark-scorecard.yaml"

  /// The output of both backends for `lines`, and how many records the kernels decided.
  static func run(_ lines: String, traced: Bool = false, csvOutput: Bool = false) throws
    -> (kernels: String, scalar: String, byKernels: Int)
  {
    try run(bytes: Array(lines.utf8), traced: traced, csvOutput: csvOutput)
  }

  /// The benchmark policy's evaluator as of 2024-03-01, and how its row evaluator's decisions
  /// are written (a JSON line, or a CSV row).
  static func evaluator(traced: Bool, csvOutput: Bool = false) throws
    -> (BatchEvaluator, @Sendable (RecordOutcome) -> String)
  {
    let text = try String(contentsOfFile: RepositoryPaths.path(Self.policy), encoding: .utf8)
    let policy = try #require(compilePolicy(text, path: Self.policy))
    let date = try #require(CivilDate(parsing: "2024-03-01"))
    let render: @Sendable (RecordOutcome) -> String = { outcome in
      guard case .decided(_, let decision) = outcome else { return "" }
      if csvOutput {
        return DecisionCSV.render(decision, policy: policy, asOf: date, withErrors: false) + "\n"
      }
      return DecisionJSON.render(decision, policy: policy, asOf: date) + "\n"
    }
    return (BatchEvaluator(policy: policy, asOf: date, trace: traced), render)
  }

  /// ``run(_:traced:csvOutput:)`` on bytes, which need not be UTF-8.
  static func run(bytes: [UInt8], traced: Bool = false, csvOutput: Bool = false) throws
    -> (kernels: String, scalar: String, byKernels: Int)
  {
    let (evaluator, render) = try Self.evaluator(traced: traced, csvOutput: csvOutput)
    func describe(_ outcome: RecordOutcome, _ text: String?) -> String {
      switch outcome {
      case .decided: text ?? ""
      case .rejected(let problem):
        "REJECTED line \(problem.line) key \(problem.key ?? "-") field \(problem.field ?? "-"): \(problem.reason)\n"
      }
    }
    var kernels = ""
    var byKernels = 0
    let handle = { (piece: EvaluatedPiece) in
      switch piece {
      case .rendered(let bytes, let records):
        kernels += String(decoding: bytes, as: UTF8.self)
        byKernels += records
      case .outcome(let outcome, let text): kernels += describe(outcome, text)
      }
    }
    let origin = traced ? "records.jsonl" : nil
    // Blocks of 7 bytes, of 1, of 300 (most lines whole in a block, some across two) and the
    // input in one block: the same output each time.
    var first: (String, Int)?
    for size in [7, 1, 300, max(1, bytes.count)] {
      (kernels, byKernels) = ("", 0)
      let ran =
        csvOutput
        ? try evaluator.evaluateColumnar(
          .jsonLines(Self.blocks(of: bytes, size: size)), origin: origin, withErrors: false, render: render,
          handle)
        : try evaluator.evaluateColumnarJSONL(
          .jsonLines(Self.blocks(of: bytes, size: size)), origin: origin, render: render, handle)
      #expect(ran)
      if let first {
        #expect(kernels == first.0 && byKernels == first.1, "blocks of \(size) bytes")
      } else {
        first = (kernels, byKernels)
      }
    }
    var scalar = ""
    try evaluator.evaluate(bytes: bytes, format: .jsonl, origin: origin, render: render) {
      scalar += describe($0, $1)
    }
    return (kernels, scalar, byKernels)
  }

  /// ``run(bytes:traced:csvOutput:)`` on `lines`, each ended by a line feed, expecting the
  /// kernels' output to be the scalar backend's bytes.
  static func runBothWays(
    _ lines: [String], csvOutput: Bool = false, sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws -> (kernels: String, scalar: String, byKernels: Int) {
    try runBothWays(
      bytes: Array((lines.joined(separator: "\n") + "\n").utf8), csvOutput: csvOutput,
      sourceLocation: sourceLocation)
  }

  /// ``run(bytes:traced:csvOutput:)``, expecting the kernels' output to be the scalar backend's.
  static func runBothWays(
    bytes: [UInt8], csvOutput: Bool = false, sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws -> (kernels: String, scalar: String, byKernels: Int) {
    let result = try run(bytes: bytes, csvOutput: csvOutput)
    #expect(
      result.kernels == result.scalar, "\(Golden.lineDiff(expected: result.scalar, actual: result.kernels))",
      sourceLocation: sourceLocation)
    return result
  }

  static let plain = """
    {"customer_id":"C1","name":"王芳","phone":null,"last_purchase":"2024-02-20","orders_12m":14,"spend_12m":612000.50,"industry_growth":"12%","repurchase_rate":0.85,"monthly_spend":[1,2,3,4,5,6]}
    {"customer_id":"C2","orders_12m":"3","spend_12m":"9999.99","industry_growth":0.01,"repurchase_rate":"40%","monthly_spend":"10;20;30;40;50;60.5"}
    { "customer_id" : "C3" , "last_purchase" : "" , "orders_12m" : 0 , "spend_12m" : 0 , "industry_growth" : "-5%" , "repurchase_rate" : 0 , "monthly_spend" : [ "1" , 2.5 , 3 , 4 , 5 , 6 ] }

    """

  @Test func plainLinesAreDecidedByTheKernels() throws {
    for (traced, csvOutput) in [(false, false), (true, false), (false, true)] {
      let result = try Self.run(Self.plain, traced: traced, csvOutput: csvOutput)
      #expect(result.kernels == result.scalar)
      #expect(result.byKernels == 3, "traced \(traced), csv \(csvOutput)")
    }
    // The values as the scalar backend reads them: C1 in the top tier, C2's list from a string.
    let result = try Self.run(Self.plain, csvOutput: true)
    #expect(result.kernels.split(separator: "\n").count == 3)
    #expect(!result.kernels.contains("REJECTED"))
  }

  @Test func linesThatAreNotPlainGoToTheRowReaderInTheirPlace() throws {
    let lines = [
      // an escape in a string: the kernels decode it as the row reader does (C1)
      #"{"customer_id":"C\u0031","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
      // a repeated key; keys the policy does not declare: ignored on the kernels (C3)
      #"{"customer_id":"C2","customer_id":"C2","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
      #"{"customer_id":"C3","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6],"extra":1,"notes":"a \"quoted\" note","tags":[["x",null],true,-1.5e3]}"#,
      // a bool for a number, an empty list, a nested list, an object
      #"{"customer_id":"C4","orders_12m":true,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
      #"{"customer_id":"C5","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[]}"#,
      #"{"customer_id":"C6","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[[1],2,3,4,5,6]}"#,
      #"{"customer_id":"C7","orders_12m":{"n":1},"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
      // not an object, text after it, a padded number, an exponent
      #"["C8"]"#,
      #"{"customer_id":"C9","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]} x"#,
      #"{"customer_id":" C10","orders_12m":1,"spend_12m":" 7","industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
      #"{"customer_id":"C11","orders_12m":1,"spend_12m":1e3,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
      // a required field missing, null, empty
      #"{"customer_id":"C12","spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
      #"{"customer_id":"C13","orders_12m":null,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
      // a misspelt input the record lacks (rejected), and one beside the input (ignored); the
      // same undeclared key twice; an undeclared key holding an object
      #"{"customer_id":"C18","orders_12m":1,"spend12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
      #"{"customer_id":"C19","orders_12m":1,"spend_12m":1,"spend12m":2,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
      #"{"customer_id":"C20","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6],"extra":1,"extra":2}"#,
      #"{"customer_id":"C21","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6],"extra":{"a":1}}"#,
      // an escape that is not JSON, a lone surrogate, a value beginning with a quote
      #"{"customer_id":"C15\x","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
      #"{"customer_id":"C16\ud800","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
      #"{"customer_id":"\"C17","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
      // and a plain one, between blank lines and after CRLF
      "",
      "  ",
      #"{"customer_id":"C14","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#
        + "\r",
    ]
    let input = "\u{FEFF}" + lines.joined(separator: "\n") + "\n"
    for traced in [false, true] {
      let result = try Self.run(input, traced: traced)
      #expect(
        result.kernels == result.scalar, "\(Golden.lineDiff(expected: result.scalar, actual: result.kernels))"
      )
      // C1, C3 and C14 only: every other line is not plain.
      #expect(result.byKernels == 3)
    }
    let result = try Self.run(input)
    // The row reader's own words, with the line numbers of the input (blank lines counted).
    #expect(result.scalar.contains("REJECTED line 2 key C2 field customer_id: the key appears twice"))
    #expect(result.scalar.contains("REJECTED line 12 key C12 field orders_12m: a required field is empty"))
    #expect(result.scalar.contains("field spend12m: unknown field 'spend12m'; did you mean 'spend_12m'?"))
    #expect(result.scalar.contains("\"customer_id\":\"C19\""))
    #expect(result.scalar.contains("key C20 field extra: the key appears twice"))
    #expect(result.scalar.contains("\"customer_id\":\"C1\""))
    #expect(result.scalar.contains("\"customer_id\":\"C14\""))
  }

  /// Strings are checked as UTF-8 when a line is cut, and the fields the cut writes are not
  /// checked again: a byte that is not UTF-8 in any string — the key, a text input, one the policy
  /// does not declare, a string with an escape — sends the line to the row reader, which rejects
  /// it, in both the shape's reading and the token walk.
  @Test func aLineThatIsNotUTF8IsRejectedAsTheRowReaderRejectsIt() throws {
    func line(_ key: [UInt8], name: [UInt8] = Array("王芳".utf8), notes: [UInt8] = Array("n".utf8)) -> [UInt8] {
      Array(#"{"customer_id":""#.utf8) + key + Array(#"","name":""#.utf8) + name
        + Array(#"","notes":""#.utf8) + notes
        + Array(
          #"","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#
            .utf8) + [UInt8(ascii: "\n")]
    }
    let plain = line(Array("K1".utf8))
    let bytes =
      plain + line(Array("K2".utf8) + [0xFF]) + plain
      // half of 王, then an encoded surrogate, in the text input `name`
      + line(Array("K4".utf8), name: [0xE7, 0x8E]) + line(Array("K5".utf8), name: [0xED, 0xA0, 0x80])
      // an overlong encoding in `notes`, which the policy does not declare
      + line(Array("K6".utf8), notes: [0xC0, 0x80])
      // after an escape, in the key and in `notes`
      + line(Array(#"K7\n"#.utf8) + [0x80])
      + line(Array("K8".utf8), notes: Array(#"\t"#.utf8) + [0xF5, 0x80, 0x80, 0x80])
      + plain
    let result = try Self.runBothWays(bytes: bytes)
    #expect(result.byKernels == 3)
    for number in 2...8 where number != 3 {
      #expect(result.scalar.contains("REJECTED line \(number) key - field -: the line is not valid UTF-8"))
    }
  }

  /// A list's commas become `;` eight bytes at a time: every length up to three words, a comma
  /// at each place, beside the bytes a per-byte test on a word could confuse with one (`-` is a
  /// comma plus one, `+` minus one, `;` and `\u{AC}` differ from it in one bit).
  @Test func everyCommaOfAListBecomesASemicolon() {
    for length in 0...24 {
      for comma in 0..<max(1, length) {
        for neighbour in Array("-+;0.".utf8) + [0xAC, 0x2C] {
          var bytes = [UInt8](repeating: neighbour, count: length)
          if comma < length { bytes[comma] = UInt8(ascii: ",") }
          let expected = bytes.map { $0 == UInt8(ascii: ",") ? UInt8(ascii: ";") : $0 }
          bytes.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { JSONLFields.commasToSemicolons(base, count: length) }
          }
          #expect(bytes == expected, "length \(length), comma at \(comma), beside \(neighbour)")
        }
      }
    }
  }

  /// Strings are passed over eight bytes at a time until a byte that may end or escape them: a
  /// special byte at every offset of strings up to 40 bytes long, in a value the policy reads
  /// (the key) and in one it does not (`notes`), reads as the row reader reads it.
  @Test func aSpecialByteAnywhereInAStringReadsAsTheRowReaderReadsIt() throws {
    let specials = [#"\""#, #"\\"#, #"\u00e9"#, "é", "\t", #"\n"#, "中", #"\/"#]
    var lines: [String] = []
    var number = 0
    for special in specials {
      for length in [0, 1, 7, 8, 9, 15, 16, 17, 40] {
        for offset in Set([0, length / 2, length]) {
          number += 1
          let text =
            String(repeating: "a", count: offset) + special + String(repeating: "b", count: length - offset)
          lines.append(
            #"{"customer_id":"K\#(number)\#(text)","notes":"\#(text)","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#
          )
        }
      }
    }
    let result = try Self.runBothWays(lines)
    // The plain ones are the kernels': all but a control character and a key beginning with a
    // quote (none here) or holding an escape the kernels would have to decode and may not.
    #expect(result.byKernels > lines.count / 2)
  }

  /// A value that needs decoding is decoded in place of its text in the chunk's copy of the line
  /// (escapes, a list not written compactly): several in one line, the longest escapes (a
  /// surrogate pair, twelve bytes for four) and the shortest text, next to values read as they
  /// stand, each field as the row reader reads it — in the decisions, in the traces that show
  /// the key and the list, and whatever the blocks' sizes.
  @Test func decodedValuesTakeThePlaceOfTheirText() throws {
    let keys = [
      #"K\u0031"#, #"\ud83d\ude00K2"#, #"K\"3\""#, #"\u4e2d\u6587K4\\"#, #"K\/5\tx"#, #"K\u00e96"#, "K7",
    ]
    let lists = [
      #"[ 1, 2,3 ,4,5, 6 ]"#, #"["1","2","3","4","5","6"]"#, "[1,2,3,4,5,6]", #"[ "7" ,8,9,10,11,12]"#,
    ]
    var lines: [String] = []
    for (index, key) in keys.enumerated() {
      let list = lists[index % lists.count]
      lines.append(
        #"{"customer_id":"\#(key)","name":"\u738b\u82b3 \"\#(index)\"","orders_12m":\#(index + 1),"spend_12m":"1\#(index)","industry_growth":0.0\#(index),"repurchase_rate":"4\#(index)%","monthly_spend":\#(list),"notes":"a\\b"}"#
      )
    }
    // Decoded in the copy, then left to the row evaluator (a padded number), which reads the line
    // as it was read.
    lines.append(
      #"{"customer_id":"K\u00e98","name":"a\"b","orders_12m":1,"spend_12m":" 7","industry_growth":0,"repurchase_rate":0,"monthly_spend":[ 1, 2,3,4,5,6]}"#
    )
    let result = try Self.runBothWays(lines, csvOutput: true)
    let traced = try Self.run(lines.joined(separator: "\n") + "\n", traced: true)
    #expect(
      traced.kernels == traced.scalar, "\(Golden.lineDiff(expected: traced.scalar, actual: traced.kernels))")
    // Every line but the last is the kernels': each of its values decodes to no more than its text.
    #expect(result.byKernels == lines.count - 1)
    #expect(traced.byKernels == lines.count - 1)
    #expect(traced.kernels.contains(#""customer_id":"Ké8""#))
    #expect(result.scalar.contains(#""K""3""","#))
    #expect(traced.kernels.contains(#""customer_id":"K\"3\"""#))
    #expect(traced.kernels.contains(#""customer_id":"😀K2""#))
    #expect(traced.kernels.contains(#""value":"[1, 2, 3, 4, 5, 6]""#))
  }

  /// A line's keys are first compared with the keys the line before had in the same places: a key
  /// that only begins like that one, or goes on past it, is not taken for it.
  @Test func aKeyLikeTheOneBeforeItIsNotTakenForIt() throws {
    let rest =
      #""orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]"#
    let lines = [
      #"{"customer_id":"C1","extra":1,"notes":"x",\#(rest)}"#,
      #"{"customer_id":"C2","extr":1,"notes":"x",\#(rest)}"#,
      #"{"customer_id":"C3","extra2":1,"notes":"x",\#(rest)}"#,
      #"{"customer_id":"C4","extra" :1,"notes":"x",\#(rest)}"#,
      #"{"customer_id":"C5","orders_12m":2,"notes":"x","spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
      #"{"customer_id":"C6","extra":1,"extra":2,\#(rest)}"#,
      #"{"customer_idx":"C7","customer_id":"C7",\#(rest)}"#,
      // Keys are compared a word (8 bytes, quotes included) at a time, the last word masked: a
      // key differing only in the last byte of its last word, one filling two words exactly,
      // and keys too near the line's end for whole words (compared byte by byte).
      #"{"customer_id":"C8","extrb":1,"notes":"x",\#(rest)}"#,
      #"{"customer_id":"C9","abcdefghijklmn":1,"extra":1,\#(rest)}"#,
      #"{"customer_id":"C10","abcdefghijklmo":1,"extra":1,\#(rest),"abcdefghijklmn":7}"#,
      #"{"customer_id":"C11","abcdefghijklmn":1,"extra":1,\#(rest),"abcdefghijklmn":7}"#,
      #"{"customer_id":"C12","abcdefghijklmn":1,"extra":1,\#(rest),"z":1}"#,
      #"{"customer_id":"C13","abcdefghijklmn":1,"extra":1,\#(rest),"y":1}"#,
      #"{"customer_id":"C14","abcdefghijklmn":1,"extra":1,\#(rest),"y":1,"y":2}"#,
    ]
    let result = try Self.runBothWays(lines)
    #expect(result.scalar.contains("key C6 field extra: the key appears twice"))
    #expect(result.scalar.contains("key C11 field abcdefghijklmn: the key appears twice"))
    #expect(result.scalar.contains("key C14 field y: the key appears twice"))
    // C1 to C5 (C5 has an input where the lines before had an undeclared key), C8 to C10, C12
    // and C13; C6, C11 and C14 repeat a key, and C7's near-miss of an input goes to the row
    // reader.
    #expect(result.byKernels == 10)
  }

  /// A line is first read by the shape of the last line read token by token (the text between
  /// its values, byte for byte); at the first difference it is read token by token, and that
  /// line's shape is the next lines'. Each line here differs from the one before in one place:
  /// blanks, a key of the same length, a key more or less at the end, a value of another kind,
  /// blanks after the object; and in the gaps near the line's end (compared byte by byte).
  @Test func aLineReadByTheShapeOfTheLineBeforeReadsAsTheRowReaderReadsIt() throws {
    let rest =
      #""orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]"#
    let lines = [
      #"{"customer_id":"C1","notes":"x",\#(rest)}"#,
      #"{"customer_id":"C2","notes":"x",\#(rest)}"#,
      #"{"customer_id":"C3","notes": "x",\#(rest)}"#,
      #"{"customer_id":"C4","notes": "x",\#(rest)}"#,
      #"{"customer_id":"C5","nxtes":"x",\#(rest)}"#,
      #"{"customer_id":"C6","nxtes":"x",\#(rest),"a":1}"#,
      #"{"customer_id":"C7","nxtes":"x",\#(rest),"a":1,"a":2}"#,
      #"{"customer_id":"C8","nxtes":"x",\#(rest),"a":1}"#,
      #"{"customer_id":"C9","nxtes":"x",\#(rest)}"#,
      #"{"customer_id":"C10","nxtes":7,\#(rest)}"#,
      #"{"customer_id":"C11","nxtes":[1,"a"],\#(rest)}"#,
      #"{"customer_id":"C12","nxtes":[1,"a"],\#(rest)} "#,
      #"{"customer_id":"C13","nxtes":[1,"a"],\#(rest)}"#,
      #"{"customer_id":"C14","nxtes":[1,"a"],\#(rest),"b":2}"#,
      #"{"customer_id":"C15","nxtes":[1,"a"],\#(rest),"b":"2"}"#,
      #"{"customer_id":"C16","nxtes":[1,"a"],\#(rest),"c":2}"#,
      #"{"customer_id":"C17","nxtes":[1,"a"],\#(rest),"c":2,"c":3}"#,
      #"{"customer_id":"C18","nxtes":[1,"a"],\#(rest),"c":2}"#,
      #"{"customer_id":"C19","nxtes":[1,"a"],"nxtes":1,\#(rest),"c":2}"#,
      #"{"customer_id":"C20","orders_12m":1,"orders_12m":2,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
      // `,"phone":` then `1}`: too near the end for a word; `phxne`, a near-miss of an input's
      // name, is the row reader's to reject.
      #"{"customer_id":"C21",\#(rest),"phone":1}"#,
      #"{"customer_id":"C22",\#(rest),"phxne":1}"#,
    ]
    let result = try Self.runBothWays(lines)
    #expect(result.scalar.contains("key C7 field a: the key appears twice"))
    #expect(result.scalar.contains("key C17 field c: the key appears twice"))
    #expect(result.scalar.contains("key C19 field nxtes: the key appears twice"))
    #expect(result.scalar.contains("key C20 field orders_12m: the key appears twice"))
    #expect(result.scalar.contains("key C22 field phxne: unknown field 'phxne'; did you mean 'phone'?"))
    // All but the four with a key twice and the near-miss.
    #expect(result.byKernels == lines.count - 5)
  }

  /// A shape's gap is compared as three overlapping words (8 to 24 bytes), word by word (longer),
  /// or byte by byte (shorter): for every length up to 40, the gap is found where the line holds
  /// it (also as the line's last bytes), and not where any one of its bytes differs or the line
  /// ends inside it.
  @Test func aShapesGapIsFoundOnlyWhereTheLineHoldsItWhole() {
    for length in 1...40 {
      let gap = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
      for after in [0, 1, 9] {
        let line = Array("{\"".utf8) + gap + [UInt8](repeating: UInt8(ascii: "z"), count: after)
        let start = 2
        let shape = line.withUnsafeBufferPointer {
          LineShape($0, gaps: [start..<(start + length)], keys: [])
        }
        func end(of line: [UInt8], count: Int? = nil) -> Int? {
          line.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return nil }
            var cursor = LineCursor(base: base, end: count ?? bytes.count)
            cursor.p = start
            return shape.endOfGap(shape.steps[0], at: cursor)
          }
        }
        #expect(end(of: line) == start + length, "length \(length), \(after) after")
        #expect(end(of: line, count: start + length - 1) == nil, "length \(length): the line ends inside")
        for position in 0..<length {
          var changed = line
          changed[start + position] ^= 0x20
          #expect(end(of: changed) == nil, "length \(length), byte \(position) differs")
        }
      }
    }
  }

  /// A line that leaves out keys of the shape before it (an export that drops null values) is
  /// read by that shape, the keys left out absent: one, several in a row, as many as the shape
  /// skips and one more, the last ones, a declared optional and a required one. A line that
  /// leaves out the first key, or is only `}` or `{}`, is read as the row reader reads it.
  @Test func aLineThatLeavesOutKeysIsReadAsTheRowReaderReadsIt() throws {
    let declared = [
      ("customer_id", #""C""#), ("name", #""n""#), ("orders_12m", "1"), ("spend_12m", "2.5"),
      ("industry_growth", "0"), ("repurchase_rate", "0.5"), ("monthly_spend", "[1,2,3,4,5,6]"),
    ]
    // Each declared key followed by undeclared ones: three, then twelve, then two.
    var keys: [(String, String)] = []
    for (index, pair) in declared.enumerated() {
      keys.append(pair)
      let extras = index == 2 ? 12 : (index == 6 ? 2 : 3)
      keys += (0..<extras).map { ("x\(index)_\($0)", $0 % 2 == 0 ? "\($0)" : #""v\#($0)""#) }
    }
    var number = 0
    func line(leavingOut left: Set<String>) -> String {
      number += 1
      let pairs = keys.filter { !left.contains($0.0) }.map { key, value in
        #""\#(key)":\#(key == "customer_id" ? "\"C\(number)\"" : value)"#
      }
      return "{" + pairs.joined(separator: ",") + "}"
    }
    let twelve = (0..<12).map { "x2_\($0)" }
    let lines = [
      line(leavingOut: []),
      line(leavingOut: ["x0_1"]),
      line(leavingOut: ["name"]),
      line(leavingOut: ["name", "x1_0", "x1_2"]),
      line(leavingOut: Set(twelve.prefix(7))),
      line(leavingOut: Set(twelve.prefix(8))),
      line(leavingOut: Set(twelve.prefix(9))),
      line(leavingOut: ["x6_0", "x6_1"]),
      line(leavingOut: ["monthly_spend", "x6_0", "x6_1"]),
      line(leavingOut: ["orders_12m"]),
      line(leavingOut: ["customer_id"]),
      line(leavingOut: []),
      "}",
      "{}",
      // A shorter shape, of six values: a line of only `}` holds its last gap.
      #"{"customer_id":"S1","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
      "}",
      #"{"customer_id":"S2","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0}"#,
      #"{"customer_id":"S3","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]}"#,
    ]
    let result = try Self.runBothWays(lines)
    #expect(result.scalar.contains("REJECTED line 9 key C9 field monthly_spend: a required field is empty"))
    #expect(result.scalar.contains("REJECTED line 10 key C10 field orders_12m: a required field is empty"))
    #expect(result.scalar.contains("REJECTED line 11 key - field customer_id: a required field is empty"))
    #expect(result.scalar.contains("REJECTED line 13 key - field -: not a JSON object"))
    #expect(result.scalar.contains("REJECTED line 16 key - field -: not a JSON object"))
    // All but those, `{}` and the short line without its list.
    #expect(result.byKernels == lines.count - 7)
  }

  /// After a value whose next gap the line does not hold, a shape finds one up to
  /// ``LineShape/keysLeftOut`` further on (the keys between left out), the text after the last
  /// value among them; never after the first gap (which holds the line's `{`).
  @Test func aShapeFindsTheGapAfterKeysLeftOut() {
    let keys = (0..<12).map { "k\($0)" }
    // Each value a `@`: a gap runs from the end of one (or the line's start) to the next.
    let line = Array(("{" + keys.map { #""\#($0)":@"# }.joined(separator: ",") + "}").utf8)
    var gaps: [Range<Int>] = []
    var start = 0
    for (index, byte) in line.enumerated() where byte == UInt8(ascii: "@") {
      gaps.append(start..<index)
      start = index + 1
    }
    gaps.append(start..<line.count)
    let shape = line.withUnsafeBufferPointer {
      LineShape($0, gaps: gaps, keys: (0..<12).map { .ignored($0) })
    }
    func found(_ text: String, from position: Int) -> Int? {
      Array(text.utf8).withUnsafeBufferPointer { bytes in
        guard let base = bytes.baseAddress else { return nil }
        return shape.gap(after: position, at: LineCursor(base: base, end: bytes.count))?.position
      }
    }
    #expect(found(#","k2":"#, from: 1) == 2)
    #expect(found(#","k3":"#, from: 1) == 3)
    #expect(found(#","k9":"#, from: 1) == 1 + LineShape.keysLeftOut)
    #expect(found(#","k10":"#, from: 1) == nil)
    #expect(found("}", from: 5) == 12)
    #expect(found("}", from: 3) == nil)
    #expect(found(#","k1":"#, from: 0) == nil)
    #expect(found("}", from: 0) == nil)
    #expect(found(#","k2":"#, from: 3) == nil)
  }

  /// Undeclared keys a line has had are marked one bit each for the first 64 and by line number
  /// after: the same key twice is found on both sides of that boundary, in lines that follow
  /// plain ones (whose marks must not linger).
  @Test func anUndeclaredKeyTwiceIsFoundAmongManyUndeclaredKeys() throws {
    let rest =
      #""orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":[1,2,3,4,5,6]"#
    let extras = (0..<70).map { #""x\#($0)":\#($0)"# }
    func line(_ key: String, _ keys: [String]) -> String {
      #"{"customer_id":"\#(key)",\#(keys.joined(separator: ",")),\#(rest)}"#
    }
    let lines = [
      line("C1", extras),
      line("C2", extras + [#""x3":0"#]),
      line("C3", extras),
      line("C4", extras + [#""x67":0"#]),
      line("C5", extras),
      line("C6", Array(extras[0..<66]) + [#""x65":0"#]),
    ]
    let result = try Self.runBothWays(lines)
    #expect(result.scalar.contains("key C2 field x3: the key appears twice"))
    #expect(result.scalar.contains("key C4 field x67: the key appears twice"))
    #expect(result.scalar.contains("key C6 field x65: the key appears twice"))
    #expect(result.byKernels == 3)
  }

  /// A list of numbers with only commas between them is kept as the line's text, its commas
  /// written as `;`; every other list is read element by element. Both read as the row reader
  /// reads them.
  @Test func listsOfEveryShapeReadAsTheRowReaderReadsThem() throws {
    let lists = [
      "[1,2,3,4,5,6]", "[1.5,-2,3e0,4,5,6]", "[ 1,2,3,4,5,6]", "[1 ,2,3,4,5,6]", "[1,2,3,4,5,6 ]",
      #"["1",2,3,4,5,6]"#, #"[1,2,3,4,5,"6"]"#, "[1,,3,4,5,6]", "[1,2,3,4,5,6,]", "[1,2,3,4,5]", "[]", "[7]",
      "[1,2,3,4,5,6", "[1,2,3,4,5,x]", "[-,2,3,4,5,6]", "[1,2,3,4,5,6]]",
    ]
    let lines = lists.enumerated().map { index, list in
      #"{"customer_id":"L\#(index)","orders_12m":1,"spend_12m":1,"industry_growth":0,"repurchase_rate":0,"monthly_spend":\#(list)}"#
    }
    let result = try Self.runBothWays(lines, csvOutput: true)
    let traced = try Self.run(lines.joined(separator: "\n") + "\n", traced: true)
    #expect(
      traced.kernels == traced.scalar, "\(Golden.lineDiff(expected: traced.scalar, actual: traced.kernels))")
    // The six-number lists, compact or not, are the kernels' (the one with an exponent is the
    // row reader's, as a number with an exponent is anywhere).
    #expect(result.byKernels == 6)
  }

  @Test func tracedRecordsAreHandedOnAMegabyteAtATime() throws {
    // 600 traced records, one chunk of about 2.6 MB: handed on in pieces of about a megabyte
    // (each at most one record's trace past it; one piece per chunk outgrew its memory and came
    // as fresh pages for every chunk), which together are the scalar backend's bytes.
    let lines = (0..<600).map { index in
      #"{"customer_id":"C\#(index)","last_purchase":"2024-02-20","orders_12m":\#(index % 20),"spend_12m":\#(index * 1000).50,"industry_growth":0.12,"repurchase_rate":0.85,"monthly_spend":[1,2,3,4,5,6]}"#
    }
    let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
    let (evaluator, render) = try Self.evaluator(traced: true)
    var pieces: [[UInt8]] = []
    let ran = try evaluator.evaluateColumnarJSONL(
      .jsonLines(Self.blocks(of: bytes, size: bytes.count)), origin: "records.jsonl", render: render
    ) { piece in
      if case .rendered(let bytes, _) = piece { pieces.append(bytes) }
    }
    #expect(ran)
    var scalar: [UInt8] = []
    try evaluator.evaluate(bytes: bytes, format: .jsonl, origin: "records.jsonl", render: render) {
      scalar += Array(($1 ?? "").utf8)
    }
    let largestRecord = scalar.split(separator: UInt8(ascii: "\n")).map(\.count).max() ?? 0
    #expect(pieces.count >= 3)
    #expect(pieces.allSatisfy { $0.count < ColumnarWorker.pieceBytes + largestRecord + 1 })
    #expect(pieces.joined().elementsEqual(scalar))
  }
}
