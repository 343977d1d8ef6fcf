/// ``TierReport`` as one self-contained HTML page: no script, no request leaves the file (styles
/// inline, charts as inline SVG drawn here), so it works mailed or opened from disk. Every chart
/// has a title, axis labels, a description, and its numbers in a table beside it; tiers are told
/// apart by colours from the Okabe–Ito palette, which colour-blind readers can tell apart, and by
/// their labels written on the bars.
public enum TierReportHTML {
  /// Set on every chart, so that a chart saved as a file of its own reads as it does in the page.
  static let svgFont =
    #"font-family="system-ui, 'Noto Sans CJK SC', 'WenQuanYi Zen Hei', sans-serif" font-size="12""#

  static let palette = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
  ]

  public static func render(_ report: TierReport) -> String {
    let identity = report.identity
    let heading = identity.title.isEmpty ? identity.policy : identity.title
    var page = pageStart(title: "\(heading) · \(identity.asOf)")
    page += """
      <h1>\(escape(heading))</h1>
      <p class="identity">Policy <code>\(escape(identity.policy))</code> version \(escape(identity.version)) · sha256 <code>\(escape(identity.sha256))</code> · as of \(escape(identity.asOf)) · \(report.read) records read, \(report.decided) decided, \(report.rejected) rejected</p>

      """
    page += tierSection(report)
    if report.hasScore { page += scoreSection(report) }
    page += cutOffSection(report)
    let tierNames = TierReportText.tierNames(report)
    page += chartSection(
      "Average contribution to the score, by tier", chart: componentsChart(report),
      header: ["component"] + tierNames,
      rows: report.components.map { component in
        [component.name] + component.averages.map { $0?.description ?? "—" }
      }, empty: report.hasScore ? nil : "The policy has no score.")
    page += chartSection(
      "Triggers fired, by tier", chart: triggersChart(report), header: ["trigger"] + tierNames,
      rows: report.triggers.map { [$0.id] + $0.counts.map(String.init) }, empty: "The policy has no triggers."
    )
    page += chartSection(
      "Rejected records, by field and reason", chart: rejectionsChart(report),
      header: ["field", "reason", "records"],
      rows: report.rejections.map { [$0.field ?? "—", $0.reason, String($0.count)] }, numbersFrom: 2,
      empty: "None.")
    page += "</body>\n</html>\n"
    return page
  }

  /// Every chart of the page as an SVG document of its own, by name (`tiers`, `scores`,
  /// `components`, `triggers`, `rejections`), with its title: the files the markdown form links.
  public static func charts(_ report: TierReport) -> [(name: String, title: String, svg: String)] {
    var charts: [(String, String, String)] = [("tiers", "Customers per tier", tierChart(report))]
    if report.hasScore, let scores = scoreChart(report) {
      charts.append(("scores", "Score distribution", scores))
    }
    if !report.components.isEmpty {
      charts.append(("components", "Average contribution to the score, by tier", componentsChart(report)))
    }
    if !report.triggers.isEmpty {
      charts.append(("triggers", "Triggers fired, by tier", triggersChart(report)))
    }
    if !report.rejections.isEmpty {
      charts.append(("rejections", "Rejected records, by field and reason", rejectionsChart(report)))
    }
    for (index, cutOffs) in report.cutOffs.enumerated() {
      charts.append(("cut-offs-\(index + 1)", cutOffTitle(cutOffs), cutOffChart(cutOffs, index)))
    }
    return charts
  }

  static func cutOffTitle(_ cutOffs: TierReport.CutOffs) -> String { "\(cutOffs.call): customers per class" }

  /// Each population function's classes: a bar per class with its count, the class's lowest and
  /// highest argument value in its label, and the numbers in a table beside it.
  private static func cutOffSection(_ report: TierReport) -> String {
    guard !report.cutOffs.isEmpty else { return "" }
    var html = "<h2>Population cut-offs</h2>\n"
    for (index, cutOffs) in report.cutOffs.enumerated() {
      html +=
        "<h3>\(escape(cutOffTitle(cutOffs)))</h3>\n<div class=\"chart\">\n\(cutOffChart(cutOffs, index))"
      html += table(
        header: ["class", "customers", "lowest", "highest"],
        rows: cutOffs.classes.map { [$0.name, String($0.count), $0.lowest, $0.highest] }, numeric: [1, 2, 3])
      html += "</div>\n"
      if cutOffs.unranked > 0 {
        html +=
          "<p>\(cutOffs.unranked) decided record\(cutOffs.unranked == 1 ? "" : "s") not ranked: the argument is missing.</p>\n"
      }
    }
    return html
  }

  private static func cutOffChart(_ cutOffs: TierReport.CutOffs, _ index: Int) -> String {
    groupedBars(
      id: "cut-offs-\(index + 1)", title: cutOffTitle(cutOffs),
      description:
        "One bar per class of \(cutOffs.call): how many customers it holds, with the lowest and highest value ranked into it",
      axis: "customers", series: ["customers"],
      rows: cutOffs.classes.map {
        ("\($0.name): \($0.lowest) – \($0.highest)", [Double($0.count)], [String($0.count)])
      })
  }

  private static func componentsChart(_ report: TierReport) -> String {
    groupedBars(
      id: "components", title: "Average contribution to the score, by tier",
      description:
        "For each score component, one bar per tier: the tier's customers' average of weight × points",
      axis: "points contributed", series: TierReportText.tierNames(report),
      rows: report.components.map { component in
        (
          component.name, component.averages.map { $0.map(number) ?? 0 },
          component.averages.map { $0?.description ?? "—" }
        )
      })
  }

  private static func triggersChart(_ report: TierReport) -> String {
    groupedBars(
      id: "triggers", title: "Triggers fired, by tier",
      description: "For each trigger, one bar per tier: how many of the tier's customers it fired for",
      axis: "customers", series: TierReportText.tierNames(report),
      rows: report.triggers.map { ($0.id, $0.counts.map(Double.init), $0.counts.map(String.init)) })
  }

  private static func rejectionsChart(_ report: TierReport) -> String {
    groupedBars(
      id: "rejections", title: "Rejected records, by field and reason",
      description: "One bar per field and reason: how many records were rejected for it", axis: "records",
      series: ["rejected records"],
      rows: report.rejections.map {
        ("\($0.field ?? "—"): \($0.reason)", [Double($0.count)], [String($0.count)])
      })
  }

  /// The page up to its body's first element: the title, and the styles every report shares.
  static func pageStart(title: String) -> String {
    """
    <!DOCTYPE html>
    <html lang="zh-Hans-CN">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>\(escape(title))</title>
    <style>
    body { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "WenQuanYi Zen Hei", sans-serif; margin: 2rem auto; max-width: 60rem; color: #1a1a1a; }
    h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2.5rem; }
    .chart { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
    table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
    th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; }
    td.n, th.n { text-align: right; }
    .identity { color: #555; font-size: 0.9rem; }
    svg text { font-size: 12px; fill: #1a1a1a; }
    </style>
    </head>
    <body>

    """
  }

  // MARK: - Sections

  private static func tierSection(_ report: TierReport) -> String {
    let table = table(
      header: ["tier", "label", "customers", "share"],
      rows: report.tiers.map {
        [$0.id ?? "—", $0.label, String($0.count), TierReportText.share($0.count, of: report.decided)]
      }, numeric: [2, 3])
    return "<h2>Customers per tier</h2>\n<div class=\"chart\">\n\(tierChart(report))\(table)</div>\n"
  }

  private static func tierChart(_ report: TierReport) -> String {
    let rowHeight = 30
    let labelWidth = 170
    let barSpace = 330
    let width = labelWidth + barSpace + 110
    let height = rowHeight * max(1, report.tiers.count) + 40
    let largest = max(1, report.tiers.map(\.count).max() ?? 1)
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" \(svgFont) width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" role="img" aria-labelledby="tiers-title tiers-desc">
      <title id="tiers-title">Customers per tier</title>
      <desc id="tiers-desc">A horizontal bar per tier, its length the number of customers the tier holds; \(escape(report.tiers.map { "\($0.label): \($0.count)" }.joined(separator: ", ")))</desc>

      """
    for (index, tier) in report.tiers.enumerated() {
      let y = 10 + index * rowHeight
      let length = Int((Double(tier.count) / Double(largest) * Double(barSpace)).rounded())
      let colour = tier.id == nil ? "#999999" : palette[index % palette.count]
      svg += """
        <text x="\(labelWidth - 8)" y="\(y + 19)" text-anchor="end">\(escape(tier.label))</text>
        <rect x="\(labelWidth)" y="\(y + 4)" width="\(max(length, 1))" height="\(rowHeight - 10)" fill="\(colour)"><title>\(escape(tier.label)): \(tier.count)</title></rect>
        <text x="\(labelWidth + length + 6)" y="\(y + 19)">\(tier.count) (\(TierReportText.share(tier.count, of: report.decided)))</text>

        """
    }
    let axisY = 10 + report.tiers.count * rowHeight + 16
    svg += """
      <text x="\(labelWidth + barSpace / 2)" y="\(axisY)" text-anchor="middle">customers</text>
      </svg>

      """
    return svg
  }

  private static func scoreSection(_ report: TierReport) -> String {
    guard let svg = scoreChart(report) else {
      return "<h2>Score distribution</h2>\n<p>No record was decided.</p>\n"
    }
    let binTable = table(
      header: ["score from", "to", "customers"],
      rows: report.scoreBins.map { [$0.lower.description, $0.upper.description, String($0.count)] },
      numeric: [0, 1, 2])
    let lineTable = table(
      header: ["tier line", "score", "within one point below", "at or within one point above"],
      rows: report.thresholds.map {
        [$0.tier, $0.value.description, String($0.justBelow), String($0.atOrJustAbove)]
      }, numeric: [1, 2, 3])
    return "<h2>Score distribution</h2>\n<div class=\"chart\">\n\(svg)\(binTable)</div>\n"
      + "<h2>Customers near each tier line</h2>\n\(lineTable)"
  }

  /// The histogram of scores with the tiers' lines; `nil` when no record was decided.
  private static func scoreChart(_ report: TierReport) -> String? {
    let bins = report.scoreBins
    guard let first = bins.first, let last = bins.last else { return nil }
    let (left, top, plotWidth, plotHeight) = (50, 20, 520, 200)
    let width = left + plotWidth + 30
    let height = top + plotHeight + 50
    let low = number(first.lower)
    let high = number(last.upper)
    let largest = max(1, bins.map(\.count).max() ?? 1)
    func x(_ value: Double) -> Int {
      left + Int(((value - low) / max(high - low, 1e-9) * Double(plotWidth)).rounded())
    }
    func y(_ count: Int) -> Int {
      top + plotHeight - Int((Double(count) / Double(largest) * Double(plotHeight)).rounded())
    }
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" \(svgFont) width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" role="img" aria-labelledby="score-title score-desc">
      <title id="score-title">Score distribution</title>
      <desc id="score-desc">A histogram of the decided records' scores from \(first.lower) to \(last.upper), \(bins.count) bins; dashed lines mark the tiers' score thresholds: \(escape(report.thresholds.map { "\($0.tier) at \($0.value)" }.joined(separator: ", ")))</desc>
      <line x1="\(left)" y1="\(top + plotHeight)" x2="\(left + plotWidth)" y2="\(top + plotHeight)" stroke="#1a1a1a"/>
      <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(top + plotHeight)" stroke="#1a1a1a"/>
      <text x="\(left - 6)" y="\(top + 4)" text-anchor="end">\(largest)</text>
      <text x="\(left - 6)" y="\(top + plotHeight + 4)" text-anchor="end">0</text>
      <text x="\(left + plotWidth / 2)" y="\(top + plotHeight + 40)" text-anchor="middle">score</text>
      <text x="14" y="\(top + plotHeight / 2)" text-anchor="middle" transform="rotate(-90 14 \(top + plotHeight / 2))">customers</text>

      """
    for bin in bins {
      let (x0, x1) = (x(number(bin.lower)), x(number(bin.upper)))
      svg += """
        <rect x="\(x0)" y="\(y(bin.count))" width="\(max(1, x1 - x0 - 1))" height="\(top + plotHeight - y(bin.count))" fill="#56B4E9"><title>\(bin.lower)–\(bin.upper): \(bin.count)</title></rect>

        """
    }
    svg += """
      <text x="\(left)" y="\(top + plotHeight + 18)" text-anchor="middle">\(first.lower)</text>
      <text x="\(left + plotWidth)" y="\(top + plotHeight + 18)" text-anchor="middle">\(last.upper)</text>

      """
    for line in report.thresholds {
      let position = x(number(line.value))
      svg += """
        <line x1="\(position)" y1="\(top)" x2="\(position)" y2="\(top + plotHeight)" stroke="#D55E00" stroke-width="2" stroke-dasharray="6 4"/>
        <text x="\(position + 4)" y="\(top + 12)">\(escape(line.tier)) ≥ \(line.value)</text>

        """
    }
    svg += "</svg>\n"
    return svg
  }

  /// A titled chart with its numbers in a table beside it; every column from `numbersFrom` on
  /// holds numbers. Without rows, `empty` says why.
  private static func chartSection(
    _ title: String, chart: String, header: [String], rows: [[String]], numbersFrom: Int = 1, empty: String?
  ) -> String {
    guard !rows.isEmpty else { return "<h2>\(escape(title))</h2>\n<p>\(escape(empty ?? "None."))</p>\n" }
    return "<h2>\(escape(title))</h2>\n<div class=\"chart\">\n\(chart)"
      + table(header: header, rows: rows, numeric: Set(numbersFrom..<max(numbersFrom, header.count)))
      + "</div>\n"
  }

  /// Horizontal bars in groups: a group per row (a component, a trigger, a reason), a bar per
  /// series (a tier) in the series' colour, its value written at its end; a legend for more than
  /// one series.
  static func groupedBars(
    id: String, title: String, description: String, axis: String, series: [String],
    rows: [(label: String, values: [Double], texts: [String])]
  ) -> String {
    let barHeight = 14
    let labelWidth = 220
    let barSpace = 300
    let legendHeight = series.count > 1 ? 22 : 0
    let groupHeight = barHeight * max(1, series.count) + 10
    let width = labelWidth + barSpace + 80
    let height = legendHeight + groupHeight * max(1, rows.count) + 34
    let largest = max(1e-9, rows.flatMap(\.values).max() ?? 1)
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" \(svgFont) width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" role="img" aria-labelledby="\(id)-title \(id)-desc">
      <title id="\(id)-title">\(escape(title))</title>
      <desc id="\(id)-desc">\(escape(description)).</desc>

      """
    if series.count > 1 {
      for (index, name) in series.enumerated() {
        let x = labelWidth + index * 90
        svg += """
          <rect x="\(x)" y="4" width="12" height="12" fill="\(palette[index % palette.count])"/>
          <text x="\(x + 16)" y="14">\(escape(name))</text>

          """
      }
    }
    for (group, row) in rows.enumerated() {
      let top = legendHeight + group * groupHeight + 6
      svg += """
        <text x="\(labelWidth - 8)" y="\(top + groupHeight / 2)" text-anchor="end">\(escape(truncated(row.label)))</text>

        """
      for (index, value) in row.values.enumerated() {
        let y = top + index * barHeight
        let length = Int((max(0, value) / largest * Double(barSpace)).rounded())
        let text = index < row.texts.count ? row.texts[index] : ""
        let name = index < series.count ? series[index] : ""
        svg += """
          <rect x="\(labelWidth)" y="\(y)" width="\(max(length, 1))" height="\(barHeight - 2)" fill="\(palette[index % palette.count])"><title>\(escape(row.label)), \(escape(name)): \(escape(text))</title></rect>
          <text x="\(labelWidth + length + 4)" y="\(y + barHeight - 4)">\(escape(text))</text>

          """
      }
    }
    svg += """
      <text x="\(labelWidth + barSpace / 2)" y="\(height - 8)" text-anchor="middle">\(escape(axis))</text>
      </svg>

      """
    return svg
  }

  /// A label short enough for a chart's margin (the table beside it has it whole).
  private static func truncated(_ label: String) -> String {
    label.count <= 30 ? label : String(label.prefix(29)) + "…"
  }

  // MARK: - Parts

  /// A square of cells, a row and a column per label (before and after): each cell's count
  /// written in it, darker for more; the diagonal (no move) grey, so that the moves stand out.
  static func heatMap(
    id: String, title: String, description: String, labels: [String], count: (Int, Int) -> Int
  ) -> String {
    let cell = 56
    let (left, top) = (110, 60)
    let size = cell * labels.count
    let width = left + size + 20
    let height = top + size + 20
    var largest = 1
    for row in labels.indices {
      for column in labels.indices where row != column { largest = max(largest, count(row, column)) }
    }
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" \(svgFont) width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" role="img" aria-labelledby="\(id)-title \(id)-desc">
      <title id="\(id)-title">\(escape(title))</title>
      <desc id="\(id)-desc">\(escape(description)).</desc>
      <text x="\(left + size / 2)" y="16" text-anchor="middle">after</text>
      <text x="14" y="\(top + size / 2)" text-anchor="middle" transform="rotate(-90 14 \(top + size / 2))">before</text>

      """
    for (column, label) in labels.enumerated() {
      svg +=
        "<text x=\"\(left + column * cell + cell / 2)\" y=\"\(top - 10)\" text-anchor=\"middle\">\(escape(label))</text>\n"
    }
    for (row, from) in labels.enumerated() {
      svg +=
        "<text x=\"\(left - 8)\" y=\"\(top + row * cell + cell / 2 + 4)\" text-anchor=\"end\">\(escape(from))</text>\n"
      for (column, to) in labels.enumerated() {
        let number = count(row, column)
        // White to the palette's blue, #0072B2, by share of the largest move.
        let share = row == column ? 0 : Double(number) / Double(largest)
        let fill =
          row == column
          ? "#e6e6e6"
          : "rgb(\(255 - Int(share * 255)),\(255 - Int(share * 141)),\(255 - Int(share * 77)))"
        let ink = share > 0.55 ? "#ffffff" : "#1a1a1a"
        svg += """
          <rect x="\(left + column * cell)" y="\(top + row * cell)" width="\(cell - 2)" height="\(cell - 2)" fill="\(fill)"><title>\(escape(from)) → \(escape(to)): \(number)</title></rect>
          <text x="\(left + column * cell + cell / 2 - 1)" y="\(top + row * cell + cell / 2 + 4)" text-anchor="middle" style="fill: \(ink)">\(number)</text>

          """
      }
    }
    return svg + "</svg>\n"
  }

  static func table(header: [String], rows: [[String]], numeric: Set<Int>) -> String {
    var html = "<table>\n<thead><tr>"
    for (index, name) in header.enumerated() {
      html += "<th scope=\"col\"\(numeric.contains(index) ? " class=\"n\"" : "")>\(escape(name))</th>"
    }
    html += "</tr></thead>\n<tbody>\n"
    for row in rows {
      html += "<tr>"
      for (index, value) in row.enumerated() {
        html += "<td\(numeric.contains(index) ? " class=\"n\"" : "")>\(escape(value))</td>"
      }
      html += "</tr>\n"
    }
    return html + "</tbody>\n</table>\n"
  }

  /// ``MarkupText/escaped(_:)``, by a short name: the page calls it for every text it writes.
  static func escape(_ text: String) -> String { MarkupText.escaped(text) }

  private static func number(_ value: FixedDecimal) -> Double { Double(value.description) ?? 0 }
}
