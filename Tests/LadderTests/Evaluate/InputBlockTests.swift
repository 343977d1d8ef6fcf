import LadderTestSupport
import Testing

@testable import Ladder

/// Input cut by the workers (``BlockTask``, ``BlockReader``): every block cut from a guessed
/// start, settled in order, cut again where the guess or the blocks it had fell short. The
/// records, their lines and their fields must be the row readers' (``CSVRecordReader/Scanner``;
/// for JSON Lines, every line that is not blank), whatever the blocks.
struct InputBlockTests {
  /// What a record reads as: its line, and its cells (`nil` for a quote left open).
  private struct Read: Equatable, CustomStringConvertible {
    var line: Int
    var cells: [[UInt8]]?
    var description: String {
      "line \(line): \(cells.map { $0.map { String(decoding: $0, as: UTF8.self) } } ?? ["unterminated"])"
    }
  }

  /// The row reader's records of `bytes`.
  private func rowReads(_ bytes: [UInt8], columns: [String]) throws -> [Read] {
    let reader = try CSVRecordReader(bytes: bytes, inputs: [], columns: columns)
    var scanner = CSVRecordReader.Scanner(bytes: reader.bytes, position: reader.position, line: reader.line)
    var reads: [Read] = []
    while let record = scanner.nextRecord() {
      switch record.outcome {
      case .ok(let cells): reads.append(Read(line: record.line, cells: cells.map(Array.init)))
      case .unterminatedQuote: reads.append(Read(line: record.line, cells: nil))
      }
    }
    return reads
  }

  /// The records of `bytes` as the workers cut them, handed out in blocks of `sizes` (in turn),
  /// cut and settled one after another as ``BatchEvaluator/pipelined`` does it; and how many
  /// blocks were cut again. `eager` hands every block out before the first is settled (each
  /// block but the first then guesses where it starts); otherwise a block is handed out once the
  /// one before is settled, when its start is known.
  private func blockReads(
    _ bytes: [UInt8], columns: [String], sizes: [Int], limit: Int, eager: Bool = true
  ) throws -> (reads: [Read], recuts: Int, chunks: [RecordChunk]) {
    let source = Self.source(bytes, sizes: sizes)
    let header = try CSVRecordReader(source: source, inputs: [], columns: columns)
    let (chunks, recuts) = Self.cutAll(
      BlockReader(csvAfter: header, source: source), limit: limit, eager: eager)
    var reads: [Read] = []
    for chunk in chunks {
      for row in 0..<chunk.count {
        // The record as cut, read again by the row reader (as the kernels hand an irregular
        // record to it).
        var scanner = CSVRecordReader.Scanner(bytes: Array(chunk.recordBytes(row)), position: 0)
        scanner.isCutRecord = true
        let cells: [[UInt8]]?
        switch scanner.nextRecord()?.outcome {
        case .ok(let found): cells = found.map(Array.init)
        case .unterminatedQuote, nil: cells = nil
        }
        reads.append(Read(line: chunk.lines[row], cells: cells))
        #expect(chunk.regular[row] == (cells?.count == columns.count))
        if chunk.regular[row] {
          // Every field ends at a comma, the last at the record's end.
          let ends = chunk.fieldEnds[(row * columns.count)..<((row + 1) * columns.count)]
          for (field, end) in ends.enumerated() {
            let isLast = field == columns.count - 1
            #expect(isLast ? end == chunk.recordEnds[row] : chunk.bytes[Int(end)] == UInt8(ascii: ","))
          }
        }
      }
    }
    return (reads, recuts, chunks)
  }

  /// `bytes` handed out in blocks of `sizes`, in turn.
  private static func source(_ bytes: [UInt8], sizes: [Int]) -> () -> [UInt8] {
    var offset = 0
    var turn = 0
    return {
      let size = sizes[turn % sizes.count]
      turn += 1
      let end = min(bytes.count, offset + size)
      defer { offset = end }
      return Array(bytes[offset..<end])
    }
  }

  /// Every block of `reader` cut and settled, one after another, as ``BatchEvaluator/pipelined``
  /// does it: the chunks kept, and how many blocks were cut again.
  private static func cutAll(_ reader: BlockReader, limit: Int, eager: Bool) -> ([RecordChunk], Int) {
    var reader = reader
    var tasks: [BlockTask] = []
    var chunks: [RecordChunk] = []
    var index = 0
    while eager && !reader.isDone {
      reader.read()
      tasks += reader.handOut()
    }
    while true {
      while tasks.count <= index && !reader.isDone {
        reader.read()
        tasks += reader.handOut()
      }
      guard index < tasks.count else { break }
      var task = tasks[index]
      settling: while true {
        let cut = task.cut(limit: limit)
        #expect(cut.chunks.allSatisfy { $0.count <= limit })
        switch reader.settle(cut, of: index, task: task) {
        case .keep:
          chunks += cut.chunks
          break settling
        case .skip: break settling
        case .cutAgain(let again): task = again
        }
      }
      tasks += reader.handOut()
      index += 1
    }
    return (chunks, reader.recuts)
  }

  @Test func aGuessThatReadsAsARecordIsCutAgainFromTheRecordBefore() throws {
    // The second block starts inside a quoted field, right at its line feed: the line after it,
    // `q",r`, reads as a record of two fields, so the guess is taken; the first block's last
    // record ends further on, and the second block is cut again from there.
    let text = Array("1,2\n\"p\nq\",r\n3,4\n".utf8)
    let split = text.firstIndex(of: UInt8(ascii: "p"))! + 1
    let cut = try blockReads(text, columns: ["a", "b"], sizes: [split, 100], limit: 8)
    let expected = try rowReads(text, columns: ["a", "b"])
    #expect(cut.reads == expected)
    #expect(cut.reads.map(\.line) == [1, 2, 4])
    #expect(cut.recuts == 1)
  }

  @Test func aRecordLongerThanTheBlocksAfterItIsCutWithMoreOfThem() throws {
    // A quoted field of 40 bytes, with line feeds, read 3 bytes at a time.
    let long = String(repeating: "ab\ncd,", count: 8)
    let text = Array("x,\"\(long)\"\ny,z\n".utf8)
    let cut = try blockReads(text, columns: ["a", "b"], sizes: [3], limit: 8)
    #expect(cut.reads == (try rowReads(text, columns: ["a", "b"])))
    #expect(cut.reads.map(\.line) == [1, 10])
    #expect(cut.recuts > 0)
  }

  @Test func carriageReturnsBlankLinesAndTheInputsEndAtBlockEdges() throws {
    let texts = [
      "a,b\r\n\r\nc,d\r\n", "a,b\n\r\n\n\rc,d\n", "a,b\r", "a,b\n\r", "\r\n\r\na,b", "a,\"b\r\nc\"\r\n",
      "a,\"unclosed\nb,c\n", "a,b\n\n\n", "a\rb,c\n", "\u{FEFF}a,b\nc,d", "a,b\"c\",d\ne,f\n", "",
    ]
    for text in texts {
      let bytes = Array(text.utf8)
      let expected = try rowReads(bytes, columns: ["x", "y"])
      for size in 1...max(1, bytes.count) {
        let cut = try blockReads(bytes, columns: ["x", "y"], sizes: [size], limit: 2)
        #expect(cut.reads == expected, "\(text.debugDescription) in blocks of \(size)")
      }
    }
  }

  @Test func randomTextInRandomBlocksReadsAsTheRowReaderReadsIt() throws {
    var random = SeededRandom(seed: 14)
    let pieces = [
      "x", "yy", "7", ",", ",", "\"", "\"\"", "\n", "\n", "\r\n", "\r", "\"a\nb\"", "\"c,d\"", "\"e\"\"f\"",
      "\"\n", "\n\"", "\u{00E9}",
    ]
    var recuts = 0
    for round in 0..<1500 {
      let text = (0..<Int.random(in: 0..<40, using: &random)).map { _ in
        pieces[Int.random(in: 0..<pieces.count, using: &random)]
      }.joined()
      let bytes = Array(text.utf8)
      let columns = (0...(round % 4)).map { "c\($0)" }
      let sizes = (0..<5).map { _ in Int.random(in: 1...12, using: &random) }
      let cut = try blockReads(
        bytes, columns: columns, sizes: sizes, limit: 1 + round % 3, eager: round % 5 != 0)
      #expect(
        cut.reads == (try rowReads(bytes, columns: columns)), "\(text.debugDescription) in blocks of \(sizes)"
      )
      recuts += cut.recuts
    }
    // The guesses failed, and records ran past the blocks given, often enough to test cutting again.
    #expect(recuts > 100)
  }

  /// The lines of `bytes` as the workers cut them (line number and text), in blocks of `sizes`.
  /// `counted`: each block handed over with its line feeds, as a server that counted them does.
  private func lineReads(_ bytes: [UInt8], sizes: [Int], limit: Int, eager: Bool, counted: Bool = false)
    -> [Read]
  {
    let next = Self.source(bytes, sizes: sizes)
    let reader =
      counted
      ? BlockReader(
        jsonLines: {
          let block = next()
          return InputBytes(bytes: block, lineFeeds: block.filter { $0 == UInt8(ascii: "\n") }.count)
        }, inputs: [])
      : BlockReader(jsonLines: { InputBytes(bytes: next()) }, inputs: [])
    let (chunks, _) = Self.cutAll(reader, limit: limit, eager: eager)
    return chunks.flatMap { chunk in
      (0..<chunk.count).map { row in Read(line: chunk.lines[row], cells: [Array(chunk.lineText(row))]) }
    }
  }

  /// The lines as the row reader takes them: split at line feeds, a carriage return before one
  /// dropped, blank lines (spaces and tabs) passed over, a byte order mark at the start skipped.
  private func splitLines(_ bytes: [UInt8]) -> [Read] {
    var text = bytes[...]
    if text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
    var pieces = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if pieces.last?.isEmpty == true { pieces.removeLast() }
    return pieces.enumerated().compactMap { number, piece in
      var line = Array(piece)
      if line.last == UInt8(ascii: "\r") { line.removeLast() }
      guard !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) else { return nil }
      return Read(line: number + 1, cells: [line])
    }
  }

  @Test func jsonLinesInRandomBlocksAreTheLinesOfTheInput() {
    var random = SeededRandom(seed: 21)
    let pieces = ["{\"a\":1}", "x", "\n", "\n", "\r\n", "\r", " ", "\t", "\"\\n\"", "\u{4E2D}"]
    for round in 0..<1500 {
      var text = (0..<Int.random(in: 0..<40, using: &random)).map { _ in
        pieces[Int.random(in: 0..<pieces.count, using: &random)]
      }.joined()
      if round % 7 == 0 { text = "\u{FEFF}" + text }
      let bytes = Array(text.utf8)
      let sizes = (0..<5).map { _ in Int.random(in: 1...12, using: &random) }
      let reads = lineReads(bytes, sizes: sizes, limit: 1 + round % 3, eager: round % 5 != 0)
      #expect(reads == splitLines(bytes), "\(text.debugDescription) in blocks of \(sizes)")
      let counted = lineReads(bytes, sizes: sizes, limit: 1 + round % 3, eager: round % 5 != 0, counted: true)
      #expect(counted == reads, "\(text.debugDescription) in counted blocks of \(sizes)")
    }
  }

  @Test func aCountedReadLargerThanABlockIsCountedBlockByBlock() {
    // A reader's count is of all it read; cut into several blocks, each block counts its own.
    let text = (0..<300_000).map { "{\"n\":\($0)}\n" }.joined()
    let bytes = Array(text.utf8)
    #expect(bytes.count > 2 * BlockReader.blockSize)
    let lineFeeds = bytes.filter { $0 == UInt8(ascii: "\n") }.count
    var handed = false
    let reader = BlockReader(
      jsonLines: {
        defer { handed = true }
        return handed ? InputBytes(bytes: []) : InputBytes(bytes: bytes, lineFeeds: lineFeeds)
      }, inputs: [])
    let (chunks, _) = Self.cutAll(reader, limit: 4096, eager: true)
    let lines = chunks.flatMap(\.lines)
    // Compared first, then reported by its first difference: Swift Testing's own report of two
    // unequal arrays of 300,000 numbers did not finish in ten minutes.
    let inOrder = lines == Array(1...300_000)
    let firstWrong = lines.indices.first { lines[$0] != $0 + 1 }
    #expect(
      inOrder, "\(lines.count) lines; the first wrong: \(firstWrong.map { "#\($0): \(lines[$0])" } ?? "none")"
    )
  }

  @Test func countsLineFeedsAsAByteByByteCountDoes() {
    var random = SeededRandom(seed: 3)
    let bytes = (0..<1000).map { _ in
      Int.random(in: 0..<5, using: &random) == 0
        ? UInt8(ascii: "\n") : UInt8.random(in: 0...255, using: &random)
    }
    bytes.withUnsafeBufferPointer { buffer in
      for start in stride(from: 0, to: 60, by: 7) {
        let ends = [0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129].map { start + $0 } + [500, 1000]
        for end in ends where end <= 1000 {
          let expected = bytes[start..<end].filter { $0 == UInt8(ascii: "\n") }.count
          #expect(WordScan.lineBreaks(buffer, from: start, to: end) == expected)
        }
      }
    }
    // Past 63 rounds of sixty-four bytes (a lane's count near its limit), every byte a line feed.
    let lineFeeds = [UInt8](repeating: UInt8(ascii: "\n"), count: 10_000)
    for end in [4_035, 4_036, 10_000] {
      #expect(lineFeeds.withUnsafeBufferPointer { WordScan.lineBreaks($0, from: 3, to: end) } == end - 3)
    }
  }
}
