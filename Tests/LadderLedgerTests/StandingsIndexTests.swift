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
    var hint = StandingsIndex.LookupHint()
    for key in keys {
      #expect(index.standing(of: key, hint: &hint) == expected[key], "\(order): \(key)")
      #expect(index.standing(of: key) == expected[key], "\(order), no hint: \(key)")
    }
  }

  @Test func anEmptySnapshotHoldsNoKey() {
    let index = StandingsIndex(snapshot: EncodedEntries(), approvedSince: [:])
    var hint = StandingsIndex.LookupHint(last: 5)
    #expect(index.standing(of: "C0001", hint: &hint) == nil)
    #expect(index.standing(of: "", hint: &hint) == nil)
  }

  /// A run's entries sorted by key, byte by byte, equal keys in the order they were added, from
  /// any order: keys that share their first eight bytes, shorter and longer, with zero and high
  /// bytes.
  @Test func entriesAreSortedByKeyWhateverTheirOrder() {
    var random = SeededRandom(seed: 10)
    let stems = ["", "C0000000", "C000000", "CUSTOMER-", "\u{0}", "中文客户"]
    for round in 0..<12 {
      let count = [2, 9, 300, 3000][round % 4]
      var keys = (0..<count).map { _ in
        stems[Int.random(in: 0..<stems.count, using: &random)]
          + String(
            (0..<Int.random(in: 0...3, using: &random)).map { _ in
              "0129\u{0}é".randomElement(using: &random) ?? "0"
            })
      }
      if round % 3 == 0 { keys.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }
      var encoded = EncodedEntries()
      for (seq, key) in keys.enumerated() { encoded.append(key: key, seq: seq) { _ in } }
      encoded.sortByKey()
      let sorted = encoded.items.map { (String(decoding: encoded.key($0), as: UTF8.self), $0.seq) }
      let expected = keys.enumerated().map { ($1, $0) }.sorted { left, right in
        left.0 == right.0
          ? left.1 < right.1 : Array(left.0.utf8).lexicographicallyPrecedes(Array(right.0.utf8))
      }
      #expect(sorted.map(\.0) == expected.map(\.0), "round \(round)")
      #expect(sorted.map(\.1) == expected.map(\.1), "round \(round): equal keys in the order added")
    }
  }
}
