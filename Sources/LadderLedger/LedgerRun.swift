import Crypto
import Foundation
import GRDB
import Ladder

/// A tier assignment that a run changed: a customer new to the ledger, or one whose tier moved.
public struct TierChange: Sendable, Hashable {
  public var key: String
  /// The tier before the run; `nil` for a key the ledger had not seen, or that had no tier.
  public var from: String?
  public var to: String?
  public var isNew: Bool
}

/// What ``Ledger/record(_:records:format:inputName:asOf:by:at:)`` wrote.
public struct RecordedRun: Sendable {
  public var id: Int64
  public var policy: String
  public var version: String
  public var policySHA256: String
  public var asOf: CivilDate
  public var read: Int
  public var evaluated: Int
  public var rejected: Int
  public var rejections: [RecordProblem]
  /// The tier assignments the run changed, in input order.
  public var changes: [TierChange]
  /// The run's hash: the head of the chain after it.
  public var hash: String
}

extension Ledger {
  /// Evaluates `bytes` (CSV or JSON Lines) against `policy` as of `asOf` and records the run,
  /// its decisions and the tier assignments that change, in one transaction.
  ///
  /// Refused, with nothing written: a run of the same policy text, as-of date and input bytes
  /// that is already recorded; an input whose header makes it unreadable; an input in which a
  /// key occurs twice (a ledger holds one tier per customer).
  public func record(
    _ policy: CompiledPolicy, records bytes: [UInt8], format: RecordFormat, inputName: String,
    asOf: CivilDate, by user: String, at time: Date = Date()
  ) throws(LedgerError) -> RecordedRun {
    let evaluator = BatchEvaluator(policy: policy, asOf: asOf)
    let reads: [ReadRecord]
    do {
      reads = try evaluator.readAll(bytes: bytes, format: format)
    } catch {
      throw LedgerError("\(inputName): \(error.message)")
    }
    var outcomes: [RecordOutcome] = []
    outcomes.reserveCapacity(reads.count)
    do {
      try evaluator.evaluate(.records(reads), into: OutcomeCallback { outcomes.append($0) })
    } catch {
      throw LedgerError("\(inputName): \(error.message)")
    }
    // The inputs kept for replay: every field but the personal ones, in the policy's order.
    let stored = policy.inputs.filter { !$0.isPersonal }
    var seen: [String: Int] = [:]
    var decided: [(line: Int, decision: Decision, inputs: String)] = []
    var rejections: [RecordProblem] = []
    for (read, outcome) in zip(reads, outcomes) {
      switch outcome {
      case .rejected(let problem):
        rejections.append(problem)
      case .decided(let line, let decision):
        if let first = seen[decision.key] {
          throw LedgerError(
            "\(inputName):\(line): the key '\(decision.key)' occurs again (first on line \(first)); a ledger keeps one tier per key, so nothing was recorded"
          )
        }
        seen[decision.key] = line
        guard case .success(let record) = read else { continue }
        decided.append((line, decision, RawValueJSON.array(stored.map { record.values[$0.slot] ?? .null })))
      }
    }
    let inputFields = RawValueJSON.array(stored.map { .text($0.name) })
    let inputSHA256 = LedgerChain.hex(SHA256.hash(data: bytes))
    let asOfText = asOf.description
    let ranAt = Self.timestamp(time)
    let checked = policy.checked
    return try appending(failure: "the run was not recorded") { db, link, previous in
      if let existing = try Int64.fetchOne(
        db, sql: "SELECT id FROM run WHERE policy_sha256 = ? AND as_of = ? AND input_sha256 = ?",
        arguments: [policy.sha256, asOfText, inputSHA256])
      {
        throw LedgerError(
          "this run is already recorded as run \(existing) (the same policy, as-of date \(asOfText) and input); nothing was recorded"
        )
      }
      try db.execute(
        sql:
          "INSERT OR IGNORE INTO policy_version (sha256, policy, version, path, text) VALUES (?, ?, ?, ?, ?)",
        arguments: [policy.sha256, checked.id, checked.version, policy.path, Data(policy.source.bytes)])
      let id = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM run") ?? 0) + 1
      // The tiers in force before this run.
      var current: [String: String?] = [:]
      for row in try Row.fetchAll(db, sql: "SELECT key, tier, max(run_id) FROM assignment GROUP BY key") {
        current[row["key"] as String] = row["tier"] as String?
      }
      // The run row goes first (the others refer to it); its digests and hash are set last.
      try db.execute(
        sql: """
          INSERT INTO run (id, chain_seq, policy_sha256, as_of, input_name, input_sha256, read, evaluated, rejected,
            ran_by, ran_at, input_fields, decisions_sha256, assignments_sha256, previous_hash, hash)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, '')
          """,
        arguments: [
          id, link, policy.sha256, asOfText, inputName, inputSHA256, reads.count, decided.count,
          rejections.count,
          user, ranAt, inputFields, previous,
        ])
      let insertDecision = try db.makeStatement(
        sql:
          "INSERT INTO decision (run_id, seq, line, key, tier, score, flags, inputs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
      )
      let insertAssignment = try db.makeStatement(
        sql: "INSERT INTO assignment (key, run_id, tier, since) VALUES (?, ?, ?, ?)")
      var decisionsDigest = SHA256()
      var changes: [TierChange] = []
      for (seq, item) in decided.enumerated() {
        let decision = item.decision
        let tier = decision.tier?.id
        let score = decision.score?.description
        let flags = decision.firedTriggers.map(\.id).joined(separator: ";")
        insertDecision.setUncheckedArguments([
          id, seq, item.line, decision.key, tier, score, flags, item.inputs,
        ])
        try insertDecision.execute()
        decisionsDigest.update(
          data: LedgerChain.decisionRow(
            seq: seq, line: item.line, key: decision.key, tier: tier, score: score, flags: flags,
            inputs: item.inputs))
        // `nil`: a key new to the ledger; `.some(nil)`: one that had no tier.
        let before = current[decision.key]
        if before.map({ $0 != tier }) ?? true {
          changes.append(TierChange(key: decision.key, from: before ?? nil, to: tier, isNew: before == nil))
          insertAssignment.setUncheckedArguments([decision.key, id, tier, asOfText])
          try insertAssignment.execute()
        }
      }
      var assignmentsDigest = SHA256()
      for change in changes.sorted(by: { $0.key < $1.key }) {
        assignmentsDigest.update(
          data: LedgerChain.assignmentRow(key: change.key, tier: change.to, since: asOfText))
      }
      let fields = LedgerChain.RunFields(
        id: id, chainSeq: link, policySHA256: policy.sha256, asOf: asOfText, inputName: inputName,
        inputSHA256: inputSHA256,
        read: reads.count, evaluated: decided.count, rejected: rejections.count, ranBy: user, ranAt: ranAt,
        inputFields: inputFields, decisionsSHA256: LedgerChain.hex(decisionsDigest.finalize()),
        assignmentsSHA256: LedgerChain.hex(assignmentsDigest.finalize()), previousHash: previous)
      let hash = fields.hash
      try db.execute(
        sql: "UPDATE run SET decisions_sha256 = ?, assignments_sha256 = ?, hash = ? WHERE id = ?",
        arguments: [fields.decisionsSHA256, fields.assignmentsSHA256, hash, id])
      return RecordedRun(
        id: id, policy: checked.id, version: checked.version, policySHA256: policy.sha256, asOf: asOf,
        read: reads.count, evaluated: decided.count, rejected: rejections.count, rejections: rejections,
        changes: changes, hash: hash)
    }
  }
}
