/// The order of records by a 64-bit value, ties broken by a 32-bit rank and then by input order:
/// an LSD radix sort of byte digits, each pass stable, passes whose digit is the same for every
/// record skipped. The population statistics sort every site's records this way; a comparison
/// sort reaching into the value and rank columns at every comparison was an eighth of a
/// population job. (Public for the ledger, which sorts a run's entries by key the same way.)
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

  @inline(__always) private static func byte(_ item: Item, _ digit: Int) -> UInt8 {
    digit < 4
      ? UInt8(truncatingIfNeeded: item.rank >> (digit * 8))
      : UInt8(truncatingIfNeeded: item.key >> ((digit - 4) * 8))
  }
}
