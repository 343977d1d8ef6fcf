import Foundation
import LadderTestSupport
import Testing

/// `ladder report` (issue 16): the B2B example's numbers, the same bytes every time, a page that
/// asks nothing of the network, and no key or personal value anywhere.
@Suite struct ReportCommandTests {
  static let arguments = [
    "report", "policies/b2b-service-tiers.yaml", "examples/b2b-service-tiers.csv", "--as-of", "2024-03-01",
  ]

  static func json() throws -> [String: Any] {
    let result = try CLIRunner.run(arguments + ["--format", "json"])
    #expect(result.exitCode == 0)
    return try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
  }

  /// The counts are what `ladder eval` decides for the same records, tier by tier.
  @Test func tierCountsAreEvalsDecisions() throws {
    let eval = try CLIRunner.run([
      "eval", "policies/b2b-service-tiers.yaml", "examples/b2b-service-tiers.csv", "--as-of", "2024-03-01",
      "--format", "csv",
    ])
    var expected: [String: Int] = [:]
    for row in eval.stdout.split(separator: "\n").dropFirst() {
      expected[String(row.split(separator: ",", omittingEmptySubsequences: false)[2]), default: 0] += 1
    }
    let report = try Self.json()
    let records = try #require(report["records"] as? [String: Int])
    #expect(records == ["read": 41, "decided": 33, "rejected": 8])
    let tiers = try #require(report["tiers"] as? [[String: Any]])
    var counted: [String: Int] = [:]
    for tier in tiers { counted[tier["id"] as? String ?? "", default: 0] += tier["count"] as? Int ?? -1 }
    #expect(counted == expected)
    #expect(tiers.map { $0["share"] as? String } == ["3.0%", "18.2%", "36.4%", "42.4%"])
    // Every score in a bin, every rejected record in a reason.
    let bins = try #require((report["score"] as? [String: Any])?["bins"] as? [[String: Any]])
    #expect(bins.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } == 33)
    let rejections = try #require(report["rejections"] as? [[String: Any]])
    #expect(rejections.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } == 8)
    let lines = try #require((report["score"] as? [String: Any])?["thresholds"] as? [[String: Any]])
    #expect(lines.map { $0["score"] as? String } == ["90", "70", "50"])
  }

  @Test(arguments: ["html", "markdown", "json"]) func sameInputsGiveTheSameBytes(format: String) throws {
    let first = try CLIRunner.run(Self.arguments + ["--format", format])
    let second = try CLIRunner.run(Self.arguments + ["--format", format])
    #expect(first.exitCode == 0 && !first.stdout.isEmpty)
    #expect(first.stdout == second.stdout)
  }

  /// One file that works opened from disk: no script, no stylesheet, image or font fetched.
  @Test func thePageIsSelfContained() throws {
    let page = try CLIRunner.run(Self.arguments).stdout
    #expect(page.hasPrefix("<!DOCTYPE html>") && page.hasSuffix("</html>\n"))
    for fetch in ["<script", " src=", " href=", "url(", "@import", "<link"] {
      #expect(!page.contains(fetch), "\(fetch)")
    }
    // The only URL is SVG's namespace name, which nothing fetches.
    let urls = page.components(separatedBy: "http").count - 1
    #expect(urls == page.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1)
    // Every chart (tiers, scores, components, triggers, rejects) is titled and described, and
    // its numbers are in a table.
    #expect(page.components(separatedBy: "<svg").count - 1 == 5)
    #expect(page.components(separatedBy: "<title id=").count - 1 == 5)
    #expect(page.components(separatedBy: "<desc id=").count - 1 == 5)
    #expect(page.components(separatedBy: "<table>").count - 1 == 6)
    #expect(page.contains("<th scope=\"col\" class=\"n\">customers</th>"))
  }

  /// Markdown written to a file gets each chart as an SVG file beside it, linked by name.
  @Test func markdownToAFileLinksItsChartsWrittenBeside() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ladder-report-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let output = directory.appendingPathComponent("run.md")
    let result = try CLIRunner.run(Self.arguments + ["--format", "markdown", "-o", output.path])
    #expect(result.exitCode == 0)
    let markdown = try String(contentsOf: output, encoding: .utf8)
    for chart in ["tiers", "scores", "components", "triggers", "rejections"] {
      #expect(markdown.contains("](run-\(chart).svg)"), "\(chart)")
      let svg = try String(contentsOf: directory.appendingPathComponent("run-\(chart).svg"), encoding: .utf8)
      #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.hasSuffix("</svg>\n"))
    }
    // To standard output there is nowhere to put them: the tables alone.
    #expect(!(try CLIRunner.run(Self.arguments + ["--format", "markdown"])).stdout.contains(".svg"))
  }

  /// An input with no record gives a report of zeros in every form, not a failure.
  @Test func anInputWithNoRecordGivesAReportOfZeros() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ladder-report-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let empty = directory.appendingPathComponent("none.csv")
    let header = try String(
      contentsOfFile: RepositoryPaths.path("examples/b2b-service-tiers.csv"), encoding: .isoLatin1
    )
    .split(separator: "\n")[0]
    try Data((header + "\n").utf8).write(to: empty)
    for format in ["html", "markdown", "json"] {
      let result = try CLIRunner.run([
        "report", "policies/b2b-service-tiers.yaml", empty.path, "--as-of", "2024-03-01", "--format", format,
      ])
      #expect(result.exitCode == 0, "\(format)")
      #expect(result.stderr.contains("read 0, evaluated 0, rejected 0"))
    }
    let markdown = try CLIRunner.run([
      "report", "policies/b2b-service-tiers.yaml", empty.path, "--as-of", "2024-03-01", "--format",
      "markdown",
    ]).stdout
    #expect(markdown.contains("### Score distribution\n\nNo record was decided."))
  }

  /// Records are counted, never shown: no key, phone number, or value of a rejected field.
  @Test func noKeyOrPersonalValueAppears() throws {
    let csv = try Data(
      contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/b2b-service-tiers.csv")))
    let rows = String(decoding: csv, as: UTF8.self).split(separator: "\n").dropFirst()
    let keys = rows.compactMap { $0.split(separator: ",").first.map(String.init) }
    let phones = rows.compactMap { row -> String? in
      let fields = row.split(separator: ",", omittingEmptySubsequences: false)
      return fields.count > 2 && !fields[2].isEmpty ? String(fields[2]) : nil
    }
    #expect(keys.count == 41 && phones.count > 30)
    for format in ["html", "markdown", "json"] {
      let text = try CLIRunner.run(Self.arguments + ["--format", format]).stdout
      for value in keys + phones + ["'abc'", "'-2'", "'120%'", "2024-02-30"] {
        #expect(!text.contains(value), "\(format) shows \(value)")
      }
    }
  }

  /// A population policy's report draws each function's lines: the retail example's ABC classes
  /// hold what `ladder eval` puts in them, in every form, with a chart each.
  @Test func populationCutOffsHoldEvalsClasses() throws {
    let arguments = [
      "report", "policies/retail-rfm-abc.yaml", "examples/retail-rfm-abc.csv", "--as-of", "2024-03-01",
    ]
    let json = try #require(
      JSONSerialization.jsonObject(
        with: Data(try CLIRunner.run(arguments + ["--format", "json"]).stdout.utf8))
        as? [String: Any])
    let cutOffs = try #require(json["population_cut_offs"] as? [[String: Any]])
    let abc = try #require(cutOffs.first { ($0["call"] as? String) == "abc_class(spend_12m)" })
    let classes = try #require(abc["classes"] as? [[String: Any]])
    // What eval says of every record's class.
    let eval = try CLIRunner.run([
      "eval", "policies/retail-rfm-abc.yaml", "examples/retail-rfm-abc.csv", "--as-of", "2024-03-01",
      "--explain",
    ])
    var counted: [String: Int] = [:]
    for line in eval.stdout.split(separator: "\n") {
      let decision = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      let trace = try #require(decision["trace"] as? [String: Any])
      let notes = try #require(trace["population"] as? [[String: Any]])
      if let value = notes.first(where: { ($0["call"] as? String) == "abc_class(spend_12m)" })?["value"]
        as? String
      {
        counted[value, default: 0] += 1
      }
    }
    #expect(classes.map { $0["class"] as? String } == ["A", "B", "C"])
    #expect(classes.map { ($0["count"] as? Int) ?? -1 } == ["A", "B", "C"].map { counted[$0] ?? 0 })
    // rank draws no lines; the other functions each have a chart in the page.
    let page = try CLIRunner.run(arguments).stdout
    #expect(page.contains("<h2>Population cut-offs</h2>"))
    for index in 1...cutOffs.count { #expect(page.contains("id=\"cut-offs-\(index)-title\"")) }
  }
}
