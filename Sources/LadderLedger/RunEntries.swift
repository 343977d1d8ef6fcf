import CZlib
import Foundation
import GRDB
import Ladder

/// One decision of a run and what the run made of it: the unit the ledger stores (schema 3).
///
/// A run's entries are kept sorted by key in zlib blocks (`entry_block`), so that one key's
/// decision is found by reading one block, and a run of a million records writes a few thousand
/// rows instead of three million: a row per decision, per assignment and per review was most of a
/// run's time and of the ledger's size.
struct LedgerEntry: Sendable, Equatable {
  var key: String
  /// The place of the decision among the run's decisions, and its line in the input.
  var seq: Int
  var line: Int
  /// What the policy computed.
  var tier: String?
  var score: String?
  /// The fired triggers, `;`-separated.
  var flags: String
  /// The non-personal inputs, a JSON array as ``RawValue/jsonArray(_:)`` writes it (for replay).
  /// Stored apart, in input order (`decision_inputs`): empty in an entry read from a block.
  var inputs: String
  /// Whether the run assigned the key its tier (a change, or the key's first tier).
  var changed: Bool
  /// The tier in force after the run, and the day it was assigned.
  var inForce: String?
  var since: CivilDate
  /// The lifecycle's record of the run, for a policy with a `lifecycle:` section: the outcome
  /// (`nil` when there is nothing to remember), whether it was a review, and the reviews in a
  /// row that found the key below its tier.
  var outcome: String?
  var reviewed: Bool
  var below: Int

  /// The decision's fields as the run's decision digest covers them.
  func decisionRow(form: LedgerChain.DecisionRowForm) -> [UInt8] {
    var row: [UInt8] = []
    LedgerChain.appendDecisionRow(
      seq: seq, line: line, key: key, tier: tier, score: score, flags: flags, inputs: inputs, form: form,
      to: &row)
    return row
  }

  /// The entry's assignment row, when the run assigned the key its tier (dated `sinceText`, the
  /// text of `since`), as the run's digest of assignments covers it. The text is made only for
  /// a change: writing the day of every kept tier showed in a run's profile.
  func appendAssignmentRow(sinceText: @autoclosure () -> String, to rows: inout [UInt8]) {
    guard changed else { return }
    LedgerChain.appendAssignmentRow(key: key, tier: inForce, since: sinceText(), to: &rows)
  }

  /// The entry's review row, when the lifecycle recorded one, as the digest covers it after
  /// every assignment row.
  func appendReviewRow(to rows: inout [UInt8]) {
    guard let outcome else { return }
    LedgerChain.appendReviewRow(key: key, outcome: outcome, reviewed: reviewed, below: below, to: &rows)
  }

  /// Every field after the key (``EncodedEntries/append(key:changed:seq:_:)`` writes the key):
  /// the key's lifecycle fields first, then the decision's. ``RunEntries/find(_:in:)`` skips them
  /// in this order.
  func encodeFields(into writer: inout ByteWriter) {
    writer.varint((changed ? 1 : 0) | (reviewed ? 2 : 0))
    writer.optional(inForce)
    writer.date(since)
    writer.optional(outcome)
    writer.varint(below)
    writer.varint(seq)
    writer.varint(line)
    writer.optional(tier)
    writer.optional(score)
    writer.string(flags)
  }

  init(
    key: String, seq: Int, line: Int, tier: String?, score: String?, flags: String, inputs: String,
    changed: Bool, inForce: String?, since: CivilDate, outcome: String?, reviewed: Bool, below: Int
  ) {
    (self.key, self.seq, self.line, self.tier, self.score, self.flags, self.inputs) = (
      key, seq, line, tier, score, flags, inputs
    )
    (self.changed, self.inForce, self.since, self.outcome, self.reviewed, self.below) = (
      changed, inForce, since, outcome, reviewed, below
    )
  }

  /// The next entry of `reader`; `nil` when the bytes are not one.
  init?(_ reader: inout ByteReader) {
    guard let key = reader.string(), let bits = reader.varint(), let inForce = reader.optional(),
      let since = reader.date(), let outcome = reader.optional(), let below = reader.varint(),
      let seq = reader.varint(), let line = reader.varint(), let tier = reader.optional(),
      let score = reader.optional(), let flags = reader.string()
    else { return nil }
    self.init(
      key: key, seq: seq, line: line, tier: tier, score: score, flags: flags, inputs: "",
      changed: bits & 1 != 0, inForce: inForce, since: since, outcome: outcome, reviewed: bits & 2 != 0,
      below: below)
  }
}

/// Where a key stands after the latest run, as the standings snapshot keeps it.
extension TierStanding {
  /// Where a key stands after a run that decided it as `entry` records, from where it stood
  /// before: the tier in force and since when from the entry; its last review and the reviews in
  /// a row below its tier from the entry when the run reviewed it, else as before.
  init(after entry: LedgerEntry, on day: CivilDate, from before: TierStanding?) {
    self.init(
      tier: entry.inForce, since: entry.since, lastReview: entry.reviewed ? day : before?.lastReview,
      reviewsBelow: entry.reviewed ? entry.below : before?.reviewsBelow ?? 0)
  }

  /// Where a key stands once a change of the lifecycle is approved: that tier from the approval
  /// day, its reviews as before.
  init(approved tier: String?, since: CivilDate, from before: TierStanding?) {
    self.init(
      tier: tier, since: since, lastReview: before?.lastReview, reviewsBelow: before?.reviewsBelow ?? 0)
  }

  /// Every field after the key (``EncodedEntries/append(key:_:)`` writes the key).
  func encodeFields(into writer: inout ByteWriter) {
    writer.optional(tier)
    writer.date(since)
    writer.varint(lastReview == nil ? 0 : 1)
    if let lastReview { writer.date(lastReview) }
    writer.varint(reviewsBelow)
  }

  static func decode(_ reader: inout ByteReader) -> (key: String, standing: TierStanding)? {
    guard let key = reader.string(), let standing = decodeFields(&reader) else { return nil }
    return (key, standing)
  }

  /// Moves past the fields after the key, checking them as ``decodeFields(_:)`` does, without
  /// making strings of them; `false` on damage.
  static func skipFields(_ reader: inout ByteReader) -> Bool {
    guard reader.skipText(optional: true), reader.date() != nil, let hasReview = reader.varint(),
      hasReview <= 1
    else { return false }
    if hasReview == 1, reader.date() == nil { return false }
    return reader.varint() != nil
  }

  /// The fields after the key.
  static func decodeFields(_ reader: inout ByteReader) -> TierStanding? {
    guard let tier = reader.optional(), let since = reader.date(), let hasReview = reader.varint(),
      hasReview <= 1
    else { return nil }
    var lastReview: CivilDate?
    if hasReview == 1 {
      guard let day = reader.date() else { return nil }
      lastReview = day
    }
    guard let below = reader.varint() else { return nil }
    return TierStanding(tier: tier, since: since, lastReview: lastReview, reviewsBelow: below)
  }
}

/// Bytes as the ledger's blocks hold them: unsigned LEB128 integers and length-prefixed UTF-8.
struct ByteWriter {
  var bytes: [UInt8] = []

  mutating func varint(_ value: Int) {
    var rest = UInt64(max(0, value))
    while rest >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
      rest >>= 7
    }
    bytes.append(UInt8(rest))
  }

  mutating func string(_ text: String) {
    var text = text
    text.withUTF8 { utf8 in
      varint(utf8.count)
      bytes.append(contentsOf: utf8)
    }
  }

  /// A day as its distance from 1970-01-01, zigzag-encoded (days before it are negative).
  mutating func date(_ day: CivilDate) {
    let days = Int(day.daysSinceEpoch)
    varint(days >= 0 ? days << 1 : (~days << 1) | 1)
  }

  /// `nil` is a length of 0; a text of `n` bytes is `n + 1` and the bytes.
  mutating func optional(_ text: String?) {
    guard var text else {
      varint(0)
      return
    }
    text.withUTF8 { utf8 in
      varint(utf8.count + 1)
      bytes.append(contentsOf: utf8)
    }
  }
}

/// Reads what ``ByteWriter`` wrote; every read is `nil` past the end or on a value that does
/// not fit, so damaged bytes are reported, never trusted.
struct ByteReader {
  let bytes: [UInt8]
  var index: Int

  init(_ bytes: [UInt8], from index: Int = 0) {
    self.bytes = bytes
    self.index = index
  }

  var isAtEnd: Bool { index >= bytes.count }

  mutating func varint() -> Int? {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while index < bytes.count, shift < 63 {
      let byte = bytes[index]
      index += 1
      value |= UInt64(byte & 0x7f) << shift
      if byte < 0x80 { return value <= UInt64(Int.max) ? Int(value) : nil }
      shift += 7
    }
    return nil
  }

  mutating func date() -> CivilDate? {
    guard let coded = varint() else { return nil }
    let days = coded & 1 == 0 ? coded >> 1 : ~(coded >> 1)
    guard let narrow = Int32(exactly: days) else { return nil }
    return CivilDate(daysSinceEpoch: narrow)
  }

  mutating func string() -> String? {
    guard let count = varint() else { return nil }
    return text(count)
  }

  /// A text written by ``ByteWriter/optional(_:)``: `.some(nil)` for `nil`, `nil` on damage.
  mutating func optional() -> String?? {
    guard let count = varint() else { return nil }
    if count == 0 { return .some(nil) }
    guard let text = text(count - 1) else { return nil }
    return .some(text)
  }

  private mutating func text(_ count: Int) -> String? {
    guard count >= 0, count <= bytes.count - index else { return nil }
    defer { index += count }
    return String(decoding: bytes[index..<index + count], as: UTF8.self)
  }
}

/// Entries encoded one after another into one buffer, then sorted by key and cut into blocks.
struct EncodedEntries {
  /// A block of entries as stored: its first key, its entries and its packed bytes (`nil` when
  /// packing failed).
  typealias Block = (firstKey: [UInt8], items: Range<Int>, packed: (rawLength: Int, data: Data)?)

  struct Item {
    var start: Int
    var keyStart: Int
    var keyCount: Int
    var end: Int
    /// For a run's entries: whether the run assigned the key its tier (each block counts them),
    /// and the decision's number in the run.
    var changed: Bool
    var seq: Int
  }

  var writer = ByteWriter()
  var items: [Item] = []

  /// Adds one entry: `key` first (it sorts the entries), then whatever `body` writes.
  mutating func append(key: String, changed: Bool = false, seq: Int = 0, _ body: (inout ByteWriter) -> Void) {
    let start = writer.bytes.count
    writer.string(key)
    let keyCount = key.utf8.count
    let keyStart = writer.bytes.count - keyCount
    body(&writer)
    items.append(
      Item(
        start: start, keyStart: keyStart, keyCount: keyCount, end: writer.bytes.count, changed: changed,
        seq: seq))
  }

  /// Sorts the items by key, byte by byte (as SQLite compares the blocks' first keys), and, for
  /// equal keys, in the order they were added (``RadixOrder/byBytes(_:key:)``).
  mutating func sortByKey() {
    let items = self.items
    let order = writer.bytes.withUnsafeBufferPointer { bytes in
      RadixOrder.byBytes(items.count) { index in
        UnsafeBufferPointer(
          rebasing: bytes[items[index].keyStart..<items[index].keyStart + items[index].keyCount])
      }
    }
    self.items = order.map { items[Int($0)] }
  }

  func key(_ item: Item) -> [UInt8] { Array(writer.bytes[item.keyStart..<item.keyStart + item.keyCount]) }

  func sameKey(_ left: Item, _ right: Item) -> Bool {
    writer.bytes.withUnsafeBufferPointer { bytes in
      guard let base = bytes.baseAddress else { return left.keyCount == right.keyCount }
      return Self.same(left, base, UnsafeBufferPointer(start: base + right.keyStart, count: right.keyCount))
    }
  }

  /// The sorted items cut into blocks of `size` and packed on every core: each block's first
  /// key, its count, its raw length and its packed bytes (`nil` when zlib failed).
  func blocks(size: Int, coding: Compression.Coding) -> [Block] {
    let ranges = stride(from: 0, to: items.count, by: size).map { $0..<min($0 + size, items.count) }
    let packed = UnsafeMutableBufferPointer<(rawLength: Int, data: Data)?>.allocate(capacity: ranges.count)
    packed.initialize(repeating: nil)
    defer { packed.deallocate() }
    let results = UncheckedBox(packed)
    writer.bytes.withUnsafeBufferPointer { bytes in
      let bytes = UncheckedBox(bytes)
      DispatchQueue.concurrentPerform(iterations: ranges.count) { index in
        // Copied from the buffer's memory: a slice of the array per entry retained and released
        // it a million times, from both cores at once.
        let entries = items[ranges[index]]
        var raw: [UInt8] = []
        raw.reserveCapacity(entries.reduce(0) { $0 + $1.end - $1.start })
        for item in entries {
          raw.append(contentsOf: UnsafeBufferPointer(rebasing: bytes.value[item.start..<item.end]))
        }
        results.value[index] = Compression.pack(raw, coding: coding)
      }
    }
    return ranges.enumerated().map { index, range in (key(items[range.lowerBound]), range, packed[index]) }
  }
}

/// A value handed to concurrent workers that write disjoint parts of it.
struct UncheckedBox<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

/// How the ledger's blocks are packed. A run's inputs and entries are Huffman-coded
/// (``HuffmanCoding``): mostly digits and short fields, where zlib's matches find little for
/// their time (zlib at its fastest level took a quarter of a run's CPU time on the benchmark).
/// The standings snapshot, rewritten by every run but mostly the same values over and over,
/// stays with zlib at its fastest level, which makes it a seventh of its size (Huffman: a half).
/// A block says how it is packed by its first byte, so blocks of both kinds read alike.
enum Compression {
  enum Coding { case zlib, huffman }

  static func pack(_ raw: [UInt8], coding: Coding) -> (rawLength: Int, data: Data)? {
    if coding == .huffman {
      return (raw.count, raw.withUnsafeBufferPointer { Data(HuffmanCoding.encode($0)) })
    }
    let bound = Int(compressBound(uLong(raw.count)))
    var status = Z_OK
    // Into uninitialized memory: zeroing the bound (more than the output) showed in the profile.
    let out = [UInt8](unsafeUninitializedCapacity: bound) { target, initialized in
      var length = uLong(bound)
      status = raw.withUnsafeBufferPointer { source in
        compress2(target.baseAddress, &length, source.baseAddress, uLong(raw.count), 1)
      }
      initialized = status == Z_OK ? Int(length) : 0
    }
    guard status == Z_OK else { return nil }
    return (raw.count, Data(out))
  }

  /// The bytes of a block; `nil` when it does not decompress to `rawLength` bytes.
  static func unpack(_ data: Data, rawLength: Int) -> [UInt8]? {
    // A block holds at most a few thousand entries: a length far beyond that is damage.
    guard rawLength >= 0, rawLength <= 1 << 28 else { return nil }
    let bytes = [UInt8](data)
    if bytes.first == HuffmanCoding.tag {
      return bytes.withUnsafeBufferPointer { HuffmanCoding.decode($0, rawLength: rawLength) }
    }
    var length = uLong(rawLength)
    var out = [UInt8](repeating: 0, count: max(rawLength, 1))
    let status = bytes.withUnsafeBufferPointer { source in
      out.withUnsafeMutableBufferPointer { target in
        uncompress(target.baseAddress, &length, source.baseAddress, uLong(bytes.count))
      }
    }
    guard status == Z_OK, Int(length) == rawLength else { return nil }
    out.removeLast(out.count - rawLength)
    return out
  }
}

/// The ledger's blocks: each run's entries, and the snapshot of every key's standing after the
/// latest run (which the next run starts from).
enum RunEntries {
  /// Entries per block: looking up a key decompresses one block.
  static let blockSize = 256

  /// Writes `entries` (sorted by key) as the blocks of run `run`.
  static func write(_ entries: EncodedEntries, run: Int64, _ db: Database) throws {
    let statement = try db.makeStatement(
      sql:
        "INSERT INTO entry_block (run_id, first_key, count, changes, raw_length, data) VALUES (?, ?, ?, ?, ?, ?)"
    )
    for block in entries.blocks(size: blockSize, coding: .huffman) {
      guard let (rawLength, data) = block.packed else {
        throw LedgerError("the decisions of run \(run) could not be compressed")
      }
      let changed = entries.items[block.items].count(where: \.changed)
      statement.setUncheckedArguments([
        run, Data(block.firstKey), block.items.count, changed, rawLength, data,
      ])
      try statement.execute()
    }
  }

  /// Every entry of run `run`, in key order; `nil` when a block is damaged.
  static func entries(_ db: Database, run: Int64) throws -> [LedgerEntry]? {
    var entries: [LedgerEntry] = []
    let rows = try Row.fetchCursor(
      db, sql: "SELECT count, changes, raw_length, data FROM entry_block WHERE run_id = ? ORDER BY first_key",
      arguments: [run])
    while let row = try rows.next() {
      guard let block = try decode(row) else { return nil }
      entries += block
    }
    return entries
  }

  /// The entry of `key` in run `run`: `.some(nil)` when the run did not decide it, `nil` when
  /// its block is damaged.
  static func entry(_ db: Database, run: Int64, key: String) throws -> LedgerEntry?? {
    guard
      let row = try Row.fetchOne(
        db,
        sql: """
          SELECT count, changes, raw_length, data FROM entry_block
          WHERE run_id = ? AND first_key <= ? ORDER BY first_key DESC LIMIT 1
          """, arguments: [run, Data(key.utf8)])
    else { return .some(nil) }
    guard let raw = Compression.unpack(try row.value("data"), rawLength: try row.value("raw_length")) else {
      return nil
    }
    return find(Array(key.utf8), in: raw)
  }

  /// The entries of one block; `nil` when it does not decompress, decode or match its counts.
  static func decode(_ row: Row) throws -> [LedgerEntry]? {
    guard let raw = Compression.unpack(try row.value("data"), rawLength: try row.value("raw_length")) else {
      return nil
    }
    var reader = ByteReader(raw)
    var entries: [LedgerEntry] = []
    while !reader.isAtEnd {
      guard let entry = LedgerEntry(&reader) else { return nil }
      entries.append(entry)
    }
    let (count, changes): (Int, Int) = (try row.value("count"), try row.value("changes"))
    guard entries.count == count, entries.count(where: \.changed) == changes else { return nil }
    return entries
  }

  /// Replaces the standings snapshot with `standings`, the state after run `run`.
  static func writeStandings(_ standings: [String: TierStanding], after run: Int64, _ db: Database) throws {
    var encoded = EncodedEntries()
    encoded.items.reserveCapacity(standings.count)
    for (key, standing) in standings {
      encoded.append(key: key) { standing.encodeFields(into: &$0) }
    }
    encoded.sortByKey()
    try writeStandings(encoded, after: run, db)
  }

  /// Replaces the standings snapshot with `encoded` (sorted by key), the state after run `run`.
  static func writeStandings(_ encoded: EncodedEntries, after run: Int64, _ db: Database) throws {
    try writeStandings(standingBlocks(encoded), after: run, db)
  }

  /// The blocks of a standings snapshot (`encoded`, sorted by key), packed.
  static func standingBlocks(_ encoded: EncodedEntries) -> [EncodedEntries.Block] {
    encoded.blocks(size: blockSize * 4, coding: .zlib)
  }

  /// Replaces the standings snapshot with `blocks`, the state after run `run`.
  static func writeStandings(_ blocks: [EncodedEntries.Block], after run: Int64, _ db: Database) throws {
    try db.execute(sql: "DELETE FROM standing_block")
    let statement = try db.makeStatement(
      sql: "INSERT INTO standing_block (first_key, run_id, count, raw_length, data) VALUES (?, ?, ?, ?, ?)")
    for block in blocks {
      guard let (rawLength, data) = block.packed else {
        throw LedgerError("the standings after run \(run) could not be compressed")
      }
      statement.setUncheckedArguments([Data(block.firstKey), run, block.items.count, rawLength, data])
      try statement.execute()
    }
  }

  /// The standings snapshot: the run it follows (`nil` for a ledger without runs) and its
  /// entries as stored (sorted by key); `nil` when a block is damaged.
  static func standings(_ db: Database) throws -> (run: Int64?, encoded: EncodedEntries)? {
    let rows = try Row.fetchAll(
      db, sql: "SELECT run_id, count, raw_length, data FROM standing_block ORDER BY first_key")
    var run: Int64?
    var packed: [(data: Data, rawLength: Int, count: Int)] = []
    for row in rows {
      let blockRun: Int64 = try row.value("run_id")
      guard run == nil || run == blockRun else { return nil }
      run = blockRun
      packed.append(try (row.value("data"), row.value("raw_length"), row.value("count")))
    }
    // Each block decompressed and cut into entries on every core, then joined in order.
    let blocks = UnsafeMutableBufferPointer<EncodedEntries?>.allocate(capacity: packed.count)
    blocks.initialize(repeating: nil)
    defer { blocks.deallocate() }
    let results = UncheckedBox(blocks)
    let stored = packed
    DispatchQueue.concurrentPerform(iterations: stored.count) { index in
      let block = stored[index]
      guard let raw = Compression.unpack(block.data, rawLength: block.rawLength) else { return }
      var encoded = EncodedEntries()
      encoded.writer.bytes = raw
      var reader = ByteReader(raw)
      while !reader.isAtEnd {
        let start = reader.index
        guard let keyCount = reader.varint(), keyCount <= raw.count - reader.index else { return }
        let keyStart = reader.index
        // Checked, without making a string of the key or the tier (a million of them on a large
        // ledger).
        reader.index = keyStart + keyCount
        guard TierStanding.skipFields(&reader) else { return }
        encoded.items.append(
          EncodedEntries.Item(
            start: start, keyStart: keyStart, keyCount: keyCount, end: reader.index, changed: false, seq: 0))
      }
      guard encoded.items.count == block.count else { return }
      results.value[index] = encoded
    }
    guard blocks.allSatisfy({ $0 != nil }) else { return nil }
    var encoded = EncodedEntries()
    // Joined into buffers of their full size: growing them block by block was most of the load.
    encoded.writer.bytes.reserveCapacity(blocks.reduce(0) { $0 + ($1?.writer.bytes.count ?? 0) })
    encoded.items.reserveCapacity(blocks.reduce(0) { $0 + ($1?.items.count ?? 0) })
    for case let block? in blocks { encoded.append(block) }
    return (run, encoded)
  }

  /// Every standing of a snapshot, by key.
  static func decodeAll(_ encoded: EncodedEntries) -> [String: TierStanding] {
    var standings: [String: TierStanding] = [:]
    standings.reserveCapacity(encoded.items.count)
    for item in encoded.items {
      var reader = ByteReader(encoded.writer.bytes, from: item.start)
      if let (key, standing) = TierStanding.decode(&reader) { standings[key] = standing }
    }
    return standings
  }
}

extension EncodedEntries {
  /// The standings of `self` and of `newer` (each sorted by key, each key once) in key order:
  /// `newer`'s where both hold a key, and `replacing`'s for the keys it names that only `self`
  /// holds (changes approved since `self` was written).
  func merged(with newer: EncodedEntries, replacing: [String: TierStanding]) -> EncodedEntries {
    var merged = EncodedEntries()
    merged.writer.bytes.reserveCapacity(writer.bytes.count + newer.writer.bytes.count)
    merged.items.reserveCapacity(items.count + newer.items.count)
    writer.bytes.withUnsafeBufferPointer { oldBytes in
      newer.writer.bytes.withUnsafeBufferPointer { newBytes in
        func copy(_ item: Item, from source: UnsafeBufferPointer<UInt8>) {
          let offset = merged.writer.bytes.count - item.start
          merged.writer.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[item.start..<item.end]))
          merged.items.append(
            Item(
              start: item.start + offset, keyStart: item.keyStart + offset, keyCount: item.keyCount,
              end: item.end + offset, changed: item.changed, seq: item.seq))
        }
        var (old, new) = (0, 0)
        while old < items.count || new < newer.items.count {
          var order = old == items.count ? 1 : (new == newer.items.count ? -1 : 0)
          if order == 0, let oldBase = oldBytes.baseAddress, let newBase = newBytes.baseAddress {
            let (left, right) = (items[old], newer.items[new])
            let bytes = memcmp(
              oldBase + left.keyStart, newBase + right.keyStart, min(left.keyCount, right.keyCount))
            order = bytes != 0 ? Int(bytes) : left.keyCount - right.keyCount
          }
          if order < 0 {
            let item = items[old]
            old += 1
            if !replacing.isEmpty {
              let key = String(
                decoding: UnsafeBufferPointer(
                  rebasing: oldBytes[item.keyStart..<item.keyStart + item.keyCount]),
                as: UTF8.self)
              if let standing = replacing[key] {
                merged.append(key: key) { standing.encodeFields(into: &$0) }
                continue
              }
            }
            copy(item, from: oldBytes)
          } else {
            copy(newer.items[new], from: newBytes)
            new += 1
            if order == 0 { old += 1 }
          }
        }
      }
    }
    return merged
  }
}

extension EncodedEntries {
  /// The input line of a run's entry.
  func line(_ item: Item) -> Int? {
    var reader = ByteReader(writer.bytes, from: item.start)
    return LedgerEntry(&reader)?.line
  }
}

extension ByteReader {
  /// Moves past a text written by ``ByteWriter/string(_:)`` or ``ByteWriter/optional(_:)``
  /// without making it a String; `false` on damage.
  mutating func skipText(optional: Bool = false) -> Bool {
    guard var count = varint() else { return false }
    if optional {
      if count == 0 { return true }
      count -= 1
    }
    guard count <= bytes.count - index else { return false }
    index += count
    return true
  }

  /// Whether the text at the reader equals `key`, moving past it.
  mutating func textEquals(_ key: [UInt8]) -> Bool? {
    guard let count = varint(), count <= bytes.count - index else { return nil }
    defer { index += count }
    return count == key.count && bytes[index..<index + count].elementsEqual(key)
  }
}

extension RunEntries {
  /// The entry of `key` among a block's bytes, decoding only that one; `.some(nil)` when the
  /// block does not hold it, `nil` on damage.
  static func find(_ key: [UInt8], in raw: [UInt8]) -> LedgerEntry?? {
    var reader = ByteReader(raw)
    while !reader.isAtEnd {
      let start = reader.index
      guard let same = reader.textEquals(key) else { return nil }
      if same {
        reader.index = start
        return LedgerEntry(&reader).map { .some($0) }
      }
      // The fields after the key, in the order LedgerEntry writes them.
      guard reader.varint() != nil, reader.skipText(optional: true), reader.varint() != nil,
        reader.skipText(optional: true), reader.varint() != nil, reader.varint() != nil,
        reader.varint() != nil,
        reader.skipText(optional: true), reader.skipText(optional: true), reader.skipText()
      else { return nil }
    }
    return .some(nil)
  }
}

/// Every key's standing before a run, looked up in the stored snapshot (sorted by key) through
/// a hash table of its keys built when it is loaded. A key asked for right after the one before
/// it in the snapshot (a file sorted by key) is found by one comparison instead. (A binary
/// search took some forty cache misses a key on a file in no particular order: a fifth run over
/// a shuffled million records spent 2 s of CPU in it.) Changes approved since the snapshot come
/// first.
struct StandingsIndex: Sendable {
  let snapshot: EncodedEntries
  var approvedSince: [String: TierStanding]
  private let table: KeyTable

  init(snapshot: EncodedEntries, approvedSince: [String: TierStanding] = [:]) {
    self.snapshot = snapshot
    self.approvedSince = approvedSince
    table = KeyTable(snapshot)
  }

  func standing(of key: String) -> TierStanding? {
    var hint = LookupHint()
    return standing(of: key, hint: &hint)
  }

  /// What a run of lookups remembers: where the last key was found, and whether keys have been
  /// coming in the snapshot's order.
  struct LookupHint {
    var last = -1
    /// Tries of the key after the last one that failed in a row, and lookups left before the
    /// next try: in a file in no order, trying costs a cache miss a key and never helps.
    var failures = 0
    var skip = 0
  }

  /// The standing of `key`: the key right after the last one found is tried first (a file
  /// sorted by key), then the hash table.
  func standing(of key: String, hint: inout LookupHint) -> TierStanding? {
    // Usually no change was approved since the last run: no key to hash.
    if !approvedSince.isEmpty, let approved = approvedSince[key] { return approved }
    var key = key
    let items = snapshot.items
    return key.withUTF8 { target -> TierStanding? in
      snapshot.writer.bytes.withUnsafeBufferPointer { bytes in
        guard let base = bytes.baseAddress else { return nil }
        var found: Int?
        let next = hint.last + 1
        if hint.skip > 0 {
          hint.skip -= 1
        } else if next < items.count, EncodedEntries.same(items[next], base, target) {
          found = next
          hint.failures = 0
        } else {
          hint.failures += 1
          if hint.failures == 4 { (hint.failures, hint.skip) = (0, 64) }
        }
        found = found ?? table.find(target, items: items, bytes: base)
        guard let found else { return nil }
        hint.last = found
        // The key is the one asked for: read past it, not into a string.
        let item = items[found]
        var reader = ByteReader(snapshot.writer.bytes, from: item.keyStart + item.keyCount)
        return TierStanding.decodeFields(&reader)
      }
    }
  }
}

extension EncodedEntries {
  /// Whether `item`'s key (in `base`) is `key`.
  @inline(__always) static func same(
    _ item: Item, _ base: UnsafePointer<UInt8>, _ key: UnsafeBufferPointer<UInt8>
  )
    -> Bool
  {
    guard item.keyCount == key.count else { return false }
    guard let wanted = key.baseAddress else { return true }
    return memcmp(base + item.keyStart, wanted, key.count) == 0
  }
}

/// Where each key of a snapshot is: open addressing over a hash of the key's bytes, each slot the
/// hash's upper half (compared before the key is) and the item's place.
struct KeyTable: Sendable {
  /// 0 for an empty slot; else the hash's upper 32 bits, then the item's place + 1.
  private let slots: [UInt64]
  private let mask: Int

  init(_ snapshot: EncodedEntries) {
    var capacity = 16
    while capacity < snapshot.items.count * 2 { capacity *= 2 }
    var slots = [UInt64](repeating: 0, count: capacity)
    let mask = capacity - 1
    snapshot.writer.bytes.withUnsafeBufferPointer { bytes in
      guard let base = bytes.baseAddress else { return }
      slots.withUnsafeMutableBufferPointer { slots in
        for (index, item) in snapshot.items.enumerated() {
          let hash = Self.hash(UnsafeBufferPointer(start: base + item.keyStart, count: item.keyCount))
          var slot = Int(truncatingIfNeeded: hash) & mask
          while slots[slot] != 0 { slot = (slot + 1) & mask }
          slots[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(index + 1)
        }
      }
    }
    self.slots = slots
    self.mask = mask
  }

  /// The place of `key` among `items`, if the snapshot holds it.
  func find(_ key: UnsafeBufferPointer<UInt8>, items: [EncodedEntries.Item], bytes: UnsafePointer<UInt8>)
    -> Int?
  {
    let hash = Self.hash(key)
    var slot = Int(truncatingIfNeeded: hash) & mask
    while case let entry = slots[slot], entry != 0 {
      if entry & 0xFFFF_FFFF_0000_0000 == hash & 0xFFFF_FFFF_0000_0000 {
        let index = Int(entry & 0xFFFF_FFFF) - 1
        if EncodedEntries.same(items[index], bytes, key) { return index }
      }
      slot = (slot + 1) & mask
    }
    return nil
  }

  /// FNV-1a over the bytes, then mixed so that both halves of the result vary.
  static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    hash ^= hash >> 33
    hash = hash &* 0xFF51_AFD7_ED55_8CCD
    hash ^= hash >> 33
    return hash
  }
}

extension RunEntries {
  /// The inputs of run `run`'s decisions, in input order; `nil` when a block is missing,
  /// damaged or added.
  static func inputs(_ db: Database, run: Int64) throws -> [String]? {
    var inputs: [String] = []
    let rows = try Row.fetchCursor(
      db,
      sql:
        "SELECT first_seq, count, raw_length, data FROM decision_inputs WHERE run_id = ? ORDER BY first_seq",
      arguments: [run])
    while let row = try rows.next() {
      guard try row.value("first_seq") == inputs.count,
        let lines = InputBlocks.unpack(try row.value("data"), rawLength: try row.value("raw_length")),
        try lines.count == row.value("count") as Int
      else { return nil }
      inputs += lines
    }
    return inputs
  }
}
