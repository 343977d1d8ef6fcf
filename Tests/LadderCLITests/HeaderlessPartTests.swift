import Foundation
import LadderTestSupport
import Testing

/// `ladder eval` as a strict filter over one part of a larger file (issue 12): CSV without a
/// header line (`--header`), one output line for each record in, in order, with nothing in the
/// environment.
@Suite struct HeaderlessPartTests {
  static let policy = EvalCommandTests.policy
  static let records = EvalCommandTests.records

  /// The example's records without their header line, in a file of their own (as bytes: one
  /// record's text is not valid UTF-8, on purpose).
  static func part(of records: String = records) throws -> (directory: URL, part: URL, header: String) {
    let directory = try EvalCommandTests.temporaryDirectory()
    let bytes = try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path(records)))
    let headerEnd = try #require(bytes.firstIndex(of: UInt8(ascii: "\n")))
    let part = directory.appendingPathComponent("part-00000.csv")
    try bytes[(headerEnd + 1)...].write(to: part)
    return (directory, part, String(decoding: bytes[..<headerEnd], as: UTF8.self))
  }

  /// The per-record example and the population one (whose part is the whole population).
  @Test(arguments: [
    ("policy", policy, records), ("names", policy, records),
    ("policy", "policies/retail-rfm-abc.yaml", "examples/retail-rfm-abc.csv"),
  ])
  func aPartGivesTheWholeFilesLinesWithoutTheHeader(header: String, policy: String, records: String) throws {
    let (directory, part, names) = try Self.part(of: records)
    defer { try? FileManager.default.removeItem(at: directory) }
    let whole = try CLIRunner.run(["eval", policy, records, "--as-of", "2024-03-01", "--format", "csv"])
    let isPopulation = policy.contains("rfm")
    let partOut = try CLIRunner.run(
      [
        "eval", policy, part.path, "--as-of", "2024-03-01", "--format", "csv",
        "--header", header == "policy" ? "policy" : names,
      ] + (isPopulation ? ["--whole-population"] : []))
    #expect(whole.exitCode == 0 && partOut.exitCode == 0)
    // The same decisions, without the header line.
    let wholeLines = whole.stdout.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(partOut.stdout == wholeLines.dropFirst().joined(separator: "\n"))
    // Rejections name the part's own lines: one less than the whole file's.
    let wholeRejected = whole.stderr.split(separator: "\n").filter { $0.contains(": rejected") }
    let partRejected = partOut.stderr.split(separator: "\n").filter { $0.contains(": rejected") }
    #expect(wholeRejected.count == partRejected.count)
    for (inWhole, inPart) in zip(wholeRejected, partRejected) {
      func line(_ text: Substring) -> Int? {
        text.split(separator: ":").dropFirst().first.flatMap { Int($0) }
      }
      #expect(line(inPart).map { $0 + 1 } == line(inWhole), "\(inPart)")
    }
  }

  /// With `--on-error emit`, every record in gives one line out, CSV and JSON Lines alike.
  @Test(arguments: ["csv", "jsonl"]) func emitKeepsOneLineOutForEachLineIn(format: String) throws {
    let (directory, part, _) = try Self.part()
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try CLIRunner.run([
      "eval", Self.policy, part.path, "--as-of", "2024-03-01", "--format", format, "--header", "policy",
      "--on-error", "emit",
    ])
    #expect(result.exitCode == 0)
    let recordsIn = try Data(contentsOf: part).split(separator: UInt8(ascii: "\n")).count
    #expect(result.stdout.split(separator: "\n").count == recordsIn)
  }

  /// A process started with nothing in its environment (as Spark's `RDD.pipe` starts it) gives
  /// the same bytes.
  @Test func anEmptyEnvironmentGivesTheSameBytes() throws {
    let (directory, part, _) = try Self.part()
    defer { try? FileManager.default.removeItem(at: directory) }
    let arguments = ["eval", Self.policy, part.path, "--as-of", "2024-03-01", "--header", "policy"]
    let usual = try CLIRunner.run(arguments)
    let process = Process()
    process.executableURL = try #require(CLIRunner.executable)
    process.arguments = arguments
    process.currentDirectoryURL = RepositoryPaths.root
    process.environment = [:]
    let output = directory.appendingPathComponent("out")
    FileManager.default.createFile(atPath: output.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: output)
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(try String(contentsOf: output, encoding: .utf8) == usual.stdout)
  }

  /// A part of a population policy's records would be ranked among themselves: refused, unless
  /// the part is said to hold the whole population.
  @Test func aPopulationPolicyDecidesAPartOnlyWhenItIsTheWholePopulation() throws {
    let (directory, part, _) = try Self.part(of: "examples/retail-rfm-abc.csv")
    defer { try? FileManager.default.removeItem(at: directory) }
    let refused = try CLIRunner.run([
      "eval", "policies/retail-rfm-abc.yaml", part.path, "--as-of", "2024-03-01", "--header", "policy",
    ])
    #expect(refused.exitCode == 64 && refused.stdout.isEmpty)
    #expect(refused.stderr.contains("one part of a file cannot be decided alone"))
  }

  @Test func headerIsRefusedForJSONLinesAndForAnEmptyName() throws {
    let jsonl = try CLIRunner.run([
      "eval", Self.policy, "examples/b2b-service-tiers.jsonl", "--as-of", "2024-03-01", "--header", "policy",
    ])
    #expect(jsonl.exitCode == 64 && jsonl.stderr.contains("--header is for CSV input"))
    let (directory, part, _) = try Self.part()
    defer { try? FileManager.default.removeItem(at: directory) }
    let empty = try CLIRunner.run([
      "eval", Self.policy, part.path, "--as-of", "2024-03-01", "--header", "a,,b",
    ])
    #expect(empty.exitCode == 64 && empty.stderr.contains("has an empty column name"))
  }
}
