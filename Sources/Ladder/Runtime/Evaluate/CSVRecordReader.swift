/// Reads RFC 4180 CSV from bytes: a header line, then one record per line; fields may be quoted
/// with `"`, and quoted fields may hold commas, doubled quotes and line breaks.
///
/// Written on bytes rather than on a library: the CSV packages available here (SwiftCSV,
/// yaslab/CSV.swift) stop the whole read at the first invalid UTF-8 byte and do not report the
/// line a record starts on, while Ladder must reject just that record, with its line, and go on.
/// It is also faster: 528k records/s against 212k (CSV.swift) and 67k (SwiftCSV) on the
/// benchmark's 1M-record file (`Benchmarks/CSVReaders`, docs/performance.md).
public struct CSVRecordReader: Sequence, IteratorProtocol {
  /// The bytes read but not yet consumed (all of the input for ``init(bytes:inputs:)``).
  var bytes: [UInt8]
  var position: Int
  var line = 1
  /// Gives the next block of the input, empty at its end; `nil` when `bytes` is all of it.
  private let source: (() -> [UInt8])?
  var atEnd: Bool
  /// The header: which column feeds which input.
  private(set) var header: CSVHeader
  public var columns: [String] { header.columns }

  /// A problem with the header itself, which makes every record unreadable.
  public struct HeaderError: Error, Sendable, Hashable {
    public var message: String
  }

  /// Reads the header and maps its columns to the policy's inputs. With `columns`, the input has
  /// no header line (a part of a larger file): these are its columns, and its first line is
  /// line 1.
  ///
  /// - Throws: ``HeaderError`` when the header is missing, unreadable, or lacks a required input.
  public init(bytes: [UInt8], inputs: [InputField], columns: [String]? = nil) throws(HeaderError) {
    try self.init(bytes: bytes, source: nil, inputs: inputs, columns: columns)
  }

  /// Reads the input block by block, so that memory stays flat however large it is: `source`
  /// returns the next block of bytes, and an empty array at the end.
  public init(source: @escaping () -> [UInt8], inputs: [InputField], columns: [String]? = nil)
    throws(HeaderError)
  {
    try self.init(bytes: [], source: source, inputs: inputs, columns: columns)
  }

  private init(bytes: [UInt8], source: (() -> [UInt8])?, inputs: [InputField], columns: [String]?)
    throws(HeaderError)
  {
    self.bytes = bytes
    self.source = source
    atEnd = source == nil
    position = 0
    header = CSVHeader(columns: [], slotOfColumn: [], keyColumn: nil, slotCount: inputs.count)
    while !atEnd && self.bytes.count < 3 { refill() }
    // Skip a UTF-8 byte order mark, as Excel writes one.
    if self.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    var header: [String] = []
    if let columns {
      header = columns
    } else {
      guard let fields = scanRecord(), case .ok(let cells) = fields.outcome else {
        throw HeaderError(message: "the input has no header line")
      }
      for cell in cells {
        guard let name = String(validating: cell, as: UTF8.self) else {
          throw HeaderError(message: "the header line is not valid UTF-8")
        }
        header.append(name.trimmingWhitespace)
      }
    }
    var slots: [Int?] = []
    var seen: Set<String> = []
    for name in header {
      if !seen.insert(name).inserted { throw HeaderError(message: "the header names column '\(name)' twice") }
      slots.append(inputs.first { $0.name == name }?.slot)
    }
    self.header = CSVHeader(
      columns: header, slotOfColumn: slots,
      keyColumn: inputs.first(where: \.isKey).flatMap { key in header.firstIndex(of: key.name) },
      slotCount: inputs.count)
    let missing = inputs.filter { !$0.isOptional && !header.contains($0.name) }.map { "'\($0.name)'" }
    if !missing.isEmpty {
      throw HeaderError(
        message:
          "the header lacks the required column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))"
      )
    }
  }

  /// Columns of the header that are not inputs of the policy (ignored).
  public var ignoredColumns: [String] {
    zip(header.columns, header.slotOfColumn).filter { $0.1 == nil }.map(\.0)
  }

  /// The next whole record. A record that runs to the end of the bytes read so far may continue
  /// in the next block (a quoted line break, or a record cut mid-line): then the next block is
  /// read and the record scanned again from its start.
  private mutating func scanRecord() -> (line: Int, outcome: Scanner.Outcome)? {
    while true {
      var scanner = Scanner(bytes: bytes, position: position, line: line)
      let record = scanner.nextRecord()
      var complete = atEnd
      if !complete, let record {
        if case .unterminatedQuote = record.outcome {
          complete = false
        } else {
          complete =
            scanner.position < bytes.count
            || (scanner.position > 0 && bytes[scanner.position - 1] == UInt8(ascii: "\n"))
        }
      }
      if complete {
        position = scanner.position
        line = scanner.line
        return record
      }
      refill()
    }
  }

  mutating func refill() {
    if !BlockInput.refill(&bytes, position: &position, from: source) { atEnd = true }
  }

  public mutating func next() -> ReadRecord? {
    guard let record = scanRecord() else { return nil }
    return header.record(line: record.line, record.outcome)
  }

  /// Splits bytes into records and fields.
  struct Scanner {
    enum Outcome {
      case ok([ArraySlice<UInt8>])
      case unterminatedQuote
    }

    let bytes: [UInt8]
    var position: Int
    var line: Int

    init(bytes: [UInt8], position: Int, line: Int = 1) {
      self.bytes = bytes
      self.position = position
      self.line = line
    }

    /// Whether a line ends at `index`: `\n`, or `\r` before `\n`. Any other `\r` is data (RFC
    /// 4180), so a stray carriage return cannot split a record in two. A `\r` that ends
    /// `bytes` counts when `bytes` may go on (`endMayContinue`): the `\n` may come in the next
    /// block, and a record that runs to the end of the bytes is scanned again once more are read.
    static func isLineEnd<Bytes: RandomAccessCollection<UInt8>>(
      _ bytes: Bytes, _ index: Int, endMayContinue: Bool = true
    ) -> Bool where Bytes.Index == Int {
      let byte = bytes[index]
      guard byte == UInt8(ascii: "\r") else { return byte == UInt8(ascii: "\n") }
      return index + 1 == bytes.endIndex ? endMayContinue : bytes[index + 1] == UInt8(ascii: "\n")
    }

    /// True when `bytes` is one record already cut from its input (the columnar path hands such
    /// a slice back to this scanner): its line end was cut off, so a `\r` it ends with is data.
    var isCutRecord = false

    private func isLineEnd(_ index: Int) -> Bool {
      Self.isLineEnd(bytes, index, endMayContinue: !isCutRecord)
    }

    /// Where a field ends: a comma or a line end.
    private func isFieldEnd(_ index: Int) -> Bool {
      bytes[index] == UInt8(ascii: ",") || isLineEnd(index)
    }

    /// The next non-blank record and the line it starts on.
    mutating func nextRecord() -> (line: Int, outcome: Outcome)? {
      // Blank lines between records are not records.
      while position < bytes.count, isLineEnd(position) {
        if bytes[position] == UInt8(ascii: "\n") { line += 1 }
        position += 1
      }
      guard position < bytes.count else { return nil }
      let startLine = line
      var cells: [ArraySlice<UInt8>] = []
      while true {
        if position < bytes.count, bytes[position] == UInt8(ascii: "\"") {
          // A quoted field: copy it out, turning "" into ".
          var cell: [UInt8] = []
          position += 1
          var closed = false
          while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
              if position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "\"") {
                cell.append(byte)
                position += 2
                continue
              }
              position += 1
              closed = true
              break
            }
            if byte == UInt8(ascii: "\n") { line += 1 }
            cell.append(byte)
            position += 1
          }
          guard closed else {
            position = bytes.count
            return (startLine, .unterminatedQuote)
          }
          // Anything between the closing quote and the separator is kept, as spreadsheets do.
          while position < bytes.count, !isFieldEnd(position) {
            cell.append(bytes[position])
            position += 1
          }
          cells.append(cell[...])
        } else {
          let start = position
          while position < bytes.count, !isFieldEnd(position) { position += 1 }
          cells.append(bytes[start..<position])
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ",") {
          position += 1
          continue
        }
        // End of record: \n, \r\n, or end of input.
        if position < bytes.count, bytes[position] == UInt8(ascii: "\r") { position += 1 }
        if position < bytes.count, bytes[position] == UInt8(ascii: "\n") {
          position += 1
          line += 1
        }
        return (startLine, .ok(cells))
      }
    }
  }
}

/// The columns of a CSV header and the inputs they feed.
struct CSVHeader: Sendable {
  var columns: [String]
  /// Column index → input slot (`nil`: a column the policy does not use).
  var slotOfColumn: [Int?]
  /// The column holding the record key, for naming rejected records.
  var keyColumn: Int?
  var slotCount: Int

  /// The raw record of scanned fields, or why it cannot be one.
  func record(line: Int, _ outcome: CSVRecordReader.Scanner.Outcome) -> ReadRecord {
    switch outcome {
    case .unterminatedQuote:
      return .failure(
        RecordProblem(line: line, reason: "a quoted field is not closed before the end of the input"))
    case .ok(let cells):
      // The key, when it can be read, names the record in rejections.
      let key = keyColumn.flatMap { $0 < cells.count ? String(validating: cells[$0], as: UTF8.self) : nil }
      guard cells.count == slotOfColumn.count else {
        return .failure(
          RecordProblem(
            line: line, key: key,
            reason:
              "the record has \(cells.count) field\(cells.count == 1 ? "" : "s"); the header has \(slotOfColumn.count)"
          ))
      }
      var values = [RawValue?](repeating: nil, count: slotCount)
      for (column, cell) in cells.enumerated() {
        guard let slot = slotOfColumn[column] else { continue }
        guard let text = String(validating: cell, as: UTF8.self) else {
          return .failure(
            RecordProblem(
              line: line, key: key, field: columns[column], reason: "the field is not valid UTF-8"))
        }
        values[slot] = text.isEmpty ? .null : .text(text)
      }
      return .success(RawRecord(line: line, values: values))
    }
  }
}

extension String {
  /// The string without leading and trailing spaces and tabs. Checks the ends' bytes first:
  /// nearly every field has no such white space, and is returned as it is.
  var trimmingWhitespace: String {
    let utf8 = self.utf8
    guard let first = utf8.first, let last = utf8.last else { return self }
    let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
    guard isBlank(first) || isBlank(last) else { return self }
    var scalars = Substring(self)
    while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
    while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
    return String(scalars)
  }
}

/// Input read block by block, as the record readers read it: the bytes not yet consumed, and
/// where the next record starts in them.
enum BlockInput {
  /// Drops the `position` bytes of `bytes` already consumed and appends the next block of
  /// `source`; false, nothing read, at the input's end (or when there is no source: `bytes` was
  /// all of it).
  static func refill(_ bytes: inout [UInt8], position: inout Int, from source: (() -> [UInt8])?) -> Bool {
    guard let source else { return false }
    let block = source()
    guard !block.isEmpty else { return false }
    if position > 0 {
      bytes.removeSubrange(0..<position)
      position = 0
    }
    bytes.append(contentsOf: block)
    return true
  }
}
