/// ``DiffReport`` as one self-contained HTML page (as ``TierReportHTML``): the policy's changes,
/// the migration matrix as a heat map with its counts written in, and the biggest movers with
/// their reasons. No script, no request.
extension DiffReport {
  public func renderHTML() -> String {
    typealias Page = TierReportHTML
    let title = "Policy \(new.id): \(old.version) → \(new.version)"
    var page = Page.pageStart(title: title)
    page += "<h1>\(Page.escape(title))</h1>\n"
    page += "<h2>Changes to the rules</h2>\n"
    page +=
      changes.isEmpty
      ? "<p>No changes in the policy's rules.</p>\n"
      : Page.table(
        header: ["section", "what", "change"],
        rows: changes.map { ["\($0.section)", $0.subject, changeText($0)] }, numeric: [])
    guard let impact else { return page + "</body>\n</html>\n" }
    page += "<h2>Impact on \(Page.escape(recordsName ?? "records")) (as of \(impact.asOf))</h2>\n"
    page +=
      "<p>\(impact.movedCount) of \(impact.evaluated) \(Page.escape(record))s change tier (\(Self.percent(impact.movedCount, of: impact.evaluated))), \(impact.downgradedCount) downgraded\(impact.rejected > 0 ? "; \(impact.rejected) rejected by either version" : "").</p>\n"
    page += "<div class=\"chart\">\n" + migrationHeatMap(impact)
    page += Page.table(
      header: ["before \\ after"] + impact.tiers,
      rows: impact.tiers.map { from in [from] + impact.tiers.map { String(impact.matrix[from]?[$0] ?? 0) } },
      numeric: Set(1...max(1, impact.tiers.count)))
    page += "</div>\n"
    if !impact.moves.isEmpty {
      page +=
        "<h2>Movers\(shownMoves.count < impact.moves.count ? ", the first \(shownMoves.count)" : "")</h2>\n"
      page += Page.table(
        header: [record, "before", "after", "direction", "why"],
        rows: shownMoves.map {
          [$0.key, $0.from ?? "none", $0.to ?? "none", $0.isDowngrade ? "down" : "up", $0.reason]
        }, numeric: [])
    }
    return page + "</body>\n</html>\n"
  }

  /// The migration matrix as ``TierReportHTML/heatMap(id:title:description:labels:count:)`` draws it.
  func migrationHeatMap(_ impact: ImpactReport) -> String {
    let tiers = impact.tiers
    return TierReportHTML.heatMap(
      id: "moves", title: "Migration matrix",
      description:
        "Rows are the tier before the change, columns the tier after; each cell holds how many records moved that way, darker blue for more; the diagonal, records that kept their tier, is grey",
      labels: tiers, count: { impact.matrix[tiers[$0]]?[tiers[$1]] ?? 0 })
  }
}
