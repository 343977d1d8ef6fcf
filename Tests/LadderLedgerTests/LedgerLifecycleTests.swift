import Foundation
import GRDB
import Ladder
import LadderTestSupport
import Testing

@testable import LadderLedger

/// The ledger under a policy with a `lifecycle:` section: what a run assigns against the
/// standings the ledger holds, what it remembers of reviews, and what it refuses.
@Suite struct LedgerLifecycleTests {
  typealias Scratch = LedgerTests.Scratch

  static func quarter(_ asOf: String) throws -> [UInt8] {
    [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/b2b-quarters/\(asOf).csv"))))
  }

  /// The B2B example with `lifecycle` in place of its own.
  static func policy(lifecycle: String) throws -> CompiledPolicy {
    let path = "policies/b2b-service-tiers.yaml"
    let text = try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8)
    let head = try #require(text.components(separatedBy: "\nlifecycle:\n").first)
    return try #require(compilePolicy(head + "\nlifecycle:\n" + lifecycle, path: path))
  }

  static func runQuarters(_ ledger: Ledger, _ policy: CompiledPolicy, _ quarters: [String]) throws
    -> [RecordedRun]
  {
    try quarters.map { asOf in
      try ledger.record(
        policy, records: try quarter(asOf), format: .csv, inputName: "\(asOf).csv",
        asOf: try LedgerTests.date(asOf), by: "alice")
    }
  }

  @Test func graceAndOneTierAtATimeOverAYear() throws {
    let scratch = try Scratch()
    let ledger = try Ledger(path: scratch.path)
    let policy = try Self.policy(lifecycle: "  downgrade_by: one_tier\n  grace_reviews: 1\n")
    let runs = try Self.runQuarters(ledger, policy, ["2024-03-01", "2024-06-01", "2024-09-01", "2024-12-01"])
    // A公司 (vip, reviewed quarterly) falls to key on 2024-06-01: one review of grace, then on
    // 2024-09-01 one tier down, which is where the policy puts it anyway.
    let june = try #require(runs[1].held.first { $0.key == "C2024001" })
    #expect(
      june.outcome == .heldByGrace && june.tier == "vip" && june.computed == "key" && june.reviewsBelow == 1)
    #expect(
      runs[2].changes.contains(
        TierChange(key: "C2024001", from: "vip", to: "key", isNew: false, outcome: .downgraded)))
    // 北方制造 (key) falls to standard by the spend-collapse trigger on 2024-06-01: the trigger
    // makes it a review, and the grace holds it. That review sets its next one six months on,
    // 2024-12-01, where it goes.
    #expect(runs[1].held.contains { $0.key == "C2024006" && $0.outcome == .heldByGrace })
    let september = try #require(runs[2].held.first { $0.key == "C2024006" })
    let december1 = try LedgerTests.date("2024-12-01")
    #expect(september.outcome == .downgradeAtReview && september.nextReview == december1)
    #expect(runs[3].changes.contains { $0.key == "C2024006" && $0.to == "standard" })
    // C2024004 (standard, computes watch from June): warned in June, its first review below in
    // September is grace, and it is still warned in December (next review 2025-03-01).
    #expect(runs[1].held.contains { $0.key == "C2024004" && $0.outcome == .downgradeAtReview })
    #expect(runs[2].held.contains { $0.key == "C2024004" && $0.outcome == .heldByGrace })
    let december = try #require(runs[3].held.first { $0.key == "C2024004" })
    let march = try LedgerTests.date("2025-03-01")
    #expect(december.outcome == .downgradeAtReview && december.nextReview == march)
    // The ledger's answers follow: the tier kept, the policy's beside it.
    let shown = try #require(try ledger.show(key: "C2024004", asOf: try LedgerTests.date("2024-12-31")))
    #expect(shown.assignedTier == "standard" && shown.tier == "watch" && shown.tierInForce == "standard")
    let exported = try ledger.tiersInForce(on: try LedgerTests.date("2024-12-31")).first {
      $0.key == "C2024004"
    }
    #expect(
      exported?.tier == "standard" && exported?.policyTier == "watch" && exported?.since == "2024-03-01")
    #expect(try ledger.verify().isIntact)
    for run in runs { #expect(try ledger.replay(run: run.id).isIdentical) }
  }

  @Test func aDowngradeFromVIPWaitsForASecondPersonThenIsTheAssignment() throws {
    let scratch = try Scratch()
    let ledger = try Ledger(path: scratch.path)
    let policy = try Self.policy(lifecycle: "  approval: { downgrades_from: [vip], upgrades_to: [] }\n")
    let runs = try Self.runQuarters(ledger, policy, ["2024-03-01", "2024-06-01"])
    // A公司 falls from vip at its review: proposed, not applied; B公司 rises to vip freely.
    let proposed = try #require(runs[1].held.first { $0.key == "C2024001" })
    #expect(proposed.outcome == .awaitingApproval && proposed.tier == "vip" && proposed.proposed == "key")
    let request = try #require(proposed.request)
    #expect(runs[1].changes.contains { $0.key == "C2024002" && $0.to == "vip" })
    #expect(!runs[1].changes.contains { $0.key == "C2024001" })
    let pending = try #require(try ledger.overrides(pendingOnly: true).first { $0.id == request })
    #expect(pending.run == runs[1].id && pending.tier == "key" && pending.requestedBy == "alice")
    #expect(
      !pending.isInForce(on: try LedgerTests.date("2024-07-01")), "a proposed change is not an override")
    // The person who ran it cannot approve it; a second person can, and the change is the
    // assignment from the day of the approval.
    #expect {
      _ = try ledger.decide(override: request, approve: true, by: "alice")
    } throws: {
      "\($0)".contains("alice requested change \(request) (proposed by run 2) and so cannot approve it")
    }
    let approvedAt = try #require(ISO8601DateFormatter().date(from: "2024-06-03T09:00:00Z"))
    _ = try ledger.decide(override: request, approve: true, by: "bob", at: approvedAt)
    let june = try #require(try ledger.show(key: "C2024001", asOf: try LedgerTests.date("2024-06-02")))
    #expect(june.tierInForce == "vip" && june.override == nil)
    let after = try #require(try ledger.show(key: "C2024001", asOf: try LedgerTests.date("2024-06-03")))
    #expect(after.tierInForce == "key" && after.assignedTier == "key" && after.tierSince == "2024-06-03")
    #expect(after.override == nil)
    let sync = try ledger.changes(since: runs[1].id)
    #expect(
      sync == [
        TierInForceChange(
          key: "C2024001", tier: "key", effective: "2024-06-03", source: "approved change \(request)",
          until: nil)
      ])
    #expect(try ledger.verify().isIntact)
    // The next run goes on from key: no new request, nothing held for A公司.
    let september = try Self.runQuarters(ledger, policy, ["2024-09-01"])[0]
    #expect(
      !september.held.contains { $0.key == "C2024001" }
        && !september.changes.contains { $0.key == "C2024001" })
    // Editing the assignment the approval made shows.
    try scratch.tamper("UPDATE assignment SET tier = 'vip' WHERE approval_id IS NOT NULL")
    #expect(
      try ledger.verify().problems == [
        "override \(request): the assignment its approval made was changed or removed"
      ])
  }

  @Test func aStaleProposalCanOnlyBeRejected() throws {
    let scratch = try Scratch()
    let ledger = try Ledger(path: scratch.path)
    let policy = try Self.policy(lifecycle: "  approval: { downgrades_from: [vip] }\n")
    let runs = try Self.runQuarters(ledger, policy, ["2024-03-01", "2024-06-01", "2024-09-01"])
    let request = try #require(runs[1].held.first { $0.key == "C2024001" }?.request)
    // Still waiting in September: the run points at the same request, and asks nothing new.
    #expect(runs[2].held.first { $0.key == "C2024001" }?.request == request)
    #expect(try ledger.overrides(key: "C2024001").count == 1)
    #expect(try ledger.verify().isIntact)
  }

  @Test func anEditedReviewIsFoundAndAnEarlierRunRefused() throws {
    let scratch = try Scratch()
    let ledger = try Ledger(path: scratch.path)
    let (policy, _) = try LedgerTests.example("b2b-service-tiers")
    _ = try Self.runQuarters(ledger, policy, ["2024-03-01", "2024-06-01"])
    #expect {
      try ledger.record(
        policy, records: try Self.quarter("2024-03-01"), format: .csv, inputName: "late.csv",
        asOf: try LedgerTests.date("2024-05-01"), by: "carol")
    } throws: { "\($0)".contains("already holds a run as of 2024-06-01") }
    #expect(try ledger.runs().count == 2)
    // Someone rewrites what the lifecycle did to a customer.
    try scratch.tamper("UPDATE review SET outcome = 'kept' WHERE key = 'C2024001' AND run_id = 2")
    let check = try ledger.verify()
    #expect(check.problems == ["run 2: its tier assignments or reviews were changed, added or removed"])
  }

  @Test func aSchemaOneLedgerIsMigratedAndKeepsItsChain() throws {
    let scratch = try Scratch()
    let (policy, bytes) = try LedgerTests.example("b2b-service-tiers")
    // A run as schema 1 recorded it: a policy without a lifecycle writes no reviews, and its
    // rows are copied into a file made by migration 1 alone.
    let current = scratch.directory.appendingPathComponent("current.db").path
    do {
      let path = "policies/b2b-service-tiers.yaml"
      let text = try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8)
      let head = try #require(text.components(separatedBy: "\nlifecycle:\n").first)
      let plain = try #require(compilePolicy(head))
      #expect(plain.checked.lifecycle == nil)
      _ = try Ledger(path: current).record(
        plain, records: bytes, format: .csv, inputName: "q1.csv", asOf: try LedgerTests.date("2024-03-01"),
        by: "alice")
    }
    // Schema 1 kept each decision's inputs in its row.
    let written = try DatabaseQueue(path: current)
    let inputs = try written.read { db in
      let reader = InputBlocks.Reader(db, run: 1)
      return try Row.fetchAll(db, sql: "SELECT seq, inputs FROM decision WHERE run_id = 1 ORDER BY seq").map {
        row in try reader.inputs(seq: row["seq"], stored: row["inputs"]) ?? ""
      }
    }
    try written.close()
    let old = try DatabaseQueue(path: scratch.path)
    try old.writeWithoutTransaction { db in
      try db.execute(sql: LedgerSchema.migrations[0])
      try db.execute(sql: "PRAGMA user_version = 1")
      try db.execute(sql: "ATTACH DATABASE ? AS current", arguments: [current])
      try db.execute(
        sql: """
          INSERT INTO policy_version SELECT * FROM current.policy_version;
          INSERT INTO run SELECT * FROM current.run;
          INSERT INTO decision SELECT * FROM current.decision;
          INSERT INTO assignment SELECT key, run_id, tier, since FROM current.assignment;
          DETACH DATABASE current;
          """)
      for (seq, text) in inputs.enumerated() {
        try db.execute(
          sql: "UPDATE decision SET inputs = ? WHERE run_id = 1 AND seq = ?", arguments: [text, seq])
      }
    }
    try old.close()
    #expect(!inputs.isEmpty && inputs.allSatisfy { $0.hasPrefix("[") })
    let ledger = try Ledger(path: scratch.path)
    #expect(try ledger.verify().isIntact)
    // Its keys have no review on record, so the next run reviews them all.
    let next = try ledger.record(
      policy, records: try LedgerLifecycleTests.quarter("2024-06-01"), format: .csv, inputName: "q2.csv",
      asOf: try LedgerTests.date("2024-06-01"), by: "bob")
    #expect(next.held.allSatisfy { $0.outcome != .downgradeAtReview })
    #expect(try ledger.verify().isIntact)
  }
}
