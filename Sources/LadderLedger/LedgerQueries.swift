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
      try Self.decisions(of: key, db).sorted { ($0.run.asOf, $0.run.id) < ($1.run.asOf, $1.run.id) }
        .map { Self.storedDecision($0.run, $0.entry) }
    }
  }

  /// The decision in force for `key` on `date`: the one of the latest run as of that date (or
  /// before) that decided it; `nil` when none did. With `trace`, the decision is made again from
  /// the stored policy text and inputs, and must come out the same (the trace says why it holds).
  public func show(key: String, asOf date: CivilDate, trace: Bool = false) throws(LedgerError)
    -> StoredDecision?
  {
    let day = date.description
    let found = try reading { db -> StoredDecision? in
      let decided = try Self.decisions(of: key, db)
      guard
        let latest = decided.filter({ $0.run.asOf <= day }).max(by: {
          ($0.run.asOf, $0.run.id) < ($1.run.asOf, $1.run.id)
        })
      else { return nil }
      var decision = Self.storedDecision(latest.run, latest.entry)
      // The tier assigned that day: the latest run's change as of it, or a change of the
      // lifecycle approved since (it belongs to the run that proposed it).
      var assigned: (run: Int64, tier: String?, since: String)?
      for (run, entry) in decided where entry.changed && entry.since <= date {
        if run.id > assigned?.run ?? 0 { assigned = (run.id, entry.inForce, entry.since.description) }
      }
      for row in try Row.fetchAll(
        db,
        sql:
          "SELECT run_id, tier, since FROM assignment WHERE key = ? AND since <= ? AND approval_id IS NOT NULL",
        arguments: [key, day])
      {
        let run: Int64 = try row.value("run_id")
        if run > assigned?.run ?? 0 { assigned = try (run, row.value("tier"), row.value("since")) }
      }
      if let assigned {
        decision.assignedTier = assigned.tier
        decision.tierSince = assigned.since
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
    let stored = try reading { db in try Self.entriesInInputOrder(db, run: id) }
    result.decisions = stored.count
    guard decisions.count == stored.count else {
      result.differences.append("\(stored.count) decisions are stored, the replay made \(decisions.count)")
      return result
    }
    for (entry, decision) in zip(stored, decisions) {
      var again = entry
      again.key = decision.key
      again.tier = decision.tier?.id
      again.score = decision.score?.description
      again.flags = decision.firedTriggers.map(\.id).joined(separator: ";")
      if again.decisionRow(form: .current) != entry.decisionRow(form: .current) {
        result.differences.append(
          "line \(entry.line), \(entry.key): stored tier \(entry.tier ?? "none") score \(entry.score ?? "none"), replayed tier \(decision.tier?.id ?? "none") score \(decision.score?.description ?? "none")"
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
            (SELECT coalesce(sum(b.changes), 0) FROM entry_block b WHERE b.run_id = r.id) AS changes
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

  /// What the readers show of a run beside its decisions.
  struct RunInfo {
    var id: Int64
    var asOf: String
    var chainSeq: Int64
    var policy: String
    var version: String
    var policySHA256: String
    var ranBy: String
    var ranAt: String
  }

  /// Every run, by id.
  static func runInfos(_ db: Database) throws -> [RunInfo] {
    try Row.fetchAll(
      db,
      sql: """
        SELECT r.id, r.as_of, r.chain_seq, p.policy, p.version, r.policy_sha256, r.ran_by, r.ran_at
        FROM run r JOIN policy_version p ON p.sha256 = r.policy_sha256 ORDER BY r.id
        """
    ).map { row in
      try RunInfo(
        id: row.value("id"), asOf: row.value("as_of"), chainSeq: row.value("chain_seq"),
        policy: row.value("policy"),
        version: row.value("version"), policySHA256: row.value("policy_sha256"), ranBy: row.value("ran_by"),
        ranAt: row.value("ran_at"))
    }
  }

  /// The entry of `key` in run `run`, `nil` when the run did not decide it.
  static func entry(_ db: Database, run: Int64, key: String) throws -> LedgerEntry? {
    guard let found = try RunEntries.entry(db, run: run, key: key) else {
      throw LedgerError("run \(run): its stored decisions are damaged; ladder ledger verify says more")
    }
    return found
  }

  /// Every run's decision of `key`, by run id: one block read per run.
  static func decisions(of key: String, _ db: Database) throws -> [(run: RunInfo, entry: LedgerEntry)] {
    try runInfos(db).compactMap { run in try entry(db, run: run.id, key: key).map { (run, $0) } }
  }

  /// Every entry of run `id`, in the order of its input.
  static func entriesInInputOrder(_ db: Database, run id: Int64) throws -> [LedgerEntry] {
    guard let entries = try RunEntries.entries(db, run: id) else {
      throw LedgerError("run \(id): its stored decisions are damaged; ladder ledger verify says more")
    }
    guard let inputs = try RunEntries.inputs(db, run: id), inputs.count == entries.count else {
      throw LedgerError("run \(id): its stored inputs are damaged; ladder ledger verify says more")
    }
    var ordered = entries.sorted { $0.seq < $1.seq }
    for index in ordered.indices { ordered[index].inputs = inputs[index] }
    return ordered
  }

  static func storedDecision(_ run: RunInfo, _ entry: LedgerEntry) -> StoredDecision {
    StoredDecision(
      run: run.id, asOf: run.asOf, policy: run.policy, version: run.version, policySHA256: run.policySHA256,
      ranBy: run.ranBy, ranAt: run.ranAt, key: entry.key, tier: entry.tier, assignedTier: entry.inForce,
      lifecycle: entry.outcome.flatMap(LifecycleStep.Outcome.init(rawValue:)), score: entry.score,
      flags: entry.flags.isEmpty ? [] : entry.flags.split(separator: ";").map(String.init),
      changedTier: entry.changed, tierSince: nil, trace: nil, override: nil)
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
    let rows = try reading { db -> [LedgerEntry] in
      if let one {
        guard var entry = try Self.entry(db, run: id, key: one) else { return [] }
        guard let inputs = try InputBlocks.Reader(db, run: id).inputs(seq: entry.seq, stored: "") else {
          throw LedgerError("run \(id): the stored inputs of '\(one)' are damaged")
        }
        entry.inputs = inputs
        return [entry]
      }
      return try Self.entriesInInputOrder(db, run: id)
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
      guard let values = RawValue.values(ofJSONArray: row.inputs),
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
