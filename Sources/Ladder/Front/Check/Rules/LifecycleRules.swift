/// The `lifecycle:` section: its defaults, and the review cadence it needs.
extension CheckRun {
  mutating func checkLifecycle(review: CheckedReview) -> CheckedLifecycle? {
    guard let syntax = syntax.lifecycle else { return nil }
    var lifecycle = CheckedLifecycle()
    lifecycle.upgrades = syntax.upgrades?.value ?? lifecycle.upgrades
    lifecycle.downgrades = syntax.downgrades?.value ?? lifecycle.downgrades
    lifecycle.downgradeBy = syntax.downgradeBy?.value ?? lifecycle.downgradeBy
    lifecycle.graceReviews = syntax.graceReviews?.value ?? lifecycle.graceReviews
    lifecycle.minimumStay = syntax.minimumStay?.value
    let ids = self.syntax.tiers.compactMap { $0.id?.value }
    for (list, key) in [
      (syntax.approvalDowngradesFrom, "downgrades_from"), (syntax.approvalUpgradesTo, "upgrades_to"),
    ] {
      for tier in list where !ids.contains(tier.value) {
        report(
          Diagnostic(
            .unknownTier, "approval.\(key) names unknown tier '\(tier.value)'", at: tier.span,
            help: Suggestions.help(for: tier.value, candidates: ids, kind: "the tiers")))
      }
    }
    lifecycle.approvalDowngradesFrom = Set(syntax.approvalDowngradesFrom.map(\.value))
    lifecycle.approvalUpgradesTo = Set(syntax.approvalUpgradesTo.map(\.value))
    // A change that waits for the review date needs a date to wait for.
    let waits = [(lifecycle.upgrades, syntax.upgrades), (lifecycle.downgrades, syntax.downgrades)]
      .filter { $0.0 == .atReview }
    if let (_, written) = waits.first, review.intervals.allSatisfy({ $0 == nil }) {
      report(
        Diagnostic(
          .missingReviewCadence,
          "the lifecycle changes tiers at their reviews, but the policy has no review cadence",
          at: written?.span ?? syntax.keySpan,
          help: written == nil
            ? "downgrades wait for the review unless you write 'downgrades: at_once'; or add 'review: { every: 6 months }'"
            : "add 'review: { every: 6 months }' (or a cadence per tier), or change at once: 'at_once'"))
    }
    return lifecycle
  }
}
