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

  @Test func everyRecordTheSameKeepsInputOrder() {
    let indices = Array(Int32(0)..<Int32(300))
    let ordered = RadixOrder.order(indices, value: { _ in 42 }, rank: { _ in 7 }, descending: true)
    #expect(ordered == indices)
  }
}
