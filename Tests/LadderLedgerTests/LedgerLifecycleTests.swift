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
    do {
      // Schema 1 kept no reviews: a run of a policy without a lifecycle writes none either.
      let path = "policies/b2b-service-tiers.yaml"
      let text = try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8)
      let head = try #require(text.components(separatedBy: "\nlifecycle:\n").first)
      let plain = try #require(compilePolicy(head))
      #expect(plain.checked.lifecycle == nil)
      let ledger = try Ledger(path: scratch.path)
      _ = try ledger.record(
        plain, records: bytes, format: .csv, inputName: "q1.csv", asOf: try LedgerTests.date("2024-03-01"),
        by: "alice")
    }
    // What a ledger of the first schema looks like: the same tables, no review table.
    try scratch.tamper("DROP TABLE review; PRAGMA user_version = 1")
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
