/// Input cut into records by the workers, not by the thread that reads it (issue 14).
///
/// That thread reads the input in blocks and hands each one out without looking inside it, but
/// for counting its line feeds (which give every block its first line number). A worker cuts a
/// block's records itself, starting at the block's first line start: right after its first line
/// feed, or at its first byte when the block before ends with one. In JSON Lines that is where
/// a line starts. In CSV it is a guess — the line feed may be inside a quoted field — so it is
/// checked: blocks are settled in input order (``BlockReader/settle(_:of:task:)``), and a block is
/// kept only when it starts exactly where the block before's last record ended; otherwise it is
/// cut again from there. A record that starts in a block and runs on into the next is the
/// block's, cut from a copy of its bytes. The records, their lines and fields are the ones the
/// row readers read; only who finds them changed (cutting was a third of the work, on one thread).

/// A stretch of the input as read: `range` of `bytes` (a block shares the array it was read
/// into with its neighbours; nothing is copied).
struct InputBlock: Sendable {
  let bytes: [UInt8]
  let range: Range<Int>
  /// The line of its first byte.
  let firstLine: Int
  /// Line feeds in it.
  let lineBreaks: Int
}

/// How a block's records are cut.
enum BlockFormat: Sendable {
  /// CSV records of a header's `columnCount` fields, found as they are cut.
  case csv(columnCount: Int)
  /// JSON lines, whose fields the worker writes after (``JSONLFields``).
  case jsonLines(JSONLFields, columnCount: Int)
}

/// A block of input for a worker to cut, with the blocks after it read so far (where its last
/// record may end).
struct BlockTask: Sendable {
  let format: BlockFormat
  let block: InputBlock
  var following: [InputBlock]
  /// Whether `following` reaches the end of the input.
  var reachesEnd: Bool
  /// Whether the byte before the block is a line feed, so that a line may start at its first byte.
  let followsLineBreak: Bool
  /// Where its first record starts (counted from the block's start), once the block before has
  /// been settled; `nil` to guess.
  var knownStart: Int?
}

/// A place in the input: a block, and how far into it.
struct BlockPosition: Sendable, Equatable {
  var block: Int
  var offset: Int
}

/// What a worker made of a ``BlockTask``.
struct BlockCut: Sendable {
  /// Where the block's first line was taken to start, counted from the block's start.
  let start: Int
  /// Where the line after its last record starts: `block` counts the following blocks (0 is the
  /// first), `offset` from that block's start; `nil` when the following blocks end before its
  /// last record does.
  let end: BlockPosition?
  /// The records, at most `limit` a chunk; the one that runs on into the following blocks, if
  /// any, last, in a chunk of its own.
  var chunks: [RecordChunk]
}

extension BlockTask {
  private static let newline = UInt8(ascii: "\n")
  private static let carriageReturn = UInt8(ascii: "\r")

  /// Cuts the records that start in the block into chunks of at most `limit`.
  func cut(limit: Int) -> BlockCut {
    switch format {
    case .csv(let columnCount): cutCSV(columnCount: columnCount, limit: limit)
    case .jsonLines(let fields, let columnCount): cutLines(fields, columnCount: columnCount, limit: limit)
    }
  }

  /// CSV records, their fields found.
  private func cutCSV(columnCount: Int, limit: Int) -> BlockCut {
    let isLast = following.isEmpty && reachesEnd
    let block = self.block
    return block.bytes.withUnsafeBufferPointer { whole in
      // Indices are the array's: the chunks share it.
      let buffer = UnsafeBufferPointer(rebasing: whole[..<block.range.upperBound])
      let (lower, end) = (block.range.lowerBound, block.range.upperBound)
      let start = knownStart.map { lower + $0 } ?? guessStart(buffer, columnCount: columnCount)
      var line = block.firstLine + WordScan.lineBreaks(buffer, from: lower, to: start)
      var builder = ChunkBuilder(
        bytes: block.bytes, columnCount: columnCount, capacity: min(limit, block.lineBreaks + 1))
      var chunks: [RecordChunk] = []
      var p = start
      defer { builder.release() }
      while true {
        // Blank lines between records are not records. A carriage return that ends the block
        // ends a line only at the input's end; otherwise it is left to the record that runs on:
        // the next block says whether a line feed follows.
        while p < end, CSVRecordReader.Scanner.isLineEnd(buffer, p, endMayContinue: isLast) {
          if buffer[p] == Self.newline { line += 1 }
          p += 1
        }
        if p == end {
          if let chunk = builder.take() { chunks.append(chunk) }
          return BlockCut(start: start - lower, end: BlockPosition(block: 0, offset: 0), chunks: chunks)
        }
        let scan = builder.scan(buffer, from: p)
        guard Self.isWhole(scan, in: buffer) || isLast else {
          // The record runs on into the next block.
          if let chunk = builder.take() { chunks.append(chunk) }
          let (seam, next) = self.seam(from: p, line: line, columnCount: columnCount)
          if let seam { chunks.append(seam) }
          return BlockCut(start: start - lower, end: next, chunks: chunks)
        }
        builder.add(start: p, scan: scan, line: line)
        if builder.count == limit, let chunk = builder.take() { chunks.append(chunk) }
        line += scan.lineBreaks
        p = scan.next
      }
    }
  }

  /// Whether the record `scan` read is whole in `buffer`: its quotes closed and its line feed
  /// read. (A record that runs to the buffer's end, or ends in a carriage return there, may go on
  /// in the bytes after.)
  private static func isWhole(_ scan: RecordChunk.RecordScan, in buffer: UnsafeBufferPointer<UInt8>) -> Bool {
    !scan.unterminated && scan.next > scan.end && buffer[scan.next - 1] == newline
  }

  /// Where the block's first line probably starts: the first line start from which a whole
  /// record of `columnCount` fields is read (a line feed inside a quoted field starts a line that
  /// reads as part of a record); the first line start when none of the first few does.
  private func guessStart(_ buffer: UnsafeBufferPointer<UInt8>, columnCount: Int) -> Int {
    let (lower, end) = (block.range.lowerBound, block.range.upperBound)
    func lineStart(after index: Int) -> Int? {
      buffer.firstIndex(of: Self.newline, from: index, to: end).map { $0 + 1 }
    }
    let first = followsLineBreak ? lower : lineStart(after: lower)
    var candidate = first
    for _ in 0..<8 {
      guard let start = candidate else { break }
      var p = start
      while p + 1 < end,
        buffer[p] == Self.newline || buffer[p] == Self.carriageReturn && buffer[p + 1] == Self.newline
      {
        p += 1
      }
      if p + 1 >= end { return start }
      let scan = RecordChunk.scanRecord(buffer, from: p, columnCount: columnCount)
      let complete = Self.isWhole(scan, in: buffer)
      // A record that runs past the block cannot be judged here.
      if !complete && !scan.unterminated || complete && scan.fields == columnCount { return start }
      candidate = lineStart(after: start)
    }
    return first ?? end
  }

  /// The record that starts at `start` and runs on into the following blocks, cut from a copy of
  /// its bytes, and where the line after it starts; `(nil, nil)` when the following blocks end
  /// before it does. Also what is left of the block when it ends in blank lines and the next
  /// block is needed to tell (a carriage return at its end): then no record, and the next block's
  /// first byte.
  private func seam(from start: Int, line: Int, columnCount: Int) -> (RecordChunk?, BlockPosition?) {
    var stitched = Array(block.bytes[start..<block.range.upperBound])
    let tail = stitched.count
    var nextBlock = 0
    var nextByte = following.first?.range.lowerBound ?? 0
    var want = 1 << 16
    while true {
      // Take `want` more bytes (or what is left) from the following blocks.
      var taken = 0
      while taken < want, nextBlock < following.count {
        let source = following[nextBlock]
        let upper = min(source.range.upperBound, nextByte + want - taken)
        stitched += source.bytes[nextByte..<upper]
        taken += upper - nextByte
        nextByte = upper
        if nextByte == source.range.upperBound {
          nextBlock += 1
          nextByte = nextBlock < following.count ? following[nextBlock].range.lowerBound : 0
        }
      }
      let isLast = nextBlock == following.count && reachesEnd
      var p = 0
      var recordLine = line
      while p < stitched.count, CSVRecordReader.Scanner.isLineEnd(stitched, p, endMayContinue: !isLast) {
        if stitched[p] == Self.newline { recordLine += 1 }
        p += 1
      }
      if p >= tail && p < stitched.count || p == stitched.count && isLast {
        // Only blank lines were left in the block.
        return (nil, position(tail))
      }
      if p < stitched.count {
        var builder = ChunkBuilder(bytes: stitched, columnCount: columnCount, capacity: 1)
        defer { builder.release() }
        let (scan, complete) = stitched.withUnsafeBufferPointer { bytes in
          let scan = builder.scan(bytes, from: p)
          return (scan, Self.isWhole(scan, in: bytes))
        }
        if complete || isLast {
          builder.add(start: p, scan: scan, line: recordLine)
          return (builder.take(), position(scan.next))
        }
      }
      guard nextBlock < following.count else { return (nil, nil) }
      want *= 2
    }

    /// Index `index` of the stitched bytes, past the block's tail, as a place in the following blocks.
    func position(_ index: Int) -> BlockPosition {
      var left = index - tail
      for (number, source) in following.enumerated() {
        if left < source.range.count { return BlockPosition(block: number, offset: left) }
        left -= source.range.count
      }
      return BlockPosition(block: following.count, offset: 0)
    }
  }
}

extension BlockTask {
  /// JSON lines, left for the worker to write their fields (``RecordChunk/withFields()``): a
  /// chunk holds the block's bytes and where each line lies in them; the line that runs on into
  /// the following blocks is copied into a buffer of its own.
  private func cutLines(_ fields: JSONLFields, columnCount: Int, limit: Int) -> BlockCut {
    let (lower, end) = (block.range.lowerBound, block.range.upperBound)
    let bytes = block.bytes
    return bytes.withUnsafeBufferPointer { whole in
      let buffer = UnsafeBufferPointer(rebasing: whole[..<end])
      func lineStart(after index: Int) -> Int? {
        buffer.firstIndex(of: Self.newline, from: index, to: end).map { $0 + 1 }
      }
      // JSON text holds no line feed: every one ends a line.
      let start = knownStart.map { lower + $0 } ?? (followsLineBreak ? lower : lineStart(after: lower) ?? end)
      var line = block.firstLine + WordScan.lineBreaks(buffer, from: lower, to: start)
      var chunks: [RecordChunk] = []
      func emptyChunk() -> RecordChunk {
        var chunk = RecordChunk(columnCount: columnCount)
        chunk.jsonFields = fields
        chunk.lineBuffers = [bytes]
        return chunk
      }
      var chunk = emptyChunk()
      var p = start
      while p < end, let lineBreak = buffer.firstIndex(of: Self.newline, from: p, to: end) {
        if let text = JSONLines.text(buffer, p..<lineBreak) {
          chunk.addLine(line, buffer: 0, text)
          if chunk.count == limit {
            chunks.append(chunk)
            chunk = emptyChunk()
          }
        }
        line += 1
        p = lineBreak + 1
      }
      var next: BlockPosition? = BlockPosition(block: 0, offset: 0)
      if p < end {
        // The line runs on into the following blocks: up to the first line feed there.
        var seam = Array(buffer[p..<end])
        next = nil
        for (number, block) in following.enumerated() {
          let found = block.bytes.withUnsafeBufferPointer {
            $0.firstIndex(of: Self.newline, from: block.range.lowerBound, to: block.range.upperBound)
          }
          seam += block.bytes[block.range.lowerBound..<(found ?? block.range.upperBound)]
          if let found {
            next = BlockPosition(block: number, offset: found + 1 - block.range.lowerBound)
            break
          }
        }
        // At the input's end, what is left is the last line.
        if next == nil && reachesEnd { next = BlockPosition(block: following.count, offset: 0) }
        if next != nil, let text = seam.withUnsafeBufferPointer({ JSONLines.text($0, 0..<seam.count) }) {
          chunk.lineBuffers.append(seam)
          chunk.addLine(line, buffer: chunk.lineBuffers.count - 1, text)
        }
      }
      if chunk.count > 0 { chunks.append(chunk) }
      return BlockCut(start: start - lower, end: next, chunks: chunks)
    }
  }
}

/// A chunk's records as a worker cuts them: their starts, ends, lines and field ends.
private struct ChunkBuilder {
  private var bytes: [UInt8]
  private let columnCount: Int
  private let capacity: Int
  private var chunk: RecordChunk
  private var fieldEnds: [Int32] = []
  /// Where the record being read puts its field ends.
  private let scratch: UnsafeMutableBufferPointer<Int32>

  init(bytes: [UInt8], columnCount: Int, capacity: Int) {
    self.bytes = bytes
    self.columnCount = columnCount
    self.capacity = capacity
    chunk = RecordChunk(columnCount: columnCount)
    scratch = .allocate(capacity: max(1, columnCount))
    reserve()
  }

  private mutating func reserve() {
    chunk.recordStarts.reserveCapacity(capacity)
    chunk.recordEnds.reserveCapacity(capacity)
    chunk.lines.reserveCapacity(capacity)
    chunk.regular.reserveCapacity(capacity)
    fieldEnds.reserveCapacity(capacity * columnCount)
  }

  func release() { scratch.deallocate() }

  var count: Int { chunk.count }

  /// Reads the record at `start` (its field ends kept aside until ``add(start:scan:line:)``).
  func scan(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> RecordChunk.RecordScan {
    RecordChunk.scanRecord(buffer, from: start, columnCount: columnCount, fieldEnds: scratch)
  }

  /// Adds the record last scanned.
  mutating func add(start: Int, scan: RecordChunk.RecordScan, line: Int) {
    // A record of fewer fields leaves the rest of its field ends at its end.
    for field in scan.fields..<max(scan.fields, columnCount) { scratch[field] = Int32(scan.end) }
    fieldEnds.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[0..<columnCount]))
    chunk.recordStarts.append(Int32(start))
    chunk.recordEnds.append(Int32(scan.end))
    chunk.lines.append(line)
    chunk.regular.append(!scan.unterminated && scan.fields == columnCount)
  }

  /// The records added since the last take, as a chunk; `nil` when there are none.
  mutating func take() -> RecordChunk? {
    guard chunk.count > 0 else { return nil }
    var taken = chunk
    taken.bytes = bytes
    taken.fieldEnds = fieldEnds
    chunk = RecordChunk(columnCount: columnCount)
    fieldEnds = []
    reserve()
    return taken
  }
}

/// The thread that reads CSV input: reads it in blocks, hands out each block as a ``BlockTask``
/// once the block after it is read, and settles the workers' cuts in input order.
struct BlockReader {
  /// How many bytes a block holds (the last of a read may hold less): small enough to share a
  /// read among the workers, large enough that the record each block cuts from a copy is rare.
  static let blockSize = 1 << 20

  let header: CSVHeader
  private let format: BlockFormat
  /// The next bytes of the input, and their line feeds when whoever read them counted them.
  private let source: () -> InputBytes
  private var atEnd: Bool
  /// The blocks read and not yet settled past: block `firstKept + i` is `blocks[i]`.
  private var blocks: [InputBlock] = []
  private var firstKept = 0
  /// Blocks handed out so far.
  private var handedOut = 0
  private var nextLine: Int
  /// Where the next record to settle starts (its offset counted from its block's start).
  private var settledTo = BlockPosition(block: 0, offset: 0)
  /// How many blocks were cut again (a guess that failed, or a record longer than the blocks).
  private(set) var recuts = 0

  /// The blocks of CSV input after the header `reader` has read (from the same `source`).
  init(csvAfter reader: CSVRecordReader, source: @escaping () -> [UInt8]) {
    header = reader.header
    format = .csv(columnCount: reader.header.columns.count)
    self.source = { InputBytes(bytes: source()) }
    atEnd = reader.atEnd
    nextLine = reader.line
    if reader.position < reader.bytes.count { split(reader.bytes, from: reader.position) }
  }

  /// The blocks of JSON Lines input, whose keys are `inputs`' names, read with their line feeds
  /// where the reader counted them.
  init(jsonLines source: @escaping () -> InputBytes, inputs: [InputField]) {
    (header, format) = Self.jsonLinesPlan(inputs)
    self.source = source
    nextLine = 1
    // A byte order mark opens the input, if anything: read until there are three bytes.
    var first = InputBytes(bytes: [])
    atEnd = false
    while first.bytes.count < 3 {
      let next = source()
      if next.bytes.isEmpty {
        atEnd = true
        break
      }
      first = first.bytes.isEmpty ? next : InputBytes(bytes: first.bytes + next.bytes)
    }
    let start = first.bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    split(first.bytes, from: start, lineFeeds: start == 0 ? first.lineFeeds : nil)
  }

  /// The columns JSON lines are cut into, one per input in slot order, and how they are cut.
  static func jsonLinesPlan(_ inputs: [InputField]) -> (CSVHeader, BlockFormat) {
    let ordered = inputs.sorted { $0.slot < $1.slot }
    let header = CSVHeader(
      columns: ordered.map(\.name), slotOfColumn: ordered.map(\.slot),
      keyColumn: ordered.firstIndex(where: \.isKey), slotCount: inputs.count)
    return (header, .jsonLines(JSONLFields(ordered), columnCount: ordered.count))
  }

  /// Whether every block has been handed out.
  var isDone: Bool { atEnd && handedOut == firstKept + blocks.count }

  /// The most records the rest of the input can hold, once all of it is read: its line feeds
  /// plus one.
  var recordBound: Int? {
    guard atEnd else { return nil }
    return lineBreaksRead + 1
  }

  /// Line feeds in the blocks read and not yet settled past.
  var lineBreaksRead: Int { blocks.reduce(0) { $0 + $1.lineBreaks } }

  private func block(_ index: Int) -> InputBlock { blocks[index - firstKept] }
  private var blocksRead: Int { firstKept + blocks.count }

  /// Reads the next bytes of the input (nothing at its end).
  mutating func read() {
    guard !atEnd else { return }
    let next = source()
    if next.bytes.isEmpty { atEnd = true } else { split(next.bytes, from: 0, lineFeeds: next.lineFeeds) }
  }

  /// Cuts `bytes` from `start` into blocks; `lineFeeds`, when known, counts those of all of it.
  private mutating func split(_ bytes: [UInt8], from start: Int, lineFeeds: Int? = nil) {
    var lower = start
    while lower < bytes.count {
      let upper = min(bytes.count, lower + Self.blockSize)
      // Counted already when the block is all of the bytes (a server counts its body's lines).
      let counted = lower == 0 && upper == bytes.count ? lineFeeds : nil
      let breaks =
        counted ?? bytes.withUnsafeBufferPointer { WordScan.lineBreaks($0, from: lower, to: upper) }
      blocks.append(InputBlock(bytes: bytes, range: lower..<upper, firstLine: nextLine, lineBreaks: breaks))
      nextLine += breaks
      lower = upper
    }
  }

  /// The blocks that can be cut now, in order: each block whose next block is read, or the last.
  mutating func handOut() -> [BlockTask] {
    var ready: [BlockTask] = []
    while handedOut + 1 < blocksRead || atEnd && handedOut < blocksRead {
      ready.append(task(handedOut, following: 1))
      handedOut += 1
    }
    return ready
  }

  /// Block `index` to cut, with up to `count` of the blocks after it.
  private func task(_ index: Int, following count: Int) -> BlockTask {
    let following = (index + 1..<min(blocksRead, index + 1 + count)).map(block)
    let previous = index > firstKept ? block(index - 1) : nil
    return BlockTask(
      format: format, block: block(index), following: following,
      reachesEnd: atEnd && index + following.count + 1 == blocksRead,
      followsLineBreak: previous.map { $0.bytes[$0.range.upperBound - 1] == UInt8(ascii: "\n") } ?? true,
      knownStart: index == settledTo.block ? settledTo.offset : nil)
  }

  /// What to do with a block's cut.
  enum Settlement {
    /// Its records are the input's: hand them on.
    case keep
    /// The block lies inside a record an earlier block took: nothing of it is handed on.
    case skip
    /// Cut it again as given: from where its first record really starts, or with more of the
    /// blocks after it.
    case cutAgain(BlockTask)
  }

  /// Settles the cut of block `index`, which was cut as `task`. Blocks are settled in input
  /// order, each until it is kept or skipped.
  mutating func settle(_ cut: BlockCut, of index: Int, task: BlockTask) -> Settlement {
    guard settledTo.block == index else { return .skip }
    guard cut.start == settledTo.offset, let end = cut.end else {
      var following = task.following.count
      if cut.start == settledTo.offset {
        // Its last record runs on past the blocks it had: give it twice as many.
        following = max(1, 2 * following)
        while !atEnd && blocksRead < index + 1 + following { read() }
      }
      recuts += 1
      return .cutAgain(self.task(index, following: following))
    }
    var next = BlockPosition(block: index + 1 + end.block, offset: end.offset)
    // A place at a block's end is the next block's start.
    if next.block < blocksRead, next.offset == block(next.block).range.count {
      next = BlockPosition(block: next.block + 1, offset: 0)
    }
    settledTo = next
    // The blocks before are not needed again (those not handed out yet still are, to be skipped).
    let drop = min(settledTo.block, handedOut) - firstKept
    if drop > 0 {
      blocks.removeFirst(drop)
      firstKept += drop
    }
    return .keep
  }
}
