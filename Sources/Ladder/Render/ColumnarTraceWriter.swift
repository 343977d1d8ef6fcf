/// Writes a decision with its full trace as one JSON Lines record, from a traced program's
/// registers: the bytes ``DecisionJSON/render(_:policy:asOf:)`` writes for the same record.
///
/// The trace follows ``TraceLayout``, the one description of a trace. Most of it is the same for
/// every record of a tier (names, types, locations, the policy's header, the benefits), so the
/// layout is run once per tier into a ``TraceTemplate``; per record only the holes are written
/// from the registers (values, the band that held, each comparison's operands and result).
final class ColumnarTraceWriter: Sendable {
  let program: ColumnarProgram
  let plan: ColumnarProgram.TracePlan
  let tierIDs: [[UInt8]]
  let tierLabels: [[UInt8]]
  let triggerIDs: [[UInt8]]
  let triggerActions: [TriggerAction]
  // What a record's line copies from the policy, read without reference counting (``ByteTable``):
  // both workers took the same arrays for every record, and their counts went from core to core.
  /// Each dictionary string's bytes, and as a list shows it (in the language's notation, quoted).
  let codeTable: ByteTable
  let listCodeTable: ByteTable
  let triggerIDTable: ByteTable
  /// Every component's band texts and locations, component after component: component `i`'s
  /// from `bandStarts[i]` to `bandStarts[i + 1]`.
  let bandTexts: ByteTable
  let bandLocations: ByteTable
  let bandStarts: [Int]
  /// The input's name, or nothing when records have no origin.
  let originTable: ByteTable
  let policy: CompiledPolicy
  let tracksLastReview: Bool
  let asOf: CivilDate
  /// The decision's fields (``CompiledPolicy/jsonLinesLayout``), each with `{"name":` or
  /// `,"name":` before its value.
  let decisionFields: [(field: DecisionField, name: [UInt8])]
  /// Per tier, then for no tier: the decision's `benefits` object.
  let benefitsObject: [[UInt8]]
  let asOfValue: [UInt8]
  /// The decision's `policy` object.
  let identity: [UInt8]
  /// The parts of a trace every record shares.
  let fixed: FixedTraceParts
  /// The whole line with holes — the decision, then (in ``tracedLines``) its trace — per
  /// shape of record (``shape(tierIndex:hasReview:)``).
  let plainLines: [TraceTemplate]
  let tracedLines: [TraceTemplate]
  /// The compact form of ``tracedLines``, when the writer was made for it.
  let compact: CompactTraceLayout?

  /// - Parameter compact: also prepare the compact form of traced lines (`--compact-trace`).
  init?(
    program: ColumnarProgram, policy: CompiledPolicy, asOf: CivilDate, origin: String?, compact: Bool = false
  ) {
    guard let plan = program.trace,
      plan.components.allSatisfy({ $0.bandIndex == nil || $0.subject != nil })
    else { return nil }
    self.program = program
    self.plan = plan
    self.asOf = asOf
    let checked = policy.checked
    func json(_ body: (JSONWriter) -> Void) -> [UInt8] {
      let writer = JSONWriter()
      body(writer)
      return writer.bytes
    }
    func quoted(_ text: String) -> [UInt8] { json { $0.string(text) } }
    tierIDs = checked.tiers.map { quoted($0.id) }
    tierLabels = checked.tiers.map { quoted($0.label) }
    triggerIDs = checked.review.triggers.map { quoted($0.id) }
    triggerActions = checked.review.triggers.map(\.action)
    self.policy = policy
    tracksLastReview = checked.review.lastReviewInput != nil
    decisionFields = policy.jsonLinesLayout.entries.enumerated().map { index, entry in
      (entry.field, Array((index == 0 ? "{" : ",").utf8) + quoted(entry.name) + Array(":".utf8))
    }
    // A field the registers do not hold is written by the scalar backend.
    if decisionFields.contains(where: { $0.field == .error }) { return nil }
    // Benefits are the same for every record of a tier (the last entry: no tier).
    benefitsObject = (0...checked.tiers.count).map { tierIndex in
      json {
        DecisionJSON.writeBenefits(
          tierIndex < checked.tiers.count ? checked.benefits[tierIndex] : [], into: $0)
      }
    }
    let benefitsArray = (0...checked.tiers.count).map { tierIndex in
      let benefits = tierIndex < checked.tiers.count ? checked.benefits[tierIndex] : []
      let tierID = tierIndex < checked.tiers.count ? checked.tiers[tierIndex].id : nil
      return json { TraceJSON.writeBenefits(policy.traceBenefits(benefits, tierID: tierID), into: $0) }
    }
    asOfValue = quoted(asOf.description)
    identity = json { DecisionJSON.writeIdentity(policy, into: $0) }
    originTable = ByteTable(origin.map { [Array($0.utf8)] } ?? [])
    codeTable = ByteTable(program.strings.map { Array($0.utf8) })
    listCodeTable = ByteTable(
      program.strings.map { Array(ExprPrinter.print(.string($0), as: .unknown).utf8) })
    triggerIDTable = ByteTable(triggerIDs)
    let fixed = FixedTraceParts(
      policyObject: json { TraceJSON.writePolicy(policy.traceHeader(asOf: asOf), into: $0) },
      asOf: asOfValue,
      recordKind: quoted(checked.recordName),
      origin: origin == nil ? Array("null".utf8) : nil,
      population: program.population.isEmpty ? Array("[]".utf8) : nil,
      inputNames: checked.inputs.map { quoted($0.name) },
      inputTypes: checked.inputs.map { quoted($0.type.description) },
      inputPersonal: checked.inputs.map { Array(($0.isPersonal ? "true" : "false").utf8) },
      derivedNames: checked.lets.map { quoted($0.name) },
      derivedLocations: checked.lets.map { quoted(policy.location($0.span)) },
      scoreRounding: quoted(policy.roundingDescription),
      componentNames: policy.components.map { quoted($0.name) },
      componentWeights: policy.components.map { quoted($0.weight.percentDescription) },
      componentPointsTexts: policy.components.map { $0.pointsText.map(quoted) },
      componentBandTexts: policy.components.map { $0.bands.map { quoted($0.text) } },
      componentBandLocations: policy.components.map { $0.bands.map { quoted(policy.location($0.span)) } },
      tierIDs: tierIDs, tierLabels: tierLabels,
      tierConditions: policy.tiers.map { tier in json { $0.optionalString(tier.conditionText) } },
      tierLocations: policy.tiers.map { quoted(policy.location($0.span)) },
      benefits: benefitsArray,
      triggerIDs: triggerIDs,
      triggerActions: policy.triggers.map { quoted($0.action.rawValue) },
      triggerConditions: policy.triggers.map { quoted($0.conditionText) },
      triggerLocations: policy.triggers.map { quoted(policy.location($0.span)) },
      triggerReasons: checked.review.triggers.map { quoted($0.reason) },
      atomTexts: plan.atomTexts.map(quoted))
    self.fixed = fixed
    bandTexts = ByteTable(fixed.componentBandTexts.flatMap { $0 })
    bandLocations = ByteTable(fixed.componentBandLocations.flatMap { $0 })
    bandStarts = fixed.componentBandTexts.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1.count) }
    var plainLines: [TraceTemplate] = []
    var tracedLines: [TraceTemplate] = []
    var shapes: [CompactTraceLayout.Shape] = []
    let decision = DecisionLine(
      fields: decisionFields, tierIDs: tierIDs, tierLabels: tierLabels, benefits: benefitsObject,
      asOf: asOfValue,
      identity: identity)
    for tierIndex in 0...checked.tiers.count {
      let held = tierIndex < checked.tiers.count ? tierIndex : nil
      for hasReview in [false, true] {
        shapes.append(CompactTraceLayout.Shape(tier: held, hasReview: hasReview))
        let counts = TraceCounts(
          inputs: plan.inputs.count, derived: plan.derived.count,
          components: program.score != nil && plan.scoreSum != nil ? plan.components.count : nil,
          ifChains: plan.components.map { $0.branch != nil },
          tiers: held.map { $0 + 1 } ?? checked.tiers.count, triggers: checked.review.triggers.count,
          hasReview: hasReview,
          // An unexplained program (no trace written) has no comparisons.
          tierAtoms: checked.tiers.indices.map { plan.tierAtoms($0).count },
          triggerAtoms: checked.review.triggers.indices.map { plan.triggerAtoms($0).count })
        let fixedValue = { (item: TraceItem) in fixed.value(item, tierIndex: held, plan: plan) }
        for traced in [false, true] {
          let line = TraceTemplate(counts, fixed: fixedValue) { recorder, output in
            decision.write(&recorder, tierIndex: held, hasReview: hasReview, to: &output)
            if traced {
              output.append(",\"trace\":")
              TraceLayout.write(&recorder, to: &output)
            }
            output.append("}\n")
          }
          if traced { tracedLines.append(line) } else { plainLines.append(line) }
        }
      }
    }
    self.plainLines = plainLines
    self.tracedLines = tracedLines
    self.compact =
      compact
      ? CompactTraceLayout(
        lines: tracedLines, shapes: shapes, policy: policy, plan: plan, fixed: fixed, origin: origin,
        // A text key is its input's value, as that input shows it.
        key: program.keyRegister == nil && plan.inputs.contains(.text(slot: program.keySlot))
          ? .text(slot: program.keySlot) : nil,
        score: program.score.map {
          .number(register: $0, scale: program.scoreScale, scaleRegister: nil, percent: false)
        })
      : nil
  }

  /// Which line template a record takes: by the tier it holds (`nil`: none) and whether its
  /// decision has a review.
  func shape(tierIndex: Int?, hasReview: Bool) -> Int {
    (tierIndex ?? program.tierCodes.count) * 2 + (hasReview ? 1 : 0)
  }

  // MARK: - One record

  /// What a traced record's line is written as.
  enum LineForm {
    /// The decision alone, its trace, or the compact form of both.
    case plain, traced, compact
  }

  /// Appends record `row`'s line. `text(slot)` gives a text input's bytes (nil: missing).
  func write(
    row: Int, file: RegisterFile, line: Int, key: UnsafeBufferPointer<UInt8>,
    text: (Int) -> UnsafeBufferPointer<UInt8>?, form: LineForm, population: [DecisionTrace.PopulationNote],
    scratch: inout Scratch, to output: inout [UInt8]
  ) {
    let tierIndex: Int? =
      file.present(program.tier)[row] != 0 ? tierPosition(file.values(program.tier)[row]) : nil
    scratch.fired.removeAll(keepingCapacity: true)
    for trigger in program.triggers {
      scratch.fired.append(file.present(trigger)[row] != 0 && file.values(trigger)[row] == 1)
    }
    let fired = scratch.fired
    let review = reviewOf(tierIndex: tierIndex, fired: fired, file: file, row: row)
    let shape = shape(tierIndex: tierIndex, hasReview: review != nil)
    withoutActuallyEscaping(text) { text in
      var source = RegisterTrace(
        writer: self, plan: plan, file: file, row: row, line: line, key: key, text: text,
        population: population,
        tierIndex: tierIndex, fired: fired, review: review)
      swap(&source.scratch, &scratch.text)
      switch form {
      case .plain: plainLines[shape].write(&source, to: &output)
      case .traced: tracedLines[shape].write(&source, to: &output)
      case .compact:
        if let compact {
          compact.write(shape: shape, &source, to: &output)
        } else {
          tracedLines[shape].write(&source, to: &output)
        }
      }
      swap(&source.scratch, &scratch.text)
    }
  }

  fileprivate func tierPosition(_ code: Int64) -> Int? {
    program.tierCodes.firstIndex(of: code)
  }

  fileprivate func appendKey(
    _ key: UnsafeBufferPointer<UInt8>, file: RegisterFile, row: Int, to output: inout [UInt8]
  ) {
    if let keyRegister = program.keyRegister {
      output.append(UInt8(ascii: "\""))
      ValueText.appendDecimal(file.values(keyRegister)[row], scale: 0, to: &output)
      output.append(UInt8(ascii: "\""))
    } else {
      appendJSONString(key, to: &output)
    }
  }

  /// Buffers reused from record to record by one worker.
  struct Scratch {
    var text: [UInt8] = []
    var fired: [Bool] = []
  }

  /// As the row evaluator's review: `nil` when the policy has nothing to say about reviews here.
  fileprivate func reviewOf(tierIndex: Int?, fired: [Bool], file: RegisterFile, row: Int) -> ReviewResult? {
    var last: CivilDate?
    if let register = plan.lastReview, file.present(register)[row] != 0,
      let days = Int32(exactly: file.values(register)[row])
    {
      last = CivilDate(daysSinceEpoch: days)
    }
    let triggered = zip(triggerActions, fired).contains { $0.0 == .reviewNow && $0.1 }
    return policy.review(tierIndex: tierIndex, lastReview: last, triggered: triggered, asOf: asOf)
  }

  fileprivate func appendOptionalDate(_ date: CivilDate?, to output: inout [UInt8]) {
    guard let date else {
      output.append("null")
      return
    }
    output.append(UInt8(ascii: "\""))
    ValueText.appendDate(date, to: &output)
    output.append(UInt8(ascii: "\""))
  }

  // MARK: - Conditions

  /// The relation that holds between two operands, as ``CompiledPolicy`` shows it.
  fileprivate func relation(
    _ left: ColumnarProgram.Shown, _ right: ColumnarProgram.Shown, file: RegisterFile, row: Int,
    text: (Int) -> UnsafeBufferPointer<UInt8>?
  ) -> ComparisonRelation {
    if isMissing(left, file: file, row: row, text: text) || isMissing(right, file: file, row: row, text: text)
    {
      return .unrelated
    }
    func order<T: Comparable>(_ a: T, _ b: T) -> ComparisonRelation {
      a < b ? .less : a == b ? .equal : .greater
    }
    switch (left, right) {
    case (.number(let a, let aScale, _, _), .number(let b, let bScale, _, _)):
      // At one scale (the usual case) the units compare as they are.
      if aScale == bScale { return order(file.values(a)[row], file.values(b)[row]) }
      let scale = max(aScale, bScale)
      let x = Int128(file.values(a)[row]) * FixedDecimal.powerOfTen(scale - aScale)
      let y = Int128(file.values(b)[row]) * FixedDecimal.powerOfTen(scale - bScale)
      return order(x, y)
    case (.date(let a), .date(let b)):
      return order(file.values(a)[row], file.values(b)[row])
    case (.code(let a), .code(let b)), (.boolean(let a), .boolean(let b)):
      return file.values(a)[row] == file.values(b)[row] ? .equal : .notEqual
    default:
      return .membership
    }
  }

  fileprivate func isMissing(
    _ shown: ColumnarProgram.Shown, file: RegisterFile, row: Int, text: (Int) -> UnsafeBufferPointer<UInt8>?
  ) -> Bool {
    switch shown {
    case .number(let register, _, _, _), .code(let register), .boolean(let register), .date(let register):
      return file.present(register)[row] == 0
    case .list(let first, let count):
      return count > 0 && isMissing(plan.listItems[first], file: file, row: row, text: text)
    case .text(let slot): return text(slot) == nil
    case .masked: return false
    case .missing: return true
    }
  }

  // MARK: - Values

  /// The value as ``CompiledPolicy/display(_:as:)`` shows it (not yet JSON-escaped).
  /// With `notation`, in the language's notation (text quoted), as
  /// ``CompiledPolicy/notation(_:as:)`` shows a comparison's operands.
  fileprivate func display(
    _ shown: ColumnarProgram.Shown, file: RegisterFile, row: Int, text: (Int) -> UnsafeBufferPointer<UInt8>?,
    notation: Bool = false, to output: inout [UInt8]
  ) {
    if isMissing(shown, file: file, row: row, text: text) {
      output.append("missing")
      return
    }
    switch shown {
    case .number(let register, let scale, let scaleRegister, let percent):
      guard !percent else {
        return ValueText.appendPercent(Int128(file.values(register)[row]), scale: scale, to: &output)
      }
      Self.appendNumber(
        register, scale: scale, scaleRegister: scaleRegister, file: file, row: row, to: &output)
    case .code(let register):
      output.append(contentsOf: (notation ? listCodeTable : codeTable)[Int(file.values(register)[row])])
    case .boolean(let register):
      output.append(file.values(register)[row] == 1 ? "true" : "false")
    case .date(let register):
      guard let days = Int32(exactly: file.values(register)[row]) else { return }
      ValueText.appendDate(CivilDate(daysSinceEpoch: days), to: &output)
    case .list(let first, let count):
      output.append(UInt8(ascii: "["))
      for index in first..<(first + count) {
        if index > first { output.append(", ") }
        // Text inside a list is quoted (``ExprPrinter/print(_:as:)``); alone it is not.
        if case .code(let register) = plan.listItems[index], file.present(register)[row] != 0 {
          output.append(contentsOf: listCodeTable[Int(file.values(register)[row])])
        } else {
          display(plan.listItems[index], file: file, row: row, text: text, to: &output)
        }
      }
      output.append(UInt8(ascii: "]"))
    case .text(let slot):
      guard let bytes = text(slot) else { return }
      if notation {
        output += Array(ExprPrinter.print(.string(String(decoding: bytes, as: UTF8.self)), as: .unknown).utf8)
      } else {
        output.append(contentsOf: bytes)
      }
    case .masked:
      output.append("***")
    case .missing:
      break
    }
  }

  /// A number register's value as a trace shows it, full or compact: with the decimals it was
  /// written with (`scaleRegister`, for an input whose scale the policy leaves open), or at
  /// `scale`.
  static func appendNumber(
    _ register: Int, scale: Int, scaleRegister: Int?, file: RegisterFile, row: Int, to output: inout [UInt8]
  ) {
    let shownScale = scaleRegister.map { Int(file.values($0)[row]) } ?? scale
    let drop = max(0, scale - shownScale)
    ValueText.appendDecimal(
      file.values(register)[row] / FixedDecimal.int64PowerOfTen(drop), scale: scale - drop, to: &output)
  }

  /// Bytes as a JSON string, escaped as ``JSONWriter`` escapes.
  fileprivate func appendJSONString(_ bytes: [UInt8], to output: inout [UInt8]) {
    bytes.withUnsafeBufferPointer { appendJSONString($0, to: &output) }
  }

  fileprivate func appendJSONString(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
    JSONWriter.escape(bytes: bytes, into: &output)
  }
}

/// The decision's part of a JSON Lines line, as ``DecisionJSON`` writes it, with holes for
/// what differs from record to record; the tier's own fields are written in whole.
private struct DecisionLine {
  let fields: [(field: DecisionField, name: [UInt8])]
  let tierIDs: [[UInt8]]
  let tierLabels: [[UInt8]]
  /// Per tier, then for no tier.
  let benefits: [[UInt8]]
  let asOf: [UInt8]
  let identity: [UInt8]

  func write(
    _ recorder: inout TraceTemplate.Recorder, tierIndex: Int?, hasReview: Bool, to output: inout [UInt8]
  ) {
    for (field, name) in fields {
      // As ``DecisionJSON``: no `review` field for a decision without one.
      if field == .review && !hasReview { continue }
      output += name
      switch field {
      case .key: recorder.write(.key, to: &output)
      case .tier: output += tierIndex.map { tierIDs[$0] } ?? Array("null".utf8)
      case .label: output += tierIndex.map { tierLabels[$0] } ?? Array("null".utf8)
      case .score: recorder.write(.scoreTotal, to: &output)
      case .flags: recorder.write(.decisionFlags, to: &output)
      case .output(let index): recorder.write(.decisionOutput(index), to: &output)
      case .review:
        output.append("{\"due\":")
        recorder.write(.reviewDue, to: &output)
        output.append(",\"next\":")
        recorder.write(.reviewNext, to: &output)
        output.append(UInt8(ascii: "}"))
      case .benefits: output += benefits[tierIndex ?? tierIDs.count]
      case .asOf: output += asOf
      case .policy: output += identity
      case .policyVersion, .policySHA256: break  // inside `policy`
      case .error: output.append("null")
      case .serviceLevels, .serviceLevel: break  // ColumnarProgram refuses policies with service levels
      }
    }
  }
}

/// One record's trace in the registers: the values of a ``TraceTemplate``'s holes.
struct RegisterTrace: TraceValues {
  let writer: ColumnarTraceWriter
  /// The writer's, held for the record rather than loaded for every value.
  let plan: ColumnarProgram.TracePlan
  let file: RegisterFile
  let row: Int
  let line: Int
  let key: UnsafeBufferPointer<UInt8>
  let text: (Int) -> UnsafeBufferPointer<UInt8>?
  let population: [DecisionTrace.PopulationNote]
  let tierIndex: Int?
  let fired: [Bool]
  let review: ReviewResult?
  /// A value's text before it is escaped; the worker's buffer, lent for the record.
  var scratch: [UInt8] = []

  func value(_ register: Int) -> Int64 { file.values(register)[row] }

  /// Writes a value that differs from record to record; the rest are in the template.
  mutating func write(_ item: TraceItem, to output: inout [UInt8]) {
    func bool(_ flag: Bool) { output.append(flag ? "true" : "false") }
    func optional(_ bytes: [UInt8]?) {
      if let bytes { output += bytes } else { output.append("null") }
    }
    switch item {
    case .key: writer.appendKey(key, file: file, row: row, to: &output)
    case .origin:
      guard writer.originTable.count == 1 else { return output.append("null") }
      scratch.removeAll(keepingCapacity: true)
      scratch.append(contentsOf: writer.originTable[0])
      scratch.append(UInt8(ascii: ":"))
      ValueText.appendDecimal(Int64(line), scale: 0, to: &scratch)
      writer.appendJSONString(scratch, to: &output)
    case .population:
      let json = JSONWriter()
      TraceJSON.writePopulation(population, into: json)
      output += json.bytes
    case .inputValue(let index): shown(plan.inputs[index], to: &output)
    case .derivedValue(let index): shown(plan.derived[index], to: &output)
    case .scoreTotal:
      guard let score = writer.program.score, file.present(score)[row] != 0 else {
        return output.append("null")
      }
      output.append(UInt8(ascii: "\""))
      ValueText.appendDecimal(value(score), scale: writer.program.scoreScale, to: &output)
      output.append(UInt8(ascii: "\""))
    case .scoreSum:
      guard let sum = plan.scoreSum else { return output.append("null") }
      output.append(UInt8(ascii: "\""))
      ValueText.appendNormalized(value(sum.register), scale: sum.scale, to: &output)
      output.append(UInt8(ascii: "\""))
    case .componentValue(let index):
      if let subject = plan.components[index].subject {
        shown(subject, to: &output)
      } else {
        output.append("null")
      }
    case .componentBand(let index):
      guard let band = band(of: index) else { return output.append("null") }
      output.append(contentsOf: writer.bandTexts[writer.bandStarts[index] + band])
    case .componentLocation(let index):
      guard let band = band(of: index) else { return output.append("null") }
      output.append(contentsOf: writer.bandLocations[writer.bandStarts[index] + band])
    case .componentBranch(let index):
      let component = plan.components[index]
      guard let register = component.branch else { return output.append("null") }
      let number = Int(value(register))
      let count = component.branchCount
      guard (1...count).contains(number) else { return output.append("null") }
      output += TraceJSON.branchObject(
        .init(number: number, count: count, condition: plan.branchConditions[index][number - 1]))
    case .componentPoints(let index):
      let component = plan.components[index]
      output.append(UInt8(ascii: "\""))
      ValueText.appendNormalized(value(component.points), scale: component.pointsScale, to: &output)
      output.append(UInt8(ascii: "\""))
    case .componentContribution(let index):
      let component = plan.components[index]
      output.append(UInt8(ascii: "\""))
      ValueText.appendNormalized(
        value(component.contribution), scale: component.contributionScale, to: &output)
      output.append(UInt8(ascii: "\""))
    case .tierAtom(let tier, let index, let part):
      atom(plan.atoms[plan.atom(tier: tier, index)], part, to: &output)
    case .triggerFired(let index): bool(fired[index])
    case .triggerAtom(let trigger, let index, let part):
      atom(plan.atoms[plan.atom(trigger: trigger, index)], part, to: &output)
    case .reviewEvery:
      guard let interval = review?.interval else { return output.append("null") }
      writer.appendJSONString(Array(interval.description.utf8), to: &output)
    case .reviewLast:
      if writer.tracksLastReview {
        writer.appendOptionalDate(review?.lastReview, to: &output)
      } else {
        output.append("\"not tracked\"")
      }
    case .reviewNext: writer.appendOptionalDate(review?.nextReview, to: &output)
    case .reviewDue: bool(review?.isDue == true)
    case .decisionFlags:
      output.append(UInt8(ascii: "["))
      var firstFlag = true
      for (index, isFired) in fired.enumerated() where isFired {
        if !firstFlag { output.append(UInt8(ascii: ",")) }
        output.append(contentsOf: writer.triggerIDTable[index])
        firstFlag = false
      }
      output.append(UInt8(ascii: "]"))
    case .decisionOutput(let index): shown(plan.outputs[index], to: &output)
    default:
      optional(writer.fixed.value(item, tierIndex: tierIndex, plan: plan))
    }
  }

  /// The band of component `index` that held; `nil` for a points expression or no band.
  func band(of index: Int) -> Int? {
    guard let register = plan.components[index].bandIndex else { return nil }
    let matched = Int(value(register))
    return matched >= 0 && matched < writer.bandStarts[index + 1] - writer.bandStarts[index] ? matched : nil
  }

  /// A value as a JSON string, as ``CompiledPolicy/jsonValue(_:as:)`` shows it: `null` when missing.
  mutating func shown(_ shown: ColumnarProgram.Shown, to output: inout [UInt8]) {
    if writer.isMissing(shown, file: file, row: row, text: text) {
      output.append("null")
      return
    }
    guard shown.isPlainText else {
      scratch.removeAll(keepingCapacity: true)
      writer.display(shown, file: file, row: row, text: text, to: &scratch)
      writer.appendJSONString(scratch, to: &output)
      return
    }
    output.append(UInt8(ascii: "\""))
    writer.display(shown, file: file, row: row, text: text, to: &output)
    output.append(UInt8(ascii: "\""))
  }

  /// A comparison's operand in the language's notation, as a JSON string: `null` when missing.
  mutating func operand(_ shown: ColumnarProgram.Shown, to output: inout [UInt8]) {
    if writer.isMissing(shown, file: file, row: row, text: text) {
      output.append("null")
      return
    }
    scratch.removeAll(keepingCapacity: true)
    writer.display(shown, file: file, row: row, text: text, notation: true, to: &scratch)
    writer.appendJSONString(scratch, to: &output)
  }

  /// The relation between a comparison's operands.
  func relation(_ left: ColumnarProgram.Shown, _ right: ColumnarProgram.Shown) -> ComparisonRelation {
    writer.relation(left, right, file: file, row: row, text: text)
  }

  /// One comparison of a condition: its text, its operands with the relation between them, and
  /// its result.
  private mutating func atom(_ atom: ColumnarProgram.Atom, _ part: TraceItem.Atom, to output: inout [UInt8]) {
    switch part {
    case .text:
      break  // in the template
    case .values:
      let (writer, file, row, text) = (writer, file, row, text)
      func operands(to target: inout [UInt8]) {
        writer.display(atom.left, file: file, row: row, text: text, notation: true, to: &target)
        if let right = atom.right {
          target.append(writer.relation(atom.left, right, file: file, row: row, text: text).text)
          writer.display(right, file: file, row: row, text: text, notation: true, to: &target)
        }
      }
      // Numbers, dates and booleans need no escaping: written in place, not through a buffer.
      if atom.left.isPlainText && atom.right?.isPlainText ?? true {
        output.append(UInt8(ascii: "\""))
        operands(to: &output)
        output.append(UInt8(ascii: "\""))
      } else {
        scratch.removeAll(keepingCapacity: true)
        operands(to: &scratch)
        writer.appendJSONString(scratch, to: &output)
      }
    case .result:
      let result: StaticString =
        file.present(atom.result)[row] == 0
        ? "\"missing\"" : value(atom.result) == 1 ? "\"true\"" : "\"false\""
      output.append(result)
    }
  }
}

/// The relation a trace shows between a comparison's two operands (``CompiledPolicy``'s
/// conditions): `vs` when one is missing, `=` or `≠` for text, enums and booleans, the order
/// for numbers and dates, `in` for a list.
enum ComparisonRelation: Int, CaseIterable, Sendable {
  case less, equal, greater, notEqual, unrelated, membership

  var text: StaticString {
    switch self {
    case .less: " < "
    case .equal: " = "
    case .greater: " > "
    case .notEqual: " ≠ "
    case .unrelated: " vs "
    case .membership: " in "
    }
  }
}

/// The values of a trace every record shares (or every record whose tier is known), as JSON.
struct FixedTraceParts: Sendable {
  let policyObject: [UInt8]
  let asOf: [UInt8]
  let recordKind: [UInt8]
  /// `null` when records have no origin; otherwise each record's line differs.
  let origin: [UInt8]?
  /// `[]` for a policy without population functions.
  let population: [UInt8]?
  let inputNames: [[UInt8]]
  let inputTypes: [[UInt8]]
  let inputPersonal: [[UInt8]]
  let derivedNames: [[UInt8]]
  let derivedLocations: [[UInt8]]
  let scoreRounding: [UInt8]
  let componentNames: [[UInt8]]
  let componentWeights: [[UInt8]]
  /// Per component: its points expression, or `nil` for a banded component.
  let componentPointsTexts: [[UInt8]?]
  /// Per component, per band: the band's text and its location.
  let componentBandTexts: [[[UInt8]]]
  let componentBandLocations: [[[UInt8]]]
  let tierIDs: [[UInt8]]
  let tierLabels: [[UInt8]]
  let tierConditions: [[UInt8]]
  let tierLocations: [[UInt8]]
  /// The trace's `benefits` array per tier, then for no tier.
  let benefits: [[UInt8]]
  let triggerIDs: [[UInt8]]
  let triggerActions: [[UInt8]]
  let triggerConditions: [[UInt8]]
  let triggerLocations: [[UInt8]]
  let triggerReasons: [[UInt8]]
  /// ``ColumnarProgram/TracePlan/atomTexts``, quoted.
  let atomTexts: [[UInt8]]

  /// `item`'s JSON for a record whose tier is `tierIndex`, or `nil` when it differs by record.
  func value(_ item: TraceItem, tierIndex: Int?, plan: ColumnarProgram.TracePlan) -> [UInt8]? {
    let null = Array("null".utf8)
    switch item {
    case .policy: return policyObject
    case .asOf: return asOf
    case .recordKind: return recordKind
    case .origin: return origin
    case .population: return population
    case .inputName(let index): return inputNames[index]
    case .inputType(let index): return inputTypes[index]
    case .inputValue(let index):
      if case .masked = plan.inputs[index] { return Array("\"***\"".utf8) }
      return nil
    case .inputPersonal(let index): return inputPersonal[index]
    case .derivedName(let index): return derivedNames[index]
    case .derivedLocation(let index): return derivedLocations[index]
    case .scoreRounding: return scoreRounding
    case .componentName(let index): return componentNames[index]
    case .componentValue(let index): return plan.components[index].subject == nil ? null : nil
    case .componentBand(let index), .componentLocation(let index):
      return plan.components[index].bandIndex == nil ? null : nil
    case .componentPointsExpression(let index): return componentPointsTexts[index] ?? null
    case .componentWeight(let index): return componentWeights[index]
    case .tierID(let index): return tierIDs[index]
    case .tierLabel(let index): return tierLabels[index]
    case .tierCondition(let index): return tierConditions[index]
    case .tierLocation(let index): return tierLocations[index]
    case .tierHeld(let index): return Array((index == tierIndex ? "true" : "false").utf8)
    case .tierAtom(let tier, let index, .text): return atomTexts[plan.atom(tier: tier, index)]
    case .decidedTier: return tierIndex.map { tierIDs[$0] } ?? null
    case .decidedLabel: return tierIndex.map { tierLabels[$0] } ?? null
    case .benefits: return benefits[tierIndex ?? tierIDs.count]
    case .triggerID(let index): return triggerIDs[index]
    case .triggerAction(let index): return triggerActions[index]
    case .triggerCondition(let index): return triggerConditions[index]
    case .triggerLocation(let index): return triggerLocations[index]
    case .triggerReason(let index): return triggerReasons[index]
    case .triggerAtom(let trigger, let index, .text):
      return atomTexts[plan.atom(trigger: trigger, index)]
    case .decisionFlags, .decisionOutput, .key, .derivedValue, .scoreTotal, .scoreSum, .componentBranch,
      .componentPoints,
      .componentContribution,
      .tierAtom, .triggerFired, .triggerAtom, .reviewEvery, .reviewLast, .reviewNext, .reviewDue:
      return nil
    }
  }
}
