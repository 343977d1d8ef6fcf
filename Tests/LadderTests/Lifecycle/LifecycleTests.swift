import Foundation
import LadderTestSupport
import Testing

@testable import Ladder

/// The `lifecycle:` section: how it is read and checked, and what each rule does to one key's
/// tier at one run (``CompiledPolicy/lifecycleStep(before:computed:reviewNow:asOf:)``), with the
/// dates worked out by hand.
@Suite struct LifecycleTests {
  /// Four tiers, gold reviewed every 3 months and the rest every 6.
  static func policy(lifecycle: String, order: String = "") -> String {
    """
    ladder: 1
    policy: lifecycle-test
    \(order)
    inputs:
      id: { type: string, key: true }
      points: { type: int }
    tiers:
      - { id: gold, label: Gold, when: points >= 90 }
      - { id: silver, label: Silver, when: points >= 60 }
      - { id: bronze, label: Bronze, when: points >= 30 }
      - { id: basic, label: Basic, otherwise: true }
    review:
      every: { gold: 3 months, otherwise: 6 months }
    lifecycle:
    \(lifecycle)
    """
  }

  static func compiled(_ lifecycle: String, order: String = "") throws -> CompiledPolicy {
    try #require(compilePolicy(policy(lifecycle: lifecycle, order: order)))
  }

  /// A date written in the test (the epoch for a typo, which fails the test's expectations).
  static func date(_ text: String) -> CivilDate { CivilDate(parsing: text) ?? CivilDate(daysSinceEpoch: 0) }

  static func standing(_ tier: String, since: String, reviewed: String?, below: Int = 0) throws
    -> TierStanding
  {
    TierStanding(
      tier: tier, since: date(since), lastReview: reviewed.map { date($0) }, reviewsBelow: below)
  }

  // MARK: - Reading and checking

  @Test func defaultsAreUpgradesAtOnceDowngradesAtReviewToTheComputedTier() throws {
    let policy = try Self.compiled("  grace_reviews: 0")
    let rules = try #require(policy.checked.lifecycle)
    #expect(rules.upgrades == .atOnce && rules.downgrades == .atReview && rules.downgradeBy == .toComputed)
    #expect(rules.graceReviews == 0 && rules.minimumStay == nil)
  }

  @Test func badValuesArePointedAt() {
    let outcome = checkPolicy(
      Self.policy(
        lifecycle:
          "  upgrades: at_reveiw\n  downgrade_by: two_tiers\n  grace_reviews: -1\n  minimum_stay: soon"))
    #expect(outcome.codes == ["L0105", "L0105", "L0105", "L0105"], "\(outcome.renderedText)")
    let underlined = outcome.diagnostics.compactMap { outcome.underlined($0) }
    #expect(underlined == ["at_reveiw", "two_tiers", "-1", "soon"])
    #expect(outcome.renderedText.contains("did you mean 'at_review'?"))
  }

  @Test func waitingForAReviewNeedsAReviewCadence() {
    let outcome = checkPolicy(policyText(body: "lifecycle:\n  grace_reviews: 1\n"))
    expectOne(outcome, .missingReviewCadence, underlining: "lifecycle", helpContains: "downgrades: at_once")
    // Changing at once needs no review dates.
    let atOnce = checkPolicy(policyText(body: "lifecycle:\n  downgrades: at_once\n"))
    #expect(atOnce.diagnostics.isEmpty, "\(atOnce.renderedText)")
  }

  @Test func approvalNamesTiersOfThePolicy() {
    let outcome = checkPolicy(Self.policy(lifecycle: "  approval: { downgrades_from: [gold, silvr] }"))
    expectOne(outcome, .unknownTier, underlining: "silvr", helpContains: "did you mean 'silver'?")
  }

  @Test func aChangeNamedByApprovalIsProposedNotMade() throws {
    let policy = try Self.compiled("  approval: { downgrades_from: [gold], upgrades_to: [gold] }")
    let gold = try Self.standing("gold", since: "2023-12-01", reviewed: "2024-03-01")
    let down = policy.lifecycleStep(
      before: gold, computed: "bronze", reviewNow: false, asOf: Self.date("2024-06-01"))
    #expect(down.outcome == .awaitingApproval && down.proposed == "bronze" && down.after.tier == "gold")
    #expect(!down.proposesUpgrade)
    let silver = try Self.standing("silver", since: "2023-12-01", reviewed: "2024-03-01")
    let up = policy.lifecycleStep(
      before: silver, computed: "gold", reviewNow: false, asOf: Self.date("2024-04-01"))
    #expect(up.outcome == .awaitingApproval && up.proposed == "gold" && up.after.tier == "silver")
    #expect(up.proposesUpgrade)
    // A downgrade out of silver is not named: it happens.
    let free = policy.lifecycleStep(
      before: silver, computed: "basic", reviewNow: false, asOf: Self.date("2024-09-01"))
    #expect(free.outcome == .downgraded && free.after.tier == "basic")
  }

  @Test func diffSaysWhichLifecycleRulesChanged() throws {
    let old = try Self.compiled("  grace_reviews: 1").checked
    let new = try Self.compiled("  grace_reviews: 2\n  downgrade_by: one_tier").checked
    let changes = PolicyDiff.changes(from: old, to: new).filter { $0.section == "lifecycle" }
    #expect(changes.map(\.subject) == ["downgrade_by", "grace_reviews"])
    #expect(changes.map(\.old) == ["to_computed", "1"] && changes.map(\.new) == ["one_tier", "2"])
    // A lifecycle added where there was none: every rule, defaults included.
    let plain = try #require(
      compilePolicy(policyText(inputs: "points: { type: int }", body: "let:\n  p: points\n"))
    ).checked
    let withRules = try #require(
      compilePolicy(
        policyText(
          inputs: "points: { type: int }", body: "let:\n  p: points\nlifecycle:\n  downgrades: at_once\n"))
    ).checked
    let added = PolicyDiff.changes(from: plain, to: withRules).filter { $0.section == "lifecycle" }
    #expect(added.count == 6 && added.allSatisfy { $0.kind == .added })
  }

  // MARK: - Steps

  @Test func aNewKeyGetsTheComputedTierAndIsReviewed() throws {
    let policy = try Self.compiled("  grace_reviews: 2")
    let step = policy.lifecycleStep(
      before: nil, computed: "silver", reviewNow: false, asOf: Self.date("2024-03-01"))
    #expect(step.outcome == .assigned && step.after.tier == "silver" && step.reviewed)
    #expect(step.after.since == (Self.date("2024-03-01")) && step.after.lastReview == step.after.since)
  }

  @Test func upgradesAtOnceOrAtTheReview() throws {
    let before = try Self.standing("silver", since: "2024-03-01", reviewed: "2024-03-01")
    let atOnce = try Self.compiled("  upgrades: at_once")
    let step = atOnce.lifecycleStep(
      before: before, computed: "gold", reviewNow: false, asOf: Self.date("2024-04-01"))
    #expect(
      step.outcome == .upgraded && step.after.tier == "gold" && step.after.since == (Self.date("2024-04-01")))

    // Silver is reviewed every 6 months: from 2024-03-01, on 2024-09-01.
    let atReview = try Self.compiled("  upgrades: at_review")
    let waiting = atReview.lifecycleStep(
      before: before, computed: "gold", reviewNow: false, asOf: Self.date("2024-08-31"))
    #expect(waiting.outcome == .upgradeAtReview && waiting.after.tier == "silver" && !waiting.reviewed)
    #expect(waiting.nextReview == (Self.date("2024-09-01")))
    let onTheDay = atReview.lifecycleStep(
      before: before, computed: "gold", reviewNow: false, asOf: Self.date("2024-09-01"))
    #expect(onTheDay.outcome == .upgraded && onTheDay.after.tier == "gold")
    // A review_now trigger brings the review forward.
    let triggered = atReview.lifecycleStep(
      before: before, computed: "gold", reviewNow: true, asOf: Self.date("2024-04-01"))
    #expect(triggered.outcome == .upgraded)
  }

  @Test func aDowngradeWaitsForTheReviewAndSaysWhen() throws {
    let policy = try Self.compiled("  downgrades: at_review")
    // Gold is reviewed every 3 months: last on 2024-03-01, next on 2024-06-01.
    let before = try Self.standing("gold", since: "2023-12-01", reviewed: "2024-03-01")
    let early = policy.lifecycleStep(
      before: before, computed: "bronze", reviewNow: false, asOf: Self.date("2024-05-31"))
    #expect(
      early.outcome == .downgradeAtReview && early.after.tier == "gold"
        && early.nextReview == (Self.date("2024-06-01")))
    #expect(early.after == before, "a run off the review date changes nothing")
    let due = policy.lifecycleStep(
      before: before, computed: "bronze", reviewNow: false, asOf: Self.date("2024-06-01"))
    #expect(due.outcome == .downgraded && due.after.tier == "bronze" && due.after.reviewsBelow == 0)
  }

  @Test func oneTierAtATimeFollowsTheTierOrder() throws {
    let before = try Self.standing("gold", since: "2023-12-01", reviewed: "2024-03-01")
    let best = try Self.compiled("  downgrade_by: one_tier")
    let step = best.lifecycleStep(
      before: before, computed: "basic", reviewNow: false, asOf: Self.date("2024-06-01"))
    #expect(step.outcome == .downgraded && step.after.tier == "silver" && step.computed == "basic")
    // Listed worst first, gold is the lowest rank: a drop from basic goes to bronze.
    let worst = try Self.compiled("  downgrade_by: one_tier", order: "tier_order: worst-first")
    let basic = try Self.standing("basic", since: "2023-12-01", reviewed: "2023-12-01")
    let down = worst.lifecycleStep(
      before: basic, computed: "gold", reviewNow: false, asOf: Self.date("2024-06-01"))
    #expect(down.outcome == .downgraded && down.after.tier == "bronze")
  }

  @Test func graceCountsReviewsBelowInARowAndStartsAgainAbove() throws {
    let policy = try Self.compiled("  grace_reviews: 2")
    var standing = try Self.standing("gold", since: "2023-01-01", reviewed: "2024-01-01")
    // 2024-04-01 and 2024-07-01 below: held; 2024-10-01 below the third time: down.
    for (asOf, expected) in [("2024-04-01", 1), ("2024-07-01", 2)] {
      let step = policy.lifecycleStep(
        before: standing, computed: "silver", reviewNow: false, asOf: Self.date(asOf))
      #expect(
        step.outcome == .heldByGrace && step.after.tier == "gold" && step.after.reviewsBelow == expected)
      #expect(step.after.lastReview == (Self.date(asOf)))
      standing = step.after
    }
    // Back at gold once: the count starts again.
    let above = policy.lifecycleStep(
      before: standing, computed: "gold", reviewNow: false, asOf: Self.date("2024-10-01"))
    #expect(above.outcome == .kept && above.after.reviewsBelow == 0)
    let third = policy.lifecycleStep(
      before: standing, computed: "silver", reviewNow: false, asOf: Self.date("2024-10-01"))
    #expect(
      third.outcome == .downgraded && third.after.tier == "silver"
        && third.after.since == (Self.date("2024-10-01")))
  }

  @Test func theMinimumStayHoldsADowngradeUntilItEnds() throws {
    let policy = try Self.compiled("  downgrades: at_once\n  minimum_stay: 3 months")
    let before = try Self.standing("gold", since: "2024-01-31", reviewed: "2024-01-31")
    // 2024-01-31 + 3 months is 2024-04-30 (the day clamped to April's end).
    let held = policy.lifecycleStep(
      before: before, computed: "silver", reviewNow: false, asOf: Self.date("2024-04-29"))
    #expect(held.outcome == .heldByMinimumStay && held.heldUntil == (Self.date("2024-04-30")))
    let free = policy.lifecycleStep(
      before: before, computed: "silver", reviewNow: false, asOf: Self.date("2024-04-30"))
    #expect(free.outcome == .downgraded && free.after.tier == "silver")
  }

  @Test func withoutALifecycleEveryRunAssignsTheComputedTier() throws {
    let policy = try #require(
      compilePolicy(
        policyText(
          inputs: "points: { type: int }",
          body:
            "tiers:\n  - { id: a, label: A, when: points > 1 }\n  - { id: b, label: B, otherwise: true }\n")))
    let before = TierStanding(tier: "a", since: Self.date("2024-01-01"), lastReview: nil)
    let step = policy.lifecycleStep(
      before: before, computed: "b", reviewNow: false, asOf: Self.date("2024-01-02"))
    #expect(step.outcome == .downgraded && step.after.tier == "b")
    let same = policy.lifecycleStep(
      before: step.after, computed: "b", reviewNow: false, asOf: Self.date("2024-01-03"))
    #expect(same.outcome == .kept && same.after.since == (Self.date("2024-01-02")))
  }
}
