import Foundation
import GRDB
import Ladder

/// A manual change of a key's tier: requested by one person with a reason, in force only once a
/// different person approves it, from the day of the approval until `until` (inclusive; for good
/// without it). The policy's own decisions go on being recorded underneath; an override only
/// says which tier is in force.
public struct TierOverride: Sendable, Hashable {
  public enum Status: Sendable, Hashable {
    case pending
    case approved(by: String, at: String, from: CivilDate, reason: String?)
    case rejected(by: String, at: String, reason: String?)
  }

  public var id: Int64
  public var key: String
  public var tier: String
  public var reason: String
  public var until: CivilDate?
  public var requestedBy: String
  public var requestedAt: String
  public var status: Status
  /// Set for a change the policy's lifecycle proposed in this run and which needs approval
  /// (`lifecycle: approval:`). Approved, it becomes the key's assignment from the day of the
  /// approval, not an override: the lifecycle goes on from the tier it gives.
  public var run: Int64? = nil

  /// Whether it is an approved override (not a lifecycle change) and `date` lies between its
  /// approval day and `until`.
  public func isInForce(on date: CivilDate) -> Bool {
    guard run == nil, case .approved(_, _, let from, _) = status, from <= date else { return false }
    return until.map { date <= $0 } ?? true
  }
}

extension Ledger {
  /// Records a pending override of `key`'s tier. Refused when the ledger has never decided the
  /// key, `tier` is not a tier of the policy that last decided it, the reason is empty, `until`
  /// is already past, or an override of the key is still pending.
  public func requestOverride(
    key: String, tier: String, reason: String, until: CivilDate?, by user: String, at time: Date = Date()
  ) throws(LedgerError) -> TierOverride {
    let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !reason.isEmpty else { throw LedgerError("an override needs a reason (--reason)") }
    let today = CivilDate(utcDayOf: time)
    if let until, until < today {
      throw LedgerError("--until \(until) is already past; an override must end today or later")
    }
    let policyText = try reading { db -> Data? in
      guard
        let latest = try Self.decisions(of: key, db).map(\.run).max(by: {
          ($0.asOf, $0.id) < ($1.asOf, $1.id)
        })
      else { return nil }
      return try Data.fetchOne(
        db, sql: "SELECT text FROM policy_version WHERE sha256 = ?", arguments: [latest.policySHA256])
    }
    guard let policyText else {
      throw LedgerError("no run has decided '\(key)'; an override needs a key the ledger knows")
    }
    let tiers = Self.tierIDs(policyText)
    guard tiers.contains(tier) else {
      throw LedgerError(
        "'\(tier)' is not a tier of the policy that last decided '\(key)' (its tiers: \(tiers.joined(separator: ", ")))"
      )
    }
    return try appending { db, seq, previous in
      if let pending = try Int64.fetchOne(
        db,
        sql:
          "SELECT o.id FROM override o WHERE o.key = ? AND NOT EXISTS (SELECT 1 FROM approval a WHERE a.override_id = o.id)",
        arguments: [key])
      {
        throw LedgerError("override \(pending) of '\(key)' is still pending; approve or reject it first")
      }
      let id = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM override") ?? 0) + 1
      let row: Row = [
        "id": id, "chain_seq": seq, "key": key, "tier": tier, "reason": reason, "until": until?.description,
        "requested_by": user, "requested_at": Self.timestamp(time), "previous_hash": previous,
      ]
      let hash = try LedgerChain.overrideHash(row)
      try db.execute(
        sql: """
          INSERT INTO override (id, chain_seq, key, tier, reason, until, requested_by, requested_at, previous_hash, hash)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [
          id, seq, key, tier, reason, until?.description, user, Self.timestamp(time), previous, hash,
        ])
      return TierOverride(
        id: id, key: key, tier: tier, reason: reason, until: until, requestedBy: user,
        requestedAt: Self.timestamp(time), status: .pending)
    }
  }

  /// Approves or rejects pending override `id`. The person who requested it may withdraw it
  /// (reject) but never approve it: a second person must (maker-checker).
  public func decide(
    override id: Int64, approve: Bool, by user: String, reason: String? = nil, at time: Date = Date()
  ) throws(LedgerError) -> TierOverride {
    try appending { db, seq, previous in
      guard let found = try Self.overrides(db, where: "o.id = ?", [id]).first else {
        throw LedgerError("there is no override or change \(id)")
      }
      let name = found.run == nil ? "override \(id)" : "change \(id) (proposed by run \(found.run ?? 0))"
      guard found.status == .pending else { throw LedgerError("\(name) was already decided") }
      if approve && found.requestedBy == user {
        throw LedgerError(
          "\(user) requested \(name) and so cannot approve it; another person must (maker-checker)")
      }
      let from = CivilDate(utcDayOf: time)
      if approve, let until = found.until, until < from {
        throw LedgerError("override \(id) ended on \(until); it can only be rejected")
      }
      if approve, let run = found.run,
        let later = try Self.decisions(of: found.key, db).last(where: { $0.run.id > run && $0.entry.changed }
        )?.run
          .id
      {
        throw LedgerError(
          "run \(later) has assigned '\(found.key)' a tier since run \(run) proposed this change; it is out of date and can only be rejected"
        )
      }
      let approvalID =
        (try Int64.fetchOne(db, sql: "SELECT max(id) FROM approval") ?? 0) + 1
      let verdict = approve ? "approved" : "rejected"
      let row: Row = [
        "id": approvalID, "chain_seq": seq, "override_id": id, "verdict": verdict, "reason": reason,
        "decided_by": user, "decided_at": Self.timestamp(time), "in_force_from": from.description,
        "previous_hash": previous,
      ]
      let hash = try LedgerChain.approvalHash(row)
      try db.execute(
        sql: """
          INSERT INTO approval (id, chain_seq, override_id, verdict, reason, decided_by, decided_at,
            in_force_from, previous_hash, hash)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [
          approvalID, seq, id, verdict, reason, user, Self.timestamp(time), from.description, previous,
          hash,
        ])
      if approve, let run = found.run {
        // The approved change is the key's tier from today; the lifecycle continues from it.
        try db.execute(
          sql: "INSERT INTO assignment (key, run_id, tier, since, approval_id) VALUES (?, ?, ?, ?, ?)",
          arguments: [found.key, run, found.tier, from.description, approvalID])
      }
      var decided = found
      decided.status =
        approve
        ? .approved(by: user, at: Self.timestamp(time), from: from, reason: reason)
        : .rejected(by: user, at: Self.timestamp(time), reason: reason)
      return decided
    }
  }

  /// The overrides, oldest first: of one key, or all; only the pending ones when asked.
  public func overrides(key: String? = nil, pendingOnly: Bool = false) throws(LedgerError) -> [TierOverride] {
    try reading { db in
      var conditions: [String] = []
      var arguments: [any DatabaseValueConvertible] = []
      if let key {
        conditions.append("o.key = ?")
        arguments.append(key)
      }
      if pendingOnly { conditions.append("a.id IS NULL") }
      return try Self.overrides(
        db, where: conditions.isEmpty ? "1" : conditions.joined(separator: " AND "), arguments)
    }
  }

  /// The override of `key` in force on `date`: the one approved last among those in force.
  public func override(of key: String, on date: CivilDate) throws(LedgerError) -> TierOverride? {
    try overrides(key: key).filter { $0.isInForce(on: date) }.last
  }

  // MARK: - Shared

  static func overrides(_ db: Database, where condition: String, _ arguments: [any DatabaseValueConvertible])
    throws -> [TierOverride]
  {
    try Row.fetchAll(
      db,
      sql: """
        SELECT o.*, a.id AS approval_id, a.verdict, a.reason AS verdict_reason, a.decided_by, a.decided_at,
          a.in_force_from
        FROM override o LEFT JOIN approval a ON a.override_id = o.id
        WHERE \(condition) ORDER BY coalesce(a.chain_seq, o.chain_seq)
        """, arguments: StatementArguments(arguments)
    ).map { row in
      let until: String? = try row.value("until")
      let verdict: String? = try row.value("verdict")
      let from: String? = try row.value("in_force_from")
      let status: TierOverride.Status
      switch verdict {
      case "approved":
        status = .approved(
          by: try row.value("decided_by"), at: try row.value("decided_at"),
          from: from.flatMap { CivilDate(parsing: $0) } ?? CivilDate(daysSinceEpoch: 0),
          reason: try row.value("verdict_reason"))
      case "rejected":
        status = .rejected(
          by: try row.value("decided_by"), at: try row.value("decided_at"),
          reason: try row.value("verdict_reason"))
      default:
        status = .pending
      }
      return TierOverride(
        id: try row.value("id"), key: try row.value("key"), tier: try row.value("tier"),
        reason: try row.value("reason"),
        until: until.flatMap { CivilDate(parsing: $0) }, requestedBy: try row.value("requested_by"),
        requestedAt: try row.value("requested_at"), status: status, run: try row.value("run_id"))
    }
  }

  /// Appends one link to the chain in one immediate transaction: `body` gets the link's place
  /// and the previous link's hash. A ``LedgerError`` from `body` is passed on as it is; any
  /// other error rolls back and is reported after `failure`.
  func appending<T>(failure: String = "nothing was recorded", _ body: (Database, Int64, String) throws -> T)
    throws(LedgerError) -> T
  {
    var result: T?
    do {
      try queue.inTransaction(.immediate) { db in
        let (seq, previous) = try LedgerChain.head(db)
        result = try body(db, seq + 1, previous)
        return .commit
      }
    } catch let error as LedgerError {
      throw error
    } catch {
      throw LedgerError("\(failure): \(LedgerError.describe(error))")
    }
    guard let result else { throw LedgerError(failure) }
    return result
  }

  static func timestamp(_ time: Date) -> String { ISO8601DateFormatter().string(from: time) }

  /// The tier ids of a stored policy text, or none when it no longer compiles.
  static func tierIDs(_ text: Data) -> [String] {
    compileStored(text, path: "ledger-policy.yaml").policy?.checked.tiers.map(\.id) ?? []
  }
}
