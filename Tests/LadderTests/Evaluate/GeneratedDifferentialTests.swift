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

  enum Mode: String, CaseIterable {
    case csv, jsonl, traced
  }

  /// The bytes one backend wrote for the records, rejections in their places; nil when the
  /// batch backend does not take this policy in this mode (it then runs record by record).
  static func transcript(_ policy: CompiledPolicy, _ csv: String, mode: Mode, columnar: Bool) -> String? {
    transcriptCountingKernels(policy, csv, mode: mode, columnar: columnar)?.text
  }

  /// The transcript, and how many records the kernels decided (the rest went record by record).
  static func transcriptCountingKernels(_ policy: CompiledPolicy, _ csv: String, mode: Mode, columnar: Bool)
    -> (text: String, byKernels: Int)?
  {
    guard let date = CivilDate(parsing: asOf) else { return nil }
    let evaluator = BatchEvaluator(policy: policy, asOf: date, trace: mode == .traced)
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
      if mode == .csv {
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
      let origin = mode == .traced ? "records.csv" : nil
      switch (columnar, mode) {
      case (false, _): try evaluator.evaluate(csvSource: source, origin: origin, render: render, record)
      case (true, .csv):
        guard
          try evaluator.evaluateColumnar(
            csvSource: source, origin: nil, withErrors: false, render: render, handle)
        else { return nil }
      case (true, _):
        guard try evaluator.evaluateColumnarJSONL(csvSource: source, origin: origin, render: render, handle)
        else { return nil }
      }
    } catch {
      return ("HEADER: \(error.message)", 0)
    }
    return (output, byKernels)
  }

  /// What running one case found.
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
