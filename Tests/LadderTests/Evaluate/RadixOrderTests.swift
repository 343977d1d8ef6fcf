import LadderTestSupport
import Testing

@testable import Ladder

/// The population statistics' radix order against a comparison sort of the same records: by
/// value (either way), then rank, then index; extremes, negatives, ties and absent records.
struct RadixOrderTests {
  private func reference(_ indices: [Int32], _ values: [Int64], _ ranks: [Int32], descending: Bool) -> [Int32]
  {
    indices.sorted { a, b in
      let (x, y) = (values[Int(a)], values[Int(b)])
      if x != y { return descending ? x > y : x < y }
      return ranks[Int(a)] != ranks[Int(b)] ? ranks[Int(a)] < ranks[Int(b)] : a < b
    }
  }

  @Test(arguments: [false, true])
  func ordersAsAComparisonSortDoes(descending: Bool) {
    var random = SeededRandom(seed: 14)
    for round in 0..<40 {
      let count = [0, 1, 2, 3, 17, 256, 1000, 5000][round % 8]
      let spread: [Int64] = [3, 1000, Int64.max]
      let values = (0..<count).map { index -> Int64 in
        switch index % 11 {
        case 0: Int64.min
        case 1: Int64.max
        case 2: 0
        case 3: -1
        default: Int64.random(in: -spread[round % 3]...spread[round % 3], using: &random)
        }
      }
      let ranks = (0..<count).map { _ in Int32.random(in: 0...Int32(max(1, count / 3)), using: &random) }
      // Every fifth record absent from the population.
      let indices = (0..<Int32(count)).filter { $0 % 5 != 4 }
      let ordered = RadixOrder.order(
        indices, value: { values[$0] }, rank: { ranks[$0] }, descending: descending)
      #expect(ordered == reference(indices, values, ranks, descending: descending), "round \(round)")
    }
  }

  /// Ranks that never fall in input order (a file sorted by key) leave ties to input order; the
  /// order is the same as when the ranks are sorted too.
  @Test(arguments: [false, true])
  func ranksInInputOrderGiveTheSameOrder(descending: Bool) {
    var random = SeededRandom(seed: 41)
    let count = 3000
    let values = (0..<count).map { _ in Int64.random(in: -20...20, using: &random) }
    // Nondecreasing, with runs of equal ranks (equal keys).
    var rank: Int32 = 0
    let ranks = (0..<count).map { _ -> Int32 in
      if Bool.random(using: &random) { rank += 1 }
      return rank
    }
    let indices = (0..<Int32(count)).filter { $0 % 7 != 3 }
    let ordered = RadixOrder.order(
      indices, value: { values[$0] }, rank: { ranks[$0] }, descending: descending)
    #expect(ordered == reference(indices, values, ranks, descending: descending))
  }

  /// Text keys ranked by their bytes (a shorter key first when one begins the other; equal keys
  /// share a rank), whatever their lengths, shared beginnings or bytes.
  @Test func textKeysAreRankedByTheirBytes() {
    var random = SeededRandom(seed: 8)
    let stems: [[UInt8]] = [
      [], Array("C0000000".utf8), Array("C000000".utf8), [0, 0], [0xE4, 0xB8, 0xAD], [0xFF],
    ]
    for round in 0..<20 {
      let count = [1, 2, 10, 500, 4000][round % 5]
      // Every other round, the keys already in order (a file sorted by key).
      let generated: [[UInt8]] = (0..<count).map { _ in
        var key = stems[Int.random(in: 0..<stems.count, using: &random)]
        for _ in 0..<Int.random(in: 0...4, using: &random) {
          key.append([0, 1, 0x30, 0x31, 0x7F, 0x80, 0xFF][Int.random(in: 0..<7, using: &random)])
        }
        return key
      }
      let keys = round % 2 == 0 ? generated : generated.sorted { $0.lexicographicallyPrecedes($1) }
      var keyBytes: [UInt8] = []
      var keyEnds: [Int32] = []
      for key in keys {
        keyBytes += key
        keyEnds.append(Int32(keyBytes.count))
      }
      let ranks = ColumnarStatistics.keyRanks(
        keyBytes: keyBytes, keyEnds: keyEnds, numericKeys: nil, count: count)
      // The reference: the distinct keys sorted by their bytes, each key's rank its place.
      let distinct = Set(keys).sorted { $0.lexicographicallyPrecedes($1) }
      let expected = keys.map { key in Int32(distinct.firstIndex(of: key) ?? -1) }
      #expect(ranks == expected, "round \(round)")
    }
  }

  @Test func everyRecordTheSameKeepsInputOrder() {
    let indices = Array(Int32(0)..<Int32(300))
    let ordered = RadixOrder.order(indices, value: { _ in 42 }, rank: { _ in 7 }, descending: true)
    #expect(ordered == indices)
  }
}
