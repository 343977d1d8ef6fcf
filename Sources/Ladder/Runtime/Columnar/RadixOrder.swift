import Foundation

/// The order of records by a 64-bit value, ties broken by a 32-bit rank and then by input order:
/// an LSD radix sort of byte digits, each pass stable, passes whose digit is the same for every
/// record skipped. The population statistics sort every site's records this way; a comparison
/// sort reaching into the value and rank columns at every comparison was an eighth of a
/// population job. (Public for the ledger, which sorts a run's entries by key with
/// ``byBytes(_:key:)``.)
public enum RadixOrder {
  private struct Item {
    var key: UInt64
    var rank: UInt32
    var index: UInt32
  }

  /// The records `indices` (ascending), ordered by `value` — largest first when `descending` —
  /// then by `rank`, then by their index.
  public static func order(
    _ indices: [Int32], value: (Int) -> Int64, rank: (Int) -> Int32, descending: Bool
  ) -> [Int32] {
    let count = indices.count
    guard count > 1 else { return indices }
    // Signed values as unsigned in the same order (the sign bit flipped), reversed for largest
    // first; ranks are never negative.
    var items = indices.map { index -> Item in
      let ordered = UInt64(bitPattern: value(Int(index))) ^ (1 << 63)
      return Item(
        key: descending ? ~ordered : ordered, rank: UInt32(bitPattern: rank(Int(index))), index: UInt32(index)
      )
    }
    // The digits, least significant first: the rank's four bytes, then the value's eight. When
    // the ranks never fall in input order (a file sorted by key), input order already breaks
    // ties as the ranks would, and the value's digits alone are sorted.
    var ranksFollowInput = true
    for position in 1..<count where items[position].rank < items[position - 1].rank {
      ranksFollowInput = false
      break
    }
    let digits = ranksFollowInput ? 4..<12 : 0..<12
    var counts = [Int](repeating: 0, count: 12 * 256)
    for item in items {
      for digit in digits { counts[digit * 256 + Int(byte(item, digit))] += 1 }
    }
    var scratch = items
    for digit in digits {
      let histogram = counts[(digit * 256)..<(digit * 256 + 256)]
      // A digit every record shares orders nothing.
      if histogram.contains(count) { continue }
      var offsets = [Int](repeating: 0, count: 256)
      var total = 0
      for (bucket, inBucket) in histogram.enumerated() {
        offsets[bucket] = total
        total += inBucket
      }
      items.withUnsafeBufferPointer { source in
        scratch.withUnsafeMutableBufferPointer { target in
          offsets.withUnsafeMutableBufferPointer { offsets in
            for item in source {
              let bucket = Int(byte(item, digit))
              target[offsets[bucket]] = item
              offsets[bucket] += 1
            }
          }
        }
      }
      swap(&items, &scratch)
    }
    return items.map { Int32(bitPattern: $0.index) }
  }

  /// Records `0..<count` ordered by their keys' bytes (as `memcmp` compares them, a key first
  /// when it begins the other), equal keys in input order. Keys already in that order (a file
  /// sorted by key) are checked once and left. Otherwise they are ordered by their first twelve
  /// bytes with ``order(_:value:rank:descending:)``, then each run sharing those by the whole key:
  /// a comparison sort of a million keys in no order took a third of a second.
  public static func byBytes(_ count: Int, key: (Int) -> UnsafeBufferPointer<UInt8>) -> [Int32] {
    let identity = Array(0..<Int32(count))
    /// How record `a`'s key sorts against record `b`'s.
    func compare(_ a: Int32, _ b: Int32) -> Int {
      let (left, right) = (key(Int(a)), key(Int(b)))
      let common = min(left.count, right.count)
      if common > 0, let leftBase = left.baseAddress, let rightBase = right.baseAddress {
        let order = memcmp(leftBase, rightBase, common)
        if order != 0 { return Int(order) }
      }
      return left.count - right.count
    }
    if (1..<max(count, 1)).allSatisfy({ compare(Int32($0 - 1), Int32($0)) <= 0 }) { return identity }
    /// `width` bytes of a key from `offset`, big-endian (past its end, zero bytes).
    func bytes(_ key: UnsafeBufferPointer<UInt8>, from offset: Int, width: Int) -> UInt64 {
      var value: UInt64 = 0
      for index in offset..<(offset + width) {
        value <<= 8
        if index < key.count { value |= UInt64(key[index]) }
      }
      return value
    }
    let heads = (0..<count).map { bytes(key($0), from: 0, width: 8) }
    let tails = (0..<count).map { UInt32(truncatingIfNeeded: bytes(key($0), from: 8, width: 4)) }
    // Signed values are sorted: shifted so that unsigned order holds; the tails are ranks,
    // sorted as unsigned. Stable: equal prefixes stay in input order.
    var order = Self.order(
      identity, value: { Int64(bitPattern: heads[$0] ^ (1 << 63)) }, rank: { Int32(bitPattern: tails[$0]) },
      descending: false)
    func samePrefix(_ a: Int32, _ b: Int32) -> Bool {
      heads[Int(a)] == heads[Int(b)] && tails[Int(a)] == tails[Int(b)]
    }
    var runStart = 0
    for position in 1...count {
      if position < count, samePrefix(order[position], order[runStart]) { continue }
      if position - runStart > 1 {
        order[runStart..<position].sort { a, b in
          let order = compare(a, b)
          return order != 0 ? order < 0 : a < b
        }
      }
      runStart = position
    }
    return order
  }

  @inline(__always) private static func byte(_ item: Item, _ digit: Int) -> UInt8 {
    digit < 4
      ? UInt8(truncatingIfNeeded: item.rank >> (digit * 8))
      : UInt8(truncatingIfNeeded: item.key >> ((digit - 4) * 8))
  }
}
