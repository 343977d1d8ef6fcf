import Foundation
import GRDB
import Ladder

/// One key's tier in force on a date, as `ladder export` writes it for other systems.
public struct TierInForce: Sendable, Hashable {
  public var key: String
  /// The override's tier when one is in force, else the policy's.
  public var tier: String?
  /// The tier the policy's latest decision gives.
  public var policyTier: String?
  public var score: String?
  /// The day the policy's tier was first assigned (a run's as-of date).
  public var since: String?
  /// The run of the decision, and its as-of date.
  public var run: Int64
  public var decidedAsOf: String
  /// The override in force, if any.
  public var override: Int64?
  public var overrideUntil: String?
}

/// A change of the tier in force, in the order the ledger recorded it: what to send to the
/// systems that follow the ledger (`ladder changes --since RUN`).
public struct TierInForceChange: Sendable, Hashable {
  public var key: String
  public var tier: String?
  /// The day it takes effect: the run's as-of date, or the override's first day.
  public var effective: String
  /// `run N`, `override N`, or `approved change N` (a lifecycle change that needed approval).
  public var source: String
  /// For an override: its last day, after which the policy's tier is in force again.
  public var until: String?
}

extension Ledger {
  /// Every key's tier in force on `date`, by key: the tier the policy's lifecycle assigned as
  /// of that date (the latest assignment), with the latest decision's computed tier and score,
  /// replaced by an approved override in force that day.
  public func tiersInForce(on date: CivilDate) throws(LedgerError) -> [TierInForce] {
    var byKey: [String: TierInForce] = [:]
    let day = date.description
    try reading { db in
      let runs = try Self.runInfos(db)
      // The latest decision as of the date (by as-of date, then run): the runs from the latest
      // back, one at a time, each key keeping the first decision met. The assignments as of the
      // date are kept aside, to be applied in run order below.
      var assigned: [Int64: [(key: String, tier: String?, since: String)]] = [:]
      for run in runs.filter({ $0.asOf <= day }).sorted(by: { ($0.asOf, $0.id) > ($1.asOf, $1.id) }) {
        guard let entries = try RunEntries.entries(db, run: run.id) else {
          throw LedgerError("run \(run.id): its stored decisions are damaged; ladder ledger verify says more")
        }
        for entry in entries {
          if entry.changed && entry.since <= date {
            assigned[run.id, default: []].append((entry.key, entry.inForce, entry.since.description))
          }
          guard byKey[entry.key] == nil else { continue }
          byKey[entry.key] = TierInForce(
            key: entry.key, tier: nil, policyTier: entry.tier, score: entry.score, since: nil, run: run.id,
            decidedAsOf: run.asOf, override: nil, overrideUntil: nil)
        }
      }
      // Every assignment as of the date, in run order: a run's own, then the approved changes
      // its proposals led to.
      var approved: [Int64: [(key: String, tier: String?, since: String)]] = [:]
      for row in try Row.fetchAll(
        db,
        sql: "SELECT key, tier, since, run_id FROM assignment WHERE approval_id IS NOT NULL AND since <= ?",
        arguments: [day])
      {
        approved[try row.value("run_id"), default: []].append(
          try (row.value("key"), row.value("tier"), row.value("since")))
      }
      for run in runs {
        for change in assigned[run.id] ?? [] {
          byKey[change.key]?.tier = change.tier
          byKey[change.key]?.since = change.since
        }
        for change in approved[run.id] ?? [] {
          byKey[change.key]?.tier = change.tier
          byKey[change.key]?.since = change.since
        }
      }
    }
    for override in try overrides() where override.isInForce(on: date) {
      guard var entry = byKey[override.key] else { continue }
      entry.tier = override.tier
      entry.override = override.id
      entry.overrideUntil = override.until?.description
      byKey[override.key] = entry
    }
    return byKey.values.sorted { $0.key < $1.key }
  }

  /// The changes of the tier in force recorded after run `run`, in the order they were
  /// recorded: the tier changes of later runs, and overrides approved after it.
  public func changes(since run: Int64) throws(LedgerError) -> [TierInForceChange] {
    try reading { db in
      // Run 0: from the beginning.
      guard
        let position = run == 0
          ? 0 : try Int64.fetchOne(db, sql: "SELECT chain_seq FROM run WHERE id = ?", arguments: [run])
      else { throw LedgerError("there is no run \(run)") }
      var changes: [(Int64, TierInForceChange)] = []
      for run in try Self.runInfos(db) where run.chainSeq > position {
        guard let entries = try RunEntries.entries(db, run: run.id) else {
          throw LedgerError("run \(run.id): its stored decisions are damaged; ladder ledger verify says more")
        }
        for entry in entries where entry.changed {
          changes.append(
            (
              run.chainSeq,
              TierInForceChange(
                key: entry.key, tier: entry.inForce, effective: run.asOf, source: "run \(run.id)", until: nil)
            ))
        }
      }
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT o.id, o.key, o.tier, o.until, o.run_id, a.in_force_from, a.chain_seq FROM approval a
          JOIN override o ON o.id = a.override_id
          WHERE a.verdict = 'approved' AND a.chain_seq > ? ORDER BY a.chain_seq
          """, arguments: [position])
      {
        let id: Int64 = try row.value("id")
        changes.append(
          (
            try row.value("chain_seq"),
            TierInForceChange(
              key: try row.value("key"), tier: try row.value("tier"),
              effective: try row.value("in_force_from"),
              source: (try row.value("run_id") as Int64?) == nil ? "override \(id)" : "approved change \(id)",
              until: try row.value("until"))
          ))
      }
      return changes.sorted { $0.0 < $1.0 }.map(\.1)
    }
  }
}
