import Crypto
import Foundation
import GRDB
import Ladder

/// How the ledger makes an edit show. Runs, overrides and approvals are the links of one chain,
/// numbered by `chain_seq`: each link's hash covers its own fields (a run's also the digest of
/// its decisions and of its tier assignments, each row in one canonical form, in order), its
/// place in the chain and the hash of the link before it. Changing, adding or removing any row,
/// or any link before the last, breaks the chain from there on; ``Ledger/verify()`` recomputes it.
///
/// Removing the latest runs leaves a shorter chain that still holds together: keep the head hash
/// each run prints (or `ladder ledger verify` prints) elsewhere to detect that.
enum LedgerChain {
  /// The hash before the first run.
  static let genesis = String(repeating: "0", count: 64)

  /// One line of JSON: an array whose elements `body` writes, and a line break.
  static func jsonLine(_ body: (JSONWriter) -> Void) -> [UInt8] {
    let writer = JSONWriter()
    writer.array(CollectionOfOne(writer)) { body($0) }
    return writer.bytes + [UInt8(ascii: "\n")]
  }

  /// A decision row as hashed: a JSON array of its fields.
  static func decisionRow(
    seq: Int, line: Int, key: String, tier: String?, score: String?, flags: String, inputs: String
  ) -> [UInt8] {
    jsonLine { writer in
      writer.number(seq)
      writer.number(line)
      writer.string(key)
      writer.optionalString(tier)
      writer.optionalString(score)
      writer.string(flags)
      writer.string(inputs)
    }
  }

  /// An assignment row as hashed.
  static func assignmentRow(key: String, tier: String?, since: String) -> [UInt8] {
    jsonLine { writer in
      writer.string(key)
      writer.optionalString(tier)
      writer.string(since)
    }
  }

  /// A review row as hashed (after the run's assignment rows, in key order).
  static func reviewRow(key: String, outcome: String, reviewed: Bool, below: Int) -> [UInt8] {
    jsonLine { writer in
      writer.string(key)
      writer.string(outcome)
      writer.number(reviewed ? 1 : 0)
      writer.number(below)
    }
  }

  /// The fields of a run that its hash covers.
  struct RunFields {
    var id: Int64
    var chainSeq: Int64
    var policySHA256: String
    var asOf: String
    var inputName: String
    var inputSHA256: String
    var read: Int
    var evaluated: Int
    var rejected: Int
    var ranBy: String
    var ranAt: String
    var inputFields: String
    var decisionsSHA256: String
    var assignmentsSHA256: String
    var previousHash: String

    var hash: String {
      let line = LedgerChain.jsonLine { writer in
        writer.number(Int(chainSeq))
        writer.string("run")
        writer.number(Int(id))
        for text in [policySHA256, asOf, inputName, inputSHA256] {
          writer.string(text)
        }
        for count in [read, evaluated, rejected] {
          writer.number(count)
        }
        for text in [ranBy, ranAt, inputFields, decisionsSHA256, assignmentsSHA256, previousHash] {
          writer.string(text)
        }
      }
      return LedgerChain.hex(SHA256.hash(data: line))
    }

    init(_ row: Row) throws {
      id = try row.value("id")
      chainSeq = try row.value("chain_seq")
      policySHA256 = try row.value("policy_sha256")
      asOf = try row.value("as_of")
      inputName = try row.value("input_name")
      inputSHA256 = try row.value("input_sha256")
      read = try row.value("read")
      evaluated = try row.value("evaluated")
      rejected = try row.value("rejected")
      ranBy = try row.value("ran_by")
      ranAt = try row.value("ran_at")
      inputFields = try row.value("input_fields")
      decisionsSHA256 = try row.value("decisions_sha256")
      assignmentsSHA256 = try row.value("assignments_sha256")
      previousHash = try row.value("previous_hash")
    }

    init(
      id: Int64, chainSeq: Int64, policySHA256: String, asOf: String, inputName: String, inputSHA256: String,
      read: Int,
      evaluated: Int, rejected: Int, ranBy: String, ranAt: String, inputFields: String,
      decisionsSHA256: String, assignmentsSHA256: String, previousHash: String
    ) {
      (self.id, self.chainSeq, self.policySHA256, self.asOf, self.inputName, self.inputSHA256) = (
        id, chainSeq, policySHA256, asOf, inputName, inputSHA256
      )
      (self.read, self.evaluated, self.rejected, self.ranBy, self.ranAt) = (
        read, evaluated, rejected, ranBy, ranAt
      )
      (self.inputFields, self.decisionsSHA256, self.assignmentsSHA256, self.previousHash) = (
        inputFields, decisionsSHA256, assignmentsSHA256, previousHash
      )
    }
  }

  /// The hash of an override request.
  static func overrideHash(_ row: Row) throws -> String {
    let (seq, id, run): (Int, Int, Int?) = try (row.value("chain_seq"), row.value("id"), row.value("run_id"))
    let texts: [String?] = try [
      "key", "tier", "reason", "until", "requested_by", "requested_at", "previous_hash",
    ]
    .map { try row.value($0) }
    return hash { writer in
      writer.number(seq)
      writer.string("override")
      writer.number(id)
      for text in texts { writer.optionalString(text) }
      // A change the lifecycle proposed names its run (schema 2; absent before, so older hashes hold).
      if let run { writer.number(run) }
    }
  }

  /// The hash of an approval or a rejection.
  static func approvalHash(_ row: Row) throws -> String {
    let (seq, id, override): (Int, Int, Int) = try (
      row.value("chain_seq"), row.value("id"), row.value("override_id")
    )
    let texts: [String?] = try [
      "verdict", "reason", "decided_by", "decided_at", "in_force_from", "previous_hash",
    ]
    .map { try row.value($0) }
    return hash { writer in
      writer.number(seq)
      writer.string("approval")
      writer.number(id)
      writer.number(override)
      for text in texts { writer.optionalString(text) }
    }
  }

  static func hash(_ body: (JSONWriter) -> Void) -> String { hex(SHA256.hash(data: jsonLine(body))) }

  /// The last link of the chain: its place and hash (0 and the genesis hash for an empty ledger).
  static func head(_ db: Database) throws -> (seq: Int64, hash: String) {
    let row = try Row.fetchOne(
      db,
      sql: """
        SELECT chain_seq, hash FROM run UNION ALL SELECT chain_seq, hash FROM override
        UNION ALL SELECT chain_seq, hash FROM approval ORDER BY chain_seq DESC LIMIT 1
        """)
    guard let row else { return (0, genesis) }
    return (try row.value("chain_seq"), try row.value("hash"))
  }

  static func hex(_ digest: some Sequence<UInt8>) -> String {
    digest.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
  }

  /// The digests of a run's decision rows and of its assignment and review rows, as stored.
  static func digests(_ db: Database, run: Int64) throws -> (decisions: String, assignments: String) {
    var decisions = SHA256()
    let rows = try Row.fetchCursor(
      db,
      sql: "SELECT seq, line, key, tier, score, flags, inputs FROM decision WHERE run_id = ? ORDER BY seq",
      arguments: [run])
    let stored = InputBlocks.Reader(db, run: run)
    var inBlocks = 0
    while let row = try rows.next() {
      let own: String = try row.value("inputs")
      if own.isEmpty { inBlocks += 1 }
      // A missing or damaged block leaves the inputs empty, which the digest does not match.
      let inputs = try stored.inputs(seq: try row.value("seq"), stored: own) ?? ""
      decisions.update(
        data: decisionRow(
          seq: try row.value("seq"), line: try row.value("line"), key: try row.value("key"),
          tier: try row.value("tier"), score: try row.value("score"),
          flags: try row.value("flags"), inputs: inputs))
    }
    // Blocks that no decision reads were added.
    let blockLines =
      try Int.fetchOne(db, sql: "SELECT sum(count) FROM decision_inputs WHERE run_id = ?", arguments: [run])
      ?? 0
    if blockLines != inBlocks { decisions.update(data: Array("blocks added".utf8)) }
    var assignments = SHA256()
    let changes = try Row.fetchCursor(
      db,
      sql: "SELECT key, tier, since FROM assignment WHERE run_id = ? AND approval_id IS NULL ORDER BY key",
      arguments: [run])
    while let row = try changes.next() {
      assignments.update(
        data: assignmentRow(
          key: try row.value("key"), tier: try row.value("tier"), since: try row.value("since")))
    }
    let reviews = try Row.fetchCursor(
      db, sql: "SELECT key, outcome, reviewed, below FROM review WHERE run_id = ? ORDER BY key",
      arguments: [run])
    while let row = try reviews.next() {
      assignments.update(
        data: reviewRow(
          key: try row.value("key"), outcome: try row.value("outcome"), reviewed: try row.value("reviewed"),
          below: try row.value("below")))
    }
    return (hex(decisions.finalize()), hex(assignments.finalize()))
  }
}

/// What ``Ledger/verify()`` found.
public struct LedgerVerification: Sendable {
  public var runs = 0
  public var decisions = 0
  public var overrides = 0
  /// The hash of the last run: keep it elsewhere to detect later runs being removed.
  public var head = LedgerChain.genesis
  /// Each problem found, in the words an auditor reads; empty when the ledger is intact.
  public var problems: [String] = []

  public var isIntact: Bool { problems.isEmpty }
}

extension Ledger {
  /// Recomputes every digest and the chain of run hashes.
  public func verify() throws(LedgerError) -> LedgerVerification {
    do {
      return try queue.read { db in
        var result = LedgerVerification()
        // A value of the wrong type (SQLite lets an edit put text in an integer column) would stop
        // the reading below: name it and stop here instead.
        result.problems = try LedgerSchema.wronglyTypedValues(db)
        guard result.problems.isEmpty else { return result }
        // Every link, in chain order: (place, what it is, stored hash, recomputed hash, previous).
        var links: [(seq: Int64, name: String, stored: String, computed: String, previous: String)] = []
        for row in try Row.fetchAll(db, sql: "SELECT * FROM run") {
          let fields = try LedgerChain.RunFields(row)
          result.runs += 1
          result.decisions +=
            try Int.fetchOne(
              db, sql: "SELECT count(*) FROM decision WHERE run_id = ?", arguments: [fields.id]) ?? 0
          let (decisions, assignments) = try LedgerChain.digests(db, run: fields.id)
          if decisions != fields.decisionsSHA256 {
            result.problems.append("run \(fields.id): its decisions were changed, added or removed")
          }
          if assignments != fields.assignmentsSHA256 {
            result.problems.append(
              "run \(fields.id): its tier assignments or reviews were changed, added or removed")
          }
          links.append(
            (fields.chainSeq, "run \(fields.id)", try row.value("hash"), fields.hash, fields.previousHash))
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM override") {
          let id: Int64 = try row.value("id")
          result.overrides += 1
          links.append(
            (
              try row.value("chain_seq"), "override \(id)", try row.value("hash"),
              try LedgerChain.overrideHash(row),
              try row.value("previous_hash")
            ))
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM approval") {
          let id: Int64 = try row.value("override_id")
          let verdict: String = try row.value("verdict")
          links.append(
            (
              try row.value("chain_seq"),
              "the \(verdict == "approved" ? "approval" : "rejection") of override \(id)",
              try row.value("hash"), try LedgerChain.approvalHash(row), try row.value("previous_hash")
            ))
        }
        // Each approved change of the lifecycle is exactly one assignment, and each assignment
        // made by an approval is that change.
        typealias Made = (key: String, tier: String?, since: String, run: Int64, approval: Int64)
        let approvedChanges: [(id: Int64, made: Made)] = try Row.fetchAll(
          db,
          sql: """
            SELECT o.id, o.key, o.tier, o.run_id, a.id AS approval_id, a.in_force_from FROM override o
            JOIN approval a ON a.override_id = o.id WHERE o.run_id IS NOT NULL AND a.verdict = 'approved'
            """
        ).map { row in
          try (
            row.value("id"),
            (
              row.value("key"), row.value("tier"), row.value("in_force_from"), row.value("run_id"),
              row.value("approval_id")
            )
          )
        }
        let madeByApprovals: [Made] = try Row.fetchAll(
          db,
          sql: "SELECT key, tier, since, run_id, approval_id FROM assignment WHERE approval_id IS NOT NULL"
        ).map { row in
          try (
            row.value("key"), row.value("tier"), row.value("since"), row.value("run_id"),
            row.value("approval_id")
          )
        }
        for change in approvedChanges {
          let made = madeByApprovals.filter { $0.approval == change.made.approval }
          if made.count != 1 || made[0] != change.made {
            result.problems.append(
              "override \(change.id): the assignment its approval made was changed or removed")
          }
        }
        for made in madeByApprovals
        where !approvedChanges.contains(where: { $0.made.approval == made.approval }) {
          result.problems.append("an assignment of '\(made.key)' names an approval that approved no change")
        }
        var previous = LedgerChain.genesis
        for (index, link) in links.sorted(by: { $0.seq < $1.seq }).enumerated() {
          if link.seq != Int64(index + 1) || link.previous != previous {
            result.problems.append(
              "\(link.name): it does not follow the link before it (something was removed or changed before it)"
            )
          }
          if link.computed != link.stored {
            result.problems.append("\(link.name): its own fields were changed")
          }
          previous = link.stored
        }
        for row in try Row.fetchAll(db, sql: "SELECT sha256, text FROM policy_version ORDER BY sha256") {
          let text: Data = try row.value("text")
          let key: String = try row.value("sha256")
          if LedgerChain.hex(SHA256.hash(data: text)) != key {
            result.problems.append("policy \(key): its text was changed")
          }
        }
        result.head = previous
        return result
      }
    } catch {
      throw LedgerError("cannot read the ledger \(path): \(LedgerError.describe(error))")
    }
  }
}
