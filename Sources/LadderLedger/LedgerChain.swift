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

  /// How a run's decision rows are written for its digest (the run's `digest_form`).
  enum DecisionRowForm: Int, Sendable {
    /// Schemas 1-3: the inputs as one JSON string (their JSON array escaped).
    case inputsAsString = 1
    /// Schema 4 on: the inputs' JSON array as it is, the last element of the row. Escaping the
    /// array again was a tenth of a run's encoding time, and it proves nothing more: an inputs
    /// line holds no line break, so rows cannot run into each other either way.
    case inputsAsArray = 2

    static let current = inputsAsArray
  }

  /// A decision row as hashed: a JSON array of its fields and a line break (in the first form,
  /// the bytes ``jsonLine(_:)`` would write), appended without a writer: a run hashes one per
  /// decision.
  static func appendDecisionRow(
    seq: Int, line: Int, key: String, tier: String?, score: String?, flags: String, inputs: String,
    form: DecisionRowForm, to row: inout [UInt8]
  ) {
    row.append(UInt8(ascii: "["))
    ValueText.appendInteger(seq, to: &row)
    row.append(UInt8(ascii: ","))
    ValueText.appendInteger(line, to: &row)
    for text in [key, tier, score, flags] {
      row.append(UInt8(ascii: ","))
      if let text { JSONWriter.escape(text, into: &row) } else { row.append(contentsOf: "null".utf8) }
    }
    row.append(UInt8(ascii: ","))
    switch form {
    case .inputsAsString: JSONWriter.escape(inputs, into: &row)
    case .inputsAsArray: row.appendUTF8(inputs)
    }
    row.append(contentsOf: "]\n".utf8)
  }

  /// An assignment row as hashed: `["key", tier, "since"]` and a line break.
  static func appendAssignmentRow(key: String, tier: String?, since: String, to row: inout [UInt8]) {
    row.append(UInt8(ascii: "["))
    JSONWriter.escape(key, into: &row)
    row.append(UInt8(ascii: ","))
    if let tier { JSONWriter.escape(tier, into: &row) } else { row.append(contentsOf: "null".utf8) }
    row.append(UInt8(ascii: ","))
    JSONWriter.escape(since, into: &row)
    row.append(contentsOf: "]\n".utf8)
  }

  /// A review row as hashed (after the run's assignment rows, in key order):
  /// `["key", "outcome", reviewed, below]` and a line break.
  static func appendReviewRow(key: String, outcome: String, reviewed: Bool, below: Int, to row: inout [UInt8])
  {
    row.append(UInt8(ascii: "["))
    JSONWriter.escape(key, into: &row)
    row.append(UInt8(ascii: ","))
    JSONWriter.escape(outcome, into: &row)
    row.append(contentsOf: ",\(reviewed ? 1 : 0),\(below)]\n".utf8)
  }

  /// The digest of a run's assignments, then of its reviews, each in key order (`entries` are).
  static func assignmentsDigest(_ entries: [LedgerEntry]) -> String {
    var assignments: [UInt8] = []
    var reviews: [UInt8] = []
    for entry in entries {
      entry.appendAssignmentRow(sinceText: entry.since.description, to: &assignments)
      entry.appendReviewRow(to: &reviews)
    }
    var digest = SHA256()
    digest.update(data: assignments)
    digest.update(data: reviews)
    return hex(digest.finalize())
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

  /// The digests of a run's decisions (in input order) and of its assignments and reviews (in
  /// key order), from its stored entries; `nil` when a block is damaged.
  static func digests(_ db: Database, run: Int64, form: DecisionRowForm) throws -> (
    decisions: String, assignments: String, entries: [LedgerEntry]
  )? {
    guard let entries = try RunEntries.entries(db, run: run) else { return nil }
    // Inputs missing, damaged or added leave the digest unmatched.
    let inputs = try RunEntries.inputs(db, run: run) ?? []
    var decisions = SHA256()
    for (index, entry) in entries.sorted(by: { $0.seq < $1.seq }).enumerated() {
      var entry = entry
      entry.inputs = index < inputs.count ? inputs[index] : ""
      decisions.update(data: entry.decisionRow(form: form))
    }
    if inputs.count != entries.count { decisions.update(data: Array("inputs added or removed".utf8)) }
    return (hex(decisions.finalize()), assignmentsDigest(entries), entries)
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
        // Every key's standing after each run, folded in chain order as the runs made them.
        var standings = StandingsFold()
        for row in try Row.fetchAll(db, sql: "SELECT * FROM run ORDER BY id") {
          let fields = try LedgerChain.RunFields(row)
          result.runs += 1
          // Both forms are this Ladder's own: any other value was written by an edit.
          let storedForm: Int = try row.value("digest_form")
          guard let form = LedgerChain.DecisionRowForm(rawValue: storedForm) else {
            result.problems.append(
              "run \(fields.id): its digest form \(storedForm) is not one Ladder writes (the ledger was edited)"
            )
            standings.isComplete = false
            continue
          }
          guard
            let (decisions, assignments, entries) = try LedgerChain.digests(db, run: fields.id, form: form)
          else {
            result.problems.append(
              "run \(fields.id): its decisions were changed, added or removed (a block of them is damaged)")
            standings.isComplete = false
            continue
          }
          result.decisions += entries.count
          if decisions != fields.decisionsSHA256 {
            result.problems.append("run \(fields.id): its decisions were changed, added or removed")
          }
          if assignments != fields.assignmentsSHA256 {
            result.problems.append(
              "run \(fields.id): its tier assignments or reviews were changed, added or removed")
          }
          standings.add(run: fields.id, asOf: fields.asOf, chainSeq: fields.chainSeq, entries)
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
        // The snapshot the next run starts from must be the standings the runs made.
        if standings.isComplete {
          // As the approvals decided them (an edited assignment row is named above).
          for change in approvedChanges {
            guard
              let chainSeq = try Int64.fetchOne(
                db, sql: "SELECT chain_seq FROM approval WHERE id = ?", arguments: [change.made.approval])
            else { continue }
            standings.approved(
              key: change.made.key, tier: change.made.tier, since: change.made.since, chainSeq: chainSeq)
          }
          if let problem = try standings.check(against: db) { result.problems.append(problem) }
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

/// Every key's standing, folded from the runs' entries and the approved changes in chain order:
/// what the standings snapshot must hold.
struct StandingsFold {
  var isComplete = true
  private var events: [(chainSeq: Int64, apply: (inout [String: TierStanding]) -> Void)] = []
  private var lastRun: Int64?

  mutating func add(run: Int64, asOf: String, chainSeq: Int64, _ entries: [LedgerEntry]) {
    lastRun = run
    guard let day = CivilDate(parsing: asOf) else {
      isComplete = false
      return
    }
    events.append(
      (
        chainSeq,
        { standings in
          for entry in entries {
            standings[entry.key] = TierStanding(after: entry, on: day, from: standings[entry.key])
          }
        }
      ))
  }

  mutating func approved(key: String, tier: String?, since: String, chainSeq: Int64) {
    guard let day = CivilDate(parsing: since) else { return }
    events.append(
      (
        chainSeq,
        { standings in
          standings[key] = TierStanding(approved: tier, since: day, from: standings[key])
        }
      ))
  }

  /// A problem with the stored snapshot, in words; `nil` when it is what the runs made.
  func check(against db: Database) throws -> String? {
    guard let (run, encoded) = try RunEntries.standings(db) else {
      return "the standings after the latest run are damaged (the next run would start from them)"
    }
    guard let lastRun else { return run == nil ? nil : "the standings name a run the ledger does not hold" }
    // The snapshot follows the latest run: approvals after it are applied when it is read.
    guard
      let runSeq = try Int64.fetchOne(db, sql: "SELECT chain_seq FROM run WHERE id = ?", arguments: [lastRun])
    else { return nil }
    var standings: [String: TierStanding] = [:]
    for event in events.sorted(by: { $0.chainSeq < $1.chainSeq }) where event.chainSeq <= runSeq {
      event.apply(&standings)
    }
    guard run == lastRun, RunEntries.decodeAll(encoded) == standings else {
      return "the standings after run \(lastRun) are not what the runs made (they were changed)"
    }
    return nil
  }
}
