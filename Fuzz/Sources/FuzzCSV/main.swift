import FuzzSupport
import Ladder

/// Any bytes as a CSV file of records: every record is decided or rejected, and the columnar
/// path (cut into small blocks) gives exactly the row evaluator's outcomes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  guard let policy = FuzzSupport.policy else { preconditionFailure("the fuzz policy does not compile") }
  let bytes = FuzzSupport.bytes(data, size)
  let evaluator = BatchEvaluator(policy: policy, asOf: FuzzSupport.asOf)
  let reference = FuzzSupport.rowTranscript(evaluator, bytes, format: .csv)
  if !evaluator.runsOnKernels(.csv(withErrors: false)) {
    preconditionFailure("the fuzz policy has no columnar program")
  }
  var offset = 0
  let blockSize = 1 + (size % 61)
  var columnar = ""
  let sink = RenderedOutput(
    .csv(withErrors: false), write: { columnar += String(decoding: $0, as: UTF8.self) },
    reject: { columnar += FuzzSupport.describe(.rejected($0), evaluator) })
  let source = RecordSource.csv(blocks: {
    let end = min(bytes.count, offset + blockSize)
    defer { offset = end }
    return Array(bytes[offset..<end])
  })
  do {
    try evaluator.evaluate(source, into: sink)
  } catch {
    columnar = "header: \(error)"
  }
  if columnar != reference {
    preconditionFailure("columnar and row outcomes differ:\n\(reference)\n---\n\(columnar)")
  }
  return 0
}

@_cdecl("FuzzCSV_main")
public func fuzzCSVMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
  FuzzSupport.run(argc, argv, fuzzCSV)
}
