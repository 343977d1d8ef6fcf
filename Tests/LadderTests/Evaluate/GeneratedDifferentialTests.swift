import Foundation
import LadderTestSupport
import Testing

@testable import Ladder

/// Generated policies and records: the batch (columnar) backend must give the same bytes as the
/// row evaluator, its reference, in every output format and with traces.
///
/// CI runs `LADDER_DIFFERENTIAL_CASES` cases (default 300) from `LADDER_DIFFERENTIAL_SEED`
/// (default 1); `scripts/differential.sh CASES [FIRST_SEED]` runs a long campaign. A failing
/// case is shrunk to the fewest records that still differ and saved under
/// `Tests/LadderTests/Golden/differential/seed-N/`, where `savedCasesStillAgree` replays it.
@Suite struct GeneratedDifferentialTests {
  static let asOf = "2024-03-01"
  static let savedCases = "Tests/LadderTests/Golden/differential"

  /// The output format (CSV, JSON Lines, JSON Lines with traces) and the input format.
  enum Mode: String, CaseIterable {
    case csv, jsonl, traced
    case csvFromJSONLines = "csv from jsonl", jsonlFromJSONLines = "jsonl from jsonl"
    case tracedFromJSONLines = "traced from jsonl"
    /// Compact traces (docs/compact-trace.md), expanded: the full traces' bytes.
    case compact
    /// What the ledger keeps of each decision (``BatchEvaluator/keep(_:inputs:_:)``).
    case kept
    /// The JSON lines one at a time, as `ladder serve` decides them (``RecordDecider`` against
    /// ``BatchEvaluator/decideOne(jsonLine:)``).
    case single

    var readsJSONLines: Bool {
      [.csvFromJSONLines, .jsonlFromJSONLines, .tracedFromJSONLines].contains(self)
    }
    var writesCSV: Bool { self == .csv || self == .csvFromJSONLines }
    var traces: Bool { self == .traced || self == .tracedFromJSONLines || self == .compact }
  }

  /// The bytes one backend wrote for the records, rejections in their places; nil when the
  /// batch backend does not take this policy in this mode (it then runs record by record).
  static func transcript(_ policy: CompiledPolicy, _ csv: String, mode: Mode, columnar: Bool) -> String? {
    transcriptCountingKernels(policy, csv, mode: mode, columnar: columnar)?.text
  }

  /// The same records as JSON Lines, each value written one of the ways a JSON writer might
  /// (a number or a string, `null`, `""` or no key for missing, an array or a `;` string for a
  /// list, now and then an escape, blanks, a blank line or CRLF), and now and then a line the
  /// row reader must reject (a repeated or unknown key). Chosen by `seed`, so a case replays.
  static func jsonLines(fromCSV csv: String, seed: UInt64) -> String {
    var random = SeededRandom(seed: seed &* 7919 &+ 17)
    func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }
    let lines = csv.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let headerLine = lines.first else { return "" }
    let names = headerLine.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    func isNumberToken(_ text: String) -> Bool {
      guard let first = text.utf8.first, first == UInt8(ascii: "-") || (48...57).contains(first) else {
        return false
      }
      return text.utf8.allSatisfy { (48...57).contains($0) || Array(".eE+-".utf8).contains($0) }
    }
    func string(_ text: String) -> String {
      // An escape, which the kernels decode as the row reader does.
      if chance(4), let first = text.unicodeScalars.first, first.isASCII {
        return "\"\\u00" + String(first.value, radix: 16) + text.dropFirst() + "\""
      }
      return JSONWriter.quoted(text)
    }
    func scalar(_ text: String) -> String {
      if isNumberToken(text) && chance(60) { return text }
      if (text == "true" || text == "false") && chance(60) { return text }
      return string(text)
    }
    var output = ""
    for line in lines.dropFirst() where !line.isEmpty {
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      var pairs: [String] = []
      for (name, field) in zip(names, fields) {
        let key = JSONWriter.quoted(name)
        if field.isEmpty {
          switch random.next() % 3 {
          case 0: continue
          case 1: pairs.append("\(key):null")
          default: pairs.append("\(key):\"\"")
          }
        } else if field.contains(";") && chance(60) {
          let elements = field.split(separator: ";", omittingEmptySubsequences: false).map {
            scalar(String($0))
          }
          pairs.append("\(key):[\(elements.joined(separator: chance(20) ? ", " : ","))]")
        } else {
          pairs.append("\(key):\(scalar(field))")
        }
      }
      if chance(2), let repeated = pairs.first { pairs.append(repeated) }
      if chance(2) { pairs.append("\"no_such_field\":1") }
      if chance(10) { pairs.shuffle(using: &random) }
      let separator = chance(10) ? " , " : ","
      output += (chance(5) ? " { " : "{") + pairs.joined(separator: separator) + "}"
      output += chance(3) ? "\r\n" : "\n"
      if chance(2) { output += "  \n" }
    }
    return output
  }

  /// The transcript, and how many records the kernels decided (the rest went record by record).
  static func transcriptCountingKernels(_ policy: CompiledPolicy, _ csv: String, mode: Mode, columnar: Bool)
    -> (text: String, byKernels: Int)?
  {
    guard let date = CivilDate(parsing: asOf) else { return nil }
    if mode == .kept { return keptTranscript(policy, csv, asOf: date, columnar: columnar) }
    if mode == .single { return singleTranscript(policy, csv, asOf: date, columnar: columnar) }
    let evaluator = BatchEvaluator(
      policy: policy, asOf: date, trace: mode.traces, compactTrace: mode == .compact)
    var output = ""
    var byKernels = 0
    let bytes = Array(csv.utf8)
    var offset = 0
    // Small blocks, so records also cross block boundaries.
    let source = { () -> [UInt8] in
      let end = min(bytes.count, offset + 997)
      defer { offset = end }
      return Array(bytes[offset..<end])
    }
    let render: @Sendable (RecordOutcome) -> String = { outcome in
      guard case .decided(_, let decision) = outcome else { return "" }
      if mode.writesCSV {
        return DecisionCSV.render(decision, policy: policy, asOf: date, withErrors: false) + "\n"
      }
      return DecisionJSON.render(decision, policy: policy, asOf: date) + "\n"
    }
    func record(_ outcome: RecordOutcome, _ text: String?) {
      switch outcome {
      case .decided: output += text ?? ""
      case .rejected(let problem):
        output +=
          "REJECTED line \(problem.line) key \(problem.key ?? "-") field \(problem.field ?? "-"): \(problem.reason)\n"
      }
    }
    let handle = { (piece: EvaluatedPiece) in
      switch piece {
      case .rendered(let bytes, let records):
        output += String(decoding: bytes, as: UTF8.self)
        byKernels += records
      case .outcome(let outcome, let text): record(outcome, text)
      }
    }
    do {
      let origin = mode.traces ? "records" : nil
      let input: ColumnarInput
      if mode.readsJSONLines {
        let jsonLines = Array(Self.jsonLines(fromCSV: csv, seed: UInt64(csv.utf8.count)).utf8)
        guard columnar else {
          try evaluator.evaluate(bytes: jsonLines, format: .jsonl, origin: origin, render: render, record)
          return (output, 0)
        }
        // Small blocks here too: lines cross block boundaries (a block may end inside a line,
        // inside a `\r\n`, or inside a byte order mark).
        var position = 0
        input = .jsonLines {
          let end = min(jsonLines.count, position + 251)
          defer { position = end }
          return InputBytes(bytes: Array(jsonLines[position..<end]))
        }
      } else {
        guard columnar else {
          try evaluator.evaluate(csvSource: source, origin: origin, render: render, record)
          return (output, 0)
        }
        input = .csv(source)
      }
      if mode.writesCSV {
        guard try evaluator.evaluateColumnar(input, origin: nil, withErrors: false, render: render, handle)
        else { return nil }
      } else {
        guard try evaluator.evaluateColumnarJSONL(input, origin: origin, render: render, handle) else {
          return nil
        }
        if mode == .compact {
          let compact = evaluator.compactTraceHeader(origin: origin) + "\n" + output
          guard let expanded = CompactTraceExpander.expand(compact) else {
            return ("UNREADABLE:\n\(compact)", 0)
          }
          output = expanded
        }
      }
    } catch {
      return ("HEADER: \(error.message)", 0)
    }
    return (output, byKernels)
  }

  /// Every record's decision or rejection, each line decided on its own (read as line 1); `nil`
  /// when the policy does not run on the kernels.
  static func singleTranscript(_ policy: CompiledPolicy, _ csv: String, asOf: CivilDate, columnar: Bool)
    -> (text: String, byKernels: Int)?
  {
    // Split at line feeds as bytes: "\r\n" is one `Character`.
    let lines = Array(Self.jsonLines(fromCSV: csv, seed: UInt64(csv.utf8.count)).utf8).split(
      separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    let decider = RecordDecider(policy: policy, asOf: asOf)
    if columnar && decider == nil { return nil }
    let evaluator = BatchEvaluator(policy: policy, asOf: asOf, backend: .scalar)
    var output = ""
    var byKernels = 0
    func describe(_ outcome: RecordOutcome) {
      switch outcome {
      case .decided(_, let decision):
        output += DecisionJSON.render(decision, policy: policy, asOf: asOf) + "\n"
      case .rejected(let problem):
        output +=
          "REJECTED line \(problem.line) key \(problem.key ?? "-") field \(problem.field ?? "-"): \(problem.reason)\n"
      }
    }
    for line in lines {
      let bytes = Array(line)
      if let decider, columnar {
        switch decider.decide(jsonLine: bytes) {
        case .rendered(let decision):
          output += String(decoding: decision, as: UTF8.self) + "\n"
          byKernels += 1
        case .evaluated(let outcome): describe(outcome)
        case nil: continue
        }
      } else if let outcome = evaluator.decideOne(jsonLine: bytes + [UInt8(ascii: "\n")]).outcome {
        describe(outcome)
      }
    }
    return (output, byKernels)
  }

  /// What running one case found.
  /// Every kept decision and rejection, every input kept; `nil` when the policy does not run on
  /// the kernels (both sides would be the scalar backend's).
  static func keptTranscript(_ policy: CompiledPolicy, _ csv: String, asOf: CivilDate, columnar: Bool)
    -> (text: String, byKernels: Int)?
  {
    if columnar && ColumnarProgram(policy, asOf: asOf) == nil { return nil }
    let evaluator = BatchEvaluator(policy: policy, asOf: asOf, backend: columnar ? .automatic : .scalar)
    // Blocks are cut differently by the two backends: decisions and rejections each in input order.
    var (decisions, rejections, read) = ("", "", 0)
    do {
      try evaluator.keep(.bytes(Array(csv.utf8), format: .csv), inputs: policy.inputs.map(\.slot)) { block in
        read += block.read
        for kept in block.decisions {
          decisions +=
            "\(kept.line) \(kept.key) \(kept.tier ?? "-") \(kept.score ?? "-") [\(kept.flags)] \(kept.reviewNow) \(kept.inputs)\n"
        }
        for problem in block.rejections {
          rejections += "REJECTED line \(problem.line) field \(problem.field ?? "-"): \(problem.reason)\n"
        }
      }
    } catch {
      return ("HEADER: \(error.message)", 0)
    }
    return (decisions + rejections + "read \(read)\n", 0)
  }

  enum Verdict: Equatable {
    case rejectedByChecker
    case agreed(columnarModes: Int, byKernels: Int)
    case differed(mode: Mode)
  }

  static func verdict(policy text: String, csv: String) -> Verdict {
    guard let policy = compilePolicyQuietly(text) else { return .rejectedByChecker }
    var columnarModes = 0
    var byKernels = 0
    for mode in Mode.allCases {
      guard let batch = transcriptCountingKernels(policy, csv, mode: mode, columnar: true) else { continue }
      columnarModes += 1
      byKernels += batch.byKernels
      if batch.text != transcript(policy, csv, mode: mode, columnar: false) { return .differed(mode: mode) }
    }
    return .agreed(columnarModes: columnarModes, byKernels: byKernels)
  }

  static func compilePolicyQuietly(_ text: String) -> CompiledPolicy? {
    let sources = SourceRegistry()
    var bag = DiagnosticBag()
    return PolicyCompiler.compile(sources.add(path: "generated.yaml", text: text), into: &bag)
  }

  /// Removes records one at a time while the case still differs.
  static func shrink(_ generated: PolicyGenerator.GeneratedCase) -> [String] {
    var records = generated.records
    var index = records.count - 1
    while index >= 0 {
      var fewer = records
      fewer.remove(at: index)
      let csv = ([generated.header] + fewer).joined(separator: "\n") + "\n"
      if case .differed = verdict(policy: generated.policy, csv: csv) { records = fewer }
      index -= 1
    }
    return records
  }

  static var environmentCases: Int {
    ProcessInfo.processInfo.environment["LADDER_DIFFERENTIAL_CASES"].flatMap { Int($0) } ?? 300
  }

  static var environmentSeed: UInt64 {
    ProcessInfo.processInfo.environment["LADDER_DIFFERENTIAL_SEED"].flatMap { UInt64($0) } ?? 1
  }

  @Test func generatedPoliciesGiveTheSameBytesOnBothBackends() throws {
    var checked = 0
    var rejected = 0
    var comparedModes = 0
    var byKernels = 0
    var records = 0
    var failures: [String] = []
    let first = Self.environmentSeed
    for seed in first..<first + UInt64(Self.environmentCases) {
      let generated = PolicyGenerator.generate(seed: seed)
      switch Self.verdict(policy: generated.policy, csv: generated.csv) {
      case .rejectedByChecker:
        rejected += 1
        // LADDER_DIFFERENTIAL_VERBOSE=1 shows why, for whoever works on the generator.
        if ProcessInfo.processInfo.environment["LADDER_DIFFERENTIAL_VERBOSE"] == "1" {
          print("seed \(seed):\n\(generated.policy)")
          _ = compilePolicy(generated.policy, path: "generated.yaml")
        }
      case .agreed(let modes, let decided):
        checked += 1
        comparedModes += modes
        byKernels += decided
        records += modes * generated.records.count
      case .differed(let mode):
        let records = Self.shrink(generated)
        let folder = "\(Self.savedCases)/seed-\(seed)"
        try FileManager.default.createDirectory(
          atPath: RepositoryPaths.path(folder), withIntermediateDirectories: true)
        try Data(generated.policy.utf8).write(
          to: URL(fileURLWithPath: RepositoryPaths.path(folder + "/policy.yaml")))
        let csv = ([generated.header] + records).joined(separator: "\n") + "\n"
        try Data(csv.utf8).write(to: URL(fileURLWithPath: RepositoryPaths.path(folder + "/records.csv")))
        failures.append("seed \(seed) (\(mode.rawValue)): saved to \(folder) with \(records.count) records")
      }
    }
    print(
      "differential: \(checked + failures.count) policies compared (\(comparedModes) backend runs, \(byKernels) of \(records) records decided by kernels), \(failures.count) differed, \(rejected) rejected by the checker"
    )
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    // The generator is useful only if it writes policies the checker takes and the batch
    // backend runs.
    #expect(rejected * 10 <= Self.environmentCases, "\(rejected) of \(Self.environmentCases) rejected")
    #expect(comparedModes >= checked)
    #expect(byKernels * 2 >= records, "most records go through the kernels, not the fallback")
  }

  /// Every case a campaign once found, replayed.
  @Test func savedCasesStillAgree() throws {
    let folder = RepositoryPaths.path(Self.savedCases)
    let cases = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    for name in cases.sorted() {
      let policy = try String(contentsOfFile: "\(folder)/\(name)/policy.yaml", encoding: .utf8)
      let csv = try String(contentsOfFile: "\(folder)/\(name)/records.csv", encoding: .utf8)
      let verdict = Self.verdict(policy: policy, csv: csv)
      #expect(verdict != .rejectedByChecker, "\(name)")
      guard case .differed(let mode) = verdict, let policy = Self.compilePolicyQuietly(policy) else {
        continue
      }
      let reference = Self.transcript(policy, csv, mode: mode, columnar: false) ?? ""
      let batch = Self.transcript(policy, csv, mode: mode, columnar: true) ?? ""
      Issue.record(
        "\(name) still differs in \(mode.rawValue):\n\(Golden.lineDiff(expected: reference, actual: batch))")
    }
  }

  /// The generator is deterministic: a seed names a case.
  @Test func sameSeedGivesTheSameCase() {
    let first = PolicyGenerator.generate(seed: 42)
    let second = PolicyGenerator.generate(seed: 42)
    #expect(first.policy == second.policy && first.csv == second.csv)
    #expect(first.policy != PolicyGenerator.generate(seed: 43).policy)
  }
}
