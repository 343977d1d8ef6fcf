import Foundation

/// A run of whole records cut from the input, with where each record and each of its fields
/// ends, so that workers can convert fields to columns without scanning for quotes again.
///
/// Cut from CSV, the bytes are the input's. Cut from JSON Lines (``JSONLChunkReader``), the bytes
/// are each record's values written as CSV fields would hold them, one per input in slot order,
/// and `lineTexts` keeps each record's line for the row reader.
struct RecordChunk: Sendable {
  /// The records' bytes; offsets below are into this array.
  var bytes: [UInt8] = []
  var recordStarts: [Int32] = []
  /// The end of each record's last field (before its line break).
  var recordEnds: [Int32] = []
  /// The line each record starts on.
  var lines: [Int] = []
  /// `columnCount` entries per record: where each field ends (at its `,` or the record's end).
  var fieldEnds: [Int32] = []
  /// False for a record whose field count differs from the header's or whose quote is not
  /// closed: the row reader describes what is wrong with it.
  var regular: [Bool] = []
  /// For a chunk cut from JSON Lines: the blocks its lines were read in (shared with the reader,
  /// not copied), and for each record, which of them holds its line and where; empty for CSV.
  var lineBuffers: [[UInt8]] = []
  var lineBufferIndices: [Int] = []
  var lineRanges: [Range<Int>] = []
  /// For a chunk of JSON lines whose fields are not written yet: what writes them.
  var jsonFields: JSONLFields?
  /// For a chunk of CSV records whose fields are not found yet (``scanFields()``).
  var needsFieldScan = false
  let columnCount: Int

  init(columnCount: Int) {
    self.columnCount = columnCount
  }

  var count: Int { lines.count }

  /// The chunk with its fields found (CSV) or written (JSON lines): the worker that takes a
  /// chunk does this, not the thread that cuts the input.
  func withFields() -> RecordChunk {
    if needsFieldScan {
      var chunk = self
      chunk.scanFields()
      return chunk
    }
    guard let jsonFields else { return self }
    var chunk = self
    chunk.jsonFields = nil
    jsonFields.fill(&chunk)
    return chunk
  }

  /// Whether the chunk was cut from JSON Lines.
  var isJSONLines: Bool { !lineRanges.isEmpty }

  /// The JSON line of record `row`, for the row reader.
  func lineText(_ row: Int) -> ArraySlice<UInt8> {
    lineBuffers[lineBufferIndices[row]][lineRanges[row]]
  }

  /// The bytes of record `row` and its line, for the row reader.
  func recordBytes(_ row: Int) -> ArraySlice<UInt8> {
    bytes[Int(recordStarts[row])..<Int(recordEnds[row])]
  }
}

/// Cuts an input into ``RecordChunk``s for the kernels.
protocol ChunkReader {
  /// Which input each field of a chunk's records holds.
  var header: CSVHeader { get }
  /// The next whole records, at most `limit` of them; `nil` at the end of the input.
  mutating func nextChunk(limit: Int) -> RecordChunk?
}

extension ChunkReader {
  /// Up to `chunks` chunks of `size` records; empty at the end.
  mutating func nextRound(chunks: Int, size: Int) -> [RecordChunk] {
    var round: [RecordChunk] = []
    while round.count < chunks, let chunk = nextChunk(limit: size) {
      round.append(chunk)
    }
    return round
  }
}

extension CSVRecordReader: ChunkReader {
  /// The next whole records, at most `limit` of them, cut exactly where ``Scanner`` would cut
  /// them (quoted fields may hold commas and line breaks); `nil` at the end of the input.
  ///
  /// This runs on the thread that hands out the work, so it only finds where records end
  /// (``RecordChunk/recordBoundary(_:count:from:)``, jumping between quotes and line breaks);
  /// the workers find the fields (``RecordChunk/withFields()``).
  mutating func nextChunk(limit: Int) -> RecordChunk? {
    let columnCount = header.columns.count
    while true {
      var chunk = RecordChunk(columnCount: columnCount)
      chunk.needsFieldScan = true
      let start = position
      var cursor = position
      var currentLine = line
      var needMore = false
      let atEnd = atEnd
      bytes.withUnsafeBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        let count = buffer.count
        let newline = UInt8(ascii: "\n")
        while chunk.count < limit {
          var p = cursor
          var scanLine = currentLine
          // Blank lines between records are not records.
          while p < count, CSVRecordReader.Scanner.isLineEnd(buffer, p) {
            if buffer[p] == newline { scanLine += 1 }
            p += 1
          }
          guard p < count else {
            // Blank lines up to the end of the bytes read so far are skipped again once more are
            // read: a '\r' at the end may turn out to be data, not a line end (the row reader
            // scans again from the same place).
            if atEnd {
              cursor = p
              currentLine = scanLine
            } else {
              needMore = chunk.count == 0
            }
            break
          }
          let recordStart = p
          let recordLine = scanLine
          let boundary = RecordChunk.recordBoundary(base, count: count, from: p)
          // A record running to the end of the bytes read so far may go on in the next block.
          guard boundary.complete || atEnd else {
            needMore = chunk.count == 0
            break
          }
          p = boundary.next
          scanLine += boundary.lineBreaks
          chunk.recordStarts.append(Int32(recordStart - start))
          chunk.lines.append(recordLine)
          cursor = p
          currentLine = scanLine
        }
      }
      if needMore {
        refill()
        continue
      }
      guard chunk.count > 0 else {
        position = cursor
        line = currentLine
        return nil
      }
      chunk.bytes = Array(bytes[start..<cursor])
      position = cursor
      line = currentLine
      return chunk
    }
  }
}

extension RecordChunk {
  /// Where the CSV record starting at `start` ends, found by jumping between quotes and line
  /// breaks with `memchr`: the index after its line break, how many line breaks it spans, and
  /// whether it is complete (false when no line break closes it before `count`, or a quote is
  /// left open). A quote opens a quoted field only at the start of a field (after a comma or at
  /// the record's start); anywhere else it is data, as ``CSVRecordReader/Scanner`` reads it.
  static func recordBoundary(_ base: UnsafePointer<UInt8>, count: Int, from start: Int) -> (
    next: Int, lineBreaks: Int, complete: Bool
  ) {
    let quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n")
    let buffer = UnsafeBufferPointer(start: base, count: count)
    func find(_ byte: UInt8, from index: Int, to end: Int) -> Int? {
      buffer.firstIndex(of: byte, from: index, to: end)
    }
    var index = start
    var lineBreaks = 0
    while true {
      let lineBreak = find(newline, from: index, to: count)
      guard let opening = find(quote, from: index, to: lineBreak ?? count) else {
        guard let lineBreak else { return (count, lineBreaks, false) }
        return (lineBreak + 1, lineBreaks + 1, true)
      }
      index = opening + 1
      guard opening == start || base[opening - 1] == UInt8(ascii: ",") else { continue }
      // A quoted field: its closing quote is the first one not doubled.
      while true {
        guard let closing = find(quote, from: index, to: count) else {
          return (count, lineBreaks + countLineBreaks(base, from: opening, to: count), false)
        }
        guard closing + 1 < count else {
          // The next block may start with a quote that doubles this one.
          return (count, lineBreaks + countLineBreaks(base, from: opening, to: count), false)
        }
        if base[closing + 1] == UInt8(ascii: "\"") {
          index = closing + 2
          continue
        }
        lineBreaks += countLineBreaks(base, from: opening, to: closing)
        index = closing + 1
        break
      }
    }
  }

  private static func countLineBreaks(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int {
    var breaks = 0
    for index in start..<end where base[index] == UInt8(ascii: "\n") { breaks += 1 }
    return breaks
  }

  /// One CSV record from `start`, as ``CSVRecordReader/Scanner`` reads it: where it ends (before
  /// its line break) and where the next one may start, how many fields it has, whether a quote
  /// is left open, how many line breaks it spans. `fieldEnds`, when given, receives where each of
  /// the first `columnCount` fields ends.
  ///
  /// The bytes between the places that matter (commas, quotes, line ends) are passed over eight
  /// at a time: this loop reads every byte of the input, and byte by byte it was a third of the
  /// workers' time on a wide export.
  static func scanRecord(
    _ buffer: UnsafeBufferPointer<UInt8>, from start: Int, columnCount: Int,
    fieldEnds: UnsafeMutableBufferPointer<Int32>? = nil
  ) -> (end: Int, next: Int, fields: Int, unterminated: Bool, lineBreaks: Int) {
    let count = buffer.count
    let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n")
    let carriageReturn = UInt8(ascii: "\r")
    var p = start
    var fields = 0
    var unterminated = false
    var lineBreaks = 0
    while true {
      if p < count, buffer[p] == quote {
        p += 1
        var closed = false
        while true {
          p = WordScan.nextQuoteOrNewline(buffer, from: p)
          guard p < count else { break }
          if buffer[p] == newline {
            lineBreaks += 1
            p += 1
            continue
          }
          if p + 1 < count, buffer[p + 1] == quote {
            p += 2
            continue
          }
          p += 1
          closed = true
          break
        }
        if !closed {
          unterminated = true
          p = count
          break
        }
      }
      while true {
        p = WordScan.nextCommaOrControl(buffer, from: p)
        guard p < count else { break }
        let byte = buffer[p]
        if byte == comma
          || (byte == newline || byte == carriageReturn) && CSVRecordReader.Scanner.isLineEnd(buffer, p)
        {
          break
        }
        p += 1
      }
      if fields < columnCount { fieldEnds?[fields] = Int32(p) }
      fields += 1
      if p < count, buffer[p] == comma {
        p += 1
        continue
      }
      break
    }
    let end = p
    if p < count, buffer[p] == carriageReturn { p += 1 }
    if p < count, buffer[p] == newline {
      p += 1
      lineBreaks += 1
    }
    return (end, p, fields, unterminated, lineBreaks)
  }

  /// Finds the fields of every record of a chunk the CSV reader cut (on a worker thread).
  mutating func scanFields() {
    let columnCount = self.columnCount
    var ends = [Int32](repeating: 0, count: count * columnCount)
    var recordEnds = [Int32](repeating: 0, count: count)
    var regular = [Bool](repeating: false, count: count)
    bytes.withUnsafeBufferPointer { buffer in
      ends.withUnsafeMutableBufferPointer { ends in
        for row in 0..<recordStarts.count {
          let fields = UnsafeMutableBufferPointer(
            rebasing: ends[(row * columnCount)..<((row + 1) * columnCount)])
          let scan = Self.scanRecord(
            buffer, from: Int(recordStarts[row]), columnCount: columnCount, fieldEnds: fields)
          recordEnds[row] = Int32(scan.end)
          regular[row] = !scan.unterminated && scan.fields == columnCount
        }
      }
    }
    fieldEnds = ends
    self.recordEnds = recordEnds
    self.regular = regular
    needsFieldScan = false
  }
}

/// Finding the next byte of a kind eight bytes at a time, with the usual bit tricks on a 64-bit
/// word: `(w - 0x01…) & ~w & 0x80…` flags a zero byte of `w`, and `(w - n·0x01…) & ~w & 0x80…` a
/// byte below `n`. Flags above the lowest may be false (a borrow runs up from a flagged byte), so
/// only the lowest is used, and it is exact on a little-endian machine.
enum WordScan {
  private static let ones: UInt64 = 0x0101_0101_0101_0101
  private static let highs: UInt64 = 0x8080_8080_8080_8080

  @inline(__always) private static func zeroBytes(_ word: UInt64) -> UInt64 {
    (word &- ones) & ~word & highs
  }

  @inline(__always) private static func load(_ base: UnsafePointer<UInt8>, _ index: Int) -> UInt64 {
    UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
  }

  /// The first index from `start` whose byte is a comma or below 0x0E (line ends among them), or
  /// the buffer's end.
  @inline(__always) static func nextCommaOrControl(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int)
    -> Int
  {
    next(
      in: buffer, from: start,
      word: { word in zeroBytes(word ^ (ones &* 0x2C)) | ((word &- ones &* 0x0E) & ~word & highs) },
      byte: { byte in byte == UInt8(ascii: ",") || byte < 0x0E })
  }

  /// The first index from `start` whose byte is a quote or a line feed, or the buffer's end.
  @inline(__always) static func nextQuoteOrNewline(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int)
    -> Int
  {
    next(
      in: buffer, from: start,
      word: { word in zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x0A)) },
      byte: { byte in byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n") })
  }

  /// The first index from `start` where `byte` holds, found a word at a time while `word` (the
  /// same test on eight bytes, its lowest flag exact) flags none; the buffer's end if none does.
  @inline(__always) private static func next(
    in buffer: UnsafeBufferPointer<UInt8>, from start: Int, word: (UInt64) -> UInt64, byte: (UInt8) -> Bool
  ) -> Int {
    var index = start
    let count = buffer.count
    guard let base = buffer.baseAddress else { return start }
    while index + 8 <= count {
      let stops = word(load(base, index))
      if stops != 0 { return index + stops.trailingZeroBitCount >> 3 }
      index += 8
    }
    while index < count, !byte(buffer[index]) { index += 1 }
    return index
  }
}
