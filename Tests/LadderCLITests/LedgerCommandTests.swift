import Foundation
import LadderTestSupport
import Testing

/// `ladder run`, `history`, `show`, `replay` and `ledger verify` end to end, and the ledger's
/// promise that a run is all or nothing: a `ladder run` killed with SIGKILL at any moment leaves
/// the ledger intact, holding the run whole or not at all.
@Suite struct LedgerCommandTests {
  final class Scratch {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "ladder-ledger-cli-\(UUID())")
    var ledger: String { directory.appendingPathComponent("ladder.db").path }
    func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

    init() throws {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
  }

  static let policy = "policies/b2b-service-tiers.yaml"
  static let records = "examples/b2b-service-tiers.csv"

  @Test func aYearOfRunsAnsweredFromTheLedger() throws {
    let scratch = try Scratch()
    let ledger = ["--ledger", scratch.ledger]
    let first = try CLIRunner.run(
      ["run", Self.policy, Self.records, "--as-of", "2024-03-01", "--by", "alice"] + ledger)
    #expect(first.exitCode == 0, "\(first.stderr)")
    #expect(
      first.stdout.hasPrefix(
        "run 1 recorded in \(scratch.ledger): b2b-service-tiers 2024.03 as of 2024-03-01, by alice\n"))
    #expect(
      first.stdout.contains(
        "read 41, evaluated 33, rejected 8\ntier changes: 33 (33 new)\n  C2024001  new → vip\n"))
    // Twenty changes are listed, then how many more.
    #expect(first.stdout.contains("  … and 13 more (--all lists them; ladder history KEY shows one)\n"))
    #expect(first.stderr.contains("rejected C2024901: field 'spend_12m': 'abc' is not a number"))
    let again = try CLIRunner.run(["run", Self.policy, Self.records, "--as-of", "2024-03-01"] + ledger)
    #expect(again.exitCode == 4 && again.stderr.contains("already recorded as run 1"))
    let second = try CLIRunner.run(
      ["run", Self.policy, Self.records, "--as-of", "2024-09-01", "--by", "bob", "--format", "json"] + ledger)
    #expect(second.exitCode == 0)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
    #expect(object["run"] as? Int == 2 && object["by"] as? String == "bob")
    let changes = try #require(object["changes"] as? [[String: Any]])
    #expect(
      changes.contains {
        $0["key"] as? String == "C2024002" && $0["from"] as? String == "key"
          && $0["to"] as? String == "standard"
      })

    let history = try CLIRunner.run(["history", "C2024002"] + ledger)
    #expect(history.exitCode == 0)
    let rows = history.stdout.split(separator: "\n").dropFirst().map {
      $0.split(separator: " ").joined(separator: " ")
    }
    #expect(
      rows.count == 2 && rows[0].hasPrefix("2024-03-01 run 1 key 75.00")
        && rows[1].hasPrefix("2024-09-01 run 2 standard 59.00"))

    let shown = try CLIRunner.run(["show", "C2024002", "--as-of", "2024-05-15", "--trace"] + ledger)
    #expect(shown.exitCode == 0)
    #expect(
      shown.stdout.hasPrefix(
        "C2024002 on 2024-05-15: key, since 2024-03-01\n  decided by run 1 as of 2024-03-01"))
    #expect(shown.stdout.contains("→ tier key 重点客户"))
    let before = try CLIRunner.run(["show", "C2024002", "--as-of", "2023-12-31"] + ledger)
    #expect(
      before.exitCode == 4 && before.stderr.contains("no decision for 'C2024002' on or before 2023-12-31"))

    let replay = try CLIRunner.run(["replay", "2"] + ledger)
    #expect(
      replay.exitCode == 0
        && replay.stdout == "run 2: 33 decisions replayed from \(scratch.ledger) alone: all identical\n")
    let verify = try CLIRunner.run(["ledger", "verify"] + ledger)
    #expect(
      verify.exitCode == 0 && verify.stdout.contains(": 2 runs, 66 decisions, the chain is intact\nhead "))
    let runs = try CLIRunner.run(["ledger", "runs"] + ledger)
    #expect(runs.stdout.split(separator: "\n").count == 2 && runs.stdout.contains("by bob"))
  }

  /// A manual tier from the command line: requested, refused to its requester, approved by a
  /// second person, then in every answer about the key.
  @Test func anOverrideFromRequestToApproval() throws {
    let scratch = try Scratch()
    let ledger = ["--ledger", scratch.ledger]
    _ = try CLIRunner.run(
      ["run", Self.policy, Self.records, "--as-of", "2024-03-01", "--by", "alice"] + ledger)
    let requested = try CLIRunner.run(
      ["override", "C2024002", "--tier", "vip", "--reason", "strategic account", "--by", "alice"] + ledger)
    #expect(requested.exitCode == 0)
    #expect(
      requested.stdout == "C2024002 → vip by override 1 (requested by alice: strategic account; pending)\n")
    let own = try CLIRunner.run(["approve", "1", "--by", "alice"] + ledger)
    #expect(own.exitCode == 4 && own.stderr.contains("alice requested override 1 and so cannot approve it"))
    // The acting user can also come from the environment.
    let approved = try CLIRunner.run(["approve", "1"] + ledger, environment: ["LADDER_USER": "bob"])
    #expect(approved.exitCode == 0 && approved.stdout.contains("approved by bob, in force from "))
    let shown = try CLIRunner.run(["show", "C2024002"] + ledger)
    #expect(
      shown.stdout.contains(": vip by override 1 (requested by alice: strategic account; approved by bob"))
    #expect(shown.stdout.contains("\n  the policy alone gives key, since 2024-03-01\n"))
    let history = try CLIRunner.run(["history", "C2024002"] + ledger)
    #expect(history.stdout.contains("  vip by override 1 (requested by alice"))
    let pending = try CLIRunner.run(["overrides", "--pending"] + ledger)
    #expect(pending.exitCode == 0 && pending.stdout.isEmpty)
    let verify = try CLIRunner.run(["ledger", "verify"] + ledger)
    #expect(verify.stdout.contains(": 1 run, 33 decisions, 1 override, the chain is intact"))
    // What other systems are sent: the tier in force (override applied) and the change.
    let export = try CLIRunner.run(["export"] + ledger)
    #expect(
      export.stdout.hasPrefix(
        "key,tier,policy_tier,score,since,run,decided_as_of,override,override_until,as_of\n"))
    #expect(export.stdout.contains("\nC2024002,vip,key,75.00,2024-03-01,1,2024-03-01,1,,"))
    #expect(export.stdout.split(separator: "\n").count == 34)
    let changes = try CLIRunner.run(["changes", "--since", "1"] + ledger)
    #expect(changes.stdout.hasPrefix(#"{"key":"C2024002","tier":"vip","effective":""#))
    #expect(changes.stdout.hasSuffix(#""source":"override 1","until":null}"# + "\n"))
  }

  /// A larger input, so that a run lasts long enough to be killed in the middle.
  static func manyRecords(_ count: Int) -> String {
    var text =
      "customer_id,company_name,contact_phone,last_purchase,orders_12m,spend_12m,industry_growth,repurchase_rate,monthly_spend,last_review\n"
    for index in 0..<count {
      let day = 1 + index % 28
      text +=
        "K\(index),Company \(index),,2024-01-\(day < 10 ? "0" : "")\(day),\(index % 20),\(index % 900_000).00,\(index % 30 - 10)%,\(index % 100)%,1;2;3;4;5;6,2023-12-01\n"
    }
    return text
  }

  /// Starts `ladder run` on the B2B policy without waiting for it; standard error goes to
  /// `errors` when given.
  static func startRun(
    _ executable: URL, records: String, asOf: String, ledger: String, errors: String? = nil
  )
    throws -> Process
  {
    let process = Process()
    process.executableURL = executable
    process.arguments = ["run", policy, records, "--as-of", asOf, "--ledger", ledger]
    process.currentDirectoryURL = RepositoryPaths.root
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    if let errors {
      _ = FileManager.default.createFile(atPath: errors, contents: nil)
      process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
    }
    try process.run()
    return process
  }

  @Test func aRunKilledAtAnyMomentLeavesTheLedgerWholeWithOrWithoutIt() throws {
    let scratch = try Scratch()
    try Self.manyRecords(20_000).write(toFile: scratch.file("big.csv"), atomically: true, encoding: .utf8)
    let executable = try #require(CLIRunner.executable)
    // How long one run takes here, to spread the kills over it.
    let started = Date()
    let timed = try CLIRunner.run(
      ["run", Self.policy, scratch.file("big.csv"), "--as-of", "2020-01-01", "--ledger", scratch.ledger])
    #expect(timed.exitCode == 0, "\(timed.stderr)")
    let duration = Date().timeIntervalSince(started)
    var runs = 1
    var killed = 0
    var generator = SystemRandomNumberGenerator()
    for round in 0..<10 {
      let process = try Self.startRun(
        executable, records: scratch.file("big.csv"), asOf: "2020-02-\(10 + round)", ledger: scratch.ledger)
      Thread.sleep(forTimeInterval: Double.random(in: 0.02...(duration * 0.9), using: &generator))
      if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        killed += 1
      }
      process.waitUntilExit()
      let finished = process.terminationReason == .exit && process.terminationStatus == 0
      let verify = try CLIRunner.run(["ledger", "verify", "--ledger", scratch.ledger])
      #expect(verify.exitCode == 0, "round \(round): \(verify.stdout)")
      // The run is there whole (20,000 decisions) or not at all. A run killed between its
      // commit and its exit is there; one that finished must be.
      let whole = [runs, runs + 1].filter { count in
        verify.stdout.contains(
          ": \(count) run\(count == 1 ? "" : "s"), \(count * 20_000) decisions, the chain is intact")
      }
      #expect(whole.count == 1 && (!finished || whole.first == runs + 1), "round \(round): \(verify.stdout)")
      runs = whole.first ?? runs
    }
    #expect(killed >= 3, "only \(killed) of 10 runs were killed before they finished")
    // The ledger still takes runs, and replays them.
    let last = try CLIRunner.run(
      ["run", Self.policy, scratch.file("big.csv"), "--as-of", "2021-01-01", "--ledger", scratch.ledger])
    #expect(last.exitCode == 0)
  }

  /// A full disk in the middle of a run (the ledger may not grow past a few pages): a clear
  /// error, exit 4, and the ledger exactly as it was.
  @Test func aFullDiskLeavesTheLedgerAsItWas() throws {
    let scratch = try Scratch()
    let ledger = ["--ledger", scratch.ledger]
    _ = try CLIRunner.run(["run", Self.policy, Self.records, "--as-of", "2024-03-01"] + ledger)
    let before = try Data(contentsOf: URL(fileURLWithPath: scratch.ledger))
    let pages = before.count / 4096
    try Self.manyRecords(5_000).write(toFile: scratch.file("big.csv"), atomically: true, encoding: .utf8)
    let full = try CLIRunner.run(
      ["run", Self.policy, scratch.file("big.csv"), "--as-of", "2024-06-01"] + ledger,
      environment: ["LADDER_LEDGER_MAX_PAGES": "\(pages + 3)"])
    #expect(full.exitCode == 4, "\(full.stderr)")
    #expect(full.stderr.contains("the run was not recorded: the disk is full; the ledger was left as it was"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.ledger)) == before)
    let verify = try CLIRunner.run(["ledger", "verify"] + ledger)
    #expect(verify.stdout.contains(": 1 run, 33 decisions, the chain is intact"))
  }

  @Test func twoRunsAtOnceBothLandOneAfterTheOther() throws {
    let scratch = try Scratch()
    // Two exports of the same day (the second a record longer): the B2B policy has a
    // lifecycle, so its runs must land in as-of order, and either may come first.
    try Self.manyRecords(5_000).write(toFile: scratch.file("big0.csv"), atomically: true, encoding: .utf8)
    try Self.manyRecords(5_001).write(toFile: scratch.file("big1.csv"), atomically: true, encoding: .utf8)
    let executable = try #require(CLIRunner.executable)
    let processes = try (0..<2).map { index in
      try Self.startRun(
        executable, records: scratch.file("big\(index).csv"), asOf: "2022-01-01", ledger: scratch.ledger,
        errors: scratch.file("err\(index)"))
    }
    for process in processes { process.waitUntilExit() }
    for (index, process) in processes.enumerated() {
      let errors = (try? String(contentsOfFile: scratch.file("err\(index)"), encoding: .utf8)) ?? ""
      #expect(process.terminationStatus == 0, "\(errors)")
    }
    let verify = try CLIRunner.run(["ledger", "verify", "--ledger", scratch.ledger])
    #expect(verify.stdout.contains(": 2 runs, 10001 decisions, the chain is intact"), "\(verify.stdout)")
  }

  /// A ledger the Ladder of schema 2 or 3 wrote (Tests/Fixtures/ledger-schema-N), opened by this
  /// one: it is migrated, and every question gets the same bytes that Ladder answered with.
  @Test(arguments: [2, 3]) func anOlderLedgerAnswersAsBeforeItsMigration(schema: Int) throws {
    let scratch = try Scratch()
    let fixture = "Tests/Fixtures/ledger-schema-\(schema)"
    try FileManager.default.copyItem(
      atPath: RepositoryPaths.path("\(fixture)/ledger.db"), toPath: scratch.ledger)
    var questions: [(String, [String])] = []
    for key in ["C2024003", "C2024006", "C2024007"] {
      questions.append(("history \(key)", ["history", key]))
    }
    for day in ["2024-07-15", "2024-12-31", "2026-12-31"] {
      for key in ["C2024006", "C2024007"] {
        questions.append(("show \(key) \(day)", ["show", key, "--as-of", day]))
      }
    }
    questions += [
      ("export 2024-10-01", ["export", "--as-of", "2024-10-01"]),
      ("export 2026-12-31", ["export", "--as-of", "2026-12-31"]),
      ("changes 2", ["changes", "--since", "2"]), ("runs", ["ledger", "runs"]),
      ("verify", ["ledger", "verify"]),
      ("replay 1", ["replay", "1"]), ("replay 4", ["replay", "4"]),
    ]
    var answers = ""
    for (title, arguments) in questions {
      let result = try CLIRunner.run(arguments + ["--ledger", scratch.ledger])
      answers += "## \(title)\n" + result.stdout + result.stderr
    }
    let expected = try String(
      contentsOfFile: RepositoryPaths.path("\(fixture)/expected.txt"), encoding: .utf8)
    // Both name the ledger file LEDGER.
    let answered = answers.replacingOccurrences(of: scratch.ledger, with: "LEDGER")
    #expect(answered == expected, "\(Golden.lineDiff(expected: expected, actual: answered))")
  }

  /// Records read from standard input are recorded as from a file, and the warnings of what it
  /// takes to keep a tier (which read the records again) are the same.
  @Test func aRunFromStandardInputPrintsWhatTheRunFromTheFilePrints() throws {
    let (fromFile, fromInput) = (try Scratch(), try Scratch())
    let quarters = ["2024-03-01", "2024-06-01", "2024-09-01", "2024-12-01"]
    var outputs: [String] = []
    for scratch in [fromFile, fromInput] {
      for (index, quarter) in quarters.enumerated() {
        let path = "examples/b2b-quarters/\(quarter).csv"
        let last = index == quarters.count - 1
        let viaInput = last && scratch === fromInput
        let result = try CLIRunner.run(
          [
            "run", Self.policy, viaInput ? "-" : path, "--as-of", quarter, "--by", "alice", "--ledger",
            scratch.ledger,
          ],
          stdinBytes: viaInput ? try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path(path))) : nil)
        #expect(result.exitCode == 0, "\(result.stderr)")
        // The head hashes differ: the runs were recorded at other moments, from another name.
        let lines = result.stdout.replacingOccurrences(of: scratch.ledger, with: "LEDGER")
          .split(separator: "\n").filter { !$0.hasPrefix("head ") }
        if last { outputs.append(lines.joined(separator: "\n")) }
      }
    }
    #expect(outputs.count == 2 && outputs[0].contains("to keep"))
    #expect(
      outputs.first == outputs.last,
      "\(Golden.lineDiff(expected: outputs.first ?? "", actual: outputs.last ?? ""))")
  }
}
