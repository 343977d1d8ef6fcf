/// One value of a trace, named by where it sits. A ``TraceSource`` writes each as JSON.
enum TraceItem: Sendable, Hashable {
  enum Atom: Sendable, Hashable { case text, values, result }

  /// The decision's own fields before its trace (``ColumnarTraceWriter``'s line templates):
  /// the triggers that fired as the `flags` array, and the policy's output column `n`.
  case decisionFlags, decisionOutput(Int)

  case policy, asOf, recordKind, key, origin, population
  case inputName(Int), inputType(Int), inputValue(Int), inputPersonal(Int)
  case derivedName(Int), derivedValue(Int), derivedLocation(Int)
  case scoreTotal, scoreSum, scoreRounding
  case componentName(Int), componentValue(Int), componentBand(Int), componentPointsExpression(Int)
  /// `{"number":2,"of":3,"condition":"tenure >= 2"}`: only for points written as an if-chain.
  case componentBranch(Int)
  case componentLocation(Int), componentPoints(Int), componentWeight(Int), componentContribution(Int)
  case tierID(Int), tierLabel(Int), tierCondition(Int), tierLocation(Int), tierHeld(Int)
  case tierAtom(tier: Int, atom: Int, Atom)
  case decidedTier, decidedLabel, benefits
  case triggerID(Int), triggerAction(Int), triggerCondition(Int), triggerLocation(Int)
  case triggerFired(Int), triggerReason(Int)
  case triggerAtom(trigger: Int, atom: Int, Atom)
  case reviewEvery, reviewLast, reviewNext, reviewDue
}

/// Writes each value of one record's trace as JSON: the scalar backend from a ``DecisionTrace``,
/// the kernels from their registers (through a ``TraceTemplate``, which knows the counts).
protocol TraceValues {
  /// Appends `item` as one JSON value.
  mutating func write(_ item: TraceItem, to output: inout [UInt8])
}

/// A trace's values and how many of each part there are: what ``TraceLayout`` walks.
protocol TraceSource: TraceValues {
  var inputCount: Int { get }
  var derivedCount: Int { get }
  /// `nil` for a policy without a score.
  var componentCount: Int? { get }
  /// Whether the component's points are an if-chain (its trace says which branch applied).
  func componentIsIfChain(_ component: Int) -> Bool
  /// The tiers tried, in order: every tier up to the one that held.
  var tierCount: Int { get }
  var triggerCount: Int { get }
  var hasReview: Bool { get }
  func tierAtomCount(_ tier: Int) -> Int
  func triggerAtomCount(_ trigger: Int) -> Int
  /// Writes the `service_levels` array and returns true, or writes nothing and returns false
  /// (a policy without service levels; the columnar backend never has them).
  func writeServiceLevels(to output: inout [UInt8]) -> Bool
}

extension TraceSource {
  func writeServiceLevels(to output: inout [UInt8]) -> Bool { false }
}

/// The JSON form of a trace, described once: every key, its order and nesting. Both backends
/// write through it, so a trace reads the same whichever computed the decision.
enum TraceLayout {
  static func write(_ source: inout some TraceSource, to output: inout [UInt8]) {
    func value(_ item: TraceItem) { source.write(item, to: &output) }
    func comma(_ index: Int) { if index > 0 { output.append(UInt8(ascii: ",")) } }
    func conditions(_ count: Int, _ item: (Int, TraceItem.Atom) -> TraceItem) {
      output.append("[")
      for atom in 0..<count {
        comma(atom)
        output.append("{\"condition\":")
        value(item(atom, .text))
        output.append(",\"values\":")
        value(item(atom, .values))
        output.append(",\"result\":")
        value(item(atom, .result))
        output.append("}")
      }
      output.append("]")
    }

    output.append("{\"policy\":")
    value(.policy)
    output.append(",\"as_of\":")
    value(.asOf)
    output.append(",\"record\":{\"kind\":")
    value(.recordKind)
    output.append(",\"key\":")
    value(.key)
    output.append(",\"origin\":")
    value(.origin)
    output.append("},\"inputs\":[")
    for index in 0..<source.inputCount {
      comma(index)
      output.append("{\"name\":")
      value(.inputName(index))
      output.append(",\"type\":")
      value(.inputType(index))
      output.append(",\"value\":")
      value(.inputValue(index))
      output.append(",\"personal\":")
      value(.inputPersonal(index))
      output.append("}")
    }
    output.append("],\"derived\":[")
    for index in 0..<source.derivedCount {
      comma(index)
      output.append("{\"name\":")
      value(.derivedName(index))
      output.append(",\"value\":")
      value(.derivedValue(index))
      output.append(",\"at\":")
      value(.derivedLocation(index))
      output.append("}")
    }
    output.append("],\"population\":")
    value(.population)
    output.append(",\"score\":")
    if let components = source.componentCount {
      output.append("{\"total\":")
      value(.scoreTotal)
      output.append(",\"sum\":")
      value(.scoreSum)
      output.append(",\"rounding\":")
      value(.scoreRounding)
      output.append(",\"components\":[")
      for index in 0..<components {
        comma(index)
        output.append("{\"name\":")
        value(.componentName(index))
        output.append(",\"value\":")
        value(.componentValue(index))
        output.append(",\"band\":")
        value(.componentBand(index))
        output.append(",\"points_expression\":")
        value(.componentPointsExpression(index))
        if source.componentIsIfChain(index) {
          output.append(",\"branch\":")
          value(.componentBranch(index))
        }
        output.append(",\"at\":")
        value(.componentLocation(index))
        output.append(",\"points\":")
        value(.componentPoints(index))
        output.append(",\"weight\":")
        value(.componentWeight(index))
        output.append(",\"contribution\":")
        value(.componentContribution(index))
        output.append("}")
      }
      output.append("]}")
    } else {
      output.append("null")
    }
    output.append(",\"tiers\":[")
    for index in 0..<source.tierCount {
      comma(index)
      output.append("{\"id\":")
      value(.tierID(index))
      output.append(",\"label\":")
      value(.tierLabel(index))
      output.append(",\"when\":")
      value(.tierCondition(index))
      output.append(",\"at\":")
      value(.tierLocation(index))
      output.append(",\"held\":")
      value(.tierHeld(index))
      output.append(",\"conditions\":")
      conditions(source.tierAtomCount(index)) { .tierAtom(tier: index, atom: $0, $1) }
      output.append("}")
    }
    output.append("],\"tier\":")
    value(.decidedTier)
    output.append(",\"label\":")
    value(.decidedLabel)
    output.append(",\"benefits\":")
    value(.benefits)
    output.append(",\"triggers\":[")
    for index in 0..<source.triggerCount {
      comma(index)
      output.append("{\"id\":")
      value(.triggerID(index))
      output.append(",\"action\":")
      value(.triggerAction(index))
      output.append(",\"when\":")
      value(.triggerCondition(index))
      output.append(",\"at\":")
      value(.triggerLocation(index))
      output.append(",\"fired\":")
      value(.triggerFired(index))
      output.append(",\"because\":")
      value(.triggerReason(index))
      output.append(",\"conditions\":")
      conditions(source.triggerAtomCount(index)) { .triggerAtom(trigger: index, atom: $0, $1) }
      output.append("}")
    }
    output.append("],\"review\":")
    if source.hasReview {
      output.append("{\"every\":")
      value(.reviewEvery)
      output.append(",\"last\":")
      value(.reviewLast)
      output.append(",\"next\":")
      value(.reviewNext)
      output.append(",\"due\":")
      value(.reviewDue)
      output.append("}")
    } else {
      output.append("null")
    }
    var levels: [UInt8] = []
    if source.writeServiceLevels(to: &levels) {
      output.append(",\"service_levels\":")
      output += levels
    }
    output.append("}")
  }
}

/// How many of each part a trace has: what the layout needs besides the values.
struct TraceCounts: Sendable {
  var inputs: Int
  var derived: Int
  var components: Int?
  /// Per component: whether its points are an if-chain.
  var ifChains: [Bool]
  var tiers: Int
  var triggers: Int
  var hasReview: Bool
  var tierAtoms: [Int]
  var triggerAtoms: [Int]
}

/// The layout run once for one shape of record, over the values every such record shares: the
/// bytes between the values that differ, and which value goes in each hole. Writing a record is
/// then copying the bytes and filling the holes, so a batch pays for the layout once.
struct TraceTemplate: Sendable {
  enum Segment: Sendable {
    case literal(start: Int, count: Int)
    case hole(TraceItem)
  }

  let bytes: [UInt8]
  let segments: [Segment]

  /// - Parameters:
  ///   - fixed: the JSON of a value every record of this shape shares; `nil` for one that
  ///     differs from record to record.
  ///   - layout: writes the text around the values (by default, a trace as ``TraceLayout`` does).
  init(
    _ counts: TraceCounts, fixed: @escaping (TraceItem) -> [UInt8]?,
    layout: (inout Recorder, inout [UInt8]) -> Void = { TraceLayout.write(&$0, to: &$1) }
  ) {
    var recorder = Recorder(counts: counts, fixed: fixed)
    var output: [UInt8] = []
    layout(&recorder, &output)
    recorder.closeLiteral(at: output.count)
    bytes = output
    segments = recorder.segments
  }

  func write(_ source: inout some TraceValues, to output: inout [UInt8]) {
    bytes.withUnsafeBufferPointer { base in
      for segment in segments {
        switch segment {
        case .literal(let start, let count):
          output.append(contentsOf: UnsafeBufferPointer(rebasing: base[start..<(start + count)]))
        case .hole(let item):
          source.write(item, to: &output)
        }
      }
    }
  }

  /// Notes which values a layout asks for, and the text between them.
  struct Recorder: TraceSource {
    let counts: TraceCounts
    let fixed: (TraceItem) -> [UInt8]?
    var segments: [Segment] = []
    var literalStart = 0

    var inputCount: Int { counts.inputs }
    var derivedCount: Int { counts.derived }
    var componentCount: Int? { counts.components }
    func componentIsIfChain(_ component: Int) -> Bool { counts.ifChains[component] }
    var tierCount: Int { counts.tiers }
    var triggerCount: Int { counts.triggers }
    var hasReview: Bool { counts.hasReview }
    func tierAtomCount(_ tier: Int) -> Int { counts.tierAtoms[tier] }
    func triggerAtomCount(_ trigger: Int) -> Int { counts.triggerAtoms[trigger] }

    mutating func write(_ item: TraceItem, to output: inout [UInt8]) {
      if let bytes = fixed(item) {
        output += bytes
        return
      }
      closeLiteral(at: output.count)
      segments.append(.hole(item))
    }

    fileprivate mutating func closeLiteral(at end: Int) {
      if end > literalStart { segments.append(.literal(start: literalStart, count: end - literalStart)) }
      literalStart = end
    }
  }
}
