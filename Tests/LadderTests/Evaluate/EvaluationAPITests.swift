import Foundation
import Ladder
import LadderTestSupport
import Testing

/// The one batch entry point, `BatchEvaluator.evaluate(_:into:)`: sources, sinks, the backend
/// the library picks, and a sink that stops the reading.
@Suite struct EvaluationAPITests {
  static func example() throws -> (CompiledPolicy, [UInt8], CivilDate) {
    let text = try String(
      contentsOfFile: RepositoryPaths.path("policies/b2b-service-tiers.yaml"), encoding: .utf8)
    let policy = try #require(compilePolicy(text))
    let bytes = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/b2b-service-tiers.csv"))))
    return (policy, bytes, try #require(CivilDate(parsing: "2024-03-01")))
  }

  static func rendered(
    _ evaluator: BatchEvaluator, _ source: RecordSource, _ rendering: DecisionRendering
  ) throws -> (text: String, decided: Int, rejected: Int) {
    var text = ""
    let sink = RenderedOutput(
      rendering, write: { text += String(decoding: $0, as: UTF8.self) },
      reject: { text += "REJECTED line \($0.line)\n" })
    try evaluator.evaluate(source, into: sink)
    return (text, sink.decided, sink.rejected)
  }

  @Test func bothBackendsAndEverySourceGiveTheSameBytes() throws {
    let (policy, bytes, asOf) = try Self.example()
    let automatic = BatchEvaluator(policy: policy, asOf: asOf)
    let scalar = BatchEvaluator(policy: policy, asOf: asOf, backend: .scalar)
    for rendering in [DecisionRendering.csv(withErrors: false), .csv(withErrors: true), .jsonLines] {
      #expect(automatic.runsOnKernels(rendering), "\(rendering)")
      #expect(!scalar.runsOnKernels(rendering))
      let reference = try Self.rendered(scalar, .bytes(bytes, format: .csv), rendering)
      #expect(reference.decided + reference.rejected == 41)
      #expect(reference.rejected > 0, "the example holds bad records")
      #expect(try Self.rendered(automatic, .bytes(bytes, format: .csv), rendering) == reference)
      var offset = 0
      let blocks = RecordSource.csv(blocks: {
        let end = min(bytes.count, offset + 97)
        defer { offset = end }
        return Array(bytes[offset..<end])
      })
      #expect(try Self.rendered(automatic, blocks, rendering) == reference)
    }
  }

  /// A sink that wants two outcomes, then is finished.
  final class FirstTwo: DecisionSink {
    var outcomes: [RecordOutcome] = []
    let rendering: DecisionRendering
    init(_ rendering: DecisionRendering) { self.rendering = rendering }
    var isFinished: Bool { outcomes.count >= 2 }
    func receive(rendered bytes: [UInt8], decisions count: Int) {
      for _ in 0..<count { outcomes.append(.rejected(RecordProblem(line: 0, reason: "rendered"))) }
    }
    func receive(_ outcome: RecordOutcome, rendered: String?) { outcomes.append(outcome) }
  }

  @Test func aFinishedSinkStopsTheReading() throws {
    let (policy, bytes, asOf) = try Self.example()
    let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    // 200,000 records, read in blocks of 64 KiB, into sinks that are finished after two.
    var large = Array(lines[0]) + [UInt8(ascii: "\n")]
    let body = lines.dropFirst().filter { !$0.isEmpty }.map { Array($0) + [UInt8(ascii: "\n")] }
    for index in 0..<200_000 { large += body[index % body.count] }
    for rendering in [DecisionRendering.none, .csv(withErrors: false), .jsonLines] {
      var offset = 0
      let source = RecordSource.csv(blocks: {
        let end = min(large.count, offset + 65_536)
        defer { offset = end }
        return Array(large[offset..<end])
      })
      let sink = FirstTwo(rendering)
      try BatchEvaluator(policy: policy, asOf: asOf).evaluate(source, into: sink)
      #expect(sink.outcomes.count >= 2)
      #expect(offset < large.count / 2, "\(rendering): read \(offset) of \(large.count) bytes")
    }
  }
}
