import Foundation

/// A decision as a store of decisions keeps it (the ledger): the fields it records and hashes,
/// as text, and the record's inputs as read, for replay.
public struct KeptDecision: Sendable, Hashable {
  /// The line of the record in the input.
  public var line: Int
  public var key: String
  /// The tier's id, as ``Decision/tier`` has it.
  public var tier: String?
  /// The score as ``FixedDecimal/description`` writes it.
  public var score: String?
  /// The ids of the fired triggers, in policy order, joined by `;`.
  public var flags: String
  /// Whether a fired trigger asks for a review now (``TriggerAction/reviewNow``).
  public var reviewNow: Bool
  /// The kept inputs' values as read, in the order asked for, as a JSON array
  /// (``RawValue/jsonArray(_:)``; a missing value is `null`).
  public var inputs: String
}

/// The decisions and rejections of a stretch of the input, in input order.
public struct KeptBlock: Sendable {
  /// How many records the stretch held: its decisions and its rejections.
  public var read = 0
  public var decisions: [KeptDecision] = []
  public var rejections: [RecordProblem] = []
}

extension RawValue {
  /// `values` as one JSON array: text as strings, numbers as written, so that
  /// ``values(ofJSONArray:)`` reads back what was read.
  public static func jsonArray(_ values: [RawValue]) -> String {
    var bytes: [UInt8] = []
    append(values, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  static func append(_ values: [RawValue], to bytes: inout [UInt8]) {
    bytes.append(UInt8(ascii: "["))
    for (index, value) in values.enumerated() {
      if index > 0 { bytes.append(UInt8(ascii: ",")) }
      switch value {
      case .text(let text): JSONWriter.escape(text, into: &bytes)
      case .number(let text): bytes.append(contentsOf: text.utf8)
      case .bool(let flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
      case .null: bytes.append(contentsOf: "null".utf8)
      case .array(let items): append(items, to: &bytes)
      }
    }
    bytes.append(UInt8(ascii: "]"))
  }
}

extension KeptDecision {
  /// What the store keeps of a decision the scalar backend made from `record`.
  init(_ decision: Decision, line: Int, record: RawRecord, keeping slots: [Int]) {
    self.init(
      line: line, key: decision.key, tier: decision.tier?.id, score: decision.score?.description,
      flags: decision.firedTriggers.map(\.id).joined(separator: ";"),
      reviewNow: decision.firedTriggers.contains { $0.action == .reviewNow },
      inputs: RawValue.jsonArray(slots.map { record.values[$0] ?? .null }))
  }
}

extension KeptBlock {
  /// Adds what became of one record the scalar backend read as `read`.
  mutating func add(_ outcome: RecordOutcome, read: ReadRecord, keeping slots: [Int]) {
    self.read += 1
    switch outcome {
    case .rejected(let problem): rejections.append(problem)
    case .decided(let line, let decision):
      guard case .success(let record) = read else { return }
      decisions.append(KeptDecision(decision, line: line, record: record, keeping: slots))
    }
  }
}

extension BatchEvaluator {
  /// Evaluates `source` and hands what a store keeps of each decision to `handle`, a block at a
  /// time, in input order, with the inputs in `slots` kept as read. CSV runs on the kernels where
  /// the policy compiles to them, streaming (the records they cannot take, JSON Lines and records
  /// already read go to the scalar backend, JSON Lines read whole first); the decisions are the
  /// same either way.
  ///
  /// - Throws: ``CSVRecordReader/HeaderError`` when a CSV header makes the whole input
  ///   unreadable; nothing was handed on then.
  public func keep(
    _ source: RecordSource, inputs slots: [Int], _ handle: (KeptBlock) -> Void
  ) throws(CSVRecordReader.HeaderError) {
    if source.csvColumns != csvColumns {
      var headerless = self
      headerless.csvColumns = source.csvColumns
      return try headerless.keep(source, inputs: slots, handle)
    }
    let bytes: [UInt8]
    switch source.storage {
    case .records(let reads):
      keep(reads, inputs: slots, handle)
      return
    case .countedBlocks(let next):
      bytes = RecordSource.joined { next().bytes }
    case .blocks(let next):
      if source.format == .csv, !trace, !whatItTakes, backend == .automatic,
        let program = ColumnarProgram(policy, asOf: asOf)
      {
        let blocks = try ColumnarInput.csv(next).blocks(inputs: policy.inputs, csvColumns: csvColumns)
        let layout = KeptLayout(program: program, policy: policy, header: blocks.header, keeping: slots)
        runColumnar(
          program, reading: blocks, origin: nil, overlap: true,
          writeReadsFields: true, handle
        ) { worker, chunk, _, decide in
          [worker.keep(chunk, layout: layout, decide: decide)]
        }
        return
      }
      bytes = RecordSource.joined(next)
    }
    let next = try recordBlocks(bytes: bytes, format: source.format)
    while case let records = next(), !records.isEmpty { keep(records, inputs: slots, handle) }
  }

  /// Records already read, on the scalar backend, as one block.
  private func keep(_ records: [ReadRecord], inputs slots: [Int], _ handle: (KeptBlock) -> Void) {
    var kept = KeptBlock()
    evaluate(reads: records) { outcome in kept.add(outcome, read: records[kept.read], keeping: slots) }
    handle(kept)
  }
}

/// How the kernels' registers become kept decisions.
struct KeptLayout: Sendable {
  let slots: [Int]
  /// The column of each input slot in the header, `nil` when absent.
  let columnOfSlot: [Int?]
  let strings: [String]
  let triggerIDs: [String]
  let reviewNow: [Bool]

  init(program: ColumnarProgram, policy: CompiledPolicy, header: CSVHeader, keeping slots: [Int]) {
    self.slots = slots
    var columns = [Int?](repeating: nil, count: policy.inputs.count)
    for (column, slot) in header.slotOfColumn.enumerated() {
      if let slot { columns[slot] = column }
    }
    columnOfSlot = columns
    strings = program.strings
    triggerIDs = policy.checked.review.triggers.map(\.id)
    reviewNow = policy.checked.review.triggers.map { $0.action == .reviewNow }
  }
}

extension ColumnarWorker {
  /// The kept decisions of `chunk`, whose registers are filled: from the registers for the
  /// records the kernels decided, from `decide` (the scalar backend) for the others.
  func keep(_ chunk: RecordChunk, layout: KeptLayout, decide: (_ row: Int) -> RecordOutcome) -> KeptBlock {
    var block = KeptBlock()
    block.decisions.reserveCapacity(chunk.count)
    var text: [UInt8] = []
    chunk.bytes.withUnsafeBufferPointer { bytes in
      for row in 0..<chunk.count {
        guard file.fallback[row] == 0 else {
          block.add(decide(row), read: rowRecord(chunk, row), keeping: layout.slots)
          continue
        }
        block.read += 1
        text.removeAll(keepingCapacity: true)
        let key: String
        if let keyRegister = program.keyRegister {
          ValueText.appendDecimal(file.values(keyRegister)[row], scale: 0, to: &text)
          key = String(decoding: text, as: UTF8.self)
        } else {
          key = String(
            decoding: UnsafeBufferPointer(rebasing: bytes[Int(keyStarts[row])..<Int(keyEnds[row])]),
            as: UTF8.self)
        }
        var score: String?
        if let register = program.score, file.present(register)[row] != 0 {
          text.removeAll(keepingCapacity: true)
          ValueText.appendDecimal(file.values(register)[row], scale: program.scoreScale, to: &text)
          score = String(decoding: text, as: UTF8.self)
        }
        let tier =
          file.present(program.tier)[row] != 0 ? layout.strings[Int(file.values(program.tier)[row])] : nil
        var flags = ""
        var reviewNow = false
        for (index, trigger) in program.triggers.enumerated()
        where file.present(trigger)[row] != 0 && file.values(trigger)[row] == 1 {
          flags += flags.isEmpty ? layout.triggerIDs[index] : ";" + layout.triggerIDs[index]
          reviewNow = reviewNow || layout.reviewNow[index]
        }
        text.removeAll(keepingCapacity: true)
        appendInputs(chunk, row: row, bytes: bytes, layout: layout, to: &text)
        block.decisions.append(
          KeptDecision(
            line: chunk.lines[row], key: key, tier: tier, score: score, flags: flags, reviewNow: reviewNow,
            inputs: String(decoding: text, as: UTF8.self)))
      }
    }
    return block
  }

  /// The kept inputs of record `row` as ``RawValue/jsonArray(_:)`` writes them from the row
  /// reader's values: a field's text (unquoted) as a string, an empty or absent field as `null`.
  private func appendInputs(
    _ chunk: RecordChunk, row: Int, bytes: UnsafeBufferPointer<UInt8>, layout: KeptLayout,
    to output: inout [UInt8]
  ) {
    output.append(UInt8(ascii: "["))
    var unquoted: [UInt8] = []
    for (index, slot) in layout.slots.enumerated() {
      if index > 0 { output.append(UInt8(ascii: ",")) }
      guard let column = layout.columnOfSlot[slot] else {
        output.append(contentsOf: "null".utf8)
        continue
      }
      let base = row * chunk.columnCount
      let start =
        !chunk.fieldStarts.isEmpty
        ? Int(chunk.fieldStarts[base + column])
        : column == 0 ? Int(chunk.recordStarts[row]) : Int(chunk.fieldEnds[base + column - 1]) + 1
      let end = Int(chunk.fieldEnds[base + column])
      guard start < end else {
        output.append(contentsOf: "null".utf8)
        continue
      }
      guard bytes[start] == UInt8(ascii: "\"") else {
        JSONWriter.escape(bytes: UnsafeBufferPointer(rebasing: bytes[start..<end]), into: &output)
        continue
      }
      // A quoted field: the text between the quotes, each doubled quote one quote.
      unquoted.removeAll(keepingCapacity: true)
      var position = start + 1
      while position < end - 1 {
        unquoted.append(bytes[position])
        position += bytes[position] == UInt8(ascii: "\"") ? 2 : 1
      }
      if unquoted.isEmpty {
        output.append(contentsOf: "null".utf8)
      } else {
        unquoted.withUnsafeBufferPointer { JSONWriter.escape(bytes: $0, into: &output) }
      }
    }
    output.append(UInt8(ascii: "]"))
  }
}
