import Foundation
import GRDB
import Ladder

extension Ledger {
  /// The runs from `first` to `last` (every run when not given), as ``RunsReport`` shows them:
  /// per run, the customers holding each tier in force after it; per pair of consecutive runs,
  /// who moved from which tier to which. Tiers are in the latest run's policy order.
  public func runsReport(from first: Int64? = nil, to last: Int64? = nil) throws(LedgerError) -> RunsReport {
    let name = URL(fileURLWithPath: path).lastPathComponent
    let summaries = try runs().filter { ($0.id >= (first ?? .min)) && ($0.id <= (last ?? .max)) }
    guard let latest = summaries.last else {
      return RunsReport(ledger: name, categories: [], runs: [], flows: [])
    }
    // Each run's customers by tier in force, one run at a time: counted by tier name, and the
    // moves from the run before, holding two runs' keys at a time, not every run's.
    typealias Tier = String??  // nil: not in the run; .some(nil): no tier
    var counts: [[Tier: Int]] = []
    var moves: [[Tier: [Tier: Int]]] = []
    try reading { db in
      var before: [String: String?]?
      for run in summaries {
        guard let entries = try RunEntries.entries(db, run: run.id) else {
          throw LedgerError("run \(run.id): its stored decisions are damaged; ladder ledger verify says more")
        }
        var after: [String: String?] = [:]
        after.reserveCapacity(entries.count)
        var count: [Tier: Int] = [:]
        for entry in entries {
          after[entry.key] = entry.inForce
          count[.some(entry.inForce), default: 0] += 1
        }
        counts.append(count)
        if let before {
          var move: [Tier: [Tier: Int]] = [:]
          for (key, tier) in before { move[.some(tier), default: [:]][after[key], default: 0] += 1 }
          for (key, tier) in after where before[key] == nil {
            move[nil, default: [:]][.some(tier), default: 0] += 1
          }
          moves.append(move)
        }
        before = after
      }
    }
    // The latest policy's tiers in its order, with its labels; then any other tier met, by name.
    let text = try reading { db in
      try Data.fetchOne(
        db, sql: "SELECT text FROM policy_version WHERE sha256 = ?", arguments: [latest.policySHA256])
    }
    let policy = text.flatMap { Self.compileStored($0, path: "policy.yaml").policy }
    let ordered = policy?.checked.tiers.map(\.id) ?? []
    let met = Set(counts.flatMap { $0.keys.compactMap { $0 ?? nil } })
    let noTier = counts.contains { $0[.some(nil)] != nil }
    let ids = ordered + met.subtracting(ordered).sorted()
    let labels = Dictionary(
      (policy?.checked.tiers ?? []).map { ($0.id, $0.label.isEmpty ? $0.id : $0.label) },
      uniquingKeysWith: { a, _ in a })
    let categories = ids.map { labels[$0] ?? $0 } + (noTier ? ["no tier"] : []) + ["not in run"]
    // Each tier's category: its place among the ids, `no tier`, or `not in run` (the last).
    let tiers: [Tier] = ids.map { .some($0) } + (noTier ? [.some(nil)] : []) + [nil]
    let runs = zip(summaries, counts).map { summary, count in
      RunsReport.Run(
        id: summary.id, asOf: summary.asOf, policy: summary.policy, version: summary.version,
        evaluated: summary.evaluated, rejected: summary.rejected, counts: tiers.map { count[$0] ?? 0 })
    }
    let flows = summaries.indices.dropFirst().map { index in
      RunsReport.Flow(
        from: summaries[index - 1].id, to: summaries[index].id,
        moves: tiers.map { from in tiers.map { to in moves[index - 1][from]?[to] ?? 0 } })
    }
    return RunsReport(ledger: name, categories: categories, runs: runs, flows: flows)
  }
}
