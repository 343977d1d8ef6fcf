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
      .map(Self.storedDecision)
    }
  }

  /// The decision in force for `key` on `date`: the one of the latest run as of that date (or
  /// before) that decided it; `nil` when none did. With `trace`, the decision is made again from
  /// the stored policy text and inputs, and must come out the same (the trace says why it holds).
  public func show(key: String, asOf date: CivilDate, trace: Bool = false) throws(LedgerError)
    -> StoredDecision?
  {
    let found = try reading { db -> StoredDecision? in
      guard
        var decision = try Row.fetchOne(
          db,
          sql: Self.decisionQuery
            + " WHERE d.key = ? AND r.as_of <= ? ORDER BY r.as_of DESC, r.id DESC LIMIT 1",
          arguments: [key, date.description]
        ).map(Self.storedDecision)
      else { return nil }
      // The tier assigned that day: a run's, or an approved change of the lifecycle since.
      if let assigned = try Row.fetchOne(
        db,
        sql: "SELECT tier, since FROM assignment WHERE key = ? AND since <= ? ORDER BY run_id DESC LIMIT 1",
        arguments: [key, date.description])
      {
        decision.assignedTier = assigned["tier"]
        decision.tierSince = assigned["since"]
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
    let stored = try reading { db in
      try Row.fetchAll(
        db,
        sql: "SELECT seq, line, key, tier, score, flags, inputs FROM decision WHERE run_id = ? ORDER BY seq",
        arguments: [id])
    }
    result.decisions = stored.count
    guard decisions.count == stored.count else {
      result.differences.append("\(stored.count) decisions are stored, the replay made \(decisions.count)")
      return result
    }
    for (row, decision) in zip(stored, decisions) {
      let flags = decision.firedTriggers.map(\.id).joined(separator: ";")
      let again = LedgerChain.decisionRow(
        seq: row["seq"], line: row["line"], key: decision.key, tier: decision.tier?.id,
        score: decision.score?.description, flags: flags, inputs: row["inputs"])
      let original = LedgerChain.decisionRow(
        seq: row["seq"], line: row["line"], key: row["key"], tier: row["tier"], score: row["score"],
        flags: row["flags"], inputs: row["inputs"])
      if again != original {
        let key: String = row["key"]
        let line: Int = row["line"]
        let tier: String? = row["tier"]
        let score: String? = row["score"]
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
          id: row["id"], asOf: row["as_of"], input: row["input_name"], policy: row["policy"],
          version: row["version"], policySHA256: row["policy_sha256"], read: row["read"],
          evaluated: row["evaluated"], rejected: row["rejected"], changes: row["changes"],
          ranBy: row["ran_by"],
          ranAt: row["ran_at"], hash: row["hash"])
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

  static func storedDecision(_ row: Row) -> StoredDecision {
    let flags: String = row["flags"]
    return StoredDecision(
      run: row["run_id"], asOf: row["as_of"], policy: row["policy"], version: row["version"],
      policySHA256: row["policy_sha256"], ranBy: row["ran_by"], ranAt: row["ran_at"], key: row["key"],
      tier: row["tier"], assignedTier: row["assigned"],
      lifecycle: (row["outcome"] as String?).flatMap(LifecycleStep.Outcome.init(rawValue:)),
      score: row["score"],
      flags: flags.isEmpty ? [] : flags.split(separator: ";").map(String.init),
      changedTier: row["changed"], tierSince: nil, trace: nil, override: nil)
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
    let found = try reading { db in
      try Row.fetchOne(
        db,
        sql:
          "SELECT r.*, p.text, p.path FROM run r JOIN policy_version p ON p.sha256 = r.policy_sha256 WHERE r.id = ?",
        arguments: [id])
    }
    guard let run = found else { throw LedgerError("there is no run \(id) in \(path)") }
    let text: Data = run["text"]
    let policyPath: String = run["path"]
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
        (
          line: row["line"] as Int, key: row["key"] as String,
          inputs: try stored.inputs(seq: row["seq"], stored: row["inputs"])
        )
      }
    }
    let asOfText: String = run["as_of"]
    guard let asOf = CivilDate(parsing: asOfText) else {
      throw LedgerError("run \(id): its as-of date is damaged")
    }
    let fieldNames = RawValue.values(ofJSONArray: run["input_fields"])?.compactMap { value -> String? in
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
