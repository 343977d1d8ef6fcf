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

  /// A cell per (before, after) pair, darker for more records, its count written in; the
  /// diagonal (no move) in grey so that the moves stand out.
  func migrationHeatMap(_ impact: ImpactReport) -> String {
    let tiers = impact.tiers
    let cell = 56
    let (left, top) = (110, 60)
    let width = left + cell * tiers.count + 20
    let height = top + cell * tiers.count + 20
    let largest = max(
      1,
      tiers.flatMap { from in tiers.filter { $0 != from }.map { impact.matrix[from]?[$0] ?? 0 } }.max() ?? 1)
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" \(TierReportHTML.svgFont) width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" role="img" aria-labelledby="moves-title moves-desc">
      <title id="moves-title">Migration matrix</title>
      <desc id="moves-desc">Rows are the tier before the change, columns the tier after; each cell holds how many records moved that way, darker blue for more; the diagonal, records that kept their tier, is grey.</desc>
      <text x="\(left + cell * tiers.count / 2)" y="16" text-anchor="middle">after</text>
      <text x="14" y="\(top + cell * tiers.count / 2)" text-anchor="middle" transform="rotate(-90 14 \(top + cell * tiers.count / 2))">before</text>

      """
    for (column, tier) in tiers.enumerated() {
      svg +=
        "<text x=\"\(left + column * cell + cell / 2)\" y=\"\(top - 10)\" text-anchor=\"middle\">\(TierReportHTML.escape(tier))</text>\n"
    }
    for (row, from) in tiers.enumerated() {
      svg +=
        "<text x=\"\(left - 8)\" y=\"\(top + row * cell + cell / 2 + 4)\" text-anchor=\"end\">\(TierReportHTML.escape(from))</text>\n"
      for (column, to) in tiers.enumerated() {
        let count = impact.matrix[from]?[to] ?? 0
        // White to the palette's blue, #0072B2, by share of the largest move.
        let share = from == to ? 0 : Double(count) / Double(largest)
        let fill =
          from == to
          ? "#e6e6e6"
          : "rgb(\(255 - Int(share * 255)),\(255 - Int(share * 141)),\(255 - Int(share * 77)))"
        let ink = share > 0.55 ? "#ffffff" : "#1a1a1a"
        svg += """
          <rect x="\(left + column * cell)" y="\(top + row * cell)" width="\(cell - 2)" height="\(cell - 2)" fill="\(fill)"><title>\(TierReportHTML.escape(from)) → \(TierReportHTML.escape(to)): \(count)</title></rect>
          <text x="\(left + column * cell + cell / 2 - 1)" y="\(top + row * cell + cell / 2 + 4)" text-anchor="middle" style="fill: \(ink)">\(count)</text>

          """
      }
    }
    return svg + "</svg>\n"
  }
}
