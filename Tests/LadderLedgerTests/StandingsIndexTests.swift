import Foundation
import Ladder
import LadderTestSupport
import Testing

@testable import LadderLedger

/// The standings a run starts from, found in the stored snapshot: whatever order the keys are
/// asked for in, with or without the hint of the last one found, the answer is the snapshot's.
@Suite struct StandingsIndexTests {
  /// A snapshot of every other key of `C0000`…`C0599` (the odd ones are missing), each with its
  /// own reviews-below count, and the dictionary the lookups must agree with.
  private func snapshot() throws -> (StandingsIndex, [String: TierStanding]) {
    let day = try #require(CivilDate(parsing: "2024-03-01"))
    var expected: [String: TierStanding] = [:]
    var encoded = EncodedEntries()
    for number in stride(from: 0, to: 600, by: 2) {
      let key = String(format: "C%04d", number)
      let standing = TierStanding(
        tier: number % 3 == 0 ? "gold" : nil, since: day, lastReview: nil, reviewsBelow: number)
      expected[key] = standing
      encoded.append(key: key) { standing.encodeFields(into: &$0) }
    }
    encoded.sortByKey()
    return (StandingsIndex(snapshot: encoded, approvedSince: [:]), expected)
  }

  @Test(arguments: ["sorted", "reversed", "shuffled", "sorted with repeats"])
  func everyKeyIsFoundWhateverTheOrder(order: String) throws {
    let (index, expected) = try snapshot()
    var keys = (0..<620).map { String(format: "C%04d", $0) } + ["", "B", "C", "D", "C0600x"]
    var random = SeededRandom(seed: 7)
    switch order {
    case "reversed": keys.reverse()
    case "shuffled": keys.shuffle(using: &random)
    case "sorted with repeats": keys = keys.flatMap { [$0, $0] }
    default: keys.sort()
    }
    var near = 0
    for key in keys {
      #expect(index.standing(of: key, near: &near) == expected[key], "\(order): \(key)")
      #expect(index.standing(of: key) == expected[key], "\(order), no hint: \(key)")
    }
  }

  @Test func anEmptySnapshotHoldsNoKey() {
    let index = StandingsIndex(snapshot: EncodedEntries(), approvedSince: [:])
    var near = 5
    #expect(index.standing(of: "C0001", near: &near) == nil)
    #expect(index.standing(of: "", near: &near) == nil)
  }
}
