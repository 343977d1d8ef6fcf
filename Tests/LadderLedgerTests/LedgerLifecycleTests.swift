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
    try scratch.editEntry(run: 2, key: "C2024001") { $0?.outcome = "kept" }
    let check = try ledger.verify()
    #expect(check.problems == ["run 2: its tier assignments or reviews were changed, added or removed"])
  }

  /// A copy of a ledger an earlier Ladder wrote (Tests/Fixtures/ledger-schema-N).
  static func oldLedger(schema: Int, into scratch: LedgerTests.Scratch) throws {
    try FileManager.default.copyItem(
      atPath: RepositoryPaths.path("Tests/Fixtures/ledger-schema-\(schema)/ledger.db"), toPath: scratch.path)
    let found = try DatabaseQueue(path: scratch.path).read { db in
      try Int.fetchOne(db, sql: "PRAGMA user_version")
    }
    #expect(found == schema)
  }

  /// Schema 2 kept a row per decision, assignment and review; opened now, they move into blocks
  /// and every run's digests still hold. The answers stay those of the Ladder that wrote it (the
  /// CLI test compares them byte for byte), and runs go on from where it stopped.
  @Test func aSchemaTwoLedgerIsMigratedAndGoesOn() throws {
    let scratch = try LedgerTests.Scratch()
    try Self.oldLedger(schema: 2, into: scratch)
    let ledger = try Ledger(path: scratch.path)
    let check = try ledger.verify()
    #expect(check.isIntact && check.runs == 4 && check.decisions == 132, "\(check.problems)")
    let tables = try DatabaseQueue(path: scratch.path).read { db in
      try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    }
    #expect(
      tables == [
        "approval", "assignment", "decision_inputs", "entry_block", "override", "policy_version", "run",
        "standing_block",
      ])
    #expect(
      try ledger.history(key: "C2024007").map(\.assignedTier) == ["key", "key", "standard", "standard"])
    for run in Int64(1)...4 { #expect(try ledger.replay(run: run).isIdentical) }
    // The next quarter starts from the standings the four runs left: C2024003 was told at the
    // December run that it drops to watch at the next review, and March 2025 is that review.
    let (policy, _) = try LedgerTests.example("b2b-service-tiers")
    let march = try ledger.record(
      policy, records: try Self.quarter("2024-12-01"), format: .csv, inputName: "2025-03-01.csv",
      asOf: try LedgerTests.date("2025-03-01"), by: "bob")
    #expect(march.changes.contains { $0.key == "C2024003" && $0.from == "standard" && $0.to == "watch" })
    #expect(try ledger.verify().isIntact)
  }

  /// Schema 3 kept inputs and entries in zlib blocks and digested inputs as an escaped string:
  /// opened now, those blocks and digests stay as they are and still hold, and the next run
  /// writes Huffman-coded blocks and the digest of form 2 beside them.
  @Test func aSchemaThreeLedgerKeepsItsBlocksAndGoesOn() throws {
    let scratch = try LedgerTests.Scratch()
    try Self.oldLedger(schema: 3, into: scratch)
    let ledger = try Ledger(path: scratch.path)
    #expect(try ledger.verify().isIntact)
    for run in Int64(1)...4 { #expect(try ledger.replay(run: run).isIdentical) }
    let (policy, _) = try LedgerTests.example("b2b-service-tiers")
    let march = try ledger.record(
      policy, records: try Self.quarter("2024-12-01"), format: .csv, inputName: "2025-03-01.csv",
      asOf: try LedgerTests.date("2025-03-01"), by: "bob")
    let check = try ledger.verify()
    #expect(check.isIntact && check.runs == 5, "\(check.problems)")
    #expect(try ledger.replay(run: march.id).isIdentical)
    let (forms, firstBytes) = try DatabaseQueue(path: scratch.path).read { db in
      (
        try Int.fetchAll(db, sql: "SELECT digest_form FROM run ORDER BY id"),
        try Row.fetchAll(
          db,
          sql: """
            SELECT run_id, substr(data, 1, 1) AS first FROM decision_inputs
            UNION ALL SELECT run_id, substr(data, 1, 1) FROM entry_block
            """
        ).map { (try $0.value("run_id") as Int64, (try $0.value("first") as Data).first) }
      )
    }
    #expect(forms == [1, 1, 1, 1, 2])
    #expect(firstBytes.allSatisfy { run, first in first == (run == march.id ? HuffmanCoding.tag : 0x78) })
    #expect(firstBytes.contains { $0.0 == march.id })
  }

  /// Schema 1 (before the lifecycle) kept each decision's inputs in its row and no reviews: its
  /// keys have no review on record, so the next run of a lifecycle policy reviews them all.
  @Test func aSchemaOneLedgerIsMigratedAndKeepsItsChain() throws {
    let scratch = try LedgerTests.Scratch()
    try Self.oldLedger(schema: 1, into: scratch)
    let ledger = try Ledger(path: scratch.path)
    let check = try ledger.verify()
    #expect(check.isIntact && check.runs == 2 && check.decisions == 66, "\(check.problems)")
    for run in Int64(1)...2 { #expect(try ledger.replay(run: run).isIdentical) }
    let (policy, _) = try LedgerTests.example("b2b-service-tiers")
    let next = try ledger.record(
      policy, records: try Self.quarter("2024-12-01"), format: .csv, inputName: "q4.csv",
      asOf: try LedgerTests.date("2024-12-01"), by: "bob")
    #expect(next.held.allSatisfy { $0.outcome != .downgradeAtReview })
    #expect(try ledger.verify().isIntact)
  }
}
