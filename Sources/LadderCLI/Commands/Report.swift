import ArgumentParser
import Foundation
import Ladder

/// `ladder report POLICY RECORDS`: the run's numbers as a page people would rather look at.
struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract:
      "Report a run: customers per tier, the score near each threshold, components, triggers, rejects.",
    discussion: """
      Evaluates the records as 'eval' does and writes one self-contained HTML page (no network:
      charts are inline SVG, each with its numbers in a table beside it), markdown for a pull
      request comment (with -o FILE.md, each chart also as FILE-NAME.svg beside it, linked), or
      JSON with the numbers behind every chart. The same policy, records and
      as-of date give the same bytes. No key or input value appears: records are counted.

      Exit codes: 0 success, 1 invalid policy, 64 usage error, 65 unreadable input, 74 output
      could not be written.
      """
  )

  @OptionGroup var options: RecordOptions

  @Option(help: "Output format: html, markdown or json.")
  var format: ReportFormat = .html

  @Option(name: .shortAndLong, help: "Write the report to FILE (atomically) instead of standard output.")
  var output: String?

  enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case html, markdown, json
  }

  /// A report in `format` to `target`: the page, the JSON, or the markdown with each chart as an
  /// SVG file beside it (``chartFiles(_:beside:)``), every file replaced only once all are written.
  static func write(
    _ format: ReportFormat, to target: OutputTarget,
    charts: @autoclosure () -> [(name: String, title: String, svg: String)], html: () -> String,
    markdown: ([String: String]) -> String, json: () -> String
  ) throws {
    let text: String
    var chartSinks: [OutputSink] = []
    switch format {
    case .html: text = html()
    case .markdown:
      let (files, sinks) = try chartFiles(charts(), beside: target)
      chartSinks = sinks
      text = markdown(files)
    case .json: text = json()
    }
    let sink = try OutputSink(target)
    sink.write(text)
    for chart in chartSinks { try chart.commit() }
    try sink.commit()
  }

  /// Beside a markdown file, each chart as an SVG file it links (`report-tiers.svg`, …): the
  /// charts' files by name, and their outputs, to commit with the file's. None to standard output.
  private static func chartFiles(
    _ charts: [(name: String, title: String, svg: String)], beside target: OutputTarget
  ) throws -> (files: [String: String], sinks: [OutputSink]) {
    guard case .file(let path, _, _) = target else { return ([:], []) }
    let url = URL(fileURLWithPath: path)
    let stem = url.deletingPathExtension().lastPathComponent
    var files: [String: String] = [:]
    var sinks: [OutputSink] = []
    for chart in charts {
      let name = "\(stem)-\(chart.name).svg"
      let sink = try OutputSink(
        OutputTarget.resolve(url.deletingLastPathComponent().appendingPathComponent(name).path, option: "-o"))
      sink.write(chart.svg)
      sinks.append(sink)
      files[chart.name] = name
    }
    return (files, sinks)
  }

  func run() throws {
    let outputTarget = try OutputTarget.resolve(output ?? "-", option: "-o")
    try OutputTarget.checkDistinct(
      [("-o", outputTarget)], inputs: [("policy file", options.policy), ("records file", options.records)])
    let policy = try options.loadPolicy()
    let asOf = try options.resolvedAsOf()
    let bytes = try options.readRecords()
    let recordFormat = try options.resolvedFormat(start: bytes)
    var outcomes: [RecordOutcome] = []
    do {
      try BatchEvaluator(policy: policy, asOf: asOf).evaluate(
        .bytes(bytes, format: recordFormat, origin: options.origin),
        into: OutcomeCallback { outcomes.append($0) })
    } catch {
      StandardError.write(
        "error: \(StandardError.escaped(options.origin)): \(StandardError.escaped(error.message))\n")
      throw LadderExit.badRecords
    }
    var report = TierReport(policy: policy, asOf: asOf, outcomes: outcomes)
    if !policy.populationSites.isEmpty {
      let evaluator = BatchEvaluator(policy: policy, asOf: asOf)
      // The header was read once already: it cannot fail now.
      if let reads = try? evaluator.readAll(bytes: bytes, format: recordFormat) {
        report.cutOffs = TierReport.cutOffs(evaluator, reads: reads)
      }
    }
    try Self.write(
      format, to: outputTarget, charts: TierReportHTML.charts(report),
      html: { TierReportHTML.render(report) },
      markdown: { TierReportMarkdown.render(report, chartFiles: $0) },
      json: { TierReportJSON.render(report) + "\n" })
    StandardError.write(
      "read \(report.read), evaluated \(report.decided), rejected \(report.rejected) (as of \(asOf))\n")
  }
}
