/// Where a key stands before a run: the tier in force and since when, its last review, and how
/// many reviews in a row have found it below that tier.
public struct TierStanding: Sendable, Hashable {
  public var tier: String?
  public var since: CivilDate
  public var lastReview: CivilDate?
  public var reviewsBelow: Int

  public init(tier: String?, since: CivilDate, lastReview: CivilDate?, reviewsBelow: Int = 0) {
    self.tier = tier
    self.since = since
    self.lastReview = lastReview
    self.reviewsBelow = reviewsBelow
  }
}

/// What a policy's `lifecycle:` rules make of one key's computed tier at one run.
public struct LifecycleStep: Sendable, Hashable {
  public enum Outcome: String, Sendable, Hashable, CaseIterable {
    /// A key the ledger had not seen: the computed tier, at once.
    case assigned
    /// The computed tier is the tier in force.
    case kept
    case upgraded
    case downgraded
    /// A better tier is computed; it takes effect at the next review.
    case upgradeAtReview = "upgrade-at-review"
    /// A worse tier is computed; the customer drops at the next review unless something changes.
    case downgradeAtReview = "downgrade-at-review"
    /// Below its tier at a review, within `grace_reviews`.
    case heldByGrace = "held-by-grace"
    /// Below its tier at a review, in the tier for less than `minimum_stay`.
    case heldByMinimumStay = "held-by-minimum-stay"
    /// A change that waits for a second person's approval (`approval:`): `proposed`.
    case awaitingApproval = "awaiting-approval"
  }

  public var outcome: Outcome
  /// The tier the policy computes for the record.
  public var computed: String?
  /// The standing after the run.
  public var after: TierStanding
  /// True when this run reviewed the key (a review date or trigger, its first run, or a change).
  public var reviewed: Bool
  /// For a change that waits: the review it waits for.
  public var nextReview: CivilDate?
  /// For a downgrade held by the minimum stay: the first day it may happen.
  public var heldUntil: CivilDate?
  /// For a change awaiting approval: the tier it would move to, and whether that is up.
  public var proposed: String?
  public var proposesUpgrade = false

  /// True when the tier in force changed.
  public var changesTier: Bool { outcome == .assigned || outcome == .upgraded || outcome == .downgraded }
}

extension CompiledPolicy {
  /// The lifecycle's step for a key standing at `before` (`nil`: new to the ledger) whose record
  /// computes `computed` on `asOf`; `reviewNow` when a `review_now` trigger fired. Without a
  /// `lifecycle:` section every run reviews and assigns the computed tier at once.
  public func lifecycleStep(
    before: TierStanding?, computed: String?, reviewNow: Bool, asOf: CivilDate
  ) -> LifecycleStep {
    let rules = checked.lifecycle
    func step(_ outcome: LifecycleStep.Outcome, tier: String?, reviewed: Bool, below: Int = 0)
      -> LifecycleStep
    {
      let changed = tier != before?.tier || before == nil
      let after = TierStanding(
        tier: tier, since: changed ? asOf : before?.since ?? asOf,
        lastReview: reviewed ? asOf : before?.lastReview, reviewsBelow: below)
      return LifecycleStep(outcome: outcome, computed: computed, after: after, reviewed: reviewed)
    }
    guard let before else { return step(.assigned, tier: computed, reviewed: true) }
    let tiers = checked.tiers
    let index = { (id: String?) in id.flatMap { id in tiers.firstIndex { $0.id == id } } }
    let nextReview = before.lastReview.flatMap { last in
      index(before.tier).flatMap { checked.review.intervals[$0] }.flatMap { last.adding($0) }
    }
    let due = reviewNow || before.lastReview == nil || (nextReview.map { $0 <= asOf } ?? false)
    let (heldIndex, computedIndex) = (index(before.tier), index(computed))
    if computed == before.tier {
      // Not below at a review: the grace count starts again.
      return step(.kept, tier: computed, reviewed: due || rules == nil, below: due ? 0 : before.reviewsBelow)
    }
    // A tier in force that the policy no longer has, or no tier on either side: the computed
    // tier, at once.
    guard let heldIndex, let computedIndex else { return step(.assigned, tier: computed, reviewed: true) }
    let isUpgrade = checked.rank(ofTierAt: computedIndex) < checked.rank(ofTierAt: heldIndex)
    guard let rules else { return step(isUpgrade ? .upgraded : .downgraded, tier: computed, reviewed: true) }
    /// A change the rules allow, or, where `approval:` names it, the same change proposed.
    func change(_ outcome: LifecycleStep.Outcome, to target: String?, below: Int) -> LifecycleStep {
      let needsApproval =
        outcome == .upgraded
        ? target.map(rules.approvalUpgradesTo.contains) ?? false
        : before.tier.map(rules.approvalDowngradesFrom.contains) ?? false
      guard needsApproval else { return step(outcome, tier: target, reviewed: true) }
      var waiting = step(.awaitingApproval, tier: before.tier, reviewed: true, below: below)
      waiting.proposed = target
      waiting.proposesUpgrade = outcome == .upgraded
      return waiting
    }
    if isUpgrade {
      if rules.upgrades == .atOnce || due { return change(.upgraded, to: computed, below: 0) }
      var waiting = step(.upgradeAtReview, tier: before.tier, reviewed: false, below: before.reviewsBelow)
      waiting.nextReview = nextReview
      return waiting
    }
    if rules.downgrades == .atReview && !due {
      var waiting = step(.downgradeAtReview, tier: before.tier, reviewed: false, below: before.reviewsBelow)
      waiting.nextReview = nextReview
      return waiting
    }
    let below = before.reviewsBelow + 1
    if let stay = rules.minimumStay, let earliest = before.since.adding(stay), asOf < earliest {
      var held = step(.heldByMinimumStay, tier: before.tier, reviewed: true, below: below)
      held.heldUntil = earliest
      return held
    }
    if below <= rules.graceReviews {
      return step(.heldByGrace, tier: before.tier, reviewed: true, below: below)
    }
    var target = computedIndex
    if rules.downgradeBy == .oneTier {
      let oneDown = checked.rank(ofTierAt: heldIndex) + 1
      target = checked.tiers.indices.first { checked.rank(ofTierAt: $0) == oneDown } ?? computedIndex
    }
    return change(.downgraded, to: checked.tiers[target].id, below: below)
  }
}
