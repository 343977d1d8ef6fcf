import FuzzSupport
import Ladder

/// Any bytes as JSON Lines records: the reader and the evaluator end, and every line is
/// decided or rejected exactly once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONL(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  guard let policy = FuzzSupport.policy else { preconditionFailure("the fuzz policy does not compile") }
  let bytes = FuzzSupport.bytes(data, size)
  var reader = JSONLRecordReader(bytes: bytes, inputs: policy.inputs)
  var read = 0
  while reader.next() != nil { read += 1 }
  let evaluator = BatchEvaluator(policy: policy, asOf: FuzzSupport.asOf)
  var outcomes = 0
  try? evaluator.evaluate(.bytes(bytes, format: .jsonl), into: OutcomeCallback { _ in outcomes += 1 })
  if outcomes != read { preconditionFailure("\(read) records read, \(outcomes) outcomes") }
  return 0
}

@_cdecl("FuzzJSONL_main")
public func fuzzJSONLMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32
{
  FuzzSupport.run(argc, argv, fuzzJSONL)
}
