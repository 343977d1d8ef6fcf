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
  /// Each record's JSON line, for a chunk cut from JSON Lines; empty for CSV.
  var lineTexts: [ArraySlice<UInt8>] = []
  /// For a chunk of JSON lines whose fields are not written yet: what writes them.
  var jsonFields: JSONLFields?
  let columnCount: Int

  init(columnCount: Int) {
    self.columnCount = columnCount
  }

  var count: Int { lines.count }

  /// The chunk with its fields written (JSON lines are parsed by the worker that takes them).
  func withFields() -> RecordChunk {
    guard let jsonFields else { return self }
    var chunk = self
    chunk.jsonFields = nil
    jsonFields.fill(&chunk)
    return chunk
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
  mutating func nextChunk(limit: Int) -> RecordChunk? {
    let columnCount = header.columns.count
    while true {
      var chunk = RecordChunk(columnCount: columnCount)
      let start = position
      var cursor = position
      var currentLine = line
      var needMore = false
      bytes.withUnsafeBufferPointer { buffer in
        let count = buffer.count
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n")
        let carriageReturn = UInt8(ascii: "\r")
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
          var fields = 0
          var unterminated = false
          let firstField = chunk.fieldEnds.count
          chunk.fieldEnds.append(contentsOf: repeatElement(0, count: columnCount))
          while true {
            if p < count, buffer[p] == quote {
              p += 1
              var closed = false
              while p < count {
                let byte = buffer[p]
                if byte == quote {
                  if p + 1 < count, buffer[p + 1] == quote {
                    p += 2
                    continue
                  }
                  p += 1
                  closed = true
                  break
                }
                if byte == newline { scanLine += 1 }
                p += 1
              }
              if !closed {
                unterminated = true
                p = count
                break
              }
            }
            while p < count {
              let byte = buffer[p]
              if byte == comma
                || (byte == newline || byte == carriageReturn)
                  && CSVRecordReader.Scanner.isLineEnd(buffer, p)
              {
                break
              }
              p += 1
            }
            if fields < columnCount { chunk.fieldEnds[firstField + fields] = Int32(p - start) }
            fields += 1
            if p < count, buffer[p] == comma {
              p += 1
              continue
            }
            break
          }
          let recordEnd = p
          if p < count, buffer[p] == carriageReturn { p += 1 }
          if p < count, buffer[p] == newline {
            p += 1
            scanLine += 1
          }
          // A record running to the end of the bytes read so far may go on in the next block.
          let complete = atEnd || (!unterminated && (p < count || buffer[p - 1] == newline))
          guard complete else {
            chunk.fieldEnds.removeLast(columnCount)
            needMore = chunk.count == 0
            break
          }
          chunk.recordStarts.append(Int32(recordStart - start))
          chunk.recordEnds.append(Int32(recordEnd - start))
          chunk.lines.append(recordLine)
          chunk.regular.append(!unterminated && fields == columnCount)
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
