import Crypto
import Foundation
import GRDB
import Ladder

/// A decision as the ledger holds it, with the run that made it.
public struct StoredDecision: Sendable {
  public var run: Int64
  public var asOf: String
  public var policy: String
  public var version: String
  public var policySHA256: String
  public var ranBy: String
  public var ranAt: String
  public var key: String
  /// The tier the policy computed.
  public var tier: String?
  /// The tier the policy's lifecycle kept in force after this run: the computed tier unless a
  /// `lifecycle:` rule held it back or moved it one tier only.
  public var assignedTier: String?
  /// What the lifecycle did at this run (``LifecycleStep/Outcome``), when it recorded anything.
  public var lifecycle: LifecycleStep.Outcome?
  public var score: String?
  /// Fired trigger ids.
  public var flags: [String]
  /// Whether this run changed the key's tier (or first recorded it).
  public var changedTier: Bool
  /// The date the tier in force on this decision was first assigned (a run's as-of date).
  public var tierSince: String?
  /// The decision made again from the stored policy and inputs, traced; when asked for.
  public var trace: DecisionTrace?
  /// The approved override in force on the date asked about (``Ledger/show(key:asOf:trace:)``):
  /// its tier is the one in force, whatever the policy gives.
  public var override: TierOverride?

  /// The tier in force: the override's when there is one, else the one the policy's lifecycle
  /// assigned.
  public var tierInForce: String? { override?.tier ?? assignedTier }
}

/// What ``Ledger/replay(run:)`` found.
public struct ReplayResult: Sendable {
  public var run: Int64
  public var decisions = 0
  /// Each decision the replay did not reproduce, in words.
  public var differences: [String] = []

  public var isIdentical: Bool { differences.isEmpty }
}

extension Ledger {
  /// Every decision recorded for `key`, oldest first.
  public func history(key: String) throws(LedgerError) -> [StoredDecision] {
    try reading { db in
      try Row.fetchAll(
        db, sql: Self.decisionQuery + " WHERE d.key = ? ORDER BY r.as_of, r.id", arguments: [key]
      )
      .map { try Self.storedDecision($0) }
    }
  }

  /// The decision in force for `key` on `date`: the one of the latest run as of that date (or
  /// before) that decided it; `nil` when none did. With `trace`, the decision is made again from
  /// the stored policy text and inputs, and must come out the same (the trace says why it holds).
  public func show(key: String, asOf date: CivilDate, trace: Bool = false) throws(LedgerError)
    -> StoredDecision?
  {
    let found = try reading { db -> StoredDecision? in
      let row = try Row.fetchOne(
        db,
        sql: Self.decisionQuery
          + " WHERE d.key = ? AND r.as_of <= ? ORDER BY r.as_of DESC, r.id DESC LIMIT 1",
        arguments: [key, date.description])
      guard let row else { return nil }
      var decision = try Self.storedDecision(row)
      // The tier assigned that day: a run's, or an approved change of the lifecycle since.
      if let assigned = try Row.fetchOne(
        db,
        sql: "SELECT tier, since FROM assignment WHERE key = ? AND since <= ? ORDER BY run_id DESC LIMIT 1",
        arguments: [key, date.description])
      {
        decision.assignedTier = try assigned.value("tier")
        decision.tierSince = try assigned.value("since")
      }
      return decision
    }
    guard var decision = found else { return nil }
    decision.override = try override(of: key, on: date)
    guard trace else { return decision }
    let replayed = try decide(run: decision.run, trace: true, only: key)
    decision.trace = replayed.first { $0.key == key }?.trace
    return decision
  }

  /// Makes every decision of run `id` again from the ledger alone (the stored policy text and
  /// inputs) and compares each with the stored one, byte for byte.
  public func replay(run id: Int64) throws(LedgerError) -> ReplayResult {
    let decisions = try decide(run: id, trace: false, only: nil)
    var result = ReplayResult(run: id)
    typealias Stored = (
      seq: Int, line: Int, key: String, tier: String?, score: String?, flags: String, inputs: String
    )
    let stored: [Stored] = try reading { db in
      try Row.fetchAll(
        db,
        sql: "SELECT seq, line, key, tier, score, flags, inputs FROM decision WHERE run_id = ? ORDER BY seq",
        arguments: [id]
      ).map { row in
        try (
          row.value("seq"), row.value("line"), row.value("key"), row.value("tier"), row.value("score"),
          row.value("flags"), row.value("inputs")
        )
      }
    }
    result.decisions = stored.count
    guard decisions.count == stored.count else {
      result.differences.append("\(stored.count) decisions are stored, the replay made \(decisions.count)")
      return result
    }
    for (row, decision) in zip(stored, decisions) {
      let flags = decision.firedTriggers.map(\.id).joined(separator: ";")
      let again = LedgerChain.decisionRow(
        seq: row.seq, line: row.line, key: decision.key, tier: decision.tier?.id,
        score: decision.score?.description, flags: flags, inputs: row.inputs)
      let original = LedgerChain.decisionRow(
        seq: row.seq, line: row.line, key: row.key, tier: row.tier, score: row.score, flags: row.flags,
        inputs: row.inputs)
      if again != original {
        let (key, line, tier, score) = (row.key, row.line, row.tier, row.score)
        result.differences.append(
          "line \(line), \(key): stored tier \(tier ?? "none") score \(score ?? "none"), replayed tier \(decision.tier?.id ?? "none") score \(decision.score?.description ?? "none")"
        )
      }
    }
    return result
  }

  /// The runs recorded, oldest first.
  public func runs() throws(LedgerError) -> [RecordedRunSummary] {
    try reading { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT r.id, r.as_of, r.input_name, r.read, r.evaluated, r.rejected, r.ran_by, r.ran_at, r.hash,
            p.policy, p.version, r.policy_sha256,
            (SELECT count(*) FROM assignment a WHERE a.run_id = r.id) AS changes
          FROM run r JOIN policy_version p ON p.sha256 = r.policy_sha256 ORDER BY r.id
          """
      ).map { row in
        RecordedRunSummary(
          id: try row.value("id"), asOf: try row.value("as_of"), input: try row.value("input_name"),
          policy: try row.value("policy"),
          version: try row.value("version"), policySHA256: try row.value("policy_sha256"),
          read: try row.value("read"),
          evaluated: try row.value("evaluated"), rejected: try row.value("rejected"),
          changes: try row.value("changes"),
          ranBy: try row.value("ran_by"),
          ranAt: try row.value("ran_at"), hash: try row.value("hash"))
      }
    }
  }

  // MARK: - Shared

  static let decisionQuery = """
    SELECT d.run_id, d.key, d.tier, d.score, d.flags, r.as_of, r.ran_by, r.ran_at, p.policy, p.version,
      r.policy_sha256, EXISTS (SELECT 1 FROM assignment a WHERE a.key = d.key AND a.run_id = d.run_id
        AND a.approval_id IS NULL) AS changed,
      (SELECT a.tier FROM assignment a WHERE a.key = d.key AND a.run_id <= d.run_id AND a.since <= r.as_of
        ORDER BY a.run_id DESC LIMIT 1) AS assigned,
      (SELECT v.outcome FROM review v WHERE v.key = d.key AND v.run_id = d.run_id) AS outcome
    FROM decision d JOIN run r ON r.id = d.run_id JOIN policy_version p ON p.sha256 = r.policy_sha256
    """

  static func storedDecision(_ row: Row) throws -> StoredDecision {
    let flags: String = try row.value("flags")
    return StoredDecision(
      run: try row.value("run_id"), asOf: try row.value("as_of"), policy: try row.value("policy"),
      version: try row.value("version"),
      policySHA256: try row.value("policy_sha256"), ranBy: try row.value("ran_by"),
      ranAt: try row.value("ran_at"), key: try row.value("key"),
      tier: try row.value("tier"), assignedTier: try row.value("assigned"),
      lifecycle: (try row.value("outcome") as String?).flatMap(LifecycleStep.Outcome.init(rawValue:)),
      score: try row.value("score"),
      flags: flags.isEmpty ? [] : flags.split(separator: ";").map(String.init),
      changedTier: try row.value("changed"), tierSince: nil, trace: nil, override: nil)
  }

  /// A policy text the ledger stored, compiled again; `nil` (with its count of errors) when it
  /// no longer checks with this version of Ladder.
  static func compileStored(_ text: Data, path: String) -> (policy: CompiledPolicy?, errors: Int) {
    var diagnostics = DiagnosticBag()
    let policy = PolicyCompiler.compile(
      SourceRegistry().add(path: path, bytes: [UInt8](text)), into: &diagnostics)
    return (policy, diagnostics.errorCount)
  }

  func reading<T>(_ body: (Database) throws -> T) throws(LedgerError) -> T {
    do {
      return try queue.read(body)
    } catch let error as LedgerError {
      throw error
    } catch {
      throw LedgerError("cannot read the ledger \(path): \(LedgerError.describe(error))")
    }
  }

  /// The decisions of run `id` made again from the stored policy and inputs, in input order:
  /// every record's, or only the record keyed `key`. A policy with population functions is
  /// always given the whole run (its population).
  func decide(run id: Int64, trace: Bool, only key: String?) throws(LedgerError) -> [Decision] {
    let found = try reading { db -> (text: Data, path: String, asOf: String, fields: String)? in
      try Row.fetchOne(
        db,
        sql:
          "SELECT r.*, p.text, p.path FROM run r JOIN policy_version p ON p.sha256 = r.policy_sha256 WHERE r.id = ?",
        arguments: [id]
      ).map { row in try (row.value("text"), row.value("path"), row.value("as_of"), row.value("input_fields"))
      }
    }
    guard let run = found else { throw LedgerError("there is no run \(id) in \(path)") }
    let (text, policyPath) = (run.text, run.path)
    let compiled = Self.compileStored(text, path: policyPath)
    guard let policy = compiled.policy else {
      throw LedgerError(
        "run \(id): its policy \(policyPath) no longer checks with this version of Ladder (\(compiled.errors) errors)"
      )
    }
    // One record, found by the key index, unless the policy ranks the whole population.
    let one = policy.populationSites.isEmpty ? key : nil
    let rows = try reading { db in
      let stored = InputBlocks.Reader(db, run: id)
      return try Row.fetchAll(
        db,
        sql:
          "SELECT seq, line, key, inputs FROM decision WHERE run_id = ?\(one == nil ? "" : " AND key = ?") ORDER BY seq",
        arguments: StatementArguments([id] + (one.map { [$0] } ?? []))
      ).map { row in
        try (
          line: row.value("line") as Int, key: row.value("key") as String,
          inputs: stored.inputs(seq: row.value("seq"), stored: row.value("inputs"))
        )
      }
    }
    let asOfText = run.asOf
    guard let asOf = CivilDate(parsing: asOfText) else {
      throw LedgerError("run \(id): its as-of date is damaged")
    }
    let fieldNames = RawValue.values(ofJSONArray: run.fields)?.compactMap { value -> String? in
      if case .text(let name) = value { return name }
      return nil
    }
    guard let fieldNames else { throw LedgerError("run \(id): its list of stored inputs is damaged") }
    let slots = fieldNames.map { name in policy.inputs.first { $0.name == name }?.slot }
    var reads: [ReadRecord] = []
    for row in rows {
      let key = row.key
      guard let inputs = row.inputs, let values = RawValue.values(ofJSONArray: inputs),
        values.count == slots.count
      else {
        throw LedgerError("run \(id): the stored inputs of '\(key)' are damaged")
      }
      var record = RawRecord(line: row.line, values: [RawValue?](repeating: nil, count: policy.inputs.count))
      for (slot, value) in zip(slots, values) {
        if let slot { record.values[slot] = value }
      }
      reads.append(.success(record))
    }
    var decisions: [Decision] = []
    do {
      try BatchEvaluator(policy: policy, asOf: asOf, trace: trace).evaluate(
        .records(reads),
        into: OutcomeCallback { if case .decided(_, let decision) = $0 { decisions.append(decision) } })
    } catch {
      throw LedgerError("run \(id): \(error)")
    }
    return decisions
  }
}

/// One run as `ladder ledger runs` lists it.
public struct RecordedRunSummary: Sendable {
  public var id: Int64
  public var asOf: String
  public var input: String
  public var policy: String
  public var version: String
  public var policySHA256: String
  public var read: Int
  public var evaluated: Int
  public var rejected: Int
  public var changes: Int
  public var ranBy: String
  public var ranAt: String
  public var hash: String
}
