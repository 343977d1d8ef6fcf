import Foundation
import LadderTestSupport
import Testing

/// `ladder serve` end to end: a server started on a free port in a directory of its own, asked
/// with curl, reloaded, stopped.
@Suite(.serialized) struct ServeTests {
  /// A running `ladder serve` and what it needs.
  final class Server {
    let directory: URL
    let process = Process()
    let log: URL
    var port = 0

    init(policies: [String] = ["b2b-service-tiers", "request-response"], arguments: [String] = []) throws {
      directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "ladder-serve-\(UUID().uuidString)")
      let folder = directory.appendingPathComponent("policies")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      for name in policies {
        try FileManager.default.copyItem(
          atPath: RepositoryPaths.path("policies/\(name).yaml"),
          toPath: folder.appendingPathComponent("\(name).yaml").path)
      }
      // The hashes of "crm-token" (decide) and "audit-token" (read-history).
      let tokens = """
        # name   hash                                                                     roles
        crm      \(try ServeTests.hash("crm-token"))  decide
        audit    \(try ServeTests.hash("audit-token"))  read-history
        maker    \(try ServeTests.hash("maker-token"))  override
        checker  \(try ServeTests.hash("checker-token"))  approve
        both     \(try ServeTests.hash("both-token"))  override,approve
        """
      try tokens.write(to: directory.appendingPathComponent("tokens"), atomically: true, encoding: .utf8)
      log = directory.appendingPathComponent("serve.log")
      FileManager.default.createFile(atPath: log.path, contents: nil)
      process.executableURL = try #require(CLIRunner.executable)
      process.arguments =
        ["serve", folder.path, "--port", "0", "--tokens", directory.appendingPathComponent("tokens").path]
        + arguments
      process.standardError = try FileHandle(forWritingTo: log)
      process.standardOutput = FileHandle.nullDevice
      try process.run()
      // The port is in the line that says the server is serving.
      for _ in 0..<200 {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        if let range = text.range(of: #"on http://127\.0\.0\.1:([0-9]+)"#, options: .regularExpression) {
          port = Int(text[range].split(separator: ":").last ?? "") ?? 0
          return
        }
        if !process.isRunning { break }
        Thread.sleep(forTimeInterval: 0.05)
      }
      Issue.record("the server did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// `curl`: the status and the body.
    func request(
      _ path: String, token: String? = "crm-token", method: String = "GET", body: Data? = nil,
      headers: [String] = []
    ) throws -> (status: Int, body: String) {
      let curl = Process()
      curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
      var arguments = [
        "-s", "-o", "-", "-w", "\n%{http_code}", "-X", method, "http://127.0.0.1:\(port)\(path)",
      ]
      if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
      for header in headers { arguments += ["-H", header] }
      let bodyFile = directory.appendingPathComponent("body-\(UUID().uuidString)")
      if let body {
        try body.write(to: bodyFile)
        arguments += ["--data-binary", "@\(bodyFile.path)"]
      }
      curl.arguments = arguments
      let output = Pipe()
      curl.standardOutput = output
      try curl.run()
      let data = output.fileHandleForReading.readDataToEndOfFile()
      curl.waitUntilExit()
      let text = String(decoding: data, as: UTF8.self)
      let status = Int(text.split(separator: "\n").last ?? "") ?? 0
      return (status, String(text.dropLast(String(status).count + 1)))
    }

    func stop() -> Int32 {
      if process.isRunning {
        process.terminate()
        process.waitUntilExit()
      }
      try? FileManager.default.removeItem(at: directory)
      return process.terminationStatus
    }
  }

  @Test func theLedgerAnswersWhoWasWhatAndOverridesNeedASecondToken() throws {
    let ledgerDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "ladder-ledger-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: ledgerDirectory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: ledgerDirectory) }
    let ledger = ledgerDirectory.appendingPathComponent("ladder.db").path
    let recorded = try CLIRunner.run([
      "run", "policies/b2b-service-tiers.yaml", "examples/b2b-service-tiers.csv", "--as-of", "2024-03-01",
      "--ledger", ledger, "--by", "ci",
    ])
    #expect(recorded.exitCode == 0, "\(recorded.stderr)")
    let server = try Server(arguments: ["--ledger", ledger])
    defer { _ = server.stop() }

    let shown = try server.request("/v1/ledger/keys/C2024001?as_of=2024-06-01", token: "audit-token")
    #expect(shown.status == 200 && shown.body.contains(#""key":"C2024001","tier":"vip""#), "\(shown.body)")
    #expect(try server.request("/v1/ledger/keys/C2024001", token: "crm-token").status == 403)
    #expect(try server.request("/v1/ledger/keys/NOBODY", token: "audit-token").status == 404)
    let history = try server.request("/v1/ledger/keys/C2024002/history", token: "audit-token")
    #expect(history.status == 200 && history.body.hasPrefix(#"{"decisions":[{"key":"C2024002""#))

    // Maker-checker: the token that asked cannot approve; another can.
    let request = Data(
      #"{"key":"C2024002","tier":"vip","reason":"strategic account","until":"2099-12-31"}"#.utf8)
    let asked = try server.request("/v1/ledger/overrides", token: "both-token", method: "POST", body: request)
    #expect(asked.status == 201 && asked.body.contains(#""requested_by":"both""#), "\(asked.body)")
    let id = try #require(
      asked.body.split(separator: ",").first?.split(separator: ":").last.flatMap { Int($0) })
    let own = try server.request(
      "/v1/ledger/overrides/\(id)/approve", token: "both-token", method: "POST", body: Data("{}".utf8))
    #expect(own.status == 409 && own.body.contains("maker-checker"), "\(own.body)")
    #expect(
      try server.request("/v1/ledger/overrides/\(id)/approve", token: "maker-token", method: "POST").status
        == 403)
    let approved = try server.request(
      "/v1/ledger/overrides/\(id)/approve", token: "checker-token", method: "POST",
      body: Data(#"{"reason":"ok"}"#.utf8))
    #expect(
      approved.status == 200 && approved.body.contains(#""status":"approved","decided_by":"checker""#),
      "\(approved.body)")
    let pending = try server.request("/v1/ledger/overrides?pending=true", token: "audit-token")
    #expect(pending.body == #"{"overrides":[]}"# + "\n")
    let again = try server.request(
      "/v1/ledger/overrides/\(id)/reject", token: "checker-token", method: "POST")
    #expect(again.status == 409 && again.body.contains("already decided"))
  }

  static func hash(_ token: String) throws -> String {
    let result = try CLIRunner.run(["token-hash"], stdin: token + "\n")
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  static func example(_ name: String, lines: Int) throws -> Data {
    let text = try String(contentsOfFile: RepositoryPaths.path("examples/\(name)"), encoding: .utf8)
    return Data((text.split(separator: "\n").prefix(lines).joined(separator: "\n") + "\n").utf8)
  }

  @Test func decidesOneRecordAndABatchForATokenThatMay() throws {
    let server = try Server()
    defer { _ = server.stop() }
    let record = try Self.example("b2b-service-tiers.jsonl", lines: 1)
    let decided = try server.request(
      "/v1/policies/b2b-service-tiers/decide?as_of=2024-03-01", method: "POST", body: record)
    #expect(decided.status == 200, "\(decided.body)")
    // The same bytes as `ladder eval` writes for the record.
    let eval = try CLIRunner.run(
      ["eval", "policies/b2b-service-tiers.yaml", "-", "--as-of", "2024-03-01"],
      stdin: String(decoding: record, as: UTF8.self))
    #expect(decided.body == eval.stdout)
    // With its trace.
    let explained = try server.request(
      "/v1/policies/b2b-service-tiers/decide?as_of=2024-03-01&explain=true", method: "POST", body: record)
    #expect(
      explained.status == 200 && explained.body.contains(#""trace":{"policy":{"id":"b2b-service-tiers""#))

    // A batch: every line of the example, in order, the bad records' errors in their places.
    let lines = try Self.example("b2b-service-tiers.jsonl", lines: 1000)
    let batch = try server.request(
      "/v1/policies/b2b-service-tiers/batch?as_of=2024-03-01", method: "POST", body: lines)
    #expect(batch.status == 200)
    let emitted = try CLIRunner.run(
      [
        "eval", "policies/b2b-service-tiers.yaml", "examples/b2b-service-tiers.jsonl", "--as-of",
        "2024-03-01", "--on-error", "emit",
      ])
    #expect(batch.body == emitted.stdout)

    // The service clocks read at the time asked for.
    let request =
      #"{"request_id":"R1","customer_id":"C1","channel":"phone","category":"product_question","customer_tier":"key","received_at":"2024-02-29T14:50+08:00","contacts_so_far":1}"#
    let clocked = try server.request(
      "/v1/policies/request-response/decide?as_of=2024-03-01T09:30%2B08:00", method: "POST",
      body: Data(request.utf8))
    #expect(
      clocked.body.contains(
        #""first_response":{"status":"at_risk","due":"2024-03-01T09:50+08:00","left":"20min""#),
      "\(clocked.body)")

    // A client that asks before sending its body (curl does for a large one) is answered at once,
    // not after its own one-second wait.
    let started = Date()
    let asked = try server.request(
      "/v1/policies/b2b-service-tiers/batch?as_of=2024-03-01", method: "POST", body: lines,
      headers: ["Expect: 100-continue"])
    #expect(asked.status == 200 && asked.body == emitted.stdout)
    #expect(Date().timeIntervalSince(started) < 0.9, "the client waited for 100 Continue")

    let listed = try server.request("/v1/policies")
    #expect(listed.status == 200 && listed.body.contains(#"{"id":"request-response","version":"2024.3""#))
  }

  @Test func refusesWhatItMustWithAClearStatus() throws {
    let server = try Server(arguments: ["--max-body", "2000", "--max-batch", "3"])
    defer { _ = server.stop() }
    let record = try Self.example("b2b-service-tiers.jsonl", lines: 1)
    let path = "/v1/policies/b2b-service-tiers/decide?as_of=2024-03-01"
    #expect(try server.request(path, token: nil, method: "POST", body: record).status == 401)
    #expect(try server.request(path, token: "wrong", method: "POST", body: record).status == 401)
    let forbidden = try server.request(path, token: "audit-token", method: "POST", body: record)
    #expect(forbidden.status == 403 && forbidden.body.contains("lacks the role 'decide'"))
    #expect(try server.request("/v1/policies/nope/decide", method: "POST", body: record).status == 404)
    #expect(try server.request(path, method: "POST", body: Data("not json".utf8)).status == 400)
    #expect(try server.request(path + "&as_of=yesterday", method: "POST", body: record).status == 400)
    let rejected = try server.request(path, method: "POST", body: Data(#"{"customer_id":"C9"}"#.utf8))
    #expect(rejected.status == 422 && rejected.body.contains(#""error":{"line":1,"field":"#))
    let huge = Data(repeating: UInt8(ascii: " "), count: 5000) + record
    #expect(try server.request(path, method: "POST", body: huge).status == 413)
    let four = try Self.example("b2b-service-tiers.jsonl", lines: 4)
    let tooMany = try server.request("/v1/policies/b2b-service-tiers/batch", method: "POST", body: four)
    #expect(tooMany.status == 413 && tooMany.body.contains("at most 3 records, not 4"))
    // Health needs no token.
    #expect(try server.request("/health", token: nil).status == 200)
    // A body nested far too deep is a bad record, not a crash.
    let deep = Data(("{\"customer_id\":" + String(repeating: "[", count: 100_000) + "}").utf8)
    let nested = try server.request(path, method: "POST", body: deep)
    #expect((400..<500).contains(nested.status), "\(nested.status) \(nested.body)")
    #expect(try server.request("/health", token: nil).status == 200)
  }

  @Test func aBatchOfManyBlocksIsEvalsBytesAndEveryTierIsCounted() throws {
    // Over five megabytes: the body is handed to the evaluation in megabyte blocks whose memory
    // the server uses again once the evaluation lets go of them; the answer is written in
    // blocks of a quarter megabyte, each counted in the metrics.
    let server = try Server(arguments: ["--max-body", "\(16 << 20)"])
    defer { _ = server.stop() }
    let example = try String(
      contentsOfFile: RepositoryPaths.path("examples/b2b-service-tiers.jsonl"), encoding: .utf8)
    let text = String(repeating: example.hasSuffix("\n") ? example : example + "\n", count: 2000)
    let file = server.directory.appendingPathComponent("many.jsonl")
    try text.write(to: file, atomically: true, encoding: .utf8)
    let body = Data(text.utf8)
    #expect(body.count > 5 << 20)
    let batch = try server.request(
      "/v1/policies/b2b-service-tiers/batch?as_of=2024-03-01", method: "POST", body: body)
    let emitted = try CLIRunner.run([
      "eval", "policies/b2b-service-tiers.yaml", file.path, "--as-of", "2024-03-01", "--on-error", "emit",
    ])
    #expect(batch.status == 200)
    #expect(batch.body == emitted.stdout)
    let metrics = try server.request("/metrics", token: nil).body
    let tiers = emitted.stdout.split(separator: "\n").compactMap { line -> Substring? in
      guard let range = line.range(of: #","tier":"#) else { return nil }
      let value = line[range.upperBound...]
      guard value.first == "\"" else { return "none" }
      return value.dropFirst().prefix { $0 != "\"" }
    }
    #expect(Set(tiers).count >= 2)
    for tier in Set(tiers) {
      let line =
        #"ladder_decisions_total{policy="b2b-service-tiers",tier="\#(tier)"} "#
        + String(tiers.filter { $0 == tier }.count)
      #expect(metrics.contains(line), "\(line) in\n\(metrics)")
    }
  }

  @Test func aSingleRecordsLineBreaksAreBlanks() throws {
    let server = try Server()
    defer { _ = server.stop() }
    let record = try Self.example("b2b-service-tiers.jsonl", lines: 1)
    let path = "/v1/policies/b2b-service-tiers/decide?as_of=2024-03-01"
    let plain = try server.request(path, method: "POST", body: record)
    #expect(plain.status == 200)
    // The record spread over lines as a pretty-printer writes it, CRLF and LF, is the same record.
    let spread = String(decoding: record, as: UTF8.self)
      .replacingOccurrences(of: ",", with: ",\r\n  ").replacingOccurrences(of: "{", with: "{\n")
    #expect(spread.contains("\r\n") && spread.contains("{\n"))
    let decided = try server.request(path, method: "POST", body: Data(("\r\n" + spread + "\n\n").utf8))
    #expect(decided.status == 200)
    #expect(decided.body == plain.body)
  }

  @Test func aBatchPastItsTimeIsStoppedAndMetricsCountWhatWasDone() throws {
    let server = try Server(arguments: ["--batch-seconds", "0"])
    defer { _ = server.stop() }
    let lines = try Self.example("b2b-service-tiers.jsonl", lines: 1000)
    let late = try server.request(
      "/v1/policies/b2b-service-tiers/batch?as_of=2024-03-01", method: "POST", body: lines)
    // The answer streams: what was decided in time is sent, then a last line says why the rest is not.
    let lastLine = late.body.split(separator: "\n").last.map(String.init) ?? ""
    #expect(
      late.status == 200
        && lastLine.hasPrefix(#"{"error":{"status":503,"message":"the batch took longer than"#),
      "\(late.status) \(late.body)")
    let record = try Self.example("b2b-service-tiers.jsonl", lines: 1)
    _ = try server.request(
      "/v1/policies/b2b-service-tiers/decide?as_of=2024-03-01", method: "POST", body: record)
    _ = try server.request(
      "/v1/policies/b2b-service-tiers/decide?as_of=2024-03-01", method: "POST",
      body: Data(#"{"customer_id":"C9"}"#.utf8))
    let metrics = try server.request("/metrics", token: nil)
    #expect(metrics.status == 200)
    for line in [
      #"ladder_decisions_total{policy="b2b-service-tiers",tier="vip"} 1"#,
      #"ladder_rejected_records_total{policy="b2b-service-tiers"} 1"#,
      #"ladder_reloads_total{outcome="succeeded"} 1"#, "ladder_policies 2",
      #"ladder_http_requests_total{route="/v1/policies/{id}/batch",status="200"} 1"#,
    ] {
      #expect(metrics.body.contains(line), "\(line) in\n\(metrics.body)")
    }
    #expect(
      metrics.body.contains(
        #"ladder_http_request_duration_seconds_bucket{route="/v1/policies/{id}/decide",le="#))
  }

  @Test func aBadPolicyIsRefusedWhileTheOldSetServesAndAGoodOneReplacesIt() throws {
    let server = try Server(arguments: ["--reload-interval", "0"])
    defer { _ = server.stop() }
    let folder = server.directory.appendingPathComponent("policies")
    try "ladder: 1\npolicy: broken\ninputs: [\n".write(
      to: folder.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
    kill(server.process.processIdentifier, SIGHUP)
    var health = ""
    for _ in 0..<100 {
      health = try server.request("/health", token: nil).body
      if health.contains(#""succeeded":false"#) { break }
      Thread.sleep(forTimeInterval: 0.05)
    }
    #expect(
      health.contains(#""status":"serving the previous policies""#) && health.contains("broken.yaml"),
      "\(health)")
    #expect(try server.request("/v1/policies").body.contains(#""id":"b2b-service-tiers""#))

    try FileManager.default.removeItem(at: folder.appendingPathComponent("broken.yaml"))
    let path = folder.appendingPathComponent("request-response.yaml")
    let text = try String(contentsOf: path, encoding: .utf8).replacingOccurrences(
      of: #"version: "2024.3""#, with: #"version: "2024.4""#)
    try text.write(to: path, atomically: true, encoding: .utf8)
    kill(server.process.processIdentifier, SIGHUP)
    var listed = ""
    for _ in 0..<100 {
      listed = try server.request("/v1/policies").body
      if listed.contains(#""version":"2024.4""#) { break }
      Thread.sleep(forTimeInterval: 0.05)
    }
    #expect(listed.contains(#""version":"2024.4""#), "\(listed)")
    #expect(try server.request("/health", token: nil).body.contains(#""succeeded":true"#))
    // SIGTERM stops it cleanly.
    #expect(server.stop() == 0)
  }

  @Test func aBrokenDirectoryNeverStarts() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "ladder-serve-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try "ladder: 1\npolicy: x\n".write(
      to: directory.appendingPathComponent("x.yaml"), atomically: true, encoding: .utf8)
    try "crm sha256:\(String(repeating: "0", count: 64)) decide\n".write(
      to: directory.appendingPathComponent("tokens"), atomically: true, encoding: .utf8)
    let result = try CLIRunner.run([
      "serve", directory.path, "--port", "0", "--tokens", directory.appendingPathComponent("tokens").path,
    ])
    #expect(result.exitCode == 1 && result.stderr.contains("the server does not start"), "\(result.stderr)")
    try "crm sha256:abc decide\n".write(
      to: directory.appendingPathComponent("tokens"), atomically: true, encoding: .utf8)
    let badTokens = try CLIRunner.run([
      "serve", directory.path, "--port", "0", "--tokens", directory.appendingPathComponent("tokens").path,
    ])
    #expect(badTokens.exitCode == 64 && badTokens.stderr.contains("tokens:1:"), "\(badTokens.stderr)")
  }
}
