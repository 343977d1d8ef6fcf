import LadderTestSupport
import Testing

@testable import Ladder

/// The workers' field scan (``RecordChunk/scanRecord(_:from:columnCount:fieldEnds:)``), which
/// passes over bytes eight at a time, against a scan of one byte at a time written the way the
/// row reader reads CSV: every start, in buffers of every length, so that each special byte falls
/// at every place of a word and at the buffer's end.
struct RecordScanTests {
  private typealias Scan = (end: Int, next: Int, fields: Int, unterminated: Bool, lineBreaks: Int)

  private func byteByByte(_ buffer: [UInt8], from start: Int, columnCount: Int) -> (Scan, [Int32]) {
    let (comma, quote, newline, carriageReturn) = (UInt8(44), UInt8(34), UInt8(10), UInt8(13))
    func isLineEnd(_ p: Int) -> Bool {
      buffer[p] == newline
        || buffer[p] == carriageReturn && (p + 1 == buffer.count || buffer[p + 1] == newline)
    }
    var ends = [Int32](repeating: -1, count: columnCount)
    var (p, fields, unterminated, lineBreaks) = (start, 0, false, 0)
    while true {
      if p < buffer.count, buffer[p] == quote {
        p += 1
        var closed = false
        while p < buffer.count {
          if buffer[p] == quote {
            if p + 1 < buffer.count, buffer[p + 1] == quote {
              p += 2
              continue
            }
            p += 1
            closed = true
            break
          }
          if buffer[p] == newline { lineBreaks += 1 }
          p += 1
        }
        if !closed {
          unterminated = true
          p = buffer.count
          break
        }
      }
      while p < buffer.count, buffer[p] != comma, !isLineEnd(p) { p += 1 }
      if fields < columnCount { ends[fields] = Int32(p) }
      fields += 1
      if p < buffer.count, buffer[p] == comma {
        p += 1
        continue
      }
      break
    }
    let end = p
    if p < buffer.count, buffer[p] == carriageReturn { p += 1 }
    if p < buffer.count, buffer[p] == newline {
      p += 1
      lineBreaks += 1
    }
    return ((end, p, fields, unterminated, lineBreaks), ends)
  }

  @Test func findsTheFieldsAByteByByteScanFinds() {
    var random = SeededRandom(seed: 8)
    // Bytes that matter, and ones that only look like them to a word-wide test (a tab, other
    // control bytes, 0x2C's neighbours, bytes above 0x80 as in UTF-8 text).
    let alphabet: [UInt8] = Array(",,,\"\"\n\r\r\t\u{01}\u{0E}+-ab1 ".utf8) + [0x80, 0xAC, 0xE4, 0xFF]
    for round in 0..<3000 {
      let length = round % 70
      let buffer = (0..<length).map { _ in
        Int.random(in: 0..<4, using: &random) == 0
          ? alphabet[Int.random(in: 0..<alphabet.count, using: &random)] : UInt8(ascii: "x")
      }
      let columnCount = 1 + round % 6
      for start in 0...length {
        var ends = [Int32](repeating: -1, count: columnCount)
        let scan = ends.withUnsafeMutableBufferPointer { ends in
          buffer.withUnsafeBufferPointer { bytes in
            RecordChunk.scanRecord(bytes, from: start, columnCount: columnCount, fieldEnds: ends)
          }
        }
        let (expected, expectedEnds) = byteByByte(buffer, from: start, columnCount: columnCount)
        #expect(scan == expected, "\(buffer) from \(start)")
        #expect(ends == expectedEnds, "\(buffer) from \(start)")
      }
    }
  }
}
