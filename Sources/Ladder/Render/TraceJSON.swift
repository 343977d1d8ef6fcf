/// The canonical JSON form of a ``DecisionTrace``: keys in a fixed order, every value a string
/// in the policy language's notation, so that the same decision always gives the same bytes.
public enum TraceJSON {
  public static func render(_ trace: DecisionTrace) -> String {
    let writer = JSONWriter()
    write(trace, into: writer)
    return writer.output
  }

  static func write(_ trace: DecisionTrace, into writer: JSONWriter) {
    writer.raw { output in
      var source = StoredTrace(trace: trace)
      TraceLayout.write(&source, to: &output)
    }
  }

  /// The `policy` object: id, version, title, file and hash.
  static func writePolicy(_ header: DecisionTrace.Header, into writer: JSONWriter) {
    writer.object {
      writer.field("id") { writer.string(header.policy) }
      writer.field("version") { writer.string(header.version) }
      writer.field("title") { writer.string(header.title) }
      writer.field("file") { writer.string(header.file) }
      writer.field("sha256") { writer.string(header.sha256) }
    }
  }

  /// The `population` array of a trace: each population function's value and how it came about.
  static func writePopulation(_ notes: [DecisionTrace.PopulationNote], into writer: JSONWriter) {
    writer.array(notes) { note in
      writer.object {
        writer.field("call") { writer.string(note.call) }
        writer.field("value") { writer.string(note.value) }
        writer.field("explanation") { writer.string(note.explanation) }
      }
    }
  }

  /// The `benefits` array of a trace.
  static func writeBenefits(_ benefits: [DecisionTrace.Benefit], into writer: JSONWriter) {
    writer.array(benefits) { benefit in
      writer.object {
        writer.field("name") { writer.string(benefit.name) }
        writer.field("value") { writer.string(benefit.value) }
        writer.field("kind") { writer.string(benefit.kind) }
        writer.field("from") { writer.string(benefit.from) }
        writer.field("inherited") { writer.bool(benefit.isInherited) }
        writer.field("at") { writer.string(benefit.location) }
      }
    }
  }
}

/// A ``DecisionTrace`` (the scalar backend's) as a ``TraceSource``.
private struct StoredTrace: TraceSource {
  let trace: DecisionTrace

  var inputCount: Int { trace.inputs.count }
  var derivedCount: Int { trace.derived.count }
  var componentCount: Int? { trace.score == nil ? nil : trace.components.count }
  func componentIsIfChain(_ component: Int) -> Bool { trace.components[component].branch != nil }
  var tierCount: Int { trace.tiers.count }
  var triggerCount: Int { trace.triggers.count }
  var hasReview: Bool { trace.review != nil }
  func tierAtomCount(_ tier: Int) -> Int { trace.tiers[tier].conditions.count }
  func triggerAtomCount(_ trigger: Int) -> Int { trace.triggers[trigger].conditions.count }

  func writeServiceLevels(to output: inout [UInt8]) -> Bool {
    guard !trace.serviceLevels.isEmpty else { return false }
    let writer = JSONWriter()
    writer.array(trace.serviceLevels) { level in
      writer.object {
        writer.field("target") { writer.string(level.name) }
        writer.field("label") { writer.string(level.label) }
        writer.field("applies") { writer.bool(level.applies) }
        writer.field("from") { writer.optionalString(level.start) }
        writer.field("within") { writer.optionalString(level.within) }
        writer.field("calendar") { writer.optionalString(level.calendar) }
        writer.field("due") { writer.optionalString(level.due) }
        writer.field("steps") { writer.array(level.steps) { writer.string($0) } }
        writer.field("met_at") { writer.optionalString(level.metAt) }
        writer.field("as_of") { writer.string(level.clock) }
        writer.field("status") { writer.string(level.status) }
        writer.field("left") { writer.optionalString(level.left) }
        writer.field("late") { writer.optionalString(level.late) }
      }
    }
    output += Array(writer.output.utf8)
    return true
  }

  func write(_ item: TraceItem, to output: inout [UInt8]) {
    func string(_ text: String?) {
      if let text { JSONWriter.escape(text, into: &output) } else { output.append("null") }
    }
    func bool(_ flag: Bool) { output.append(flag ? "true" : "false") }
    func json(_ body: (JSONWriter) -> Void) {
      let writer = JSONWriter()
      body(writer)
      output += writer.bytes
    }
    func atom(_ condition: DecisionTrace.Condition, _ part: TraceItem.Atom) {
      switch part {
      case .text: string(condition.text)
      case .values: string(condition.values)
      case .result: string(condition.result)
      }
    }
    switch item {
    case .policy: json { TraceJSON.writePolicy(trace.header, into: $0) }
    case .asOf: string(trace.header.asOf)
    case .recordKind: string(trace.recordName)
    case .key: string(trace.key)
    case .origin: string(trace.origin)
    case .population: json { TraceJSON.writePopulation(trace.population, into: $0) }
    case .inputName(let index): string(trace.inputs[index].name)
    case .inputType(let index): string(trace.inputs[index].type)
    case .inputValue(let index): string(trace.inputs[index].value)
    case .inputPersonal(let index): bool(trace.inputs[index].isPersonal)
    case .derivedName(let index): string(trace.derived[index].name)
    case .derivedValue(let index): string(trace.derived[index].value)
    case .derivedLocation(let index): string(trace.derived[index].location)
    case .scoreTotal: string(trace.score?.total)
    case .scoreSum: string(trace.score?.sum)
    case .scoreRounding: string(trace.score?.rounding)
    case .componentName(let index): string(trace.components[index].name)
    case .componentValue(let index): string(trace.components[index].value)
    case .componentBand(let index): string(trace.components[index].band)
    case .componentPointsExpression(let index): string(trace.components[index].pointsExpression)
    case .componentBranch(let index):
      guard let branch = trace.components[index].branch else { return output.append("null") }
      output += TraceJSON.branchObject(branch)
    case .componentLocation(let index): string(trace.components[index].bandLocation)
    case .componentPoints(let index): string(trace.components[index].points)
    case .componentWeight(let index): string(trace.components[index].weight)
    case .componentContribution(let index): string(trace.components[index].contribution)
    case .tierID(let index): string(trace.tiers[index].id)
    case .tierLabel(let index): string(trace.tiers[index].label)
    case .tierCondition(let index): string(trace.tiers[index].condition)
    case .tierLocation(let index): string(trace.tiers[index].location)
    case .tierHeld(let index): bool(trace.tiers[index].held)
    case .tierAtom(let tier, let index, let part): atom(trace.tiers[tier].conditions[index], part)
    case .decidedTier: string(trace.tier)
    case .decidedLabel: string(trace.tierLabel)
    case .benefits: json { TraceJSON.writeBenefits(trace.benefits, into: $0) }
    case .triggerID(let index): string(trace.triggers[index].id)
    case .triggerAction(let index): string(trace.triggers[index].action)
    case .triggerCondition(let index): string(trace.triggers[index].condition)
    case .triggerLocation(let index): string(trace.triggers[index].location)
    case .triggerFired(let index): bool(trace.triggers[index].held)
    case .triggerReason(let index): string(trace.triggers[index].reason)
    case .triggerAtom(let trigger, let index, let part): atom(trace.triggers[trigger].conditions[index], part)
    case .reviewEvery: string(trace.review?.interval)
    case .reviewLast: string(trace.review?.lastReview)
    case .reviewNext: string(trace.review?.nextReview)
    case .reviewDue: bool(trace.review?.isDue ?? false)
    case .decisionFlags, .decisionOutput:
      // Not part of a trace: ``DecisionJSON`` writes the decision's fields.
      output.append("null")
    }
  }
}

extension TraceJSON {
  /// The JSON of the branch an if-chain took: `{"number":2,"of":3,"condition":"tenure >= 2"}`
  /// (`null` condition for `else`).
  static func branchObject(_ branch: DecisionTrace.Component.Branch) -> [UInt8] {
    let writer = JSONWriter()
    writer.object {
      writer.field("number") { writer.number(branch.number) }
      writer.field("of") { writer.number(branch.count) }
      writer.field("condition") { writer.optionalString(branch.condition) }
    }
    return writer.bytes
  }
}
