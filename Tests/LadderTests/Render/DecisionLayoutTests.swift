import Foundation
import Ladder
import LadderTestSupport
import Testing

/// The decision layout is the one description of a decision record: every backend's CSV and JSON
/// Lines follow its names and order.
@Suite struct DecisionLayoutTests {
  @Test(arguments: [
    "policies/b2b-service-tiers.yaml", "policies/retail-rfm-abc.yaml", "policies/airline-status.yaml",
  ])
  func everyBackendWritesTheLayoutsFieldsInItsOrder(path: String) throws {
    let text = try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8)
    let policy = try #require(compilePolicy(text, path: path))
    let records = path.replacingOccurrences(of: "policies/", with: "examples/").replacingOccurrences(
      of: ".yaml", with: ".csv")
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path(records))))
    let asOf = try #require(CivilDate(parsing: "2024-03-01"))

    let csvNames = policy.csvLayout(withErrors: true).entries.map(\.name)
    #expect(DecisionCSV.header(policy: policy, withErrors: true) == csvNames.joined(separator: ","))
    #expect(csvNames.first == policy.keyName && csvNames.last == "error")

    let jsonNames = policy.jsonLinesLayout.entries.map(\.name)
    for backend in [BatchEvaluator.Backend.automatic, .scalar] {
      var lines: [String] = []
      let sink = RenderedOutput(
        .jsonLines,
        write: { lines += String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init) })
      try BatchEvaluator(policy: policy, asOf: asOf, backend: backend).evaluate(
        .bytes(bytes, format: .csv), into: sink)
      #expect(!lines.isEmpty)
      for line in lines {
        // Each field of the layout, in its order (`review` only when the decision has one).
        var position = line.startIndex
        for name in jsonNames {
          guard let found = line.range(of: "\"\(name)\":", range: position..<line.endIndex) else {
            #expect(name == "review", "\(backend): no '\(name)' after the fields before it in \(line)")
            continue
          }
          position = found.upperBound
        }
        #expect(line.hasPrefix("{\"\(policy.keyName)\":"))
      }
    }
  }
}
