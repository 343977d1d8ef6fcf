import Foundation
import LadderTestSupport
import Testing

@testable import Ladder

/// The columnar path against the row evaluator, its reference: the same policy and records must
/// give the same bytes, rejections included, whatever the records hold and however the input is
/// cut into blocks.
@Suite struct ColumnarDifferentialTests {
  /// Everything one path produced: the CSV of decided records, and each rejection in its place.
  static func transcript(
    _ policy: CompiledPolicy, _ bytes: [UInt8], asOf: String = "2024-03-01", blockSize: Int = 1 << 20,
    columnar: Bool, traced: Bool = false, jsonl: Bool = false
  ) throws -> (text: String, decidedByKernels: Int) {
    let date = try #require(CivilDate(parsing: asOf))
    let evaluator = BatchEvaluator(policy: policy, asOf: date, trace: traced)
    let jsonl = jsonl || traced
    var output: [UInt8] = []
    var decidedByKernels = 0
    var offset = 0
    let source = { () -> [UInt8] in
      let end = min(bytes.count, offset + blockSize)
      defer { offset = end }
      return Array(bytes[offset..<end])
    }
    let render: @Sendable (RecordOutcome) -> String = { outcome in
      guard case .decided(_, let decision) = outcome else { return "" }
      if jsonl { return DecisionJSON.render(decision, policy: policy, asOf: date) + "\n" }
      return DecisionCSV.render(decision, policy: policy, asOf: date, withErrors: false) + "\n"
    }
    func record(_ outcome: RecordOutcome, _ text: String?) {
      switch outcome {
      case .decided: output += Array((text ?? "").utf8)
      case .rejected(let problem):
        output += Array(
          "REJECTED line \(problem.line) key \(problem.key ?? "-") field \(problem.field ?? "-"): \(problem.reason)\n"
            .utf8)
      }
    }
    do {
      let handle = { (piece: EvaluatedPiece) in
        switch piece {
        case .rendered(let bytes, let records):
          output += bytes
          decidedByKernels += records
        case .outcome(let outcome, let text): record(outcome, text)
        }
      }
      let origin = traced ? "records.csv" : nil
      if columnar && jsonl {
        let ran = try evaluator.evaluateColumnarJSONL(.csv(source), origin: origin, render: render, handle)
        #expect(ran, "the policy has no traced columnar program")
      } else if columnar {
        let ran = try evaluator.evaluateColumnar(
          .csv(source), origin: nil, withErrors: false, render: render, handle)
        #expect(ran, "the policy has no columnar program")
      } else {
        try evaluator.evaluate(csvSource: source, origin: origin, render: render, record)
      }
    } catch {
      return ("HEADER: \(error.message)", 0)
    }
    return (String(decoding: output, as: UTF8.self), decidedByKernels)
  }

  static func expectSameBytes(
    _ policy: CompiledPolicy, _ csv: [UInt8], asOf: String = "2024-03-01", blockSizes: [Int] = [1 << 20],
    traced: Bool = false, jsonl: Bool = false, sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws -> Int {
    let reference = try transcript(policy, csv, asOf: asOf, columnar: false, traced: traced, jsonl: jsonl)
      .text
    var decided = 0
    for blockSize in blockSizes {
      let columnar = try transcript(
        policy, csv, asOf: asOf, blockSize: blockSize, columnar: true, traced: traced, jsonl: jsonl)
      #expect(
        columnar.text == reference,
        "block size \(blockSize):\n\(Golden.lineDiff(expected: reference, actual: columnar.text))",
        sourceLocation: sourceLocation)
      decided = columnar.decidedByKernels
    }
    return decided
  }

  static func loadPolicy(_ relative: String) throws -> CompiledPolicy {
    let text = try String(contentsOfFile: RepositoryPaths.path(relative), encoding: .utf8)
    return try #require(compilePolicy(text, path: relative))
  }

  @Test(arguments: [
    ("policies/b2b-service-tiers.yaml", "examples/b2b-service-tiers.csv"),
    ("policies/airline-status.yaml", "examples/airline-status.csv"),
    ("policies/loyalty-tiers.yaml", "examples/loyalty-tiers.csv"),
    // request-response has service levels: instants and calendars run on the scalar backend only.
    ("policies/retail-rfm-abc.yaml", "examples/retail-rfm-abc.csv"),
    ("policies/fintech-risk-grades.yaml", "examples/fintech-risk-grades.csv"),
  ])
  func examplePoliciesCompileToKernelsAndGiveTheSameBytes(policyPath: String, recordsPath: String) throws {
    let policy = try Self.loadPolicy(policyPath)
    #expect(ColumnarProgram(policy, asOf: CivilDate(daysSinceEpoch: 19_783)) != nil)
    let records = try [UInt8](Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path(recordsPath))))
    let decided = try Self.expectSameBytes(policy, records, blockSizes: [1, 3, 64, 1 << 20])
    #expect(decided > 0)
  }

  @Test(arguments: [
    ("policies/b2b-service-tiers.yaml", "examples/b2b-service-tiers.csv"),
    ("policies/airline-status.yaml", "examples/airline-status.csv"),
    ("policies/loyalty-tiers.yaml", "examples/loyalty-tiers.csv"),
    // request-response has service levels: instants and calendars run on the scalar backend only.
    ("policies/retail-rfm-abc.yaml", "examples/retail-rfm-abc.csv"),
    ("policies/fintech-risk-grades.yaml", "examples/fintech-risk-grades.csv"),
  ])
  func examplePoliciesGiveTheSameTraces(policyPath: String, recordsPath: String) throws {
    let policy = try Self.loadPolicy(policyPath)
    let records = try [UInt8](Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path(recordsPath))))
    let decided = try Self.expectSameBytes(policy, records, blockSizes: [7, 1 << 20], traced: true)
    #expect(decided > 0)
    // JSON Lines without traces, the default output of `ladder eval`.
    #expect(try Self.expectSameBytes(policy, records, blockSizes: [1 << 20], jsonl: true) > 0)
  }

  /// Each worker writes JSON Lines and traces with a writer made from a compilation of its own
  /// (``BatchEvaluator/evaluateColumnarJSONL(_:origin:render:_:)``), reading the registers the
  /// first compilation laid out: two compilations of a policy must be the same program.
  @Test(arguments: [
    "policies/b2b-service-tiers.yaml", "policies/airline-status.yaml", "policies/loyalty-tiers.yaml",
    "policies/retail-rfm-abc.yaml", "policies/fintech-risk-grades.yaml",
    "policies/benchmark-scorecard-export.yaml",
  ])
  func aPolicyCompilesToTheSameProgramEveryTime(policyPath: String) throws {
    let policy = try Self.loadPolicy(policyPath)
    let asOf = CivilDate(daysSinceEpoch: 19_783)
    func described() throws -> String {
      var text = ""
      dump(try #require(ColumnarProgram(policy, asOf: asOf, traced: true, explained: true)), to: &text)
      return text
    }
    let first = try described()
    #expect(first.contains("registerCount"))
    #expect(try described() == first)
  }

  @Test(arguments: [41, 42])
  func benchmarkPolicyGivesTheSameTraces(seed: UInt64) throws {
    let policy = try Self.loadPolicy("policies/benchmark-scorecard.yaml")
    let plain = try Self.expectSameBytes(
      policy, Self.benchmarkRecords(count: 1000, seed: seed, hostile: false), traced: true)
    #expect(plain == 1000)
    let hostile = try Self.expectSameBytes(
      policy, Self.benchmarkRecords(count: 800, seed: seed, hostile: true), blockSizes: [29, 1 << 20],
      traced: true)
    #expect(hostile > 400)
  }

  @Test func constructsGiveTheSameTraces() throws {
    let policy = try #require(compilePolicy(Self.constructsPolicy))
    let decided = try Self.expectSameBytes(policy, Self.constructsRecords(seed: 51), traced: true)
    #expect(decided > 300)
    #expect(try Self.expectSameBytes(policy, Self.constructsRecords(seed: 52), jsonl: true) > 300)
  }

  /// Records like the benchmark's: long-tailed spend, quoted names with commas, missing dates.
  static func benchmarkRecords(count: Int, seed: UInt64, hostile: Bool) -> [UInt8] {
    var random = SeededRandom(seed: seed)
    var text =
      "customer_id,name,phone,last_purchase,orders_12m,spend_12m,industry_growth,repurchase_rate,monthly_spend\n"
    func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
    for index in 0..<count {
      let spend = Double(random.next() % 1_000_000_000) / 100 * (random.next() % 7 == 0 ? 10 : 1)
      let monthly = (0..<6).map { _ in String(format: "%.2f", Double(random.next() % 20_000_000) / 100) }
      var fields = [
        String(format: "C%08d", index),
        pick(["", "Ann", "\"陈贸易, 华东\"", "\"Li \"\"Big\"\" Wang\"", "王芳"]),
        pick(["", "13800138000"]),
        random.next() % 10 == 0
          ? "" : String(format: "2023-%02d-%02d", Int(random.next() % 12) + 1, Int(random.next() % 28) + 1),
        String(random.next() % 20),
        String(format: "%.2f", spend),
        String(format: "%.4f", (Double(random.next() % 4000) - 2000) / 10_000),
        pick([
          String(format: "%.4f", Double(random.next() % 10_001) / 10_000), "85%", "80%", "100%", "79.99%",
        ]),
        monthly.joined(separator: ";"),
      ]
      if hostile && random.next() % 3 == 0 {
        let column = Int(random.next() % UInt64(fields.count))
        fields[column] = pick([
          "", " ", " 12", "12 ", "+5", "1_000", "5.", ".5", "1.234", "12.5%", "-3", "abc", "\"42\"",
          "2023-02-30",
          "2023-2-1", "99999999999999999999", "9223372036854775807", "[1,2,3,4,5,6]", "1;2;3", "1;;3;4;5;6",
          "TRUE", "\u{FF}bad", "0.000001", "1e5", "-0", "%", "50%%", "C1,extra",
        ])
      }
      text += fields.joined(separator: ",") + (random.next() % 5 == 0 ? "\r\n" : "\n")
      if hostile && random.next() % 40 == 0 {
        text += pick(["\n", "\r\n", "only,three,fields\n", "\"open,"])
      }
    }
    return Array(text.utf8)
  }

  @Test func benchmarkPolicyGivesTheSameBytesOnPlainRecords() throws {
    let policy = try Self.loadPolicy("policies/benchmark-scorecard.yaml")
    let decided = try Self.expectSameBytes(
      policy, Self.benchmarkRecords(count: 3000, seed: 1, hostile: false), blockSizes: [97, 1 << 20])
    #expect(decided == 3000, "every plain record is decided by the kernels")
  }

  @Test(arguments: [2, 3, 4, 5])
  func benchmarkPolicyGivesTheSameBytesOnHostileRecords(seed: UInt64) throws {
    let policy = try Self.loadPolicy("policies/benchmark-scorecard.yaml")
    var records = Self.benchmarkRecords(count: 1500, seed: seed, hostile: true)
    if seed == 5 { records.append(contentsOf: Array("C9,\"never closed,1\n".utf8)) }
    let decided = try Self.expectSameBytes(policy, records, blockSizes: [1, 13, 4096, 1 << 20])
    #expect(decided > 900)
  }

  /// Invalid UTF-8 in an unused personal column, spend large enough that points × weight leaves
  /// 64 bits at its scale: both go to the row evaluator, which decides or rejects them.
  @Test func recordsTheKernelsCannotTakeAreDecidedByTheRowEvaluator() throws {
    let policy = try Self.loadPolicy("policies/benchmark-scorecard.yaml")
    let header =
      "customer_id,name,phone,last_purchase,orders_12m,spend_12m,industry_growth,repurchase_rate,monthly_spend\n"
    var bytes = Array(header.utf8)
    bytes += Array("C1,".utf8) + [0xE4, 0xB8] + Array(",1,2024-01-01,3,100.00,0.1,0.5,1;2;3;4;5;6\n".utf8)
    bytes += Array("C2,x,1,2024-01-01,3,92233720368547758.07,0.1,0.5,1;2;3;4;5;6\n".utf8)
    bytes += Array("C3,x,1,2024-01-01,3,100.00,0.1,0.5,9999999999999999.99;2;3;4;5;6\n".utf8)
    bytes += Array("C4,x,1,2024-01-01,3,100.00,0.1,0.5,1;2;3;4;5;6\n".utf8)
    #expect(try Self.expectSameBytes(policy, bytes) == 1)
    let reference = try Self.transcript(policy, bytes, columnar: false).text
    #expect(reference.contains("REJECTED line 2 key C1 field name: the field is not valid UTF-8"))
    #expect(reference.contains("C4,"))
  }

  /// A text input a trace shows, quoted, padded, with doubled quotes or only blanks, is read by
  /// the kernels as the row reader reads it (unquoted, without the blanks around it); only a
  /// field that is not well-formed CSV goes to the row evaluator.
  @Test func quotedTextATraceShowsStaysOnTheKernels() throws {
    let policy = try Self.loadPolicy("policies/b2b-service-tiers.yaml")
    let header =
      "customer_id,company_name,contact_phone,last_purchase,orders_12m,spend_12m,industry_growth,repurchase_rate,monthly_spend,last_review\n"
    let names = [
      #""Acme ""Premium"" Ltd""#, #""Granite, Stone & Co""#, #""  padded, both sides  ""#, "  bare padding ",
      #""   ""#, "\"\"\"\"", "\" \"\"x\"\" \"", "\"多行\n公司\"", "\"\tTab \"\"Quote\"\" \t\"", "plain",
    ]
    var csv = header
    for (index, name) in names.enumerated() {
      csv += "C\(index),\(name),,2024-01-16,3,5241.00,20%,55%,416;401;427;446;470;407,2023-12-15\n"
    }
    // Not well-formed: text after the closing quote.
    csv += #"C99,"Broken" here,,2024-01-16,3,5241.00,20%,55%,416;401;427;446;470;407,2023-12-15"# + "\n"
    let bytes = Array(csv.utf8)
    let decided = try Self.expectSameBytes(policy, bytes, blockSizes: [7, 1 << 20], traced: true)
    #expect(decided == names.count)
    let trace = try Self.transcript(policy, bytes, columnar: true, traced: true).text
    #expect(
      trace.contains(
        #"{"name":"company_name","type":"string","value":"Acme \"Premium\" Ltd","personal":false}"#))
    #expect(trace.contains(#""value":"padded, both sides""#))
    #expect(trace.contains(#"{"name":"company_name","type":"string","value":null,"personal":false}"#))
    #expect(trace.contains(#""value":"Tab \"Quote\"""#))
  }

  /// A policy that uses most of what columns cover: enums, booleans, int keys, division, `avg`,
  /// `between`, `in`, `if`, `??`, rounding, dates, lets in the output.
  static let constructsPolicy = """
    ladder: 1
    policy: constructs
    version: "1"
    inputs:
      id:       { type: int, key: true }
      region:   { type: enum, values: [north, south, east] }
      active:   { type: bool }
      joined:   { type: date, optional: true }
      balance:  { type: decimal, scale: 2, min: -1000000 }
      rate:     { type: percent, optional: true }
      visits:   { type: int, optional: true }
      history:  { type: list of decimal, length: 3, scale: 1 }
    let:
      tenure: months_between(joined, as_of) ?? 0
      per_visit: balance / (visits ?? 1)
      mean: avg(history)
      band: if region == "north" then "N" else if region in ["south", "east"] then "SE" else "?"
      capped: clamp(round(per_visit, 1), -50, 500)
      rounded_visit: round(per_visit, 1)
      spread: max(history) - min(history[0], history[-1], 7.5)
    score:
      round: 1
      rounding: half-even
      components:
        money: { weight: 50%, of: balance, bands: [">= 10_000.5: 100", ">= 1_000: 60", "> 0: 20", "else: 0"] }
        habit: { weight: 30%, points: floor(abs(mean ?? 0)) + ceil((spread ?? 0) / 3) }
        rate:  { weight: 20%, points: (rate ?? 10%) * 100 }
    tiers:
      - { id: gold, when: score >= 60 and active and tenure between 6 and 120 }
      - { id: silver, when: score >= 30 or (rate ?? 0%) > 50% }
      - { id: bronze, when: not active or band != "N" }
      - { id: none, otherwise: true }
    review:
      triggers:
        - { id: low_rate, when: (rate ?? 100%) < 5%, then: flag, because: low }
        - { id: recheck, when: tier == "gold" and visits is missing, then: review_now, because: no visits }
    output: [band, tenure, rounded_visit, active, joined]
    """

  @Test(arguments: [11, 12, 13])
  func constructsGiveTheSameBytes(seed: UInt64) throws {
    let policy = try #require(compilePolicy(Self.constructsPolicy))
    #expect(ColumnarProgram(policy, asOf: CivilDate(daysSinceEpoch: 19_783)) != nil)
    let decided = try Self.expectSameBytes(
      policy, Self.constructsRecords(seed: seed), blockSizes: [251, 1 << 20])
    #expect(decided > 300)
  }

  static func constructsRecords(seed: UInt64) -> [UInt8] {
    var random = SeededRandom(seed: seed)
    func pick(_ items: [String]) -> String { items[Int(random.next() % UInt64(items.count))] }
    var text = "id,region,active,joined,balance,rate,visits,history\n"
    for index in 0..<2000 {
      let fields = [
        pick([String(index), String(index), "+\(index)", "-\(index)"]),
        pick(["north", "south", "east", "north", "south", "east", "west", "North"]),
        pick(["true", "false", "1", "0", "yes", "no", "true", "false", "TRUE", ""]),
        pick(["", "2010-05-31", "2023-12-31", "2024-02-29", "2024-03-01", "1999-01-01"]),
        pick([
          String(Int(random.next() % 2_000_000) - 500_000) + "."
            + String(format: "%02d", Int(random.next() % 100)),
          "10000.50", "10000.49", "0", "-0.01", "1000", "5.5", "-2000000", "92233720368547.75",
        ]),
        pick(["", "4%", "5%", "50%", "50.5%", "0.0499", "0.5", "-0.25", "120%"]),
        pick(["", "0", "1", "3", "7", "-2"]),
        pick(["1.5;2.5;3.5", "0;0;0", "-9.9;10;7.5", "100;200;300.5", "4;5;6", "7.5;8;-1", "1;2", "1.55;2;3"]
        ),
      ]
      text += fields.joined(separator: ",") + "\n"
    }
    return Array(text.utf8)
  }

  /// Carriage returns that are data (not before a line feed), in keys and numbers, at the end
  /// of the input and before a CRLF: the columnar path cuts and re-reads records exactly as the
  /// row reader reads them (found by the CSV fuzz target: a record cut from its input ended in
  /// a `\r` that the re-read took for a line end; a block ending inside `\r\r\n` was skipped
  /// as a blank line).
  @Test func carriageReturnsInFieldsGiveTheSameBytes() throws {
    let policy = try #require(compilePolicy(Self.constructsPolicy))
    let header = "id,region,active,joined,balance,rate,visits,history\r\n"
    let records = [
      "1,north,true,2020-01-01,10.00,5%,3,1;2;3\r\n",
      "2\r,south,false,,20.00,,1,1;2;3\r\r\n",
      "3,east,true,2021-02-03,1\r0,7%,,4;5;6\n",
      // Not a blank line: a field holding one '\r', then the line end.
      "\r\r\n",
      "4,north,false,,30.00,1%,2,7;8;9\r\r\r",
    ]
    for last in 1...records.count {
      let csv = Array((header + records.prefix(last).joined()).utf8)
      _ = try Self.expectSameBytes(policy, csv, blockSizes: [1, 2, 3, 13, 1 << 20])
    }
  }

  /// The row evaluator computes every let; one nobody uses still rejects a record it fails on.
  @Test func anUnusedLetThatFailsRejectsTheRecordInBothPaths() throws {
    let policy = try #require(
      compilePolicy(
        policyText(
          inputs: "a: { type: int }\nb: { type: int }\n",
          body:
            "let:\n  unused: a / b\ntiers:\n  - { id: big, when: a > 5 }\n  - { id: small, otherwise: true }\n"
        )))
    let csv = Array("id,a,b\nx,7,0\ny,3,2\n".utf8)
    #expect(try Self.expectSameBytes(policy, csv) == 1)
    #expect(try Self.transcript(policy, csv, columnar: false).text.contains("REJECTED line 2 key x"))
  }

  @Test func policiesOutsideTheColumnarSubsetHaveNoProgram() throws {
    let freeText = try #require(
      compilePolicy(
        policyText(
          inputs: "note: { type: string }\n",
          body: "tiers:\n  - { id: a, when: note == \"x\" }\n  - { id: b, otherwise: true }\n")))
    #expect(ColumnarProgram(freeText, asOf: CivilDate(daysSinceEpoch: 0)) == nil)
  }

  @Test(arguments: [21, 22])
  func populationPolicyGivesTheSameBytes(seed: UInt64) throws {
    let policy = try Self.loadPolicy("policies/benchmark-population.yaml")
    let plain = try Self.expectSameBytes(
      policy, Self.benchmarkRecords(count: 2500, seed: seed, hostile: false), blockSizes: [1 << 20])
    #expect(plain == 2500)
    let hostile = try Self.expectSameBytes(
      policy, Self.benchmarkRecords(count: 1500, seed: seed, hostile: true), blockSizes: [17, 1 << 20])
    #expect(hostile > 900)
  }

  /// Every population function, an integer key with duplicates, heavy ties, negative values.
  static let populationPolicy = """
    ladder: 1
    policy: population
    version: "1"
    inputs:
      id:     { type: int, key: true }
      spend:  { type: decimal, scale: 2, optional: true }
      visits: { type: int }
    let:
      pct: percentile(spend)
      quint: ntile(visits, 3)
      place: rank(spend)
      top: top_percent(visits, 25%)
      abc: abc_class(spend, 50%, 90%)
      share_rank: rank(visits * 2 + 1)
    tiers:
      - { id: a, when: (abc ?? "C") == "A" and (top ?? false) }
      - { id: b, when: (pct ?? 0) >= 50 or (quint ?? 0) == 3 }
      - { id: c, when: (place ?? 99) <= 3 }
      - { id: d, otherwise: true }
    output: [pct, quint, place, abc, share_rank]
    """

  @Test(arguments: [
    "id,spend,visits\n",
    "id,spend,visits\n7,10.00,1\n",
    "id,spend,visits\n1,5.00,1\n2,5.00,1\n3,5.00,1\n4,5.00,1\n",
    "id,spend,visits\n1,0,1\n2,0.00,2\n3,-5.00,3\n",
    "id,spend,visits\n3,1.00,2\n3,1.00,2\n1,,2\n2,9.99,x\n10,1000.5,2\n-4,1.00,7\n",
  ])
  func populationEdgeCasesGiveTheSameBytes(csv: String) throws {
    let policy = try #require(compilePolicy(Self.populationPolicy))
    _ = try Self.expectSameBytes(policy, Array(csv.utf8), blockSizes: [1, 1 << 20])
  }

  /// Sums and cut-offs beyond 128 bits: the reference statistics take the site, same bytes.
  @Test func abcClassesWithExtremeValuesGiveTheSameBytes() throws {
    let policy = try #require(
      compilePolicy(
        policyText(
          inputs: "units: { type: int }\n",
          body: """
            let:
              abc: abc_class(units, 80.0000000000000001%, 95%)
            tiers:
              - { id: a, when: (abc ?? "C") == "A" }
              - { id: rest, otherwise: true }
            output: [abc]

            """)))
    var csv = "id,units\n"
    for index in 0..<40 { csv += "k\(index),\(index % 3 == 0 ? "9223372036854775807" : "\(index * 1000)")\n" }
    _ = try Self.expectSameBytes(policy, Array(csv.utf8))
  }

  @Test func populationFunctionsOverRandomTiesGiveTheSameBytes() throws {
    let policy = try #require(compilePolicy(Self.populationPolicy))
    var random = SeededRandom(seed: 31)
    var text = "id,spend,visits\n"
    for _ in 0..<3000 {
      let spend = random.next() % 9 == 0 ? "" : String(Int(random.next() % 40) - 5) + ".00"
      text += "\(Int(random.next() % 2500)),\(spend),\(random.next() % 6)\n"
    }
    let decided = try Self.expectSameBytes(policy, Array(text.utf8), blockSizes: [1 << 20])
    #expect(decided == 3000)
  }

  @Test func utf8ValidationAgreesWithTheStandardLibrary() {
    var random = SeededRandom(seed: 7)
    for _ in 0..<20_000 {
      let length = Int(random.next() % 8)
      let bytes = (0..<length).map { _ -> UInt8 in
        let roll = random.next() % 4
        return roll == 0 ? UInt8(random.next() % 128) : UInt8(0x80 + random.next() % 128)
      }
      let expected = String(validating: bytes, as: UTF8.self) != nil
      let actual = bytes.withUnsafeBufferPointer { FieldParsing.isValidUTF8($0, 0, bytes.count) }
      #expect(actual == expected, "\(bytes)")
    }
  }

  @Test func fieldParsingAgreesWithTheRowReaderWhereItAccepts() {
    let samples = [
      "0", "12", "-3", "+5", "12.50", "0.0001", "5.", ".5", "1_0", "12.5%", "85%", "-5%", "1.2.3", "", "%",
      "123456789012345678", "1234567890123456789", "0.1234567",
    ]
    for sample in samples {
      for (scale, percent) in [(0, false), (2, false), (6, true)] {
        let parsed = Array(sample.utf8).withUnsafeBufferPointer {
          FieldParsing.decimal($0, 0, $0.count, scale: scale, percent: percent)
        }
        guard let parsed else { continue }
        // Whatever the fast parser accepts, the row reader reads as the same value.
        var digits = Substring(sample)
        var number: FixedDecimal?
        if percent, digits.hasSuffix("%") {
          digits = digits.dropLast()
          number = FixedDecimal(parsing: digits)?.percentFraction
        } else {
          number = FixedDecimal(parsing: digits)
        }
        #expect(number == FixedDecimal(units: Int128(parsed), scale: scale), "\(sample) at \(scale)")
      }
    }
  }
}
