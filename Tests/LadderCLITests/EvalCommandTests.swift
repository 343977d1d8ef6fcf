import Foundation
import LadderTestSupport
import Testing

@Suite struct EvalCommandTests {
  static let policy = "policies/b2b-service-tiers.yaml"
  static let records = "examples/b2b-service-tiers.csv"

  /// The example policy's SHA-256, as `ladder check --format json` reports it.
  static func policySHA256() throws -> String {
    let text = try String(contentsOfFile: RepositoryPaths.path(policy), encoding: .utf8)
    return try #require(compilePolicy(text, path: policy)).sha256
  }

  /// The `policy`, `policy_version` and `policy_sha256` columns of its CSV decisions.
  static func identityColumns() throws -> String { "b2b-service-tiers,2024.03,\(try policySHA256())" }

  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "ladder-eval-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Dirty input: every record read is either in the output or rejected, and the counts say so.
  @Test func recordsInEqualRecordsOutPlusRejected() throws {
    let result = try CLIRunner.run(["eval", Self.policy, Self.records, "--as-of", "2024-03-01"])
    #expect(result.exitCode == 0)
    let lines = result.stdout.split(separator: "\n")
    let rejections = result.stderr.split(separator: "\n").filter { $0.contains(": rejected") }
    #expect(lines.count == 33)
    #expect(rejections.count == 8)
    #expect(result.stderr.hasSuffix("read 41, evaluated 33, rejected 8 (as of 2024-03-01)\n"))
    #expect(
      lines.first?.hasPrefix(
        "{\"customer_id\":\"C2024001\",\"tier\":\"vip\",\"label\":\"VIP客户\",\"score\":\"92.00\"") == true)
    #expect(
      result.stderr.contains(
        "examples/b2b-service-tiers.csv:35: rejected C2024901: field 'spend_12m': 'abc' is not a number"))
    // Personal data never reaches any output.
    #expect(!result.stdout.contains("13800138001") && !result.stderr.contains("13800138001"))
  }

  @Test func outputMatchesTheGoldenFile() throws {
    let result = try CLIRunner.run([
      "eval", Self.policy, Self.records, "--as-of", "2024-03-01", "--format", "csv",
    ])
    let golden = try String(
      contentsOfFile: RepositoryPaths.path("Tests/LadderTests/Golden/eval/b2b-service-tiers.csv"),
      encoding: .utf8)
    #expect(result.stdout == golden)
  }

  @Test func sameInputGivesByteIdenticalOutput() throws {
    let arguments = ["eval", Self.policy, Self.records, "--as-of", "2024-03-01", "--explain"]
    let first = try CLIRunner.run(arguments)
    let second = try CLIRunner.run(arguments)
    #expect(first.exitCode == 0)
    #expect(first.stdout == second.stdout)
    #expect(first.stdout.contains("\"trace\":{\"policy\":{\"id\":\"b2b-service-tiers\""))
  }

  @Test func readsStandardInputAsAFilter() throws {
    let csv = try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path(Self.records)))
    let result = try CLIRunner.run(
      ["eval", Self.policy, "-", "--as-of", "2024-03-01", "--format", "csv"], stdinBytes: csv)
    #expect(result.exitCode == 0)
    #expect(result.stdout.split(separator: "\n").count == 34)
    #expect(result.stderr.contains("<stdin>:35: rejected C2024901"))
  }

  @Test func jsonLinesInput() throws {
    let result = try CLIRunner.run([
      "eval", Self.policy, "examples/b2b-service-tiers.jsonl", "--as-of", "2024-03-01",
    ])
    #expect(result.exitCode == 0)
    #expect(result.stdout.split(separator: "\n").count == 10)
    #expect(
      result.stderr.contains(
        ":11: rejected C2024909: field 'spend12m': unknown field 'spend12m'; did you mean 'spend_12m'?"))
    #expect(result.stderr.hasSuffix("read 12, evaluated 10, rejected 2 (as of 2024-03-01)\n"))
  }

  @Test func onErrorFailStopsWithSixtyFiveAndWritesNoFile() throws {
    let directory = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let output = directory.appendingPathComponent("out.jsonl").path
    let result = try CLIRunner.run([
      "eval", Self.policy, Self.records, "--as-of", "2024-03-01", "--on-error", "fail", "-o", output,
    ])
    #expect(result.exitCode == 65)
    #expect(result.stderr.contains("stopped at line 35 (--on-error fail)"))
    #expect(!FileManager.default.fileExists(atPath: output))
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
  }

  @Test func onErrorEmitKeepsOneLinePerInputRecord() throws {
    let result = try CLIRunner.run([
      "eval", Self.policy, Self.records, "--as-of", "2024-03-01", "--on-error", "emit",
    ])
    #expect(result.exitCode == 0)
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.count == 41)
    #expect(
      lines[33]
        == "{\"customer_id\":\"C2024901\",\"error\":{\"line\":35,\"field\":\"spend_12m\",\"reason\":\"'abc' is not a number\"},"
        + "\"policy\":{\"id\":\"b2b-service-tiers\",\"version\":\"2024.03\",\"sha256\":\"\(try Self.policySHA256())\"}}"
    )
    let csv = try CLIRunner.run([
      "eval", Self.policy, Self.records, "--as-of", "2024-03-01", "--on-error", "emit", "--format", "csv",
    ])
    #expect(csv.stdout.split(separator: "\n").count == 42)
    #expect(
      csv.stdout.hasPrefix("customer_id,score,tier,flags,as_of,policy,policy_version,policy_sha256,error\n"))
  }

  @Test func outputFileAndRejectsFileAreWritten() throws {
    let directory = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let output = directory.appendingPathComponent("out.csv").path
    let rejects = directory.appendingPathComponent("rejects.jsonl").path
    let result = try CLIRunner.run([
      "eval", Self.policy, Self.records, "--as-of", "2024-03-01", "--format", "csv", "-o", output,
      "--rejects", rejects,
    ])
    #expect(result.exitCode == 0)
    #expect(result.stdout.isEmpty)
    #expect(try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").count == 34)
    let rejected = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n")
    #expect(rejected.count == 8)
    #expect(
      rejected.first
        == "{\"line\":35,\"key\":\"C2024901\",\"field\":\"spend_12m\",\"reason\":\"'abc' is not a number\"}")
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [
        "out.csv", "rejects.jsonl",
      ])
  }

  @Test func tableFormatAlignsChineseLabels() throws {
    let result = try CLIRunner.run([
      "eval", Self.policy, Self.records, "--as-of", "2024-03-01", "--format", "table",
    ])
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines[0] == "b2b-service-tiers 2024.03 · as of 2024-03-01")
    #expect(lines[2] == "C2024001     vip       VIP客户   92.00                              due")
    #expect(lines[3] == "C2024002     key       重点客户  75.00                              next 2024-04-15")
  }

  @Test func invalidPolicyExitsOne() throws {
    let result = try CLIRunner.run([
      "eval", "Tests/LadderTests/Golden/diagnostics/weights-not-100.yaml", Self.records, "--as-of",
      "2024-03-01",
    ])
    #expect(result.exitCode == 1)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.contains("[L0403]"))
  }

  @Test func usageErrorsExitSixtyFour() throws {
    #expect(try CLIRunner.run(["eval", Self.policy]).exitCode == 64)
    #expect(try CLIRunner.run(["eval", Self.policy, Self.records, "--as-of", "2024-02-30"]).exitCode == 64)
    #expect(
      try CLIRunner.run(["eval", Self.policy, Self.records, "--explain", "--format", "csv"]).exitCode == 64)
    #expect(try CLIRunner.run(["eval", Self.policy, "records.txt"]).exitCode == 64)
    #expect(try CLIRunner.run(["eval", Self.policy, Self.records, "--on-error", "ignore"]).exitCode == 64)
  }

  @Test func headerWithoutRequiredColumnsExitsSixtyFive() throws {
    let result = try CLIRunner.run(
      ["eval", Self.policy, "-", "--as-of", "2024-03-01"], stdin: "customer_id,spend\nC1,5\n")
    #expect(result.exitCode == 65)
    #expect(result.stderr.contains("the header lacks the required columns"))
  }

  /// Standard input has no file name: JSON Lines is told by its first character (issue 11: it
  /// failed with a message about CSV headers).
  @Test func jsonLinesOnStandardInputNeedsNoInputFormat() throws {
    let record =
      #"{"customer_id":"C1","last_purchase":"2024-01-31","orders_12m":12,"spend_12m":"800000","industry_growth":"15%","repurchase_rate":"85%","monthly_spend":[1,2,3,4,5,6]}"#
    for prefix in ["", "\u{FEFF}", "\n  "] {
      let result = try CLIRunner.run(
        ["eval", Self.policy, "-", "--as-of", "2024-03-01", "--format", "csv"], stdin: prefix + record + "\n")
      #expect(result.exitCode == 0, "\(result.stderr)")
      #expect(
        result.stdout.hasSuffix("C1,92.00,vip,,2024-03-01,\(try Self.identityColumns())\n"),
        "\(result.stdout)")
      let explained = try CLIRunner.run(
        ["explain", Self.policy, "-", "--id", "C1", "--as-of", "2024-03-01"], stdin: prefix + record + "\n")
      #expect(explained.exitCode == 0, "\(explained.stderr)")
    }
    // CSV on standard input is still CSV.
    let csv = try CLIRunner.run(
      ["eval", Self.policy, "-", "--as-of", "2024-03-01", "--format", "csv"],
      stdin:
        "customer_id,last_purchase,orders_12m,spend_12m,industry_growth,repurchase_rate,monthly_spend\nC1,2024-01-31,12,800000,15%,85%,1;2;3;4;5;6\n"
    )
    #expect(csv.stdout.hasSuffix("C1,92.00,vip,,2024-03-01,\(try Self.identityColumns())\n"), "\(csv.stderr)")
  }
}

@Suite struct ExplainCommandTests {
  /// `--what-it-takes` in both forms (issue 11).
  @Test func whatItTakesInTextAndJSON() throws {
    let arguments = [
      "explain", "policies/b2b-service-tiers.yaml", "examples/b2b-service-tiers.csv", "--id", "C2024003",
      "--as-of",
      "2024-03-01", "--what-it-takes",
    ]
    let text = try CLIRunner.run(arguments)
    #expect(text.exitCode == 0)
    #expect(
      text.stdout.contains("what it takes, one input at a time\n  to reach standard:\n    last_purchase"))
    let json = try CLIRunner.run(arguments + ["--format", "json"])
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let answer = try #require(object["what_it_takes"] as? [String: Any])
    #expect(answer["tier"] as? String == "watch" && answer["next_up"] as? String == "standard")
    let first = try #require((answer["to_reach_next_up"] as? [[String: Any]])?.first)
    #expect(first["input"] as? String == "last_purchase" && first["to"] as? String == "2024-01-31")
    #expect((object["trace"] as? [String: Any])?["tier"] as? String == "watch")
  }

  /// `eval --what-it-takes` adds to every decision what `explain --what-it-takes` says of that
  /// record, with or without the trace, and the decision and trace stay as they were.
  @Test func evalWhatItTakesMatchesExplainForEveryRecord() throws {
    let common = [
      "policies/fintech-risk-grades.yaml", "examples/fintech-risk-grades.csv", "--as-of", "2024-03-01",
    ]
    let plain = try CLIRunner.run(["eval"] + common + ["--explain"])
    let asked = try CLIRunner.run(["eval"] + common + ["--explain", "--what-it-takes"])
    #expect(asked.exitCode == 0 && asked.stderr == plain.stderr)
    let plainLines = plain.stdout.split(separator: "\n")
    let askedLines = asked.stdout.split(separator: "\n")
    #expect(plainLines.count == 30 && askedLines.count == 30)
    var sets = 0
    for (before, after) in zip(plainLines, askedLines) {
      // The same line, with the answer added at its end.
      #expect(after.hasPrefix(before.dropLast()) && after.contains(#","what_it_takes":{"tier":"#))
      let object = try #require(try JSONSerialization.jsonObject(with: Data(after.utf8)) as? [String: Any])
      let key = try #require(object["customer_id"] as? String)
      let explained = try CLIRunner.run(
        ["explain"] + common + ["--id", key, "--what-it-takes", "--format", "json"])
      let expected = try #require(
        try JSONSerialization.jsonObject(with: Data(explained.stdout.utf8)) as? [String: Any])
      let answer = try #require(object["what_it_takes"] as? NSDictionary)
      #expect(answer == (expected["what_it_takes"] as? NSDictionary), "\(key)")
      sets += after.components(separatedBy: #""by":"set""#).count - 1
    }
    #expect(sets > 0, "no enum change suggested for any record")
    let csv = try CLIRunner.run(["eval"] + common + ["--what-it-takes", "--format", "csv"])
    #expect(csv.exitCode == 64 && csv.stderr.contains("--what-it-takes needs --format jsonl"))
  }

  @Test func textTraceMatchesTheGoldenFile() throws {
    let result = try CLIRunner.run([
      "explain", EvalCommandTests.policy, EvalCommandTests.records, "--id", "C2024002", "--as-of",
      "2024-03-01",
    ])
    #expect(result.exitCode == 0)
    let golden = try String(
      contentsOfFile: RepositoryPaths.path("Tests/LadderTests/Golden/traces/b2b-service-tiers-C2024002.txt"),
      encoding: .utf8)
    #expect(result.stdout == golden)
    #expect(result.stdout.contains("✗  repurchase_rate >= 80%  60% < 80%"))
  }

  @Test func jsonTraceMatchesTheGoldenFile() throws {
    let result = try CLIRunner.run([
      "explain", EvalCommandTests.policy, EvalCommandTests.records, "--id", "C2024001", "--as-of",
      "2024-03-01", "--format",
      "json",
    ])
    let golden = try String(
      contentsOfFile: RepositoryPaths.path("Tests/LadderTests/Golden/traces/b2b-service-tiers-C2024001.json"),
      encoding: .utf8)
    #expect(result.stdout == golden)
  }

  @Test func unknownOrRejectedRecordsExitSixtyFive() throws {
    let missing = try CLIRunner.run([
      "explain", EvalCommandTests.policy, EvalCommandTests.records, "--id", "NOPE",
    ])
    #expect(missing.exitCode == 65)
    #expect(missing.stderr.contains("no record with customer_id 'NOPE'"))
    let rejected = try CLIRunner.run([
      "explain", EvalCommandTests.policy, EvalCommandTests.records, "--id", "C2024901",
    ])
    #expect(rejected.exitCode == 65)
    #expect(rejected.stderr.contains("rejected C2024901: field 'spend_12m'"))
    #expect(try CLIRunner.run(["explain", EvalCommandTests.policy, EvalCommandTests.records]).exitCode == 64)
  }

  /// A record cannot forge lines on standard error: its key and values are escaped there.
  @Test func rejectionsEscapeLineBreaksAndControlCharacters() throws {
    let header =
      "customer_id,company_name,contact_phone,last_purchase,orders_12m,spend_12m,industry_growth,"
      + "repurchase_rate,monthly_spend,last_review"
    let forged = "\"C1\nread 99, evaluated 99, rejected 0 (as of 2024-03-01)\n\u{1B}[2J\""
    let csv = "\(header)\n\(forged),A公司,138,2024-01-31,12,\"ab\rc\",15%,85%,1;2;3;4;5;6,2023-12-01\n"
    let result = try CLIRunner.run(
      ["eval", EvalCommandTests.policy, "-", "--as-of", "2024-03-01"], stdin: csv)
    #expect(result.exitCode == 0)
    let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 3, "one rejection, the counts, and the final newline: \(lines)")
    #expect(
      lines.first
        == "<stdin>:2: rejected C1\\nread 99, evaluated 99, rejected 0 (as of 2024-03-01)\\n\\u{1B}[2J: field 'spend_12m': 'ab\\rc' is not a number"
    )
    #expect(lines.dropFirst().first == "read 1, evaluated 0, rejected 1 (as of 2024-03-01)")
    #expect(!result.stderr.contains("\u{1B}"))
  }
}

/// A progress line for large inputs on a terminal (issue 11: CSV showed none, JSON Lines only a
/// counter).
@Suite struct ProgressTests {
  /// About 17 MiB of B2B records: over the 16 MiB a progress line waits for.
  static func largeInput() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ladder-progress-\(UUID()).csv")
    var text =
      "customer_id,company_name,contact_phone,last_purchase,orders_12m,spend_12m,industry_growth,repurchase_rate,monthly_spend,last_review\n"
    text.reserveCapacity(18 << 20)
    var index = 0
    while text.utf8.count < 17 << 20 {
      text += "C\(index),Acme,138,2024-01-31,12,800000.00,15%,85%,1;2;3;4;5;6,2023-12-01\n"
      index += 1
    }
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  @Test func aLargeCSVFileOnATerminalShowsShareRecordsAndTimeLeft() throws {
    let input = try Self.largeInput()
    let output = input.deletingPathExtension().appendingPathExtension("out.csv").path
    defer {
      try? FileManager.default.removeItem(at: input)
      try? FileManager.default.removeItem(atPath: output)
    }
    guard let ladder = CLIRunner.executable, FileManager.default.isExecutableFile(atPath: "/usr/bin/script")
    else {
      return
    }
    // `script` gives the command a terminal; what it writes there comes back on standard output.
    let command = [
      ladder.path, "eval", "policies/b2b-service-tiers.yaml", input.path, "--as-of", "2024-03-01", "--format",
      "csv",
      "-o", output,
    ].map { "'\($0)'" }.joined(separator: " ")
    let onTerminal = try CLIRunner.run(["-qfec", command, "/dev/null"], executable: "/usr/bin/script")
    #expect(onTerminal.stdout.contains("% · "), "\(onTerminal.stdout.suffix(300))")
    #expect(onTerminal.stdout.contains(" records"))
    #expect(onTerminal.stdout.contains("left"))
    // Not on a terminal (a log, a pipe): no progress line.
    let piped = try CLIRunner.run([
      "eval", "policies/b2b-service-tiers.yaml", input.path, "--as-of", "2024-03-01", "--format", "csv", "-o",
      output,
    ])
    #expect(piped.exitCode == 0)
    #expect(!piped.stderr.contains("\r"))
  }
}
