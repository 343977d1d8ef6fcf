import Foundation
import GRDB
import Ladder

/// The inputs a run keeps for replay, packed (Huffman-coded since schema 4, zlib before) in
/// blocks of consecutive decisions (a block of the evaluation each), one JSON array per line
/// (`decision_inputs`). Schema 1 kept them in the decision rows; migration 3 moves those into
/// blocks too.
enum InputBlocks {
  /// The lines joined and compressed.
  static func pack(_ lines: [String]) -> (rawLength: Int, data: Data)? {
    Compression.pack(Array(lines.joined(separator: "\n").utf8), coding: .huffman)
  }

  /// The lines of a block; `nil` when it does not decompress to `rawLength` bytes.
  static func unpack(_ data: Data, rawLength: Int) -> [String]? {
    // Split as bytes: a JSON line holds no raw line break.
    Compression.unpack(data, rawLength: rawLength)?.split(
      separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false
    ).map { String(decoding: $0, as: UTF8.self) }
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
