import CZlib
import Foundation
import GRDB
import Ladder

/// The inputs a run keeps for replay, compressed (zlib) in blocks of consecutive decisions: one
/// JSON array per line, as ``RawValueJSON`` writes it. A decision row written this way holds an
/// empty `inputs`; a ledger written before keeps them in the row, and both are read alike.
enum InputBlocks {
  /// Decisions per block: a lookup decompresses one block.
  static let size = 4096

  /// The lines joined and compressed.
  static func pack(_ lines: [String]) -> (rawLength: Int, data: Data)? {
    let raw = Array(lines.joined(separator: "\n").utf8)
    var length = compressBound(uLong(raw.count))
    var out = [UInt8](repeating: 0, count: Int(length))
    let status = raw.withUnsafeBufferPointer { source in
      out.withUnsafeMutableBufferPointer { target in
        compress2(target.baseAddress, &length, source.baseAddress, uLong(raw.count), 6)
      }
    }
    guard status == Z_OK else { return nil }
    return (raw.count, Data(out.prefix(Int(length))))
  }

  /// The lines of a block; `nil` when it does not decompress to `rawLength` bytes.
  static func unpack(_ data: Data, rawLength: Int) -> [String]? {
    // A block holds 4,096 decisions' inputs: a length far beyond that is damage, not data.
    guard rawLength >= 0, rawLength <= 1 << 28 else { return nil }
    var length = uLong(rawLength)
    var out = [UInt8](repeating: 0, count: max(rawLength, 1))
    let bytes = [UInt8](data)
    let status = bytes.withUnsafeBufferPointer { source in
      out.withUnsafeMutableBufferPointer { target in
        uncompress(target.baseAddress, &length, source.baseAddress, uLong(bytes.count))
      }
    }
    guard status == Z_OK, Int(length) == rawLength else { return nil }
    // Split as bytes: a JSON line holds no raw line break, and splitting a String by Character
    // was most of the time verify and replay spent here.
    return out.prefix(rawLength).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
      .map { String(decoding: $0, as: UTF8.self) }
  }

  /// A block being compressed on another thread.
  typealias Packing = BackgroundResult<(rawLength: Int, data: Data)?>

  /// Writes the blocks of one run as its decisions are written. Each full block is compressed
  /// on another thread while the run goes on writing rows; `finish` writes the last ones.
  struct Writer {
    let run: Int64
    let statement: Statement
    var pending: [String] = []
    var firstSeq = 0
    var inFlight: [(first: Int, count: Int, packed: Packing)] = []

    init(_ db: Database, run: Int64) throws {
      self.run = run
      statement = try db.makeStatement(
        sql: "INSERT INTO decision_inputs (run_id, first_seq, count, raw_length, data) VALUES (?, ?, ?, ?, ?)"
      )
    }

    /// The inputs of decision `seq` (decisions come in order).
    mutating func append(_ inputs: String, seq: Int) throws {
      if pending.isEmpty { firstSeq = seq }
      pending.append(inputs)
      guard pending.count == InputBlocks.size else { return }
      startPacking()
      // Write the blocks already compressed, without waiting for the others.
      while let next = inFlight.first, next.packed.isReady {
        try write(inFlight.removeFirst())
      }
    }

    /// Compresses the rest and writes every block still to be written.
    mutating func finish() throws {
      if !pending.isEmpty { startPacking() }
      for block in inFlight { try write(block) }
      inFlight = []
    }

    private mutating func startPacking() {
      let lines = pending
      inFlight.append((firstSeq, pending.count, BackgroundResult { InputBlocks.pack(lines) }))
      pending = []
    }

    private func write(_ block: (first: Int, count: Int, packed: Packing)) throws {
      guard let (rawLength, data) = block.packed.value ?? nil else {
        throw LedgerError("the inputs of run \(run) could not be compressed")
      }
      statement.setUncheckedArguments([run, block.first, block.count, rawLength, data])
      try statement.execute()
    }
  }

  /// Reads the stored inputs of one run's decisions, keeping the last block it decompressed.
  final class Reader {
    let db: Database
    let run: Int64
    private var block: (first: Int, lines: [String])?

    init(_ db: Database, run: Int64) {
      self.db = db
      self.run = run
    }

    /// The inputs of decision `seq`: the row's own (`stored`) when it has them, else its
    /// block's line; `nil` when the block is missing or damaged.
    func inputs(seq: Int, stored: String) throws -> String? {
      if !stored.isEmpty { return stored }
      if let block, seq >= block.first, seq < block.first + block.lines.count {
        return block.lines[seq - block.first]
      }
      guard
        let row = try Row.fetchOne(
          db,
          sql: """
            SELECT first_seq, count, raw_length, data FROM decision_inputs
            WHERE run_id = ? AND first_seq <= ? ORDER BY first_seq DESC LIMIT 1
            """, arguments: [run, seq]),
        let lines = InputBlocks.unpack(try row.value("data"), rawLength: try row.value("raw_length")),
        try lines.count == row.value("count") as Int
      else { return nil }
      let first: Int = try row.value("first_seq")
      block = (first, lines)
      return seq - first < lines.count ? lines[seq - first] : nil
    }
  }
}
