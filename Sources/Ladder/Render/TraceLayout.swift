/// One value of a trace, named by where it sits. A ``TraceSource`` writes each as JSON.
enum TraceItem: Sendable {
  enum Atom: Sendable { case text, values, result }

  case policy, asOf, recordKind, key, origin, population
  case inputName(Int), inputType(Int), inputValue(Int), inputPersonal(Int)
  case derivedName(Int), derivedValue(Int), derivedLocation(Int)
  case scoreTotal, scoreSum, scoreRounding
  case componentName(Int), componentValue(Int), componentBand(Int), componentPointsExpression(Int)
  case componentLocation(Int), componentPoints(Int), componentWeight(Int), componentContribution(Int)
  case tierID(Int), tierLabel(Int), tierCondition(Int), tierLocation(Int), tierHeld(Int)
  case tierAtom(tier: Int, atom: Int, Atom)
  case decidedTier, decidedLabel, benefits
  case triggerID(Int), triggerAction(Int), triggerCondition(Int), triggerLocation(Int)
  case triggerFired(Int), triggerReason(Int)
  case triggerAtom(trigger: Int, atom: Int, Atom)
  case reviewEvery, reviewLast, reviewNext, reviewDue
}

/// One record's trace as a backend holds it: the scalar backend's ``DecisionTrace``, or the
/// kernels' registers. It says how many of each part there are and writes each value.
protocol TraceSource {
  var inputCount: Int { get }
  var derivedCount: Int { get }
  /// `nil` for a policy without a score.
  var componentCount: Int? { get }
  /// The tiers tried, in order: every tier up to the one that held.
  var tierCount: Int { get }
  var triggerCount: Int { get }
  var hasReview: Bool { get }
  func tierAtomCount(_ tier: Int) -> Int
  func triggerAtomCount(_ trigger: Int) -> Int
  /// Appends `item` as one JSON value.
  mutating func write(_ item: TraceItem, to output: inout [UInt8])
}

/// The JSON form of a trace, described once: every key, its order and nesting. Both backends
/// write through it, so a trace reads the same whichever computed the decision.
enum TraceLayout {
  static func write(_ source: inout some TraceSource, to output: inout [UInt8]) {
    func put(_ text: StaticString) {
      output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
    func value(_ item: TraceItem) { source.write(item, to: &output) }
    func comma(_ index: Int) { if index > 0 { output.append(UInt8(ascii: ",")) } }
    func conditions(_ count: Int, _ item: (Int, TraceItem.Atom) -> TraceItem) {
      put("[")
      for atom in 0..<count {
        comma(atom)
        put("{\"condition\":")
        value(item(atom, .text))
        put(",\"values\":")
        value(item(atom, .values))
        put(",\"result\":")
        value(item(atom, .result))
        put("}")
      }
      put("]")
    }

    put("{\"policy\":")
    value(.policy)
    put(",\"as_of\":")
    value(.asOf)
    put(",\"record\":{\"kind\":")
    value(.recordKind)
    put(",\"key\":")
    value(.key)
    put(",\"origin\":")
    value(.origin)
    put("},\"inputs\":[")
    for index in 0..<source.inputCount {
      comma(index)
      put("{\"name\":")
      value(.inputName(index))
      put(",\"type\":")
      value(.inputType(index))
      put(",\"value\":")
      value(.inputValue(index))
      put(",\"personal\":")
      value(.inputPersonal(index))
      put("}")
    }
    put("],\"derived\":[")
    for index in 0..<source.derivedCount {
      comma(index)
      put("{\"name\":")
      value(.derivedName(index))
      put(",\"value\":")
      value(.derivedValue(index))
      put(",\"at\":")
      value(.derivedLocation(index))
      put("}")
    }
    put("],\"population\":")
    value(.population)
    put(",\"score\":")
    if let components = source.componentCount {
      put("{\"total\":")
      value(.scoreTotal)
      put(",\"sum\":")
      value(.scoreSum)
      put(",\"rounding\":")
      value(.scoreRounding)
      put(",\"components\":[")
      for index in 0..<components {
        comma(index)
        put("{\"name\":")
        value(.componentName(index))
        put(",\"value\":")
        value(.componentValue(index))
        put(",\"band\":")
        value(.componentBand(index))
        put(",\"points_expression\":")
        value(.componentPointsExpression(index))
        put(",\"at\":")
        value(.componentLocation(index))
        put(",\"points\":")
        value(.componentPoints(index))
        put(",\"weight\":")
        value(.componentWeight(index))
        put(",\"contribution\":")
        value(.componentContribution(index))
        put("}")
      }
      put("]}")
    } else {
      put("null")
    }
    put(",\"tiers\":[")
    for index in 0..<source.tierCount {
      comma(index)
      put("{\"id\":")
      value(.tierID(index))
      put(",\"label\":")
      value(.tierLabel(index))
      put(",\"when\":")
      value(.tierCondition(index))
      put(",\"at\":")
      value(.tierLocation(index))
      put(",\"held\":")
      value(.tierHeld(index))
      put(",\"conditions\":")
      conditions(source.tierAtomCount(index)) { .tierAtom(tier: index, atom: $0, $1) }
      put("}")
    }
    put("],\"tier\":")
    value(.decidedTier)
    put(",\"label\":")
    value(.decidedLabel)
    put(",\"benefits\":")
    value(.benefits)
    put(",\"triggers\":[")
    for index in 0..<source.triggerCount {
      comma(index)
      put("{\"id\":")
      value(.triggerID(index))
      put(",\"action\":")
      value(.triggerAction(index))
      put(",\"when\":")
      value(.triggerCondition(index))
      put(",\"at\":")
      value(.triggerLocation(index))
      put(",\"fired\":")
      value(.triggerFired(index))
      put(",\"because\":")
      value(.triggerReason(index))
      put(",\"conditions\":")
      conditions(source.triggerAtomCount(index)) { .triggerAtom(trigger: index, atom: $0, $1) }
      put("}")
    }
    put("],\"review\":")
    if source.hasReview {
      put("{\"every\":")
      value(.reviewEvery)
      put(",\"last\":")
      value(.reviewLast)
      put(",\"next\":")
      value(.reviewNext)
      put(",\"due\":")
      value(.reviewDue)
      put("}")
    } else {
      put("null")
    }
    put("}")
  }
}

/// How many of each part a trace has: what the layout needs besides the values.
struct TraceCounts: Sendable {
  var inputs: Int
  var derived: Int
  var components: Int?
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

  /// - Parameter fixed: the JSON of a value every record of this shape shares; `nil` for one
  ///   that differs from record to record.
  init(_ counts: TraceCounts, fixed: @escaping (TraceItem) -> [UInt8]?) {
    var recorder = Recorder(counts: counts, fixed: fixed)
    var output: [UInt8] = []
    TraceLayout.write(&recorder, to: &output)
    recorder.closeLiteral(at: output.count)
    bytes = output
    segments = recorder.segments
  }

  func write(_ source: inout some TraceSource, to output: inout [UInt8]) {
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

  private struct Recorder: TraceSource {
    let counts: TraceCounts
    let fixed: (TraceItem) -> [UInt8]?
    var segments: [Segment] = []
    var literalStart = 0

    var inputCount: Int { counts.inputs }
    var derivedCount: Int { counts.derived }
    var componentCount: Int? { counts.components }
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

    mutating func closeLiteral(at end: Int) {
      if end > literalStart { segments.append(.literal(start: literalStart, count: end - literalStart)) }
      literalStart = end
    }
  }
}
