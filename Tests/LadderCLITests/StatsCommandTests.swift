import Foundation
import LadderTestSupport
import Testing

/// `ladder stats`, `ladder stats --merge` and `ladder eval --stats` (issue 12): a population
/// policy decided part by part, each part ranked in the whole population, gives the lines one run
/// over the whole file gives.
@Suite struct StatsCommandTests {
  static let policy = "policies/retail-rfm-abc.yaml"
  static let records = "examples/retail-rfm-abc.csv"

  /// The example's records in three headerless parts (its records are one line each).
  static func parts() throws -> (directory: URL, parts: [String], header: String) {
    let directory = try EvalCommandTests.temporaryDirectory()
    let text = try String(contentsOfFile: RepositoryPaths.path(records), encoding: .utf8)
    var lines = text.split(separator: "\n").map(String.init)
    let header = lines.removeFirst()
    let cuts = [0, 7, 30, lines.count]
    var paths: [String] = []
    for (index, (start, end)) in zip(cuts, cuts.dropFirst()).enumerated() {
      let path = directory.appendingPathComponent("part-0000\(index).csv").path
      try (lines[start..<end].joined(separator: "\n") + "\n").write(
        toFile: path, atomically: true, encoding: .utf8)
      paths.append(path)
    }
    return (directory, paths, header)
  }

  @Test(arguments: ["csv", "jsonl"])
  func partsDecidedWithMergedStatisticsGiveTheWholeFilesLines(format: String) throws {
    let (directory, parts, header) = try Self.parts()
    defer { try? FileManager.default.removeItem(at: directory) }
    let common = ["--as-of", "2024-03-01"]
    var statistics: [String] = []
    for part in parts {
      let path = part + ".stats"
      let made = try CLIRunner.run(["stats", Self.policy, part, "--header", header, "-o", path] + common)
      #expect(made.exitCode == 0, "\(made.stderr)")
      #expect(made.stderr.contains("1 part,"))
      statistics.append(path)
    }
    // All at once in reverse, and in two steps: the same file.
    let all = directory.appendingPathComponent("all.stats").path
    let merged = try CLIRunner.run(["stats", "--merge"] + statistics.reversed() + ["-o", all])
    #expect(merged.exitCode == 0 && merged.stderr.hasPrefix("3 parts, 41 records"), "\(merged.stderr)")
    let firstTwo = directory.appendingPathComponent("two.stats").path
    let stepwise = directory.appendingPathComponent("stepwise.stats").path
    #expect(
      try CLIRunner.run(["stats", "--merge", statistics[0], statistics[1], "-o", firstTwo]).exitCode == 0)
    #expect(try CLIRunner.run(["stats", "--merge", statistics[2], firstTwo, "-o", stepwise]).exitCode == 0)
    #expect(FileManager.default.contents(atPath: all) == FileManager.default.contents(atPath: stepwise))
    // The parts' statistics one after another on standard input, as the Spark job pipes them.
    let stream = try statistics.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }.reduce(Data(), +)
    let piped = try CLIRunner.run(["stats", "--merge", "-"], stdinBytes: stream)
    #expect(piped.exitCode == 0 && Data(piped.stdout.utf8) == FileManager.default.contents(atPath: all))

    let explain = format == "jsonl" ? ["--explain"] : []
    let whole = try CLIRunner.run(["eval", Self.policy, Self.records, "--format", format] + explain + common)
    var joined = ""
    for part in parts {
      let decided = try CLIRunner.run(
        ["eval", Self.policy, part, "--header", header, "--stats", all, "--format", format] + explain + common
      )
      #expect(decided.exitCode == 0, "\(decided.stderr)")
      joined += decided.stdout
    }
    var expected = whole.stdout
    if format == "csv" {
      // Parts without a header line give lines without one.
      expected = String(expected.drop { $0 != "\n" }.dropFirst())
    } else {
      // A trace names the file and line it came from: the part's, not the whole file's.
      func withoutOrigins(_ text: String) -> String {
        text.replacingOccurrences(
          of: #""origin":"[^"]*""#, with: "\"origin\":\"\"", options: .regularExpression)
      }
      (expected, joined) = (withoutOrigins(expected), withoutOrigins(joined))
    }
    #expect(joined == expected, "\(Golden.lineDiff(expected: expected, actual: joined))")
    // The statistics ahead of the part's records on standard input, as a Spark task gets them.
    let ahead: Data =
      try Data(contentsOf: URL(fileURLWithPath: all)) + Data(contentsOf: URL(fileURLWithPath: parts[1]))
    let fromStream = try CLIRunner.run(
      [
        "eval", Self.policy, "-", "--input-format", "csv", "--header", header, "--stats", "-", "--part",
        "part-00001.csv", "--format", format,
      ] + explain + common, stdinBytes: ahead)
    let fromFile = try CLIRunner.run(
      ["eval", Self.policy, parts[1], "--header", header, "--stats", all, "--format", format] + explain
        + common)
    #expect(fromStream.exitCode == 0, "\(fromStream.stderr)")
    // Only the traces' origin differs (standard input against the file's name).
    #expect(
      fromStream.stdout.replacingOccurrences(of: "<stdin>", with: parts[1]) == fromFile.stdout
        && !fromStream.stdout.isEmpty)
  }

  @Test func statisticsThatDoNotFitAreRefusedAndSayWhy() throws {
    let (directory, parts, header) = try Self.parts()
    defer { try? FileManager.default.removeItem(at: directory) }
    let stats = parts[0] + ".stats"
    let common = ["--as-of", "2024-03-01", "--header", header]
    #expect(try CLIRunner.run(["stats", Self.policy, parts[0], "-o", stats] + common).exitCode == 0)
    // Another part, under a name the statistics lack.
    let other = try CLIRunner.run(["eval", Self.policy, parts[1], "--stats", stats] + common)
    #expect(other.exitCode == 65 && other.stderr.contains("no part named 'part-00001.csv'"))
    #expect(other.stdout.isEmpty)
    // The right name for other records.
    let renamed = try CLIRunner.run(
      ["eval", Self.policy, parts[1], "--stats", stats, "--part", "part-00000.csv"] + common)
    #expect(renamed.exitCode == 65 && renamed.stderr.contains("when its statistics were made"))
    // Another date.
    let later = try CLIRunner.run([
      "eval", Self.policy, parts[0], "--stats", stats, "--as-of", "2024-04-01", "--header", header,
    ])
    #expect(later.exitCode == 65 && later.stderr.contains("made as of 2024-03-01"))
    // The same part twice in a merge; a file that is not statistics.
    let twice = try CLIRunner.run(["stats", "--merge", stats, stats])
    #expect(twice.exitCode == 65 && twice.stderr.contains("in the statistics twice"))
    let notStats = try CLIRunner.run(["eval", Self.policy, parts[0], "--stats", parts[1]] + common)
    #expect(
      notStats.exitCode == 65
        && notStats.stderr.contains("part-00001.csv:1: not a Ladder population statistics"))
    // A policy without population functions needs no statistics; --part needs --stats.
    let perRecord = try CLIRunner.run(["stats", EvalCommandTests.policy, EvalCommandTests.records])
    #expect(perRecord.exitCode == 64 && perRecord.stderr.contains("no population functions"))
    let unnamedFormat = try CLIRunner.run(["eval", Self.policy, "-", "--stats", "-"] + common)
    #expect(unnamedFormat.exitCode == 64 && unnamedFormat.stderr.contains("--stats - reads the statistics"))
    let partAlone = try CLIRunner.run(["eval", Self.policy, parts[0], "--part", "x"] + common)
    #expect(partAlone.exitCode == 64 && partAlone.stderr.contains("--part goes with --stats"))
  }
}
