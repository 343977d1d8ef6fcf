import Foundation
import LadderTestSupport
import Testing

/// Policies that check clean cost time and memory linear in their size, in every output format
/// and with traces (issue 17, item 6); policies past the limits are refused (L0110).
@Suite struct CostBoundTests {
  /// Runs `ladder` under a small Python parent that reports the child's peak memory
  /// (`ru_maxrss`, KiB); nil where python3 is missing.
  static func peakMemory(_ arguments: [String]) throws -> (exitCode: Int32, kilobytes: Int)? {
    guard let ladder = CLIRunner.executable,
      FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
    else { return nil }
    let script = """
      import resource, subprocess, sys
      status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
      print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = ["-c", script, ladder.path] + arguments
    process.currentDirectoryURL = RepositoryPaths.root
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let fields = output.split(separator: " ").compactMap {
      Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    guard fields.count == 2 else { return nil }
    return (Int32(fields[0]), fields[1])
  }

  static func write(_ text: String, _ name: String, in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
  }

  static func policy(_ id: String, lets: [String], tiers: [String]) -> String {
    var lines = [
      "ladder: 1", "policy: \(id)", "inputs:", "  id: { type: string, key: true }", "  x: { type: int }",
    ]
    if !lets.isEmpty { lines += ["let:"] + lets.map { "  \($0)" } }
    lines += ["tiers:"] + tiers.map { "  - \($0)" }
    return lines.joined(separator: "\n") + "\n"
  }

  /// 220 lets of about 500 tokens, each summing 240 uses of the ten lets before it: the shape
  /// that needed 8 GB with `--format csv` when every intermediate value took a 4,096-row column.
  static func widePolicy() -> String {
    var random = SeededRandom(seed: 3)
    var lets = ["l0: x + 1"]
    for index in 1..<220 {
      let uses = (0..<240).map { _ in "l\(max(0, index - 10) + Int(random.next() % UInt64(min(index, 10))))" }
      lets.append("l\(index): (\(uses.joined(separator: " + "))) / 240")
    }
    return policy("wide", lets: lets, tiers: ["{ id: a, when: l219 > 5 }", "{ id: b, otherwise: true }"])
  }

  static func records(_ count: Int) -> String {
    "id,x\n" + (0..<count).map { "k\($0),\($0)\n" }.joined()
  }

  @Test func largestPoliciesWithinTheLimitsStayUnderFourHundredMegabytes() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "ladder-cost-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let wide = try Self.write(Self.widePolicy(), "wide.yaml", in: directory)
    let chain = try Self.write(
      Self.policy(
        "chain", lets: ["l0: x + 1"] + (1..<1000).map { "l\($0): l\($0 - 1) + 1" },
        tiers: ["{ id: a, when: l999 > 5 }", "{ id: b, otherwise: true }"]),
      "chain.yaml", in: directory)
    let tiers = try Self.write(
      Self.policy(
        "tiers", lets: [],
        tiers: (0..<199).map { "{ id: t\($0), when: x == \(100_000 + $0) }" } + [
          "{ id: rest, otherwise: true }"
        ]),
      "tiers.yaml", in: directory)
    let few = try Self.write(Self.records(10), "few.csv", in: directory)
    let many = try Self.write(Self.records(1000), "many.csv", in: directory)
    let runs: [[String]] = [
      [wide, few, "--format", "csv"], [wide, few, "--format", "jsonl"], [wide, few, "--format", "table"],
      [wide, few, "--explain"], [chain, many, "--explain"], [chain, many, "--format", "csv"],
      [tiers, many, "--explain"],
    ]
    for run in runs {
      let measured = try #require(
        try Self.peakMemory(["eval", run[0], run[1], "--as-of", "2024-03-01"] + run.dropFirst(2)),
        "the peak memory is measured through /usr/bin/python3")
      #expect(measured.exitCode == 0, "\(run)")
      #expect(measured.kilobytes < 400_000, "\(run.dropFirst(2)) on \(run[0]): \(measured.kilobytes) KiB")
    }
  }

  @Test func policiesPastTheLimitsAreRefusedQuickly() throws {
    let tiers = Self.policy(
      "tiers", lets: [],
      tiers: (0..<5000).map { "{ id: t\($0), when: x == \($0) }" } + ["{ id: rest, otherwise: true }"])
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "ladder-cost-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = try Self.write(tiers, "tiers.yaml", in: directory)
    let checked = try CLIRunner.run(["check", path])
    #expect(checked.exitCode == 1)
    #expect(checked.stderr.contains("error: the policy declares 5001 tiers; at most 200 are allowed [L0110]"))
    #expect(checked.stderr.contains("checked 1 policy: 1 error"))
  }
}
