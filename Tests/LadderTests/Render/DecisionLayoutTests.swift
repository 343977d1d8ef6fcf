import Foundation
import Ladder
import LadderTestSupport
import Testing

/// The decision layout is the one description of a decision record: every backend's CSV and JSON
/// Lines follow its names and order.
@Suite struct DecisionLayoutTests {
  @Test(arguments: [
    "policies/b2b-service-tiers.yaml", "policies/retail-rfm-abc.yaml", "policies/airline-status.yaml",
  ])
  func everyBackendWritesTheLayoutsFieldsInItsOrder(path: String) throws {
    let text = try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8)
    let policy = try #require(compilePolicy(text, path: path))
    let records = path.replacingOccurrences(of: "policies/", with: "examples/").replacingOccurrences(
      of: ".yaml", with: ".csv")
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path(records))))
    let asOf = try #require(CivilDate(parsing: "2024-03-01"))

    let csvNames = policy.csvLayout(withErrors: true).entries.map(\.name)
    #expect(DecisionCSV.header(policy: policy, withErrors: true) == csvNames.joined(separator: ","))
    #expect(csvNames.first == policy.keyName && csvNames.last == "error")

    let jsonNames = policy.jsonLinesLayout.entries.map(\.name)
    for backend in [BatchEvaluator.Backend.automatic, .scalar] {
      var lines: [String] = []
      let sink = RenderedOutput(
        .jsonLines,
        write: { lines += String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init) })
      try BatchEvaluator(policy: policy, asOf: asOf, backend: backend).evaluate(
        .bytes(bytes, format: .csv), into: sink)
      #expect(!lines.isEmpty)
      for line in lines {
        // Each field of the layout, in its order (`review` only when the decision has one).
        var position = line.startIndex
        for name in jsonNames {
          guard let found = line.range(of: "\"\(name)\":", range: position..<line.endIndex) else {
            #expect(name == "review", "\(backend): no '\(name)' after the fields before it in \(line)")
            continue
          }
          position = found.upperBound
        }
        #expect(line.hasPrefix("{\"\(policy.keyName)\":"))
      }
    }
  }

  /// Every decision names the policy that made it (issue 11): id, version and the SHA-256 of the
  /// file's bytes, in JSON Lines and CSV, on both backends, rejected rows included.
  @Test func everyDecisionNamesItsPolicy() throws {
    let path = "policies/b2b-service-tiers.yaml"
    let text = try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8)
    let policy = try #require(compilePolicy(text, path: path))
    // The hash computed apart from Ladder, by sha256sum.
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [RepositoryPaths.path(path)]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    process.waitUntilExit()
    let digest = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
    #expect(digest.count == 64 && policy.sha256 == digest)

    let records = """
      customer_id,company_name,contact_phone,last_purchase,orders_12m,spend_12m,industry_growth,repurchase_rate,monthly_spend,last_review
      C1,A公司,13800138001,2024-01-31,12,800000.00,15%,85%,120000;130000;125000;140000;135000;150000,2023-12-01
      C2,B公司,13800138002,2024-01-01,6,oops,8%,60%,50000;52000;48000;51000;49000;50000,2023-10-15

      """
    let asOf = try #require(CivilDate(parsing: "2024-03-01"))
    for backend in [BatchEvaluator.Backend.automatic, .scalar] {
      var json = ""
      try BatchEvaluator(policy: policy, asOf: asOf, backend: backend).evaluate(
        .bytes(Array(records.utf8), format: .csv),
        into: RenderedOutput(.jsonLines, write: { json += String(decoding: $0, as: UTF8.self) }))
      let identity =
        "\"policy\":{\"id\":\"b2b-service-tiers\",\"version\":\"2024.03\",\"sha256\":\"\(digest)\"}}"
      let decided = json.split(separator: "\n").filter { $0.hasPrefix("{\"customer_id\"") }
      #expect(!decided.isEmpty && decided.allSatisfy { $0.hasSuffix(identity) }, "\(backend): \(json)")

      var csv = ""
      try BatchEvaluator(policy: policy, asOf: asOf, backend: backend).evaluate(
        .bytes(Array(records.utf8), format: .csv),
        into: RenderedOutput(.csv(withErrors: true), write: { csv += String(decoding: $0, as: UTF8.self) }))
      let rows = csv.split(separator: "\n")
      #expect(rows.count == 1)
      for row in rows {
        #expect(row.hasSuffix(",2024-03-01,b2b-service-tiers,2024.03,\(digest),"), "\(backend): \(row)")
      }
    }
    // The names a key or output column cannot take are the layout's own fields (L0401).
    for entry in policy.jsonLinesLayout.entries + policy.csvLayout(withErrors: true).entries {
      switch entry.field {
      case .key, .output: continue
      default: #expect(PolicyChecker.decisionFieldNames.contains(entry.name), "\(entry.name)")
      }
    }
    // The row and the line written in place of a rejected record name the policy too.
    let problem = RecordProblem(line: 3, key: "C2", field: "industry_growth", reason: "not a percent")
    #expect(
      DecisionCSV.renderError(problem, policy: policy, asOf: asOf).contains(
        ",2024-03-01,b2b-service-tiers,2024.03,\(digest),"))
    #expect(DecisionJSON.renderError(problem, policy: policy).hasSuffix("\"sha256\":\"\(digest)\"}}"))
  }

  /// The retail example writes its RFM quintiles, ABC class and RFM value class as columns of
  /// every decision (issue 11: the ABC class was only a flag), on both backends.
  @Test func theRetailExampleWritesItsClassesAsColumns() throws {
    let path = "policies/retail-rfm-abc.yaml"
    let policy = try #require(
      compilePolicy(try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8), path: path))
    let bytes = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/retail-rfm-abc.csv"))))
    let asOf = try #require(CivilDate(parsing: "2024-03-01"))
    let header = DecisionCSV.header(policy: policy, withErrors: false)
    #expect(header.hasPrefix("customer_id,score,tier,flags,r,f,m,abc,value_class,as_of,"))
    var outputs: [String] = []
    for backend in [BatchEvaluator.Backend.automatic, .scalar] {
      var csv = ""
      try BatchEvaluator(policy: policy, asOf: asOf, backend: backend).evaluate(
        .bytes(bytes, format: .csv),
        into: RenderedOutput(.csv(withErrors: false), write: { csv += String(decoding: $0, as: UTF8.self) }))
      let rows = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
      #expect(rows.count >= 30)
      for row in rows {
        #expect(["A", "B", "C"].contains(row[7]), "\(row)")
        #expect(["high", "general", "low"].contains(row[8]), "\(row)")
        // The class and its flag agree.
        #expect(
          row[3].contains("class-a-care") == (row[7] == "A")
            && row[3].contains("class-b-visit") == (row[7] == "B"))
      }
      outputs.append(csv)
    }
    #expect(outputs[0] == outputs[1])
    // Every value class occurs in the example.
    for name in ["high", "general", "low"] { #expect(outputs[0].contains(",\(name),")) }
  }

  /// `--no-as-of-column` (issue 14: output columns are the user's choice): the CSV layout drops
  /// `as_of`, and both backends follow it, error rows included; the default keeps it.
  @Test func theAsOfColumnCanBeLeftOut() throws {
    let path = "policies/b2b-service-tiers.yaml"
    let sources = SourceRegistry()
    let file = sources.add(
      path: path, text: try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8))
    var diagnostics = DiagnosticBag()
    let policy = try #require(
      PolicyCompiler.compile(file, into: &diagnostics, output: OutputOptions(csvAsOfColumn: false)))
    let bytes = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/b2b-service-tiers.csv"))))
    let asOf = try #require(CivilDate(parsing: "2024-03-01"))
    for withErrors in [false, true] {
      let header = DecisionCSV.header(policy: policy, withErrors: withErrors)
      #expect(!header.contains("as_of") && header.contains(",flags,policy,policy_version,policy_sha256"))
      var outputs: [String] = []
      for backend in [BatchEvaluator.Backend.automatic, .scalar] {
        var csv = ""
        try BatchEvaluator(policy: policy, asOf: asOf, backend: backend).evaluate(
          .bytes(bytes, format: .csv),
          into: RenderedOutput(
            .csv(withErrors: withErrors), write: { csv += String(decoding: $0, as: UTF8.self) }))
        #expect(!csv.contains("2024-03-01"), "\(backend)")
        outputs.append(csv)
      }
      #expect(outputs[0] == outputs[1] && outputs[0].split(separator: "\n").count == 33)
    }
    let kept = try #require(
      compilePolicy(try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8), path: path))
    #expect(DecisionCSV.header(policy: kept, withErrors: false).contains(",as_of,"))
  }
}
