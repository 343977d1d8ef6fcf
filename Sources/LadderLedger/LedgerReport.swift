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
    // Each run's customers by tier in force, one run at a time.
    let inForce: [[String: String?]] = try reading { db in
      try summaries.map { run in
        guard let entries = try RunEntries.entries(db, run: run.id) else {
          throw LedgerError("run \(run.id): its stored decisions are damaged; ladder ledger verify says more")
        }
        var tiers: [String: String?] = [:]
        tiers.reserveCapacity(entries.count)
        for entry in entries { tiers[entry.key] = entry.inForce }
        return tiers
      }
    }
    // The latest policy's tiers in its order, with its labels; then any other tier met, by name.
    let text = try reading { db in
      try Data.fetchOne(
        db, sql: "SELECT text FROM policy_version WHERE sha256 = ?", arguments: [latest.policySHA256])
    }
    let policy = text.flatMap { Self.compileStored($0, path: "policy.yaml").policy }
    let ordered = policy?.checked.tiers.map(\.id) ?? []
    var met = Set<String>()
    var noTier = false
    for tiers in inForce {
      for tier in tiers.values {
        if let tier { met.insert(tier) } else { noTier = true }
      }
    }
    let ids = ordered + met.subtracting(ordered).sorted()
    let labels = Dictionary(
      (policy?.checked.tiers ?? []).map { ($0.id, $0.label.isEmpty ? $0.id : $0.label) },
      uniquingKeysWith: { a, _ in a })
    let categories = ids.map { labels[$0] ?? $0 } + (noTier ? ["no tier"] : []) + ["not in run"]
    let place = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
    let noTierPlace = ids.count
    let absent = categories.count - 1
    func category(_ tier: String??) -> Int {
      guard let tier else { return absent }
      guard let tier else { return noTierPlace }
      return place[tier] ?? absent
    }
    var runs: [RunsReport.Run] = []
    for (summary, tiers) in zip(summaries, inForce) {
      var counts = [Int](repeating: 0, count: categories.count)
      for tier in tiers.values { counts[category(.some(tier))] += 1 }
      runs.append(
        RunsReport.Run(
          id: summary.id, asOf: summary.asOf, policy: summary.policy, version: summary.version,
          evaluated: summary.evaluated, rejected: summary.rejected, counts: counts))
    }
    var flows: [RunsReport.Flow] = []
    for index in summaries.indices.dropFirst() {
      let (before, after) = (inForce[index - 1], inForce[index])
      var moves = [[Int]](repeating: [Int](repeating: 0, count: categories.count), count: categories.count)
      for (key, tier) in before { moves[category(.some(tier))][category(after[key])] += 1 }
      for (key, tier) in after where before[key] == nil { moves[absent][category(.some(tier))] += 1 }
      flows.append(RunsReport.Flow(from: summaries[index - 1].id, to: summaries[index].id, moves: moves))
    }
    return RunsReport(ledger: name, categories: categories, runs: runs, flows: flows)
  }
}
