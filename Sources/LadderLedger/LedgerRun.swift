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
  /// Why: `assigned`, `upgraded` or `downgraded` (see ``LifecycleStep/Outcome``).
  public var outcome: LifecycleStep.Outcome = .assigned
  /// The tier the policy computed, when the lifecycle moved the key elsewhere (one tier down).
  public var computed: String?
}

/// A change the policy computes but the lifecycle holds back at this run: waiting for the next
/// review (the will-downgrade warnings among them), held by grace or by the minimum stay.
public struct HeldChange: Sendable, Hashable {
  public var key: String
  /// The line of the record in the run's input (for what-it-takes).
  public var line: Int
  /// The tier in force, which stays.
  public var tier: String?
  public var computed: String?
  public var outcome: LifecycleStep.Outcome
  /// Reviews in a row that found the key below its tier (for grace).
  public var reviewsBelow: Int
  /// When it waits for a review: the review date.
  public var nextReview: CivilDate?
  /// When the minimum stay holds it: the first day it may happen.
  public var heldUntil: CivilDate?
  /// For a change awaiting approval: the tier it would move to, and the override request that
  /// asks for it (`ladder approve N`).
  public var proposed: String? = nil
  public var request: Int64? = nil
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
  /// The changes the lifecycle held back, in input order.
  public var held: [HeldChange] = []
  /// The run's hash: the head of the chain after it.
  public var hash: String
}

extension Ledger {
  /// Blocks of a run waiting in the encoders, at most; more wait for the encoders to catch up.
  static let encodersAhead = 8

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
    try record(
      policy, source: RecordSource.oneBlock(bytes), format: format, inputName: inputName, asOf: asOf,
      by: user,
      at: time)
  }

  /// Like ``record(_:records:format:inputName:asOf:by:at:)``, reading the records block by block
  /// from `source` (an empty block ends them) while they are evaluated: a large file is not read
  /// whole before the work starts. `readFailure` is asked once the source has ended: a reason
  /// there (the input could not be read to its end) fails the run, and nothing is recorded.
  public func record(
    _ policy: CompiledPolicy, source: @escaping () -> [UInt8], readFailure: @escaping () -> String? = { nil },
    format: RecordFormat, inputName: String, asOf: CivilDate, by user: String, at time: Date = Date()
  ) throws(LedgerError) -> RecordedRun {
    let evaluator = BatchEvaluator(policy: policy, asOf: asOf)
    // The inputs kept for replay: every field but the personal ones, in the policy's order.
    let stored = policy.inputs.filter { !$0.isPersonal }
    let inputFields = RawValue.jsonArray(stored.map { .text($0.name) })
    // The input is hashed as its blocks are read: a repeated run is refused at the end.
    let inputHasher = InputHasher(source)
    let asOfText = asOf.description
    let ranAt = Self.timestamp(time)
    let checked = policy.checked
    return try appending(failure: "the run was not recorded") { db, link, previous in
      try db.execute(
        sql:
          "INSERT OR IGNORE INTO policy_version (sha256, policy, version, path, text) VALUES (?, ?, ?, ?, ?)",
        arguments: [policy.sha256, checked.id, checked.version, policy.path, Data(policy.source.bytes)])
      let id = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM run") ?? 0) + 1
      if checked.lifecycle != nil,
        let latest = try String.fetchOne(db, sql: "SELECT max(as_of) FROM run"), latest > asOfText
      {
        throw LedgerError(
          "the ledger already holds a run as of \(latest); a policy with a lifecycle is applied in date order, so a run as of \(asOfText) cannot follow it; nothing was recorded"
        )
      }
      let standings = try Self.standings(db)
      // Changes the lifecycle proposed earlier that still wait: one request per key at a time.
      var waiting: [String: Int64] = [:]
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT o.key, o.id FROM override o WHERE o.run_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM approval a WHERE a.override_id = o.id)
          """)
      {
        waiting[try row.value("key")] = try row.value("id")
      }
      // The run row goes first (the entries refer to it); its digests and hash are set last.
      try db.execute(
        sql: """
          INSERT INTO run (id, chain_seq, policy_sha256, as_of, input_name, input_sha256, read, evaluated, rejected,
            ran_by, ran_at, input_fields, decisions_sha256, assignments_sha256, previous_hash, hash, digest_form)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, '', ?)
          """,
        arguments: [
          id, link, policy.sha256, asOfText, inputName, "", 0, 0, 0, user, ranAt, inputFields,
          previous, LedgerChain.DecisionRowForm.current.rawValue,
        ])
      let encoder = RunEncoder(
        policy: policy, asOf: asOf, asOfText: asOfText, run: id, standings: standings, waiting: waiting)
      // The parts are joined in input order (which the digest needs) on a queue of their own, so
      // that this thread only hands out work and stores each part's inputs.
      let run = RunAccumulator()
      let joining = DispatchQueue(label: "ladder-ledger-join")
      var seq = 0
      var pending: [BackgroundResult<RunEncoder.Part>] = []
      let insertInputs = try db.makeStatement(
        sql: "INSERT INTO decision_inputs (run_id, first_seq, count, raw_length, data) VALUES (?, ?, ?, ?, ?)"
      )
      var storedInputs = 0
      var failure: (any Error)?
      func take(_ result: BackgroundResult<RunEncoder.Part>) throws {
        guard let part = result.value else { return }
        if part.decided > 0 {
          guard let (rawLength, data) = part.inputs else {
            throw LedgerError("the inputs of run \(id) could not be compressed")
          }
          insertInputs.setUncheckedArguments([id, storedInputs, part.decided, rawLength, data])
          try insertInputs.execute()
          storedInputs += part.decided
        }
        joining.async { run.add(part) }
      }
      do throws(CSVRecordReader.HeaderError) {
        let source =
          format == .csv
          ? RecordSource.csv(blocks: inputHasher.next) : RecordSource.jsonLines(blocks: inputHasher.next)
        try evaluator.keep(source, inputs: stored.map(\.slot)) { block in
          let firstSeq = seq
          seq += block.decisions.count
          pending.append(BackgroundResult { encoder.encode(block, firstSeq: firstSeq) })
          do {
            while failure == nil, let first = pending.first, first.isReady { try take(pending.removeFirst()) }
            // At most a few blocks in the encoders: when they fall behind the evaluation, it waits
            // for them instead of holding every block in memory.
            while failure == nil, pending.count > Self.encodersAhead { try take(pending.removeFirst()) }
          } catch {
            failure = failure ?? error
          }
        }
      } catch {
        throw LedgerError("\(inputName): \(error.message)")
      }
      if let failure { throw failure }
      for result in pending { try take(result) }
      pending = []
      joining.sync {}
      let (read, rejections, proposals) = (run.read, run.rejections, run.proposals)
      var held = run.held
      // Moved out, not copied: the accumulator lets go of each.
      let changes = run.changes
      var entries = run.entries
      let after = run.after
      (run.changes, run.entries, run.after) = ([], EncodedEntries(), EncodedEntries())
      entries.sortByKey()
      // A ledger keeps one tier per key: the first key to occur twice (by its second line) is named.
      var twice: (key: [UInt8], first: Int, again: Int)?
      for (left, right) in zip(entries.items, entries.items.dropFirst()) where entries.sameKey(left, right) {
        guard let first = entries.line(left), let again = entries.line(right) else { continue }
        if again < twice?.again ?? .max { twice = (entries.key(left), first, again) }
      }
      if let twice {
        throw LedgerError(
          "\(inputName):\(twice.again): the key '\(String(decoding: twice.key, as: UTF8.self))' occurs again (first on line \(twice.first)); a ledger keeps one tier per key, so nothing was recorded"
        )
      }
      // The digest of the assignments and reviews, in key order, while the blocks are written.
      let lifecycleDigest = BackgroundResult {
        [entries, lifecycleRows = run.lifecycleRows, lifecycleRanges = run.lifecycleRanges] in
        var assignments: [UInt8] = []
        var reviews: [UInt8] = []
        for item in entries.items {
          let range = lifecycleRanges[item.seq]
          assignments += lifecycleRows[range.start..<range.review]
          reviews += lifecycleRows[range.review..<range.end]
        }
        var digest = SHA256()
        digest.update(data: assignments)
        digest.update(data: reviews)
        return LedgerChain.hex(digest.finalize())
      }
      // The standings after the run, packed while the run's blocks are: this run's, in the
      // entries' key order (`after` holds a standing per decision, by its number), and the
      // earlier ones of the keys it did not see.
      let standingBlocks = BackgroundResult { [entries, after] in
        var sorted = after
        sorted.items = entries.items.map { after.items[$0.seq] }
        return RunEntries.standingBlocks(
          standings.snapshot.merged(with: sorted, replacing: standings.approvedSince))
      }
      try RunEntries.write(entries, run: id, db)
      try RunEntries.writeStandings(standingBlocks.value ?? [], after: id, db)
      let evaluated = seq
      if let reason = readFailure() {
        throw LedgerError("cannot read \(inputName) to its end: \(reason); nothing was recorded")
      }
      let inputSHA256 = inputHasher.finish()
      if let existing = try Int64.fetchOne(
        db, sql: "SELECT id FROM run WHERE policy_sha256 = ? AND as_of = ? AND input_sha256 = ?",
        arguments: [policy.sha256, asOfText, inputSHA256])
      {
        throw LedgerError(
          "this run is already recorded as run \(existing) (the same policy, as-of date \(asOfText) and input); nothing was recorded"
        )
      }
      let assignmentsSHA256 = lifecycleDigest.value ?? ""
      let fields = LedgerChain.RunFields(
        id: id, chainSeq: link, policySHA256: policy.sha256, asOf: asOfText, inputName: inputName,
        inputSHA256: inputSHA256,
        read: read, evaluated: evaluated, rejected: rejections.count, ranBy: user, ranAt: ranAt,
        inputFields: inputFields, decisionsSHA256: LedgerChain.hex(run.decisionsDigest.finalize()),
        assignmentsSHA256: assignmentsSHA256, previousHash: previous)
      var hash = fields.hash
      try db.execute(
        sql: """
          UPDATE run SET input_sha256 = ?, read = ?, evaluated = ?, rejected = ?, decisions_sha256 = ?,
            assignments_sha256 = ?, hash = ?
          WHERE id = ?
          """,
        arguments: [
          inputSHA256, read, evaluated, rejections.count, fields.decisionsSHA256, fields.assignmentsSHA256,
          hash,
          id,
        ])
      // Each proposed change is an override request, the next links of the chain after the run.
      var request = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM override") ?? 0)
      var chainSeq = link
      var requests: [String: Int64] = [:]
      for proposal in proposals {
        request += 1
        chainSeq += 1
        let row: Row = [
          "id": request, "chain_seq": chainSeq, "key": proposal.key, "tier": proposal.tier,
          "reason": proposal.reason,
          "until": nil, "requested_by": user, "requested_at": ranAt, "previous_hash": hash, "run_id": id,
        ]
        let requestHash = try LedgerChain.overrideHash(row)
        try db.execute(
          sql: """
            INSERT INTO override (id, chain_seq, key, tier, reason, until, requested_by, requested_at, previous_hash,
              hash, run_id)
            VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)
            """,
          arguments: [
            request, chainSeq, proposal.key, proposal.tier, proposal.reason, user, ranAt, hash, requestHash,
            id,
          ])
        hash = requestHash
        requests[proposal.key] = request
      }
      for index in held.indices where held[index].outcome == .awaitingApproval && held[index].request == nil {
        held[index].request = requests[held[index].key]
      }
      return RecordedRun(
        id: id, policy: checked.id, version: checked.version, policySHA256: policy.sha256, asOf: asOf,
        read: read, evaluated: evaluated, rejected: rejections.count, rejections: rejections,
        changes: changes, held: held, hash: hash)
    }
  }

  /// Every key's standing before a run: the snapshot the latest run left, with the changes
  /// approved since then (an approved change is the key's tier from its approval day).
  static func standings(_ db: Database) throws -> StandingsIndex {
    guard let (run, encoded) = try RunEntries.standings(db) else {
      throw LedgerError("the standings after the latest run are damaged; ladder ledger verify says more")
    }
    var index = StandingsIndex(snapshot: encoded)
    var approvedSince: [String: TierStanding] = [:]
    let after =
      try run.flatMap {
        try Int64.fetchOne(db, sql: "SELECT chain_seq FROM run WHERE id = ?", arguments: [$0])
      } ?? 0
    let approved = try Row.fetchCursor(
      db,
      sql: """
        SELECT a.key, a.tier, a.since FROM assignment a JOIN approval p ON p.id = a.approval_id
        WHERE p.chain_seq > ? ORDER BY p.chain_seq
        """, arguments: [after])
    while let row = try approved.next() {
      guard let since = CivilDate(parsing: try row.value("since") as String) else { continue }
      let key: String = try row.value("key")
      approvedSince[key] = TierStanding(
        approved: try row.value("tier"), since: since, from: approvedSince[key] ?? index.standing(of: key))
    }
    index.approvedSince = approvedSince
    return index
  }
}

/// A run's parts joined in input order (by one queue at a time).
final class RunAccumulator: @unchecked Sendable {
  var decisionsDigest = SHA256()
  var read = 0
  var rejections: [RecordProblem] = []
  var entries = EncodedEntries()
  var changes: [TierChange] = []
  var held: [HeldChange] = []
  var proposals: [RunEncoder.Proposal] = []
  var after = EncodedEntries()
  var lifecycleRows: [UInt8] = []
  var lifecycleRanges: [(start: Int, review: Int, end: Int)] = []

  func add(_ part: RunEncoder.Part) {
    read += part.read
    rejections += part.rejections
    decisionsDigest.update(data: part.rows)
    entries.append(part.entries)
    changes += part.changes
    held += part.held
    proposals += part.proposals
    after.append(part.after)
    let offset = lifecycleRows.count
    lifecycleRows += part.lifecycleRows
    lifecycleRanges += part.lifecycleRanges.map { ($0.start + offset, $0.review + offset, $0.end + offset) }
  }
}

/// Hands out the blocks of a source and hashes them on another thread as they pass, in order.
final class InputHasher: @unchecked Sendable {
  private let source: () -> [UInt8]
  private var digest = SHA256()
  private let hashing = DispatchQueue(label: "ladder-ledger-input-hash")

  init(_ source: @escaping () -> [UInt8]) { self.source = source }

  func next() -> [UInt8] {
    let block = source()
    hashing.async { self.digest.update(data: block) }
    return block
  }

  /// The SHA-256 of every block handed out, in hex.
  func finish() -> String {
    hashing.sync { LedgerChain.hex(digest.finalize()) }
  }
}
