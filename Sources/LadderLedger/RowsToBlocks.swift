import GRDB
import Ladder

extension RunEntries {
  /// Migration 3: moves the decision, assignment and review rows of every run (schema 1 and 2)
  /// into entry blocks, writes the standings snapshot after the last run, and drops the rows.
  /// The standing of a key follows the rules the rows were read by: its tier and since from its
  /// latest assignment (an approved change counts from its approval), its last review and the
  /// reviews in a row below its tier from its latest review.
  static func moveRowsIntoBlocks(_ db: Database) throws {
    typealias Approved = (key: String, tier: String?, since: String, chainSeq: Int64)
    let approved: [Approved] = try Row.fetchAll(
      db,
      sql: """
        SELECT a.key, a.tier, a.since, p.chain_seq FROM assignment a JOIN approval p ON p.id = a.approval_id
        ORDER BY p.chain_seq
        """
    ).map { row in try (row.value("key"), row.value("tier"), row.value("since"), row.value("chain_seq")) }
    var nextApproved = 0
    var standings: [String: TierStanding] = [:]
    func applyApproved(before chainSeq: Int64) {
      while nextApproved < approved.count, approved[nextApproved].chainSeq < chainSeq {
        let change = approved[nextApproved]
        nextApproved += 1
        guard let since = CivilDate(parsing: change.since) else { continue }
        standings[change.key] = TierStanding(approved: change.tier, since: since, from: standings[change.key])
      }
    }
    var lastRun: Int64?
    for run in try Row.fetchAll(db, sql: "SELECT id, as_of, chain_seq FROM run ORDER BY id") {
      let (id, asOfText, chainSeq): (Int64, String, Int64) = try (
        run.value("id"), run.value("as_of"), run.value("chain_seq")
      )
      guard let asOf = CivilDate(parsing: asOfText) else {
        throw LedgerError("run \(id): its as-of date is damaged; the ledger cannot be migrated")
      }
      applyApproved(before: chainSeq)
      var assigned: [String: (tier: String?, since: String)] = [:]
      for row in try Row.fetchAll(
        db, sql: "SELECT key, tier, since FROM assignment WHERE run_id = ? AND approval_id IS NULL",
        arguments: [id])
      {
        assigned[try row.value("key")] = try (row.value("tier"), row.value("since"))
      }
      var reviews: [String: (outcome: String, reviewed: Bool, below: Int)] = [:]
      for row in try Row.fetchAll(
        db, sql: "SELECT key, outcome, reviewed, below FROM review WHERE run_id = ?", arguments: [id])
      {
        reviews[try row.value("key")] = try (row.value("outcome"), row.value("reviewed"), row.value("below"))
      }
      var encoded = EncodedEntries()
      var lines: [String] = []
      let inputs = InputBlocks.Reader(db, run: id)
      let decisions = try Row.fetchCursor(
        db,
        sql: "SELECT seq, line, key, tier, score, flags, inputs FROM decision WHERE run_id = ? ORDER BY seq",
        arguments: [id])
      while let row = try decisions.next() {
        let key: String = try row.value("key")
        var standing = standings[key] ?? TierStanding(tier: nil, since: asOf, lastReview: nil)
        if let change = assigned[key] {
          standing.tier = change.tier
          standing.since = CivilDate(parsing: change.since) ?? asOf
        }
        let review = reviews[key]
        if let review, review.reviewed {
          standing.lastReview = asOf
          standing.reviewsBelow = review.below
        }
        standings[key] = standing
        // Inputs whose block is damaged stay empty: the run's digest then shows the damage.
        let entry = LedgerEntry(
          key: key, seq: try row.value("seq"), line: try row.value("line"), tier: try row.value("tier"),
          score: try row.value("score"), flags: try row.value("flags"),
          inputs: try inputs.inputs(seq: try row.value("seq"), stored: try row.value("inputs")) ?? "",
          changed: assigned[key] != nil, inForce: standing.tier, since: standing.since,
          outcome: review?.outcome, reviewed: review?.reviewed ?? false, below: review?.below ?? 0)
        encoded.append(key: key, changed: entry.changed) { entry.encodeFields(into: &$0) }
        lines.append(entry.inputs)
      }
      encoded.sortByKey()
      try write(encoded, run: id, db)
      // The inputs in blocks of 4,096, as schema 2 kept them (schema 1 kept them in the rows).
      try db.execute(sql: "DELETE FROM decision_inputs WHERE run_id = ?", arguments: [id])
      for first in stride(from: 0, to: lines.count, by: 4096) {
        let block = Array(lines[first..<min(lines.count, first + 4096)])
        guard let (rawLength, data) = InputBlocks.pack(block) else {
          throw LedgerError("run \(id): its inputs could not be compressed; the ledger cannot be migrated")
        }
        try db.execute(
          sql:
            "INSERT INTO decision_inputs (run_id, first_seq, count, raw_length, data) VALUES (?, ?, ?, ?, ?)",
          arguments: [id, first, block.count, rawLength, data])
      }
      lastRun = id
    }
    applyApproved(before: .max)
    if let lastRun { try writeStandings(standings, after: lastRun, db) }
    try db.execute(
      sql: """
        DROP TABLE decision;
        DROP TABLE review;
        DELETE FROM assignment WHERE approval_id IS NULL;
        """)
  }
}
