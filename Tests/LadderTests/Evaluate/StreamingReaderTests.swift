import Foundation
import Ladder
import LadderTestSupport
import Testing

@Suite struct StreamingReaderTests {
  static func describe(_ reads: [ReadRecord]) -> [String] {
    reads.map { read in
      switch read {
      case .success(let record): "\(record.line): \(record.values.map { String(describing: $0) })"
      case .failure(let problem):
        "\(problem.line): \(problem.key ?? "-") \(problem.field ?? "-") \(problem.reason)"
      }
    }
  }

  static func readAll(_ bytes: [UInt8], blockSize: Int?, inputs: [InputField]) -> [String] {
    do {
      var reader: CSVRecordReader
      if let blockSize {
        var offset = 0
        reader = try CSVRecordReader(
          source: {
            let end = min(bytes.count, offset + blockSize)
            defer { offset = end }
            return Array(bytes[offset..<end])
          }, inputs: inputs)
      } else {
        reader = try CSVRecordReader(bytes: bytes, inputs: inputs)
      }
      var reads: [ReadRecord] = []
      while let read = reader.next() { reads.append(read) }
      return describe(reads)
    } catch {
      return ["header: \(error.message)"]
    }
  }

  /// Reading block by block, with blocks as small as one byte, gives exactly what reading the
  /// whole input at once gives: records, lines, rejections.
  @Test func blockReadingMatchesWholeReading() throws {
    let policyText = try String(
      contentsOfFile: RepositoryPaths.path("policies/b2b-service-tiers.yaml"), encoding: .utf8)
    let policy = try #require(compilePolicy(policyText))
    var inputs: [[UInt8]] = [
      [UInt8](
        try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/b2b-service-tiers.csv"))))
    ]
    let header =
      "customer_id,company_name,contact_phone,last_purchase,orders_12m,spend_12m,industry_growth,repurchase_rate,monthly_spend"
    inputs.append(
      Array(
        ("\u{FEFF}" + header + "\r\nC1,\"a, \"\"b\"\"\nc\",1,2024-01-01,1,1.00,1%,1%,1;1;1;1;1;1\r\n\r\nC2,x")
          .utf8))
    inputs.append(Array((header + "\nC3,\"never closed,1").utf8))
    inputs.append(Array(header.utf8))
    for bytes in inputs {
      let whole = Self.readAll(bytes, blockSize: nil, inputs: policy.inputs)
      for blockSize in [1, 2, 3, 7, 64, 4096] {
        #expect(
          Self.readAll(bytes, blockSize: blockSize, inputs: policy.inputs) == whole, "block size \(blockSize)"
        )
      }
    }
  }

  /// JSON Lines read block by block by the row reader (a policy the kernels cannot take), with
  /// blocks as small as one byte: the same records, lines and rejections as read whole.
  @Test func jsonLinesBlockReadingMatchesWholeReading() throws {
    let policyText = try String(
      contentsOfFile: RepositoryPaths.path("policies/b2b-service-tiers.yaml"), encoding: .utf8)
    let policy = try #require(compilePolicy(policyText))
    let example = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/b2b-service-tiers.jsonl"))))
    let record =
      #"{"customer_id":"C1","orders_12m":1,"spend_12m":"1.00","industry_growth":"1%","#
      + #""repurchase_rate":"1%","monthly_spend":[1,1,1,1,1,1]}"#
    let inputs: [[UInt8]] = [
      example,
      Array(("\u{FEFF}" + record + "\r\n\r\n  \n" + record.replacingOccurrences(of: "C1", with: "C2")).utf8),
      Array(("{not json\n" + record + "\n").utf8),
      [],
    ]
    func readAll(_ bytes: [UInt8], blockSize: Int?) -> [String] {
      var reads: [ReadRecord] = []
      if let blockSize {
        var offset = 0
        var reader = JSONLRecordReader(
          source: {
            let end = min(bytes.count, offset + blockSize)
            defer { offset = end }
            return Array(bytes[offset..<end])
          }, inputs: policy.inputs)
        while let read = reader.next() { reads.append(read) }
      } else {
        var reader = JSONLRecordReader(bytes: bytes, inputs: policy.inputs)
        while let read = reader.next() { reads.append(read) }
      }
      return Self.describe(reads)
    }
    for bytes in inputs {
      let whole = readAll(bytes, blockSize: nil)
      for blockSize in [1, 2, 3, 7, 64, 4096] {
        #expect(readAll(bytes, blockSize: blockSize) == whole, "block size \(blockSize)")
      }
    }
    #expect(readAll(inputs[1], blockSize: nil).count == 2)
  }

  @Test func streamedEvaluationMatchesWholeEvaluation() throws {
    let policyText = try String(
      contentsOfFile: RepositoryPaths.path("policies/b2b-service-tiers.yaml"), encoding: .utf8)
    let policy = try #require(compilePolicy(policyText))
    let bytes = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/b2b-service-tiers.csv"))))
    let asOf = try #require(CivilDate(parsing: "2024-03-01"))
    let evaluator = BatchEvaluator(policy: policy, asOf: asOf)
    var whole: [String] = []
    try evaluator.evaluate(.bytes(bytes, format: .csv), into: OutcomeCallback { whole.append("\($0)") })
    var offset = 0
    var streamed: [String] = []
    let source = RecordSource.csv(blocks: {
      let end = min(bytes.count, offset + 100)
      defer { offset = end }
      return Array(bytes[offset..<end])
    })
    try evaluator.evaluate(source, into: OutcomeCallback { streamed.append("\($0)") })
    #expect(streamed == whole)
    #expect(whole.count == 41)
  }
}
