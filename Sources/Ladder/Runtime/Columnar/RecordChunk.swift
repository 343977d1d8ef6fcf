import Foundation

/// A run of whole records cut from the input, with where each record and each of its fields
/// ends, so that workers can convert fields to columns without scanning for quotes again.
///
/// Cut from CSV (``BlockTask``), the bytes are the input's: the whole read the records lie in,
/// shared with the other chunks of that read, or a copy of a record that ran from one block
/// into the next. Cut from JSON Lines, the bytes are a copy of the records' lines in which each
/// input's value is a field (`fieldStarts` to `fieldEnds`, one per input in slot order) holding
/// what a CSV field would hold, decoded in place (``JSONLFields``); the row reader reads each
/// record's line as read from `lineBuffers` until the fields are written, then from that copy or,
/// where it was decoded in place, from `readLines`.
struct RecordChunk: Sendable {
  /// The records' bytes (more than the records: see above); offsets below are into this array.
  var bytes: [UInt8] = []
  var recordStarts: [Int32] = []
  /// The end of each record's last field (before its line break).
  var recordEnds: [Int32] = []
  /// The line each record starts on.
  var lines: [Int] = []
  /// `columnCount` entries per record: where each field ends (at its `,` or the record's end).
  var fieldEnds: [Int32] = []
  /// For a chunk cut from JSON Lines, where each field starts (`columnCount` per record); empty
  /// for CSV, whose fields start after the `,` that ends the one before.
  var fieldStarts: [Int32] = []
  /// False for a record whose field count differs from the header's or whose quote is not
  /// closed: the row reader describes what is wrong with it.
  var regular: [Bool] = []
  /// For a chunk cut from JSON Lines: the blocks its lines were read in (shared with the reader,
  /// not copied), and for each record, which of them holds its line and where; empty for CSV.
  var lineBuffers: [[UInt8]] = []
  var lineBufferIndices: [Int] = []
  var lineRanges: [Range<Int>] = []
  /// For a chunk of JSON lines whose fields are written: the lines as read of the records whose
  /// copy in `bytes` was decoded in place, one after another, and per record where its line is
  /// there (empty: the copy in `bytes` is the line as read). The blocks in `lineBuffers` are let
  /// go once the fields are written; a chunk held for a population policy's second pass keeps
  /// only these.
  var readLines: [UInt8] = []
  var readLineRanges: [Range<Int>] = []
  /// For a chunk of JSON lines whose fields are not written yet: what writes them.
  var jsonFields: JSONLFields?
  let columnCount: Int

  init(columnCount: Int) {
    self.columnCount = columnCount
  }

  var count: Int { lines.count }

  /// The chunk with its fields written (JSON lines; CSV chunks are cut with their fields found):
  /// the worker that takes a chunk does this, not the thread that reads the input.
  func withFields() -> RecordChunk {
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
    guard lineBuffers.isEmpty else { return lineBuffers[lineBufferIndices[row]][lineRanges[row]] }
    let read = readLineRanges[row]
    return read.isEmpty ? bytes[Int(recordStarts[row])..<Int(recordEnds[row])] : readLines[read]
  }

  /// The bytes of record `row` and its line, for the row reader.
  func recordBytes(_ row: Int) -> ArraySlice<UInt8> {
    bytes[Int(recordStarts[row])..<Int(recordEnds[row])]
  }
}

extension RecordChunk {
  /// What ``scanRecord(_:from:columnCount:fieldEnds:)`` found.
  typealias RecordScan = (end: Int, next: Int, fields: Int, unterminated: Bool, lineBreaks: Int)

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
  ) -> RecordScan {
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
}

/// Counting line feeds, for a tool that estimates how many records an input holds (the CLI's
/// progress line, the server's batch limit): sixteen bytes at a time, as the kernels count each
/// block's.
public enum LineFeeds {
  public static func count(in bytes: [UInt8]) -> Int {
    bytes.withUnsafeBufferPointer { WordScan.lineBreaks($0, from: 0, to: $0.count) }
  }

  public static func count(in bytes: UnsafeRawBufferPointer) -> Int {
    let buffer = bytes.assumingMemoryBound(to: UInt8.self)
    return WordScan.lineBreaks(buffer, from: 0, to: buffer.count)
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

  /// How many line feeds `buffer` holds from `start` to `end`: sixty-four bytes compared at once,
  /// the matches summed in byte lanes (the thread that reads the input counts every block's, to
  /// number the lines of records the workers cut).
  static func lineBreaks(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
    guard let base = buffer.baseAddress, start < end else { return 0 }
    let newlines = SIMD16<UInt8>(repeating: UInt8(ascii: "\n"))
    func matches(_ offset: Int) -> SIMD16<UInt8> {
      let bytes = UnsafeRawPointer(base + offset).loadUnaligned(as: SIMD16<UInt8>.self)
      // A match's lanes are all ones (-1): subtracted, they count one.
      return unsafeBitCast(bytes .== newlines, to: SIMD16<UInt8>.self)
    }
    var total = 0
    var index = start
    while index &+ 64 <= end {
      // Four matches a round, at most 63 rounds before a lane could overflow.
      var lanes = SIMD16<UInt8>()
      let stop = min(end &- 63, index &+ 63 &* 64)
      while index < stop {
        lanes &-= matches(index)
        lanes &-= matches(index &+ 16)
        lanes &-= matches(index &+ 32)
        lanes &-= matches(index &+ 48)
        index &+= 64
      }
      total += Int(SIMD16<UInt16>(truncatingIfNeeded: lanes).wrappedSum())
    }
    while index < end {
      if base[index] == UInt8(ascii: "\n") { total += 1 }
      index += 1
    }
    return total
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
