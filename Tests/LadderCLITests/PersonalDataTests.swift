import Foundation
import LadderTestSupport
import Testing

/// Personal data is never shown (issue 11): not in any output format, not through a let
/// computed from it, not in a condition's values, a band's value, a diff, a test report or a
/// rejection. Every command and format is run on records holding distinctive personal values,
/// and every byte it writes is searched for them.
@Suite struct PersonalDataTests {
  /// The personal values of the records: none may appear anywhere.
  static let secrets = ["13812345679", "wang.fang@example.com", "1961-07-15", "1958-02-03", "1961-13-45"]

  static func policy(spendThreshold: Int) -> String {
    """
    ladder: 1
    policy: personal
    version: "\(spendThreshold)"
    inputs:
      customer_id: { type: string, key: true }
      phone:       { type: string, personal: true, optional: true }
      email:       { type: string, personal: true, optional: true }
      birth_date:  { type: date, personal: true }
      spend:       { type: decimal, min: 0 }
    let:
      age: years_between(birth_date, as_of)
      born: birth_date
      contact: email ?? phone ?? "none"
      age_rank: percentile(age)
    score:
      components:
        maturity: { weight: 50%, of: age, bands: [">= 60: 100", ">= 30: 50", "else: 0"] }
        value:    { weight: 50%, of: spend, bands: [">= \(spendThreshold): 100", "else: 0"] }
    tiers:
      - { id: senior, when: age >= 60 and born < 1970-01-01 }
      - { id: vip, when: score >= 50 and contact != "wang.fang@example.org" }
      - { id: standard, otherwise: true }
    review:
      triggers:
        - { id: call, when: (phone ?? "") != "13800000000", then: flag, because: not the switchboard }
    """
  }

  static let records = """
    customer_id,phone,email,birth_date,spend
    C1,13812345679,wang.fang@example.com,1961-07-15,500
    C2,,,1958-02-03,2000
    C3,13812345679,,1961-13-45,100

    """

  static let tests = """
    tests: policy.yaml
    as_of: 2024-03-01
    defaults: { customer_id: T, phone: "13812345679", email: wang.fang@example.com, birth_date: 1961-07-15, spend: 0 }
    cases:
      - name: wrong on purpose, so the report shows what decided
        expect: { tier: standard }

    """

  /// A folder holding two versions of the policy, the records as CSV and JSON Lines and a test
  /// file; removed when the value goes.
  final class Fixture {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ladder-personal-\(UUID())")
    func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

    init() throws {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      try PersonalDataTests.policy(spendThreshold: 1000).write(
        toFile: file("policy.yaml"), atomically: true, encoding: .utf8)
      try PersonalDataTests.policy(spendThreshold: 400).write(
        toFile: file("policy-v2.yaml"), atomically: true, encoding: .utf8)
      try PersonalDataTests.records.write(toFile: file("records.csv"), atomically: true, encoding: .utf8)
      try PersonalDataTests.tests.write(toFile: file("policy.tests.yaml"), atomically: true, encoding: .utf8)
      let jsonLines = """
        {"customer_id":"C1","phone":"13812345679","email":"wang.fang@example.com","birth_date":"1961-07-15","spend":500}
        {"customer_id":"C2","birth_date":"1958-02-03","spend":2000}

        """
      try jsonLines.write(toFile: file("records.jsonl"), atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Every command and format that could show a record's values.
    var runs: [[String]] {
      let asOf = ["--as-of", "2024-03-01"]
      return [
        ["eval", file("policy.yaml"), file("records.csv")] + asOf,
        ["eval", file("policy.yaml"), file("records.csv"), "--format", "csv"] + asOf,
        ["eval", file("policy.yaml"), file("records.csv"), "--format", "table"] + asOf,
        ["eval", file("policy.yaml"), file("records.csv"), "--explain"] + asOf,
        ["eval", file("policy.yaml"), file("records.jsonl"), "--explain"] + asOf,
        ["eval", file("policy.yaml"), file("records.csv"), "--on-error", "emit", "--format", "csv"] + asOf,
        [
          "eval", file("policy.yaml"), file("records.csv"), "--rejects", file("rejects.jsonl"), "-o",
          file("out.jsonl"),
        ]
          + asOf,
        ["explain", file("policy.yaml"), file("records.csv"), "--id", "C1"] + asOf,
        ["explain", file("policy.yaml"), file("records.csv"), "--id", "C1", "--format", "json"] + asOf,
        ["explain", file("policy.yaml"), file("records.csv"), "--id", "C3"] + asOf,
        ["diff", file("policy.yaml"), file("policy-v2.yaml"), file("records.csv"), "--all"] + asOf,
        ["diff", file("policy.yaml"), file("policy-v2.yaml"), file("records.csv"), "--format", "json"] + asOf,
        ["diff", file("policy.yaml"), file("policy-v2.yaml"), file("records.csv"), "--format", "markdown"]
          + asOf,
        ["test", file("policy.tests.yaml"), "--junit", file("junit.xml")],
      ]
    }
  }

  @Test func noOutputOfAnyCommandShowsAPersonalValue() throws {
    let fixture = try Fixture()
    func file(_ name: String) -> String { fixture.file(name) }
    let runs = [["check", file("policy.yaml")]] + fixture.runs
    var everything = ""
    for arguments in runs {
      let result = try CLIRunner.run(arguments)
      let shown = "ladder \(arguments.joined(separator: " ")) (exit \(result.exitCode))"
      #expect(!result.stdout.isEmpty || !result.stderr.isEmpty, "\(shown) said nothing")
      for secret in Self.secrets {
        #expect(!result.stdout.contains(secret), "\(shown) shows \(secret):\n\(result.stdout)")
        #expect(!result.stderr.contains(secret), "\(shown) shows \(secret) on stderr:\n\(result.stderr)")
      }
      everything += result.stdout
    }
    for written in ["rejects.jsonl", "out.jsonl", "junit.xml"] {
      let text = try String(contentsOfFile: file(written), encoding: .utf8)
      for secret in Self.secrets { #expect(!text.contains(secret), "\(written) shows \(secret)") }
    }
    // What was masked is still there, as `***`: the lets computed from personal data, the band
    // value, the condition values, the population note.
    #expect(everything.contains(#"{"name":"age","value":"***""#))
    #expect(everything.contains(#"{"name":"contact","value":"***""#))
    #expect(everything.contains(#"{"name":"maturity","value":"***""#))
    #expect(everything.contains(#"{"condition":"(phone ?? \"\") != \"13800000000\"","values":"***""#))
    #expect(everything.contains(#"{"call":"percentile(age)","value":"***","explanation":"age *** is at"#))
  }

  /// `--show-personal-data` is the way to see them: every command that masks takes it, shows
  /// the values and says on standard error that it did.
  @Test func showPersonalDataShowsThemAndSaysSo() throws {
    let fixture = try Fixture()
    var everything = ""
    for arguments in fixture.runs {
      let result = try CLIRunner.run(arguments + ["--show-personal-data"])
      let shown = "ladder \(arguments.joined(separator: " ")) --show-personal-data (exit \(result.exitCode))"
      #expect(result.stderr.contains("personal values are shown unmasked"), "\(shown):\n\(result.stderr)")
      everything += result.stdout
    }
    for written in ["rejects.jsonl", "junit.xml"] {
      everything += try String(contentsOfFile: fixture.file(written), encoding: .utf8)
    }
    for secret in Self.secrets { #expect(everything.contains(secret), "nothing shows \(secret)") }
    #expect(everything.contains(#"{"name":"phone","type":"string","value":"13812345679","personal":true}"#))
    #expect(everything.contains(#"{"name":"age","value":"62""#))
    #expect(!everything.contains("***"))
  }
}
