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

  @Test func recordsLongerThanABlockAndLineEndsAtReadEdgesReadAsTheScalarBackendReadsThem() throws {
    // The example's records with a notes column the policy does not read, repeated to about
    // 6 MB, read as the CLI reads (1 MiB, then 4 MiB): one record's notes is 2.6 MB of quoted
    // text with line breaks (it runs over several blocks), every tenth record ends in CRLF, and
    // some notes hold line breaks that a block may start right after.
    let (policy, bytes, asOf) = try Self.example()
    let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    let header = Array(lines[0]) + Array(",notes\n".utf8)
    let body = lines.dropFirst().filter { !$0.isEmpty }.map { Array($0) }
    var large = header
    var index = 0
    while large.count < 6 << 20 {
      let notes: String =
        switch index % 7 {
        case _ where index == 900:
          "\"\(String(repeating: "long notes, with\nline breaks ", count: 90_000))\""
        case 0: "\"called twice\nthen \"\"again\"\"\""
        case 3: "plain"
        default: ""
        }
      large += body[index % body.count] + Array(",\(notes)".utf8)
      large += Array((index % 10 == 0 ? "\r\n" : "\n").utf8)
      index += 1
    }
    let scalar = BatchEvaluator(policy: policy, asOf: asOf, backend: .scalar)
    let automatic = BatchEvaluator(policy: policy, asOf: asOf)
    for rendering in [DecisionRendering.csv(withErrors: false), .jsonLines] {
      let reference = try Self.rendered(scalar, .bytes(large, format: .csv), rendering)
      var offset = 0
      let blocks = RecordSource.csv(blocks: {
        let end = min(large.count, offset + (offset == 0 ? 1 << 20 : 4 << 20))
        defer { offset = end }
        return Array(large[offset..<end])
      })
      let kernels = try Self.rendered(automatic, blocks, rendering)
      #expect(kernels.decided == reference.decided && kernels.rejected == reference.rejected)
      #expect(kernels.text == reference.text)
      #expect(reference.decided + reference.rejected == index)
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
