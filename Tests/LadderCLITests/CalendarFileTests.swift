import Foundation
import LadderTestSupport
import Testing

/// A calendar kept in a file of its own (`calendars: { support_cn: { file: … } }`): read relative
/// to the policy, checked with its own lines in the diagnostics, and part of the policy's hash.
@Suite struct CalendarFileTests {
  static let policy = """
    ladder: 1
    policy: requests
    record: request
    time_zone: Asia/Shanghai
    calendars:
      support_cn: { file: calendars/support-cn.yaml }
    inputs:
      request_id: { type: string, key: true }
      received_at: { type: datetime }
    tiers:
      - { id: request, otherwise: true }
    service_levels:
      calendar: support_cn
      targets:
        reply: { from: received_at, within: 8h }
    """

  static let calendar = """
    # The support centre's hours and the Spring Festival of 2024.
    hours: { mon-fri: 09:00-18:00 }
    holidays: [2024-02-12, 2024-02-13]
    """

  /// A directory holding the policy, its calendar file and one request.
  static func workspace(calendar: String = calendar) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "ladder-calendar-\(UUID().uuidString)")
    try FileManager.default.createDirectory(
      at: directory.appendingPathComponent("calendars"), withIntermediateDirectories: true)
    try policy.write(to: directory.appendingPathComponent("policy.yaml"), atomically: true, encoding: .utf8)
    try calendar.write(
      to: directory.appendingPathComponent("calendars/support-cn.yaml"), atomically: true, encoding: .utf8)
    try "request_id,received_at\nR1,2024-02-09T17:00+08:00\n".write(
      to: directory.appendingPathComponent("requests.csv"), atomically: true, encoding: .utf8)
    return directory
  }

  @Test func theCalendarInItsFileDecidesTheDeadlineAndTheHash() throws {
    let directory = try Self.workspace()
    defer { try? FileManager.default.removeItem(at: directory) }
    let policy = directory.appendingPathComponent("policy.yaml").path
    let records = directory.appendingPathComponent("requests.csv").path
    let result = try CLIRunner.run(["eval", policy, records, "--as-of", "2024-03-01", "--format", "csv"])
    #expect(result.exitCode == 0, "\(result.stderr)")
    // 1 hour on Friday 9 February; Monday and Tuesday are holidays: 7 hours on Wednesday.
    #expect(result.stdout.contains(",2024-02-14T16:00+08:00,breached,"), "\(result.stdout)")
    let hash = try #require(result.stdout.split(separator: ",").last.map { String($0.dropLast()) })

    // The same policy with one holiday less: another deadline, another hash.
    try "hours: { mon-fri: 09:00-18:00 }\nholidays: [2024-02-12]\n".write(
      toFile: directory.appendingPathComponent("calendars/support-cn.yaml").path, atomically: true,
      encoding: .utf8)
    let changed = try CLIRunner.run(["eval", policy, records, "--as-of", "2024-03-01", "--format", "csv"])
    #expect(changed.stdout.contains(",2024-02-13T16:00+08:00,"), "\(changed.stdout)")
    #expect(!changed.stdout.contains(hash))

    // The ledger keeps a policy's own text: it refuses a policy whose calendar is elsewhere.
    let run = try CLIRunner.run([
      "run", policy, records, "--as-of", "2024-03-01", "--ledger",
      directory.appendingPathComponent("l.db").path,
    ])
    #expect(run.exitCode == 4 && run.stderr.contains("calendar file"), "\(run.stderr)")
  }

  @Test func aMistakeInTheCalendarFileIsShownInThatFile() throws {
    let directory = try Self.workspace(
      calendar: "hours: { mon-fri: 09:00-18:00 }\nholidays: [2024-02-13, 2024-02-12]\n")
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try CLIRunner.run(["check", directory.appendingPathComponent("policy.yaml").path])
    #expect(result.exitCode == 1)
    #expect(
      result.stderr.contains(
        "calendars/support-cn.yaml:2:24: error: the holidays of calendar 'support_cn' are not sorted"),
      "\(result.stderr)")

    try FileManager.default.removeItem(at: directory.appendingPathComponent("calendars/support-cn.yaml"))
    let missing = try CLIRunner.run(["check", directory.appendingPathComponent("policy.yaml").path])
    #expect(missing.exitCode == 1)
    #expect(
      missing.stderr.contains("cannot read the calendar file 'calendars/support-cn.yaml'"),
      "\(missing.stderr)")
  }
}
