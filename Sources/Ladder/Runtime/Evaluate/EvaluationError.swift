/// A failure while evaluating one record with a checked policy: division by zero or an
/// arithmetic overflow. The record is rejected with the message and the expression's location;
/// other records go on.
public struct EvaluationError: Error, Sendable, Hashable {
  public var message: String
  public var span: SourceSpan

  public init(_ message: String, at span: SourceSpan) {
    self.message = message
    self.span = span
  }
}

/// The values of one record while it is being evaluated: inputs by slot, lets by slot, and the
/// score and tier once known. One frame is reused for every record a worker evaluates.
public final class EvaluationFrame {
  public var inputs: [Value]
  public var lets: [Value]
  public var score: Value = .missing
  public var tier: Value = .missing
  /// Population values of this record, by site (see ``PopulationSite``).
  public var population: [Value] = []
  public var asOf: CivilDate
  /// The moment service clocks are read at (``CompiledPolicy/clock(asOf:)``).
  public var clock = LadderInstant(milliseconds: 0, offsetSeconds: 0)

  public init(inputCount: Int, letCount: Int, asOf: CivilDate) {
    inputs = Array(repeating: .missing, count: inputCount)
    lets = Array(repeating: .missing, count: letCount)
    self.asOf = asOf
  }
}
