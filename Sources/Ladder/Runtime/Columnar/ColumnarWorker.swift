/// What a chunk of records became, in input order: runs of decided records already written as
/// CSV, and the records the row evaluator took (rejections among them).
enum EvaluatedPiece: Sendable {
  case rendered([UInt8], records: Int)
  case outcome(RecordOutcome, String?)
}

/// How decided records are written by the columnar path: the columns of
/// ``CompiledPolicy/csvLayout(withErrors:)``, filled from registers.
struct ColumnarCSVLayout: Sendable {
  let fields: [DecisionField]
  /// Each dictionary string as a CSV field.
  let codeFields: ByteTable
  /// Trigger ids, in policy order.
  let triggerIDs: ByteTable
  /// Per field: whether every record has the same bytes (the as-of date, the policy's identity),
  /// and those bytes (empty for the others).
  let isConstant: [Bool]
  let constants: ByteTable

  /// `nil` when a column is not one the registers hold: the scalar backend writes those.
  init?(program: ColumnarProgram, policy: CompiledPolicy, asOf: CivilDate, withErrors: Bool) {
    fields = policy.csvLayout(withErrors: withErrors).entries.map(\.field)
    for field in fields {
      switch field {
      case .key, .score, .tier, .flags, .output, .asOf, .policy, .policyVersion, .policySHA256, .error:
        continue
      case .label, .review, .benefits, .serviceLevels, .serviceLevel: return nil
      }
    }
    codeFields = ByteTable(program.strings.map(ByteText.csvField))
    var ids: [[UInt8]] = []
    for trigger in policy.checked.review.triggers {
      // Ids are joined with `;` in one field: one that needs quoting is left to the row path.
      guard !trigger.id.utf8.contains(UInt8(ascii: ";")),
        DecisionCSV.field(trigger.id) == trigger.id
      else { return nil }
      ids.append(Array(trigger.id.utf8))
    }
    triggerIDs = ByteTable(ids)
    let constants = fields.map { field -> [UInt8]? in
      switch field {
      case .asOf: Array(asOf.description.utf8)
      case .policy, .policyVersion, .policySHA256:
        Array(DecisionCSV.field(DecisionCSV.identity(field, policy)).utf8)
      default: nil
      }
    }
    isConstant = constants.map { $0 != nil }
    self.constants = ByteTable(constants.map { $0 ?? [] })
  }
}

/// One worker's registers and scratch space: converts a chunk's fields to columns, runs the
/// kernels, writes the decided records and hands the others to the row evaluator. Used by one
/// thread at a time.
final class ColumnarWorker: @unchecked Sendable {
  let program: ColumnarProgram
  let header: CSVHeader
  let file: RegisterFile
  let optional: [Bool]
  /// Inputs with no column in the header: missing in every record.
  let absentSlots: [Int]
  // Unchecked exclusivity: written for every record by the one thread using this worker; the
  // dynamic checks showed in the profile.
  @exclusivity(unchecked) private(set) var keyStarts: [Int32]
  @exclusivity(unchecked) private(set) var keyEnds: [Int32]
  let frame: EvaluationFrame
  /// Text inputs a trace shows (other than the key), by slot: their position in `textRanges`.
  /// An array, not a dictionary: it is read for every field.
  let shownText: [Int?]
  let shownTextCount: Int
  /// Per shown text input, per row: start and end of its value in the chunk's bytes (-1:
  /// missing), or, when the start is below -1, in ``unquoted`` from `-start - 2` to the end.
  @exclusivity(unchecked) private(set) var textRanges: [Int32]
  /// The values of quoted fields with doubled quotes inside, unquoted: rebuilt by each `load`.
  private var unquoted: UnsafeMutableBufferPointer<UInt8>
  private var unquotedCount = 0
  /// Reads the JSON line of a record the kernels cannot take, for a chunk cut from JSON Lines.
  let jsonLines: JSONLRecordReader

  /// Its place among the run's workers (0 for a worker of its own): picks what it does not share.
  let index: Int

  init(
    program: ColumnarProgram, policy: CompiledPolicy, header: CSVHeader, asOf: CivilDate, capacity: Int,
    index: Int = 0
  ) {
    self.index = index
    self.program = program
    self.header = header
    jsonLines = JSONLRecordReader(bytes: [], inputs: policy.inputs)
    file = RegisterFile(registers: program.registerCount, capacity: capacity)
    optional = policy.inputs.map(\.isOptional)
    let present = Set(header.slotOfColumn.compactMap { $0 })
    absentSlots = policy.inputs.map(\.slot).filter { !present.contains($0) }
    keyStarts = Array(repeating: 0, count: capacity)
    keyEnds = Array(repeating: 0, count: capacity)
    frame = policy.makeFrame(asOf: asOf)
    var shown = [Int?](repeating: nil, count: policy.inputs.count)
    var count = 0
    for case .text(let slot) in program.trace?.inputs ?? [] where slot != policy.checked.keyInput {
      shown[slot] = count
      count += 1
    }
    shownText = shown
    shownTextCount = count
    textRanges = Array(repeating: -1, count: capacity * 2 * max(count, 1))
    unquoted = UnsafeMutableBufferPointer.allocate(capacity: count == 0 ? 0 : 4096)
  }

  deinit { unquoted.deallocate() }

  /// The bytes of a text input a trace shows, for record `row`; `nil` when it is missing.
  func text(_ slot: Int, row: Int, in bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
    if slot == program.keySlot && program.keyRegister == nil {
      return UnsafeBufferPointer(rebasing: bytes[Int(keyStarts[row])..<Int(keyEnds[row])])
    }
    guard let index = shownText[slot] else { return nil }
    let start = textRanges[(index * file.capacity + row) * 2]
    let end = textRanges[(index * file.capacity + row) * 2 + 1]
    if start < -1 { return UnsafeBufferPointer(rebasing: unquoted[Int(-start - 2)..<Int(end)]) }
    guard start >= 0 else { return nil }
    return UnsafeBufferPointer(rebasing: bytes[Int(start)..<Int(end)])
  }

  /// Notes where a shown text field's value is, as the row reader reads it: unquoted (`""` is
  /// `"`) and without the blanks around it; nothing (missing) when only blanks are left. False
  /// for a field that is not a well-formed quoted field.
  private func noteText(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, at position: Int)
    -> Bool
  {
    var first = start
    var last = end
    let quote = UInt8(ascii: "\"")
    var hasDoubledQuote = false
    if bytes[start] == quote {
      guard end - start >= 2, bytes[end - 1] == quote else { return false }
      first += 1
      last -= 1
      hasDoubledQuote = UnsafeBufferPointer(rebasing: bytes[first..<last]).contains(quote)
    }
    guard hasDoubledQuote else {
      while first < last && Self.isBlank(bytes[first]) { first += 1 }
      while last > first && Self.isBlank(bytes[last - 1]) { last -= 1 }
      if first < last {
        textRanges[position] = Int32(first)
        textRanges[position + 1] = Int32(last)
      }
      return true
    }
    // Each pair of quotes inside is one quote: the value is copied without the second of each.
    if unquoted.count - unquotedCount < last - first {
      let larger = UnsafeMutableBufferPointer<UInt8>.allocate(
        capacity: max(unquoted.count * 2, unquotedCount + last - first))
      _ = larger.initialize(fromContentsOf: unquoted[0..<unquotedCount])
      unquoted.deallocate()
      unquoted = larger
    }
    var valueStart = unquotedCount
    var index = first
    while index < last {
      guard bytes[index] != quote || (index + 1 < last && bytes[index + 1] == quote) else { return false }
      unquoted[unquotedCount] = bytes[index]
      unquotedCount += 1
      index += bytes[index] == quote ? 2 : 1
    }
    var valueEnd = unquotedCount
    while valueStart < valueEnd && Self.isBlank(unquoted[valueStart]) { valueStart += 1 }
    while valueEnd > valueStart && Self.isBlank(unquoted[valueEnd - 1]) { valueEnd -= 1 }
    if valueStart < valueEnd {
      textRanges[position] = Int32(-valueStart - 2)
      textRanges[position + 1] = Int32(valueEnd)
    }
    return true
  }

  /// What ``load(_:)`` and the statistics kernels left for one chunk: the registers of theirs that
  /// are read later (``ColumnarProgram/restoredRegisters``), the rows marked for the row evaluator,
  /// and where the key and shown texts are. The statistics pass keeps it, so that the per-record
  /// pass of a population policy restores it instead of converting every field again (which was
  /// a third of that pass).
  struct LoadedState: Sendable {
    var values: [Int64]
    var present: [UInt8]
    var fallback: [UInt8]
    var keyStarts: [Int32]
    var keyEnds: [Int32]
    var textRanges: [Int32]
    var unquoted: [UInt8]
  }

  func loadedState() -> LoadedState {
    let rows = file.rowCount
    let registers = program.restoredRegisters
    var values = [Int64]()
    var present = [UInt8]()
    values.reserveCapacity(registers.count * rows)
    present.reserveCapacity(registers.count * rows)
    for register in registers {
      values.append(contentsOf: UnsafeBufferPointer(start: file.values(register), count: rows))
      present.append(contentsOf: UnsafeBufferPointer(start: file.present(register), count: rows))
    }
    return LoadedState(
      values: values, present: present,
      fallback: Array(UnsafeBufferPointer(start: file.fallback, count: rows)),
      keyStarts: Array(keyStarts[0..<rows]), keyEnds: Array(keyEnds[0..<rows]),
      textRanges: shownTextCount == 0 ? [] : textRanges, unquoted: Array(unquoted[0..<unquotedCount]))
  }

  /// Puts back what ``loadedState()`` kept, for a chunk of `rows` records: the registers stand as
  /// ``load(_:)`` and the statistics kernels left them.
  func restore(_ state: LoadedState, rows: Int) {
    file.reset(rows: rows)
    func copy<Element>(_ source: [Element], _ index: Int, to destination: UnsafeMutablePointer<Element>) {
      source.withUnsafeBufferPointer { source in
        _ = UnsafeMutableBufferPointer(start: destination, count: rows)
          .update(
            fromContentsOf: UnsafeBufferPointer(rebasing: source[(index * rows)..<((index + 1) * rows)]))
      }
    }
    for (index, register) in program.restoredRegisters.enumerated() {
      copy(state.values, index, to: file.values(register))
      copy(state.present, index, to: file.present(register))
    }
    copy(state.fallback, 0, to: file.fallback)
    for row in 0..<rows {
      keyStarts[row] = state.keyStarts[row]
      keyEnds[row] = state.keyEnds[row]
    }
    if shownTextCount > 0 { textRanges = state.textRanges }
    if unquoted.count < state.unquoted.count {
      unquoted.deallocate()
      unquoted = UnsafeMutableBufferPointer.allocate(capacity: state.unquoted.count)
    }
    _ = unquoted.update(fromContentsOf: state.unquoted)
    unquotedCount = state.unquoted.count
  }

  // MARK: - Fields to columns

  /// Converts every field of `chunk` into the registers; a record any field of which is not in
  /// its plain form is marked for the row evaluator.
  func load(_ chunk: RecordChunk) {
    let rows = chunk.count
    file.reset(rows: rows)
    for slot in absentSlots {
      for register in program.inputs[slot].registers {
        file.present(register).update(repeating: 0, count: rows)
      }
    }
    let columnCount = chunk.columnCount
    // A chunk of JSON lines was checked as UTF-8 when it was cut (its strings are checked
    // there): each field is checked again only when it was not.
    let checkedAsUTF8 = chunk.isJSONLines
    let keyColumn = program.keyRegister == nil ? header.keyColumn : nil
    for index in 0..<(shownTextCount * file.capacity * 2) { textRanges[index] = -1 }
    unquotedCount = 0
    // A JSON chunk says where each field starts; a CSV field starts after the one before.
    let fieldStarts = chunk.fieldStarts
    let startsGiven = !fieldStarts.isEmpty
    chunk.bytes.withUnsafeBufferPointer { bytes in
      for row in 0..<rows {
        guard chunk.regular[row] else {
          file.fallback[row] = 1
          continue
        }
        var fieldStart = Int(chunk.recordStarts[row])
        let base = row * columnCount
        for column in 0..<columnCount {
          let fieldEnd = Int(chunk.fieldEnds[base + column])
          let start = startsGiven ? Int(fieldStarts[base + column]) : fieldStart
          fieldStart = fieldEnd + 1
          guard let slot = header.slotOfColumn[column] else { continue }
          if column == keyColumn {
            guard start < fieldEnd, bytes[start] != UInt8(ascii: "\""), !Self.isBlank(bytes[start]),
              !Self.isBlank(bytes[fieldEnd - 1]),
              checkedAsUTF8 || FieldParsing.isValidUTF8(bytes, start, fieldEnd)
            else {
              file.fallback[row] = 1
              break
            }
            keyStarts[row] = Int32(start)
            keyEnds[row] = Int32(fieldEnd)
            continue
          }
          if let index = shownText[slot], start < fieldEnd,
            !noteText(bytes, start, fieldEnd, at: (index * file.capacity + row) * 2)
          {
            file.fallback[row] = 1
            break
          }
          guard load(bytes, start, fieldEnd, row: row, slot: slot, checkedAsUTF8: checkedAsUTF8) else {
            file.fallback[row] = 1
            break
          }
        }
      }
    }
  }

  @inline(__always) static func isBlank(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
  }

  /// One field into its registers; false when the row evaluator must read it. `checkedAsUTF8`:
  /// the field's bytes are known to be UTF-8.
  @inline(__always)
  private func load(
    _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, row: Int, slot: Int, checkedAsUTF8: Bool
  ) -> Bool {
    let plan = program.inputs[slot]
    if start == end {
      guard optional[slot] else { return false }
      for register in plan.registers { file.present(register)[row] = 0 }
      return true
    }
    if case .text = plan {
      // Kept in no register; what the row reader would reject is sent to it.
      // A required field must not be blank: its first byte (inside the quotes) must be text.
      if !optional[slot] {
        let quoted = bytes[start] == UInt8(ascii: "\"")
        let first = quoted ? start + 1 : start
        guard first < end, !Self.isBlank(bytes[first]), !quoted || bytes[first] != UInt8(ascii: "\"") else {
          return false
        }
      }
      return checkedAsUTF8 || FieldParsing.isValidUTF8(bytes, start, end)
    }
    guard bytes[start] != UInt8(ascii: "\"") else { return false }
    func store(_ register: Int, _ value: Int64?, _ minimum: Int64? = nil, _ maximum: Int64? = nil) -> Bool {
      guard let value else { return false }
      if let minimum, value < minimum { return false }
      if let maximum, value > maximum { return false }
      file.values(register)[row] = value
      file.present(register)[row] = 1
      return true
    }
    switch plan {
    case .text:
      return true
    case .integer(let register, let minimum, let maximum):
      return store(
        register, FieldParsing.decimal(bytes, start, end, scale: 0, percent: false), minimum, maximum)
    case .decimal(let register, let scale, let percent, let minimum, let maximum, let written):
      var places = 0
      let value = FieldParsing.decimal(bytes, start, end, scale: scale, percent: percent, written: &places)
      if let written { file.values(written)[row] = Int64(places) }
      return store(register, value, minimum, maximum)
    case .date(let register, let minimum, let maximum):
      return store(register, FieldParsing.date(bytes, start, end), minimum, maximum)
    case .boolean(let register):
      return store(register, FieldParsing.boolean(bytes, start, end))
    case .enumeration(let register, let table):
      let field = UnsafeBufferPointer(rebasing: bytes[start..<end])
      let enumeration = program.enumerations[table]
      guard let index = enumeration.values.firstIndex(where: { field.elementsEqual($0) }) else {
        return false
      }
      return store(register, enumeration.codes[index])
    case .decimalList(let first, let count, let scale, let minimum, let maximum, let writtenFirst):
      var elementStart = start
      var element = 0
      for position in start...end where position == end || bytes[position] == UInt8(ascii: ";") {
        guard element < count else { return false }
        var places = 0
        let value = FieldParsing.decimal(
          bytes, elementStart, position, scale: scale, percent: false, written: &places)
        if let writtenFirst { file.values(writtenFirst + element)[row] = Int64(places) }
        guard store(first + element, value, minimum, maximum) else { return false }
        element += 1
        elementStart = position + 1
      }
      return element == count
    }
  }

  // MARK: - Evaluation and output

  func run(_ kernels: [Kernel]) {
    // In place: a copy of each kernel retained its lists (a few per record of a single decision).
    kernels.withUnsafeBufferPointer { kernels in
      for index in kernels.indices { kernels[index].run(file) }
    }
  }

  /// Writes the decided records of `chunk` as CSV; the records marked for the row evaluator are
  /// decided (or rejected) by `decide` in their place, so the pieces keep input order.
  func render(
    _ chunk: RecordChunk, layout: ColumnarCSVLayout, render: (@Sendable (RecordOutcome) -> String)?,
    decide: (_ row: Int) -> RecordOutcome
  ) -> [EvaluatedPiece] {
    pieces(chunk, bytesPerRecord: 48, render: render, decide: decide) { row, bytes, output in
      writeRow(row, bytes: bytes, layout: layout, to: &output)
    }
  }

  /// Like ``render(_:layout:render:decide:)``, writing each decided record as a JSON Lines
  /// record in `form`.
  func renderJSONL(
    _ chunk: RecordChunk, writer: ColumnarTraceWriter, form: ColumnarTraceWriter.LineForm,
    render: (@Sendable (RecordOutcome) -> String)?,
    population: ((_ row: Int) -> [DecisionTrace.PopulationNote])? = nil,
    decide: (_ row: Int) -> RecordOutcome
  ) -> [EvaluatedPiece] {
    var scratch = ColumnarTraceWriter.Scratch()
    let bytesPerRecord =
      switch form {
      case .plain: 256
      case .traced: 4096
      case .compact: 512
      }
    return pieces(chunk, bytesPerRecord: bytesPerRecord, render: render, decide: decide) {
      row, bytes, output in
      let key =
        program.keyRegister == nil
        ? UnsafeBufferPointer(rebasing: bytes[Int(keyStarts[row])..<Int(keyEnds[row])])
        : UnsafeBufferPointer(rebasing: bytes[0..<0])
      writer.write(
        row: row, file: file, line: chunk.lines[row], key: key,
        text: { slot in self.text(slot, row: row, in: bytes) }, form: form,
        population: form == .plain ? [] : population?(row) ?? [], scratch: &scratch, to: &output)
    }
  }

  /// How many bytes of written records make a piece.
  static let pieceBytes = 1 << 20

  /// Runs of records written by `write`, and in their place the records the row evaluator takes.
  private func pieces(
    _ chunk: RecordChunk, bytesPerRecord: Int, render: (@Sendable (RecordOutcome) -> String)?,
    decide: (_ row: Int) -> RecordOutcome,
    write: (_ row: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ output: inout [UInt8]) -> Void
  ) -> [EvaluatedPiece] {
    var pieces: [EvaluatedPiece] = []
    // Handed on a megabyte at a time: a chunk of full traces is 18 MB, which outgrew its estimate
    // (copied whole into memory twice its size) and, above malloc's largest mapping threshold,
    // came as new pages from the kernel for every chunk — zeroed, faulted in, unmapped after
    // writing: a third of an `--explain` run. Blocks of a megabyte are reused from the heap.
    let reserve = min(chunk.count * bytesPerRecord, Self.pieceBytes + 2 * bytesPerRecord)
    var output: [UInt8] = []
    output.reserveCapacity(reserve)
    var decided = 0
    func handOn() {
      pieces.append(.rendered(output, records: decided))
      output = []
      output.reserveCapacity(reserve)
      decided = 0
    }
    chunk.bytes.withUnsafeBufferPointer { bytes in
      for row in 0..<chunk.count {
        if file.fallback[row] != 0 {
          if decided > 0 { handOn() }
          let outcome = decide(row)
          pieces.append(.outcome(outcome, render?(outcome)))
          continue
        }
        write(row, bytes, &output)
        decided += 1
        if output.count >= Self.pieceBytes { handOn() }
      }
    }
    if decided > 0 { pieces.append(.rendered(output, records: decided)) }
    return pieces
  }

  /// Record `row` of `chunk` read by the row reader.
  func rowRecord(_ chunk: RecordChunk, _ row: Int) -> ReadRecord {
    if chunk.isJSONLines { return jsonLines.parse(chunk.lineText(row), line: chunk.lines[row]) }
    var scanner = CSVRecordReader.Scanner(
      bytes: Array(chunk.recordBytes(row)), position: 0, line: chunk.lines[row])
    scanner.isCutRecord = true
    guard let scanned = scanner.nextRecord() else {
      return .failure(RecordProblem(line: chunk.lines[row], reason: "the record is empty"))
    }
    return header.record(line: scanned.line, scanned.outcome)
  }

  private func writeRow(
    _ row: Int, bytes: UnsafeBufferPointer<UInt8>, layout: ColumnarCSVLayout, to output: inout [UInt8]
  ) {
    for (index, field) in layout.fields.enumerated() {
      if index > 0 { output.append(UInt8(ascii: ",")) }
      if layout.isConstant[index] {
        output.append(contentsOf: layout.constants[index])
        continue
      }
      switch field {
      case .key:
        if let keyRegister = program.keyRegister {
          ValueText.appendDecimal(file.values(keyRegister)[row], scale: 0, to: &output)
        } else {
          ByteText.appendField(bytes, Int(keyStarts[row]), Int(keyEnds[row]), to: &output)
        }
      case .score:
        if let score = program.score, file.present(score)[row] != 0 {
          ValueText.appendDecimal(file.values(score)[row], scale: program.scoreScale, to: &output)
        }
      case .tier:
        if file.present(program.tier)[row] != 0 {
          output.append(contentsOf: layout.codeFields[Int(file.values(program.tier)[row])])
        }
      case .flags:
        var firstFlag = true
        for (index, trigger) in program.triggers.enumerated()
        where file.present(trigger)[row] != 0 && file.values(trigger)[row] == 1 {
          if !firstFlag { output.append(UInt8(ascii: ";")) }
          output.append(contentsOf: layout.triggerIDs[index])
          firstFlag = false
        }
      case .output(let index):
        writeOutput(program.outputs[index], row, layout: layout, to: &output)
      case .asOf, .policy, .policyVersion, .policySHA256, .error, .label, .review, .benefits, .serviceLevels,
        .serviceLevel:
        // Empty for a decided record (the layout refuses the others).
        break
      }
    }
    output.append(UInt8(ascii: "\n"))
  }

  private func writeOutput(
    _ display: ColumnarProgram.Display, _ row: Int, layout: ColumnarCSVLayout, to output: inout [UInt8]
  ) {
    switch display {
    case .number(let register, let scale, let scaleRegister):
      if file.present(register)[row] != 0 {
        // Fewer decimals than the register holds: the digits dropped are zeros.
        let shown = scaleRegister.map { Int(file.values($0)[row]) } ?? scale
        let drop = max(0, scale - shown)
        ValueText.appendDecimal(
          file.values(register)[row] / FixedDecimal.int64PowerOfTen(drop), scale: scale - drop, to: &output)
      }
    case .code(let register):
      if file.present(register)[row] != 0 {
        output.append(contentsOf: layout.codeFields[Int(file.values(register)[row])])
      }
    case .boolean(let register):
      if file.present(register)[row] != 0 {
        output.append(contentsOf: (file.values(register)[row] == 1 ? "true" : "false").utf8)
      }
    case .date(let register):
      if file.present(register)[row] != 0, let days = Int32(exactly: file.values(register)[row]) {
        ValueText.appendDate(CivilDate(daysSinceEpoch: days), to: &output)
      }
    }
  }
}
