import Foundation
import Ladder
import LadderTestSupport
import Testing

/// Pins what `ladder eval` and `ladder explain` produce for the example policies and records:
/// `Golden/eval/NAME.{jsonl,csv,rejects}` and `Golden/traces/NAME-KEY.{txt,json}`.
enum GoldenOutputs {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .appendingPathComponent("Golden")
  static let policies = [
    "b2b-service-tiers", "loyalty-tiers", "request-response", "airline-status", "retail-rfm-abc",
    "fintech-risk-grades",
  ]
  static let traced = [
    ("b2b-service-tiers", "C2024001"), ("b2b-service-tiers", "C2024002"), ("b2b-service-tiers", "C2024003"),
    ("b2b-service-tiers", "C2024009"), ("loyalty-tiers", "M0004"), ("request-response", "R00001"),
    ("airline-status", "FF00004"), ("retail-rfm-abc", "R0005"), ("fintech-risk-grades", "F00020"),
  ]
  static let asOf = CivilDate(parsing: "2024-03-01") ?? CivilDate(daysSinceEpoch: 0)

  static func outcomes(_ name: String, trace: Bool) throws -> (CompiledPolicy, [RecordOutcome]) {
    let text = try String(contentsOfFile: RepositoryPaths.path("policies/\(name).yaml"), encoding: .utf8)
    let policy = try #require(compilePolicy(text, path: "policies/\(name).yaml"))
    let bytes = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/\(name).csv"))))
    return (
      policy,
      evaluate(
        policy, bytes: bytes, format: .csv, asOf: "2024-03-01", trace: trace, origin: "examples/\(name).csv")
    )
  }

  static func check(_ actual: String, _ relative: String) {
    if let problem = Golden.compare(actual, toFileAt: directory.appendingPathComponent(relative).path) {
      Issue.record(Comment(rawValue: problem))
    }
  }
}

@Suite struct GoldenOutputTests {
  @Test(arguments: GoldenOutputs.policies)
  func evalOutputMatches(_ name: String) throws {
    let (policy, outcomes) = try GoldenOutputs.outcomes(name, trace: false)
    var jsonl = ""
    var csv = DecisionCSV.header(policy: policy, withErrors: false) + "\n"
    var rejects = ""
    for outcome in outcomes {
      switch outcome {
      case .decided(_, let decision):
        jsonl += DecisionJSON.render(decision, policy: policy, asOf: GoldenOutputs.asOf) + "\n"
        csv +=
          DecisionCSV.render(decision, policy: policy, asOf: GoldenOutputs.asOf, withErrors: false) + "\n"
      case .rejected(let problem):
        rejects += DecisionJSON.renderRejection(problem) + "\n"
      }
    }
    GoldenOutputs.check(jsonl, "eval/\(name).jsonl")
    GoldenOutputs.check(csv, "eval/\(name).csv")
    GoldenOutputs.check(rejects, "eval/\(name).rejects")
  }

  @Test(arguments: GoldenOutputs.traced.map { "\($0.0)/\($0.1)" })
  func explainOutputMatches(_ item: String) throws {
    let parts = item.split(separator: "/").map(String.init)
    let (_, outcomes) = try GoldenOutputs.outcomes(parts[0], trace: true)
    let decision = try #require(outcomes.compactMap(\.decision).first { $0.key == parts[1] })
    let trace = try #require(decision.trace)
    GoldenOutputs.check(TraceText.render(trace), "traces/\(parts[0])-\(parts[1]).txt")
    GoldenOutputs.check(TraceJSON.render(trace) + "\n", "traces/\(parts[0])-\(parts[1]).json")
  }
}
