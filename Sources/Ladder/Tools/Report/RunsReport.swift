/// A range of the ledger's runs as their owners look at them month by month (issue 16): how many
/// customers held each tier after each run, and who moved between consecutive runs. Built by the
/// ledger (`ladder ledger report`); rendered here as HTML, markdown and JSON, which show the same
/// numbers. Customers are counted, never listed.
public struct RunsReport: Sendable, Equatable {
  public struct Run: Sendable, Equatable {
    public var id: Int64
    public var asOf: String
    public var policy: String
    public var version: String
    public var evaluated: Int
    public var rejected: Int
    /// Customers per category (``RunsReport/categories``) after the run; 0 for `not in run`.
    public var counts: [Int]

    public init(
      id: Int64, asOf: String, policy: String, version: String, evaluated: Int, rejected: Int, counts: [Int]
    ) {
      (self.id, self.asOf, self.policy, self.version) = (id, asOf, policy, version)
      (self.evaluated, self.rejected, self.counts) = (evaluated, rejected, counts)
    }
  }

  /// Between two consecutive runs: `moves[from][to]` customers went from category `from` after
  /// the first to `to` after the second (``RunsReport/categories``; the last, `not in run`, for a
  /// customer one of the runs did not decide).
  public struct Flow: Sendable, Equatable {
    public var from: Int64
    public var to: Int64
    public var moves: [[Int]]

    public init(from: Int64, to: Int64, moves: [[Int]]) {
      (self.from, self.to, self.moves) = (from, to, moves)
    }

    /// Customers whose category changed (joining or leaving the runs included).
    public var moved: Int {
      moves.indices.reduce(0) { sum, row in
        sum + moves[row].indices.reduce(0) { $0 + (row == $1 ? 0 : moves[row][$1]) }
      }
    }
  }

  /// Where the runs came from (the ledger file's name), for the page's title.
  public var ledger: String
  /// The tiers in the latest run's policy order (labels where it has them), then tiers only older
  /// policies had, then `no tier` when a customer held none, then `not in run`.
  public var categories: [String]
  public var runs: [Run]
  public var flows: [Flow]

  public init(ledger: String, categories: [String], runs: [Run], flows: [Flow]) {
    (self.ledger, self.categories, self.runs, self.flows) = (ledger, categories, runs, flows)
  }

  /// The categories a run's customers hold: all but `not in run`.
  var held: [String] { Array(categories.dropLast()) }
}

// MARK: - HTML

extension RunsReport {
  public func renderHTML() -> String {
    typealias Page = TierReportHTML
    let title = "Tiers over time · \(ledger)"
    var page = Page.pageStart(title: title)
    page += "<h1>\(Page.escape(title))</h1>\n"
    guard let first = runs.first, let last = runs.last else {
      return page + "<p>The ledger holds no run in this range.</p>\n</body>\n</html>\n"
    }
    page +=
      "<p class=\"identity\">Runs \(first.id) to \(last.id) · as of \(Page.escape(first.asOf)) to \(Page.escape(last.asOf)) · the tier in force after each run (the policy's lifecycle; overrides are not counted)</p>\n"
    page += "<h2>Customers per tier, run by run</h2>\n<div class=\"chart\">\n" + countsChart()
    page += Page.table(
      header: ["run", "as of", "policy"] + held + ["rejected"], rows: countRows(),
      numeric: Set(3..<(4 + held.count)))
    page += "</div>\n"
    for (index, flow) in flows.enumerated() {
      page += "<h2>\(Page.escape(flowTitle(flow)))</h2>\n"
      page += "<p>\(flow.moved) customer\(flow.moved == 1 ? "" : "s") changed tier, joined or left.</p>\n"
      page += "<div class=\"chart\">\n"
      page += Page.heatMap(
        id: "flow-\(index + 1)", title: flowTitle(flow),
        description:
          "Rows are the tier after run \(flow.from), columns the tier after run \(flow.to); each cell holds how many customers moved that way, darker blue for more; the diagonal, customers who kept their tier, is grey",
        labels: categories, count: { flow.moves[$0][$1] })
      page += Page.table(
        header: ["run \(flow.from) \\ run \(flow.to)"] + categories,
        rows: categories.indices.map { row in [categories[row]] + flow.moves[row].map(String.init) },
        numeric: Set(1...categories.count))
      page += "</div>\n"
    }
    return page + "</body>\n</html>\n"
  }

  /// Every chart as an SVG document of its own, by name (`counts`, `flow-1`, …), with its title.
  public func charts() -> [(name: String, title: String, svg: String)] {
    guard !runs.isEmpty else { return [] }
    var charts = [("counts", "Customers per tier, run by run", countsChart())]
    for (index, flow) in flows.enumerated() {
      charts.append(
        (
          "flow-\(index + 1)", flowTitle(flow),
          TierReportHTML.heatMap(
            id: "flow-\(index + 1)", title: flowTitle(flow),
            description:
              "Rows are the tier after run \(flow.from), columns the tier after run \(flow.to); darker blue for more customers",
            labels: categories, count: { flow.moves[$0][$1] })
        ))
    }
    return charts
  }

  func flowTitle(_ flow: Flow) -> String { "From run \(flow.from) to run \(flow.to)" }

  private func countsChart() -> String {
    TierReportHTML.groupedBars(
      id: "counts", title: "Customers per tier, run by run",
      description: "For each run, one bar per tier: how many customers held it after the run",
      axis: "customers",
      series: held,
      rows: runs.map { run in
        (
          "run \(run.id) · \(run.asOf)", run.counts.prefix(held.count).map(Double.init),
          run.counts.map(String.init)
        )
      })
  }

  private func countRows() -> [[String]] {
    runs.map { run in
      ["run \(run.id)", run.asOf, "\(run.policy) \(run.version)"]
        + run.counts.prefix(held.count).map(String.init)
        + [String(run.rejected)]
    }
  }
}

// MARK: - Markdown and JSON

extension RunsReport {
  /// - Parameter chartFiles: the file of each chart, by name, as the markdown links it.
  public func renderMarkdown(chartFiles: [String: String] = [:]) -> String {
    func chart(_ name: String, _ title: String) -> [String] {
      TierReportText.markdownChart(name, title, files: chartFiles)
    }
    let cell = TierReportText.markdownCell
    var lines = ["## Tiers over time · \(cell(ledger))", ""]
    guard let first = runs.first, let last = runs.last else {
      return (lines + ["The ledger holds no run in this range."]).joined(separator: "\n") + "\n"
    }
    lines.append(
      "Runs \(first.id) to \(last.id), as of \(first.asOf) to \(last.asOf): the tier in force after each run (overrides are not counted)."
    )
    lines +=
      ["", "### Customers per tier, run by run", ""] + chart("counts", "Customers per tier, run by run")
    lines.append("| run | as of | policy | " + held.map(cell).joined(separator: " | ") + " | rejected |")
    lines.append("|---|---|---|" + String(repeating: "---:|", count: held.count + 1))
    for row in countRows() { lines.append("| " + row.map(cell).joined(separator: " | ") + " |") }
    for (index, flow) in flows.enumerated() {
      lines += ["", "### \(flowTitle(flow))", ""] + chart("flow-\(index + 1)", flowTitle(flow))
      lines.append("\(flow.moved) customer\(flow.moved == 1 ? "" : "s") changed tier, joined or left.")
      lines += [
        "", "| run \(flow.from) \\ run \(flow.to) | " + categories.map(cell).joined(separator: " | ") + " |",
      ]
      lines.append("|---|" + String(repeating: "---:|", count: categories.count))
      for (row, name) in categories.enumerated() {
        lines.append("| \(cell(name)) | " + flow.moves[row].map(String.init).joined(separator: " | ") + " |")
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  public func renderJSON() -> String {
    let writer = JSONWriter()
    writer.object {
      writer.field("runs_report") { writer.number(1) }
      writer.field("ledger") { writer.string(ledger) }
      writer.field("categories") { writer.array(categories) { writer.string($0) } }
      writer.field("runs") {
        writer.array(runs) { run in
          writer.object {
            writer.field("run") { writer.number(Int(run.id)) }
            writer.field("as_of") { writer.string(run.asOf) }
            writer.field("policy") { writer.string(run.policy) }
            writer.field("version") { writer.string(run.version) }
            writer.field("evaluated") { writer.number(run.evaluated) }
            writer.field("rejected") { writer.number(run.rejected) }
            writer.field("counts") { writer.array(run.counts.prefix(held.count)) { writer.number($0) } }
          }
        }
      }
      writer.field("flows") {
        writer.array(flows) { flow in
          writer.object {
            writer.field("from") { writer.number(Int(flow.from)) }
            writer.field("to") { writer.number(Int(flow.to)) }
            writer.field("moved") { writer.number(flow.moved) }
            writer.field("moves") {
              writer.array(flow.moves) { row in writer.array(row) { writer.number($0) } }
            }
          }
        }
      }
    }
    return writer.output + "\n"
  }
}
