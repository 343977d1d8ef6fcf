/// The formats records can be read from.
public enum RecordFormat: String, Sendable, CaseIterable {
  case csv
  case jsonl

  /// The format implied by a file name (`.csv`, `.jsonl`, `.ndjson`), if any.
  public init?(pathExtension path: String) {
    let lower = path.lowercased()
    if lower.hasSuffix(".csv") {
      self = .csv
    } else if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") {
      self = .jsonl
    } else {
      return nil
    }
  }
}

/// What became of one input record: a decision, or a rejection. Every record read ends up as
/// exactly one outcome, in input order.
public enum RecordOutcome: Sendable {
  case decided(line: Int, Decision)
  case rejected(RecordProblem)
}

/// Evaluates every record of an input against a compiled policy.
public struct BatchEvaluator: Sendable {
  public let policy: CompiledPolicy
  public let asOf: CivilDate
  public let trace: Bool

  public init(policy: CompiledPolicy, asOf: CivilDate, trace: Bool = false) {
    self.policy = policy
    self.asOf = asOf
    self.trace = trace
  }

  /// Reads records from `bytes` and hands each outcome to `handle`, in input order.
  ///
  /// - Throws: ``CSVRecordReader/HeaderError`` when a CSV header makes the whole input unreadable.
  public func evaluate(
    bytes: [UInt8], format: RecordFormat, origin: String? = nil, _ handle: (RecordOutcome) -> Void
  ) throws(CSVRecordReader.HeaderError) {
    let frame = policy.makeFrame(asOf: asOf)
    let validator = RecordValidator(policy: policy)
    func process(_ read: ReadRecord) {
      switch read {
      case .failure(let problem):
        handle(.rejected(problem))
      case .success(let record):
        if let problem = validator.load(record, into: frame) {
          handle(.rejected(problem))
          return
        }
        do {
          var decision = try policy.evaluate(frame, trace: trace)
          if let origin { decision.trace?.origin = "\(origin):\(record.line)" }
          handle(.decided(line: record.line, decision))
        } catch {
          let location = policy.location(error.span)
          handle(
            .rejected(
              RecordProblem(
                line: record.line, key: validator.keyText(record), reason: "\(error.message) (at \(location))"
              )))
        }
      }
    }
    switch format {
    case .csv:
      var reader = try CSVRecordReader(bytes: bytes, inputs: policy.inputs)
      while let read = reader.next() { process(read) }
    case .jsonl:
      var reader = JSONLRecordReader(bytes: bytes, inputs: policy.inputs)
      while let read = reader.next() { process(read) }
    }
  }
}

/// Loading a policy for evaluation: read, check, compile.
public enum PolicyCompiler {
  /// Reads, checks and compiles a policy file; `nil` with diagnostics when it has errors.
  public static func compile(_ file: SourceFile, into diagnostics: inout DiagnosticBag) -> CompiledPolicy? {
    guard let checked = PolicyChecker.check(file, into: &diagnostics) else { return nil }
    return CompiledPolicy(checked, source: file)
  }
}
