import Foundation
import LadderTestSupport
import Testing

/// `ladder eval --compact-trace`, read by `scripts/expand-trace.py` — a reader that knows only
/// docs/compact-trace.md — must give the bytes of `ladder eval --explain`.
@Suite struct CompactTraceTests {
  /// Runs the Python reader on `path`; its standard output.
  static func expand(_ path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", RepositoryPaths.path("scripts/expand-trace.py"), path]
    let output = FileManager.default.temporaryDirectory.appendingPathComponent(
      "expanded-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    let handle = try FileHandle(forWritingTo: output)
    process.standardOutput = handle
    try process.run()
    process.waitUntilExit()
    try handle.close()
    #expect(process.terminationStatus == 0, "expand-trace.py failed on \(path)")
    return try String(contentsOf: output, encoding: .utf8)
  }

  /// `--compact-trace` into a file, expanded, against `--explain` on standard output.
  static func expectExpansionIsTheFullTrace(
    policy: String, records: String, extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> (compact: String, full: String) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "compact-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let compactPath = directory.appendingPathComponent("compact.jsonl").path
    let common = ["eval", policy, records, "--as-of", "2024-06-30"] + extra
    let compact = try CLIRunner.run(common + ["--compact-trace", "-o", compactPath])
    let full = try CLIRunner.run(common + ["--explain"])
    #expect(
      compact.exitCode == 0 && full.exitCode == 0, "\(compact.stderr)\(full.stderr)",
      sourceLocation: sourceLocation)
    // The same records read, decided and rejected.
    #expect(compact.stderr == full.stderr, sourceLocation: sourceLocation)
    let expanded = try expand(compactPath)
    #expect(
      expanded == full.stdout, "\(Golden.lineDiff(expected: full.stdout, actual: expanded))",
      sourceLocation: sourceLocation)
    return (try String(contentsOfFile: compactPath, encoding: .utf8), full.stdout)
  }

  @Test(arguments: [
    ("policies/b2b-service-tiers.yaml", "examples/b2b-service-tiers.csv"),
    ("policies/b2b-service-tiers.yaml", "examples/b2b-service-tiers.jsonl"),
    ("policies/airline-status.yaml", "examples/airline-status.csv"),
    ("policies/fintech-risk-grades.yaml", "examples/fintech-risk-grades.csv"),
    ("policies/loyalty-tiers.yaml", "examples/loyalty-tiers.csv"),
    // Service levels run on the scalar backend: every decision is written in full.
    ("policies/request-response.yaml", "examples/request-response.csv"),
    // Population notes: a column holding JSON objects.
    ("policies/retail-rfm-abc.yaml", "examples/retail-rfm-abc.csv"),
  ])
  func everyExampleExpandsToItsFullTrace(policy: String, records: String) throws {
    let (compact, full) = try Self.expectExpansionIsTheFullTrace(policy: policy, records: records)
    let lines = compact.split(separator: "\n")
    #expect(lines.first?.hasPrefix(#"{"compact_trace":2,"policy":{"id":"#) == true)
    // Every decision the kernels took is an array of values, not a full line.
    let onKernels = !policy.contains("request-response")
    #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("[") } == onKernels, "a decision written in full")
    #expect(lines.count - 1 == full.split(separator: "\n").count)
  }

  /// Text that needs escaping in every way JSON allows, in a shown input; a record the kernels
  /// cannot take (written in full) between compact ones; `--on-error emit` lines kept as they are.
  @Test func hostileTextAndFullLinesSurviveTheExpansion() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "hostile-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let header =
      "customer_id,company_name,contact_phone,last_purchase,orders_12m,spend_12m,industry_growth,repurchase_rate,monthly_spend,last_review"
    let rest = ",,2024-01-16,3,5241.00,20%,55%,416;401;427;446;470;407,2023-12-15"
    let names = [
      "\"back\\slash \"\"quoted\"\" tab\tend\"", "\"line\nbreak\r\nand CR\"", "\u{1}control\u{1F}",
      "emoji 😀 and \u{2028}",
      "中文名称", #""{""json"":[1,2]}""#,
    ]
    var csv = header + "\n"
    for (index, name) in names.enumerated() { csv += "C\(index),\(name)\(rest)\n" }
    // The kernels leave a padded number to the row evaluator; a bad one is rejected.
    csv += "C90,plain,,2024-01-16, 3 ,5241.00,20%,55%,416;401;427;446;470;407,2023-12-15\n"
    csv += "C91,plain,,2024-01-16,x,5241.00,20%,55%,416;401;427;446;470;407,2023-12-15\n"
    let path = directory.appendingPathComponent("hostile.csv").path
    try Data(csv.utf8).write(to: URL(fileURLWithPath: path))
    let (compact, _) = try Self.expectExpansionIsTheFullTrace(
      policy: "policies/b2b-service-tiers.yaml", records: path, extra: ["--on-error", "emit"])
    let lines = compact.split(separator: "\n")
    #expect(lines.filter { $0.hasPrefix("[") }.count == names.count)
    // The padded record in full, the rejected one as an error line.
    #expect(lines.contains { $0.hasPrefix(#"{"customer_id":"C90""#) })
    #expect(lines.contains { $0.hasPrefix(#"{"customer_id":"C91","error":{"line":11,"#) })
  }

  /// Per decision only values: a value shown in several places of the trace (the key, an input
  /// that is a component's subject or a comparison's operand, the score) is one column, a
  /// comparison's literal operand is in the template, and its relation is a choice.
  @Test func eachValueIsWrittenOnce() throws {
    let result = try CLIRunner.run([
      "eval", "policies/b2b-service-tiers.yaml", "examples/b2b-service-tiers.csv", "--as-of", "2024-06-30",
      "--compact-trace",
    ])
    let lines = result.stdout.split(separator: "\n").map { Data($0.utf8) }
    try #require(lines.count > 1)
    let header = try #require(try JSONSerialization.jsonObject(with: lines[0]) as? [String: Any])
    let columns = try #require(header["columns"] as? [String])
    #expect(Set(columns).count == columns.count)
    // The key is the customer_id input; each component's subject an input or a let.
    #expect(columns.contains("key") && !columns.contains("inputs.customer_id"))
    #expect(!columns.contains { $0.hasSuffix(".value") || $0.hasSuffix(".values") })
    #expect(columns.contains("tiers.vip.conditions.1.relation"))
    // `score >= 90`: the score's column, a relation, and `90` in the template.
    #expect(
      !columns.contains("tiers.vip.conditions.1.left") && !columns.contains("tiers.vip.conditions.1.right"))
    // `monthly_spend[-1] < 50% * monthly_spend[-3]`: two computed operands.
    #expect(columns.contains("triggers.spend-collapse.conditions.1.left"))
    #expect(columns.contains("triggers.spend-collapse.conditions.1.right"))
    let templates = try #require(header["templates"] as? [[String: Any]])
    let parts = try #require(templates.last?["parts"] as? [Any])
    let score = try #require(columns.firstIndex(of: "score"))
    let relation = try #require(columns.firstIndex(of: "tiers.vip.conditions.1.relation"))
    let vip = try #require(
      parts.indices.first { ((parts[$0] as? [String: Any])?["column"] as? Int) == relation })
    #expect((parts[vip - 1] as? [String: Any])?["text"] as? Int == score)
    #expect((parts[vip + 1] as? String)?.hasPrefix(#"90","result":"#) == true)
    // C2024001 is in the key tier: score 78.00 holds `score >= 70`, `78.00 > 70`.
    let first = try #require(try JSONSerialization.jsonObject(with: lines[1]) as? [Any])
    let keyRelation = try #require(columns.firstIndex(of: "tiers.key.conditions.1.relation"))
    #expect(first[1 + score] as? String == "78.00")
    #expect(first[1 + keyRelation] as? Int == 2)
    #expect(first[1 + relation] as? Int == 0)
  }

  /// `schema/compact-trace.schema.json` names every field the header has, and only those.
  @Test func theSchemaDescribesTheHeaderLadderWrites() throws {
    let schemaData = try Data(
      contentsOf: URL(fileURLWithPath: RepositoryPaths.path("schema/compact-trace.schema.json")))
    let schema = try #require(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
    let definitions = try #require(schema["$defs"] as? [String: Any])
    let header = try #require(definitions["header"] as? [String: Any])
    let required = try #require(header["required"] as? [String])
    let properties = try #require(header["properties"] as? [String: Any])
    let result = try CLIRunner.run([
      "eval", "policies/b2b-service-tiers.yaml", "examples/b2b-service-tiers.csv", "--compact-trace",
    ])
    let firstLine = try #require(result.stdout.split(separator: "\n").first)
    let written = try #require(try JSONSerialization.jsonObject(with: Data(firstLine.utf8)) as? [String: Any])
    #expect(Set(written.keys) == Set(required))
    #expect(Set(properties.keys) == Set(required))
    // The version the schema describes is the one Ladder writes.
    let version = try #require(properties["compact_trace"] as? [String: Any])
    #expect(version["const"] as? Int == written["compact_trace"] as? Int)
  }

  @Test func compactTracesAreForJSONLinesOnly() throws {
    let result = try CLIRunner.run([
      "eval", "policies/b2b-service-tiers.yaml", "examples/b2b-service-tiers.csv", "--compact-trace",
      "--format",
      "csv",
    ])
    #expect(result.exitCode == 64)
    #expect(result.stderr.contains("--compact-trace needs --format jsonl"))
  }
}
