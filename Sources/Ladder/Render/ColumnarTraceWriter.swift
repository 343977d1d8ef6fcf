/// Writes a decision with its full trace as one JSON Lines record, from a traced program's
/// registers: the bytes ``DecisionJSON/render(_:policy:asOf:)`` writes for the same record.
///
/// Most of a trace is the same for every record (names, types, locations, the policy's header);
/// those parts are rendered once, by the same ``JSONWriter``, and copied. What differs per record
/// (values, the band that held, the tiers tried, each comparison's operands and result) is
/// written from the registers.
struct ColumnarTraceWriter: Sendable {
  let program: ColumnarProgram
  let plan: ColumnarProgram.TracePlan
  /// Each dictionary string's bytes, and its rank in `String` order (for `<`/`>` in traces).
  let codeText: [[UInt8]]
  /// Each dictionary string as a list shows it: in the language's notation, quoted.
  let listCodeText: [[UInt8]]
  let codeRank: [Int]
  let tierIDs: [[UInt8]]
  let tierLabels: [[UInt8]]
  let triggerIDs: [[UInt8]]
  let triggerActions: [TriggerAction]
  let policy: CompiledPolicy
  let tracksLastReview: Bool
  let asOf: CivilDate
  /// The decision's fields (``CompiledPolicy/jsonLinesLayout``), each with `{"name":` or
  /// `,"name":` before its value.
  let decisionFields: [(field: DecisionField, name: [UInt8])]
  /// Per tier, then for no tier: the decision's `benefits` object and the trace's `benefits` array.
  let benefitsObject: [[UInt8]]
  let benefitsArray: [[UInt8]]
  let asOfValue: [UInt8]
  let traceHeader: [UInt8]
  let origin: [UInt8]?
  let inputPrefixes: [[UInt8]]
  let inputSuffixes: [[UInt8]]
  let derivedPrefixes: [[UInt8]]
  let derivedSuffixes: [[UInt8]]
  let scoreRounding: [UInt8]
  let componentPrefixes: [[UInt8]]
  /// Per component, per band: `"band":…,"points_expression":…,"at":…` ; the last entry is for none.
  let componentBands: [[[UInt8]]]
  let componentWeights: [[UInt8]]
  let tierPrefixes: [[UInt8]]
  let triggerPrefixes: [[UInt8]]
  let triggerReasons: [[UInt8]]
  let tierAtomTexts: [[[UInt8]]]
  let triggerAtomTexts: [[[UInt8]]]

  init?(program: ColumnarProgram, policy: CompiledPolicy, asOf: CivilDate, origin: String?) {
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
    codeText = program.strings.map { Array($0.utf8) }
    listCodeText = program.strings.map { Array(ExprPrinter.print(.string($0), as: .unknown).utf8) }
    let order = program.strings.indices.sorted { program.strings[$0] < program.strings[$1] }
    var ranks = [Int](repeating: 0, count: program.strings.count)
    for (rank, code) in order.enumerated() { ranks[code] = rank }
    codeRank = ranks
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
    benefitsArray = (0...checked.tiers.count).map { tierIndex in
      let benefits = tierIndex < checked.tiers.count ? checked.benefits[tierIndex] : []
      let tierID = tierIndex < checked.tiers.count ? checked.tiers[tierIndex].id : nil
      return json { TraceJSON.writeBenefits(policy.traceBenefits(benefits, tierID: tierID), into: $0) }
    }
    asOfValue = quoted(asOf.description)
    traceHeader =
      Array(",\"trace\":{\"policy\":".utf8)
      + json { TraceJSON.writePolicy(policy.traceHeader(asOf: asOf), into: $0) } + Array(",\"as_of\":".utf8)
      + quoted(asOf.description) + Array(",\"record\":{\"kind\":".utf8)
      + quoted(checked.recordName) + Array(",\"key\":".utf8)
    self.origin = origin.map { Array($0.utf8) }
    inputPrefixes = checked.inputs.map { field in
      Array("{\"name\":".utf8) + quoted(field.name) + Array(",\"type\":".utf8)
        + quoted(field.type.description)
        + Array(",\"value\":".utf8)
    }
    inputSuffixes = checked.inputs.map { Array(",\"personal\":\($0.isPersonal)}".utf8) }
    derivedPrefixes = checked.lets.map {
      Array("{\"name\":".utf8) + quoted($0.name) + Array(",\"value\":".utf8)
    }
    derivedSuffixes = checked.lets.map {
      Array(",\"at\":".utf8) + quoted(policy.location($0.span)) + [UInt8(ascii: "}")]
    }
    scoreRounding = quoted(policy.roundingDescription)
    var prefixes: [[UInt8]] = []
    var bands: [[[UInt8]]] = []
    var weights: [[UInt8]] = []
    for component in policy.components {
      prefixes.append(Array("{\"name\":".utf8) + quoted(component.name) + Array(",\"value\":".utf8))
      weights.append(quoted(component.weight.percentDescription))
      if let pointsText = component.pointsText {
        bands.append([
          Array(",\"band\":null,\"points_expression\":".utf8) + quoted(pointsText)
            + Array(",\"at\":null".utf8)
        ])
      } else {
        bands.append(
          component.bands.map { band in
            Array(",\"band\":".utf8) + quoted(band.text) + Array(",\"points_expression\":null,\"at\":".utf8)
              + quoted(policy.location(band.span))
          } + [Array(",\"band\":null,\"points_expression\":null,\"at\":null".utf8)])
      }
    }
    componentPrefixes = prefixes
    componentBands = bands
    componentWeights = weights
    tierPrefixes = policy.tiers.map { tier in
      json { writer in
        writer.field("id") { writer.string(tier.id) }
        writer.field("label") { writer.string(tier.label) }
        writer.field("when") { writer.optionalString(tier.conditionText) }
        writer.field("at") { writer.string(policy.location(tier.span)) }
      }
    }.map { Array("{".utf8) + $0 + Array(",\"held\":".utf8) }
    triggerPrefixes = policy.triggers.map { trigger in
      json { writer in
        writer.field("id") { writer.string(trigger.id) }
        writer.field("action") { writer.string(trigger.action.rawValue) }
        writer.field("when") { writer.string(trigger.conditionText) }
        writer.field("at") { writer.string(policy.location(trigger.span)) }
      }
    }.map { Array("{".utf8) + $0 + Array(",\"fired\":".utf8) }
    triggerReasons = checked.review.triggers.map { Array(",\"because\":".utf8) + quoted($0.reason) }
    tierAtomTexts = plan.tierAtoms.map { $0.map { Array("{\"condition\":".utf8) + quoted($0.text) } }
    triggerAtomTexts = plan.triggerAtoms.map { $0.map { Array("{\"condition\":".utf8) + quoted($0.text) } }
  }

  // MARK: - One record

  /// Appends record `row`'s line. `text(slot)` gives a text input's bytes (nil: missing).
  func write(
    row: Int, file: RegisterFile, line: Int, key: UnsafeBufferPointer<UInt8>,
    text: (Int) -> UnsafeBufferPointer<UInt8>?, withTrace: Bool, population: [DecisionTrace.PopulationNote],
    scratch: inout Scratch, to output: inout [UInt8]
  ) {
    func present(_ register: Int) -> Bool { file.present(register)[row] != 0 }
    func value(_ register: Int) -> Int64 { file.values(register)[row] }

    let tierIndex: Int? = present(program.tier) ? tierPosition(value(program.tier)) : nil
    scratch.fired.removeAll(keepingCapacity: true)
    for trigger in program.triggers { scratch.fired.append(present(trigger) && value(trigger) == 1) }
    let fired = scratch.fired

    // The decision.
    let review = reviewOf(tierIndex: tierIndex, fired: fired, file: file, row: row)
    for (field, name) in decisionFields {
      // As ``DecisionJSON``: no `review` field for a decision without one.
      if field == .review && review == nil { continue }
      output += name
      switch field {
      case .key:
        appendKey(key, file: file, row: row, to: &output)
      case .tier:
        if let tierIndex { output += tierIDs[tierIndex] } else { put("null", &output) }
      case .label:
        if let tierIndex { output += tierLabels[tierIndex] } else { put("null", &output) }
      case .score:
        if let score = program.score, present(score) {
          output.append(UInt8(ascii: "\""))
          ByteText.appendDecimal(value(score), scale: program.scoreScale, to: &output)
          output.append(UInt8(ascii: "\""))
        } else {
          put("null", &output)
        }
      case .flags:
        output.append(UInt8(ascii: "["))
        var firstFlag = true
        for (index, isFired) in fired.enumerated() where isFired {
          if !firstFlag { output.append(UInt8(ascii: ",")) }
          output += triggerIDs[index]
          firstFlag = false
        }
        output.append(UInt8(ascii: "]"))
      case .output(let index):
        let shown = plan.outputs[index]
        if isMissing(shown, file: file, row: row, text: text) {
          put("null", &output)
        } else {
          scratch.text.removeAll(keepingCapacity: true)
          display(shown, file: file, row: row, text: text, to: &scratch.text)
          appendJSONString(scratch.text, to: &output)
        }
      case .review:
        put(review?.isDue == true ? "{\"due\":true,\"next\":" : "{\"due\":false,\"next\":", &output)
        appendOptionalDate(review?.nextReview, to: &output)
        output.append(UInt8(ascii: "}"))
      case .benefits:
        output += benefitsObject[tierIndex ?? program.tierCodes.count]
      case .asOf:
        output += asOfValue
      case .error:
        put("null", &output)
      }
    }
    guard withTrace else {
      put("}\n", &output)
      return
    }

    // The trace.
    output += traceHeader
    appendKey(key, file: file, row: row, to: &output)
    put(",\"origin\":", &output)
    if let origin {
      scratch.text.removeAll(keepingCapacity: true)
      scratch.text += origin
      scratch.text.append(UInt8(ascii: ":"))
      ByteText.appendDecimal(Int64(line), scale: 0, to: &scratch.text)
      appendJSONString(scratch.text, to: &output)
    } else {
      put("null", &output)
    }
    put("},\"inputs\":[", &output)
    appendObjects(
      plan.inputs, prefixes: inputPrefixes, suffixes: inputSuffixes, file: file, row: row, text: text,
      scratch: &scratch, to: &output)
    put("],\"derived\":[", &output)
    appendObjects(
      plan.derived, prefixes: derivedPrefixes, suffixes: derivedSuffixes, file: file, row: row, text: text,
      scratch: &scratch, to: &output)
    put("],\"population\":", &output)
    if population.isEmpty {
      put("[]", &output)
    } else {
      let writer = JSONWriter()
      TraceJSON.writePopulation(population, into: writer)
      output += writer.bytes
    }
    put(",\"score\":", &output)
    if let score = program.score, let sum = plan.scoreSum {
      put("{\"total\":\"", &output)
      ByteText.appendDecimal(value(score), scale: program.scoreScale, to: &output)
      put("\",\"sum\":\"", &output)
      appendNormalized(value(sum[0]), scale: sum[1], to: &output)
      put("\",\"rounding\":", &output)
      output += scoreRounding
      put(",\"components\":[", &output)
      for (index, component) in plan.components.enumerated() {
        if index > 0 { output.append(UInt8(ascii: ",")) }
        output += componentPrefixes[index]
        if let subject = component.subject {
          scratch.text.removeAll(keepingCapacity: true)
          display(subject, file: file, row: row, text: text, to: &scratch.text)
          appendJSONString(scratch.text, to: &output)
        } else {
          put("null", &output)
        }
        let bands = componentBands[index]
        if let bandIndex = component.bandIndex {
          let matched = Int(value(bandIndex))
          output += bands[matched >= 0 && matched < bands.count - 1 ? matched : bands.count - 1]
        } else {
          output += bands[0]
        }
        put(",\"points\":\"", &output)
        appendNormalized(value(component.points), scale: component.pointsScale, to: &output)
        put("\",\"weight\":", &output)
        output += componentWeights[index]
        put(",\"contribution\":\"", &output)
        appendNormalized(value(component.contribution), scale: component.contributionScale, to: &output)
        put("\"}", &output)
      }
      put("]}", &output)
    } else {
      put("null", &output)
    }
    put(",\"tiers\":[", &output)
    let tried = tierIndex.map { $0 + 1 } ?? tierPrefixes.count
    for index in 0..<tried {
      if index > 0 { output.append(UInt8(ascii: ",")) }
      output += tierPrefixes[index]
      put(index == tierIndex ? "true" : "false", &output)
      put(",\"conditions\":", &output)
      appendAtoms(
        plan.tierAtoms[index], texts: tierAtomTexts[index], file: file, row: row, text: text,
        values: &scratch.text, to: &output)
      output.append(UInt8(ascii: "}"))
    }
    put("],\"tier\":", &output)
    if let tierIndex { output += tierIDs[tierIndex] } else { put("null", &output) }
    put(",\"label\":", &output)
    if let tierIndex { output += tierLabels[tierIndex] } else { put("null", &output) }
    put(",\"benefits\":", &output)
    output += benefitsArray[tierIndex ?? program.tierCodes.count]
    put(",\"triggers\":[", &output)
    for index in triggerPrefixes.indices {
      if index > 0 { output.append(UInt8(ascii: ",")) }
      output += triggerPrefixes[index]
      put(fired[index] ? "true" : "false", &output)
      output += triggerReasons[index]
      put(",\"conditions\":", &output)
      appendAtoms(
        plan.triggerAtoms[index], texts: triggerAtomTexts[index], file: file, row: row, text: text,
        values: &scratch.text, to: &output)
      output.append(UInt8(ascii: "}"))
    }
    put("],\"review\":", &output)
    if let review {
      put("{\"every\":", &output)
      if let interval = review.interval {
        appendJSONString(Array(interval.description.utf8), to: &output)
      } else {
        put("null", &output)
      }
      put(",\"last\":", &output)
      if !tracksLastReview {
        put("\"not tracked\"", &output)
      } else {
        appendOptionalDate(review.lastReview, to: &output)
      }
      put(",\"next\":", &output)
      appendOptionalDate(review.nextReview, to: &output)
      put(review.isDue ? ",\"due\":true}" : ",\"due\":false}", &output)
    } else {
      put("null", &output)
    }
    put("}}\n", &output)
  }

  /// Appends a literal without building an array for it.
  @inline(__always)
  private func put(_ text: StaticString, _ output: inout [UInt8]) {
    output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
  }

  /// Inputs and lets: for each, `{"name":…,"value":`, the value, and the rest of the object.
  private func appendObjects(
    _ values: [ColumnarProgram.Shown], prefixes: [[UInt8]], suffixes: [[UInt8]], file: RegisterFile, row: Int,
    text: (Int) -> UnsafeBufferPointer<UInt8>?, scratch: inout Scratch, to output: inout [UInt8]
  ) {
    for (index, shown) in values.enumerated() {
      if index > 0 { output.append(UInt8(ascii: ",")) }
      output += prefixes[index]
      scratch.text.removeAll(keepingCapacity: true)
      display(shown, file: file, row: row, text: text, to: &scratch.text)
      appendJSONString(scratch.text, to: &output)
      output += suffixes[index]
    }
  }

  private func tierPosition(_ code: Int64) -> Int? {
    program.tierCodes.firstIndex(of: code)
  }

  private func appendKey(
    _ key: UnsafeBufferPointer<UInt8>, file: RegisterFile, row: Int, to output: inout [UInt8]
  ) {
    if let keyRegister = program.keyRegister {
      output.append(UInt8(ascii: "\""))
      ByteText.appendDecimal(file.values(keyRegister)[row], scale: 0, to: &output)
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
  private func reviewOf(tierIndex: Int?, fired: [Bool], file: RegisterFile, row: Int) -> ReviewResult? {
    var last: CivilDate?
    if let register = plan.lastReview, file.present(register)[row] != 0,
      let days = Int32(exactly: file.values(register)[row])
    {
      last = CivilDate(daysSinceEpoch: days)
    }
    let triggered = zip(triggerActions, fired).contains { $0.0 == .reviewNow && $0.1 }
    return policy.review(tierIndex: tierIndex, lastReview: last, triggered: triggered, asOf: asOf)
  }

  private func appendOptionalDate(_ date: CivilDate?, to output: inout [UInt8]) {
    guard let date else {
      put("null", &output)
      return
    }
    output.append(UInt8(ascii: "\""))
    appendDate(date, to: &output)
    output.append(UInt8(ascii: "\""))
  }

  // MARK: - Conditions

  private func appendAtoms(
    _ atoms: [ColumnarProgram.Atom], texts: [[UInt8]], file: RegisterFile, row: Int,
    text: (Int) -> UnsafeBufferPointer<UInt8>?, values: inout [UInt8], to output: inout [UInt8]
  ) {
    output.append(UInt8(ascii: "["))
    for (index, atom) in atoms.enumerated() {
      if index > 0 { output.append(UInt8(ascii: ",")) }
      output += texts[index]
      put(",\"values\":", &output)
      values.removeAll(keepingCapacity: true)
      display(atom.left, file: file, row: row, text: text, to: &values)
      if let right = atom.right {
        let relation: StaticString
        let leftMissing = isMissing(atom.left, file: file, row: row, text: text)
        let rightMissing = isMissing(right, file: file, row: row, text: text)
        if let order = compare(atom.left, right, file: file, row: row), !leftMissing, !rightMissing {
          relation = order < 0 ? " < " : order == 0 ? " = " : " > "
        } else {
          relation = leftMissing || rightMissing ? " vs " : " in "
        }
        put(relation, &values)
        display(right, file: file, row: row, text: text, to: &values)
      }
      appendJSONString(values, to: &output)
      put(",\"result\":", &output)
      let result = atom.result
      if file.present(result)[row] == 0 {
        put("\"missing\"}", &output)
      } else {
        put(file.values(result)[row] == 1 ? "\"true\"}" : "\"false\"}", &output)
      }
    }
    output.append(UInt8(ascii: "]"))
  }

  /// -1, 0 or 1, as ``ValueOperations/compare(_:_:)``; `nil` where it has no order.
  private func compare(
    _ left: ColumnarProgram.Shown, _ right: ColumnarProgram.Shown, file: RegisterFile, row: Int
  )
    -> Int?
  {
    func order<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : a == b ? 0 : 1 }
    switch (left, right) {
    case (.number(let a, let aScale, _, _), .number(let b, let bScale, _, _)):
      let scale = max(aScale, bScale)
      let x = Int128(file.values(a)[row]) * FixedDecimal.powerOfTen(scale - aScale)
      let y = Int128(file.values(b)[row]) * FixedDecimal.powerOfTen(scale - bScale)
      return order(x, y)
    case (.date(let a), .date(let b)), (.boolean(let a), .boolean(let b)):
      return order(file.values(a)[row], file.values(b)[row])
    case (.code(let a), .code(let b)):
      return order(codeRank[Int(file.values(a)[row])], codeRank[Int(file.values(b)[row])])
    default:
      return nil
    }
  }

  private func isMissing(
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
  private func display(
    _ shown: ColumnarProgram.Shown, file: RegisterFile, row: Int, text: (Int) -> UnsafeBufferPointer<UInt8>?,
    to output: inout [UInt8]
  ) {
    if isMissing(shown, file: file, row: row, text: text) {
      put("missing", &output)
      return
    }
    switch shown {
    case .number(let register, let scale, let scaleRegister, let percent):
      let units = file.values(register)[row]
      if percent {
        // `percentDescription`: the value × 100 without trailing zeros, then `%`.
        if scale >= 2 {
          appendNormalized(units, scale: scale - 2, to: &output)
        } else {
          let (hundredfold, overflow) = units.multipliedReportingOverflow(
            by: FixedDecimal.int64PowerOfTen(2 - scale))
          guard !overflow else {
            output += Array(FixedDecimal(units: Int128(units), scale: scale).percentDescription.utf8)
            return
          }
          appendNormalized(hundredfold, scale: 0, to: &output)
        }
        output.append(UInt8(ascii: "%"))
        return
      }
      let shownScale = scaleRegister.map { Int(file.values($0)[row]) } ?? scale
      let drop = max(0, scale - shownScale)
      ByteText.appendDecimal(units / FixedDecimal.int64PowerOfTen(drop), scale: scale - drop, to: &output)
    case .code(let register):
      output += codeText[Int(file.values(register)[row])]
    case .boolean(let register):
      put(file.values(register)[row] == 1 ? "true" : "false", &output)
    case .date(let register):
      guard let days = Int32(exactly: file.values(register)[row]) else { return }
      appendDate(CivilDate(daysSinceEpoch: days), to: &output)
    case .list(let first, let count):
      output.append(UInt8(ascii: "["))
      for index in first..<(first + count) {
        if index > first { put(", ", &output) }
        // Text inside a list is quoted (``ExprPrinter/print(_:as:)``); alone it is not.
        if case .code(let register) = plan.listItems[index], file.present(register)[row] != 0 {
          output += listCodeText[Int(file.values(register)[row])]
        } else {
          display(plan.listItems[index], file: file, row: row, text: text, to: &output)
        }
      }
      output.append(UInt8(ascii: "]"))
    case .text(let slot):
      if let bytes = text(slot) { output.append(contentsOf: bytes) }
    case .masked:
      put("***", &output)
    case .missing:
      break
    }
  }

  /// `units` at `scale` decimals without trailing zero decimals (``FixedDecimal/normalized``).
  private func appendNormalized(_ units: Int64, scale: Int, to output: inout [UInt8]) {
    var (value, places) = (units, scale)
    while places > 0 && value % 10 == 0 {
      value /= 10
      places -= 1
    }
    ByteText.appendDecimal(value, scale: places, to: &output)
  }

  private func appendDate(_ date: CivilDate, to output: inout [UInt8]) {
    let (year, month, day) = date.components
    func digits(_ value: Int, _ width: Int) {
      var divisor = 1
      for _ in 1..<width { divisor *= 10 }
      var remaining = value
      while divisor > 0 {
        output.append(UInt8(ascii: "0") + UInt8((remaining / divisor) % 10))
        remaining %= divisor
        divisor /= 10
      }
    }
    digits(year, 4)
    output.append(UInt8(ascii: "-"))
    digits(month, 2)
    output.append(UInt8(ascii: "-"))
    digits(day, 2)
  }

  /// Bytes as a JSON string, escaped as ``JSONWriter`` escapes.
  private func appendJSONString(_ bytes: [UInt8], to output: inout [UInt8]) {
    bytes.withUnsafeBufferPointer { appendJSONString($0, to: &output) }
  }

  private func appendJSONString(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
    JSONWriter.escape(bytes: bytes, into: &output)
  }
}
