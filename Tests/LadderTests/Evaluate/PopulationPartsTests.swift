import Foundation
import LadderTestSupport
import Testing

@testable import Ladder

/// A population decided in parts with merged statistics (`ladder stats`, `--merge`,
/// `eval --stats`) against one run over the whole: the same decisions and traces, byte for byte,
/// for every population function, however the population is cut and the statistics merged.
@Suite struct PopulationPartsTests {
  /// Every population function, over a key that `keyType` makes numeric or text.
  static func policy(keyType: String) -> String {
    """
    ladder: 1
    policy: parts
    version: "1"
    inputs:
      id:     { type: \(keyType), key: true }
      spend:  { type: decimal, scale: 2, optional: true }
      visits: { type: int }
    let:
      pct: percentile(spend)
      third: ntile(visits, 3)
      place: rank(spend)
      top: top_percent(visits, 25%)
      abc: abc_class(spend, 50%, 90%)
      avg: average_class(spend)
    tiers:
      - { id: a, when: (abc ?? "C") == "A" and (top ?? false) }
      - { id: b, when: (pct ?? 0) >= 50 or (third ?? 0) == 3 }
      - { id: c, when: (place ?? 99) <= 3 or (avg ?? "") == "above" }
      - { id: d, otherwise: true }
    output: [pct, third, place, abc, avg]
    """
  }

  /// Records with heavy ties, repeated keys (tied by input order across parts), missing values,
  /// negative values and records the statistics pass rejects; text keys hold tabs, backslashes
  /// and line breaks, which the statistics file escapes.
  static func rows(count: Int, seed: UInt64, textKeys: Bool) -> [String] {
    var random = SeededRandom(seed: seed)
    let oddKeys = ["\"a\tb\"", "\"c\\d\"", "\"e\nf\"", "\"g\r\nh\""]
    return (0..<count).map { _ in
      let key: String
      if textKeys {
        key = random.next() % 7 == 0 ? oddKeys[Int(random.next() % 4)] : "k\(random.next() % 400)"
      } else {
        key = String(Int(random.next() % 500) - 40)
      }
      let spend = random.next() % 9 == 0 ? "" : String(Int(random.next() % 40) - 5) + ".\(random.next() % 2)0"
      let visits = random.next() % 50 == 0 ? "x" : String(random.next() % 6)
      return "\(key),\(spend),\(visits)"
    }
  }

  static let asOf = CivilDate(parsing: "2024-03-01") ?? CivilDate(daysSinceEpoch: 0)

  /// What one evaluation writes: each decision's JSON Lines record with its trace, and each
  /// rejection without its line number (a part numbers its own lines).
  static func transcript(_ evaluator: BatchEvaluator, _ source: RecordSource) throws -> String {
    var text = ""
    let sink = RenderedOutput(
      .jsonLines, write: { text += String(decoding: $0, as: UTF8.self) },
      reject: { text += "REJECTED key \($0.key ?? "-") field \($0.field ?? "-"): \($0.reason)\n" })
    try evaluator.evaluate(source, into: sink)
    return text
  }

  /// The rows cut into parts at `cuts`, each part's statistics collected and merged in `order`,
  /// then each part decided with them: the parts' transcripts joined equal the whole's.
  static func expectPartsDecideAsTheWhole(
    _ policy: CompiledPolicy, rows: [String], cuts: [Int], whatItTakes: Bool = false,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws {
    let evaluator = BatchEvaluator(policy: policy, asOf: asOf, trace: true, whatItTakes: whatItTakes)
    let header = "id,spend,visits\n"
    let whole = try transcript(
      evaluator, .bytes(Array((header + rows.map { $0 + "\n" }.joined()).utf8), format: .csv))
    let bounds = [0] + cuts + [rows.count]
    let parts = zip(bounds, bounds.dropFirst()).map { rows[$0..<$1].map { $0 + "\n" }.joined() }
    var reads: [[ReadRecord]] = []
    var statistics: [PopulationParts] = []
    for (index, part) in parts.enumerated() {
      let partReads = try evaluator.readAll(bytes: Array((header + part).utf8), format: .csv)
      reads.append(partReads)
      statistics.append(PopulationParts.collect(evaluator, reads: partReads, part: "part-\(index)"))
    }
    // Merged all at once in reverse, and two at a time from the front: the same statistics.
    let merged = try PopulationParts.merge(statistics.reversed())
    let stepwise = try statistics.dropFirst().reduce(statistics[0]) { try PopulationParts.merge([$0, $1]) }
    let sameMerge = merged.encoded() == stepwise.encoded()
    #expect(sameMerge, "merged in another order, the statistics differ", sourceLocation: sourceLocation)
    let roundTrips = try PopulationParts(decoding: merged.encoded()) == merged
    #expect(roundTrips, "the statistics read back differ", sourceLocation: sourceLocation)
    // The parts' statistics one after another in one stream, as a Spark job hands them on.
    let stream = try PopulationParts.decodeAll(statistics.flatMap { $0.encoded() })
    #expect(stream == statistics, "the stream read back differs", sourceLocation: sourceLocation)
    var joined = ""
    for (index, partReads) in reads.enumerated() {
      var partEvaluator = evaluator
      // Every other part with the pass that checked it, the others with a pass of their own.
      if index % 2 == 0 {
        partEvaluator.partOfPopulation = try merged.locate(
          part: "part-\(index)", reads: partReads, evaluator: evaluator
        )
        .get()
      } else {
        let local = PopulationParts.collect(evaluator, reads: partReads, part: "part-\(index)")
        partEvaluator.partOfPopulation = try merged.locate(part: "part-\(index)", matching: local).get()
      }
      joined += try transcript(partEvaluator, .records(partReads))
    }
    #expect(
      joined == whole, "\(Golden.lineDiff(expected: whole, actual: joined))", sourceLocation: sourceLocation)
  }

  @Test(arguments: [(false, UInt64(1)), (false, 2), (true, 3), (true, 4)])
  func partsDecideAsTheWholePopulation(textKeys: Bool, seed: UInt64) throws {
    let policy = try #require(compilePolicy(Self.policy(keyType: textKeys ? "string" : "int")))
    let rows = Self.rows(count: 700, seed: seed, textKeys: textKeys)
    // Uneven parts, one of them empty.
    try Self.expectPartsDecideAsTheWhole(policy, rows: rows, cuts: [1, 250, 250, 600])
    // One part: the statistics of the whole.
    try Self.expectPartsDecideAsTheWhole(policy, rows: rows, cuts: [])
  }

  /// What it takes to move a tier ranks the record's changed argument in the whole population,
  /// not in its part: the same answers as one run gives.
  @Test func whatItTakesRanksInTheWholePopulation() throws {
    let policy = try #require(compilePolicy(Self.policy(keyType: "int")))
    let rows = Self.rows(count: 160, seed: 5, textKeys: false)
    try Self.expectPartsDecideAsTheWhole(policy, rows: rows, cuts: [40, 100], whatItTakes: true)
  }

  @Test func theStatisticsFileRoundTripsAndIsCheckedLineByLine() throws {
    let policy = try #require(compilePolicy(Self.policy(keyType: "string")))
    let evaluator = BatchEvaluator(policy: policy, asOf: Self.asOf)
    // Keys the file escapes; a value past 64 bits, and a negative one.
    let csv =
      "id,spend,visits\n\"t\tab\",1.50,2\n\"back\\slash\",2.00,3\n\"two\nlines\",,1\n"
      + "big,123456789012345678901.25,4\nneg,-0.50,5\n"
    let reads = try evaluator.readAll(bytes: Array(csv.utf8), format: .csv)
    let statistics = PopulationParts.collect(evaluator, reads: reads, part: "one")
    let bytes = statistics.encoded()
    let text = String(decoding: bytes, as: UTF8.self)
    #expect(text.hasPrefix("ladder-population-statistics 1\n{\"policy\":{\"id\":\"parts\""))
    #expect(text.contains("1.50\t0\t0\tt\\tab\n") && text.contains("\t0\t1\tback\\\\slash\n"))
    #expect(text.contains("123456789012345678901.25\t0\t3\tbig\n") && text.contains("-0.50\t0\t4\tneg\n"))
    #expect(try PopulationParts(decoding: bytes) == statistics)
    func failure(_ text: String) -> PopulationParts.DecodingError? {
      do {
        _ = try PopulationParts(decoding: Array(text.utf8))
        return nil
      } catch { return error }
    }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    lines.removeLast()
    #expect(failure("ladder stats\n")?.line == 1)
    #expect(failure(lines[0] + "\n{}\n")?.line == 2)
    // An entry with a bad escape, a part out of range, one line missing, two lines swapped.
    // (The first site's entry of a key: its line is found by its text.)
    let tab = try #require(lines.firstIndex { $0.hasSuffix("\tt\\tab") })
    var badEscape = lines
    badEscape[tab] = badEscape[tab].replacingOccurrences(of: "\\t", with: "\\q")
    #expect(failure(badEscape.joined(separator: "\n") + "\n")?.line == tab + 1)
    let slash = try #require(lines.firstIndex { $0.hasSuffix("\tback\\\\slash") })
    var badPart = lines
    badPart[slash] = badPart[slash].replacingOccurrences(of: "\t0\t1\t", with: "\t1\t1\t")
    #expect(failure(badPart.joined(separator: "\n") + "\n")?.line == slash + 1)
    #expect(failure(lines.dropLast().joined(separator: "\n") + "\n")?.line == 0)
    var swapped = lines
    swapped.swapAt(2, 3)
    #expect(failure(swapped.joined(separator: "\n") + "\n")?.message.contains("ranking order") == true)
  }

  @Test func statisticsThatDoNotFitAreRefusedWithTheReason() throws {
    let policy = try #require(compilePolicy(Self.policy(keyType: "int")))
    let evaluator = BatchEvaluator(policy: policy, asOf: Self.asOf)
    let reads = try evaluator.readAll(
      bytes: Array("id,spend,visits\n1,5.00,1\n2,6.00,2\n".utf8), format: .csv)
    let statistics = PopulationParts.collect(evaluator, reads: reads, part: "a")
    // The same part twice; another as-of date; another policy.
    #expect(throws: PopulationParts.MergeError.self) { try PopulationParts.merge([statistics, statistics]) }
    let later = BatchEvaluator(policy: policy, asOf: CivilDate(parsing: "2024-03-02") ?? Self.asOf)
    let laterStatistics = PopulationParts.collect(later, reads: reads, part: "b")
    #expect(throws: PopulationParts.MergeError.self) {
      try PopulationParts.merge([statistics, laterStatistics])
    }
    // A part the statistics lack, a part whose records changed, another date.
    func message(_ result: Result<PopulationParts.Place, PopulationParts.MergeError>) -> String {
      if case .failure(let error) = result { return error.message }
      return "located"
    }
    #expect(message(statistics.locate(part: "z", matching: statistics)).contains("no part named 'z'"))
    let changed = try evaluator.readAll(
      bytes: Array("id,spend,visits\n1,5.00,1\n2,7.00,2\n".utf8), format: .csv)
    let changedStatistics = PopulationParts.collect(evaluator, reads: changed, part: "a")
    #expect(message(statistics.locate(part: "a", matching: changedStatistics)).contains("other values"))
    let fewer = try evaluator.readAll(bytes: Array("id,spend,visits\n1,5.00,1\n".utf8), format: .csv)
    #expect(
      message(
        statistics.locate(part: "a", matching: PopulationParts.collect(evaluator, reads: fewer, part: "a"))
      )
      .contains("had 2 records"))
    #expect(
      message(statistics.locate(part: "a", matching: PopulationParts.collect(later, reads: reads, part: "a")))
        .contains("as of 2024-03-01"))
    #expect(message(statistics.locate(part: "a", matching: statistics)) == "located")
    // A statistics file whose functions were edited (its hash left alone) is refused, not read
    // past its end.
    let edited = String(decoding: statistics.encoded(), as: UTF8.self).replacingOccurrences(
      of: #"{"call":"percentile(spend)""#, with: #"{"call":"percentile(visits)""#)
    let tampered = try PopulationParts(decoding: Array(edited.utf8))
    #expect(tampered != statistics)
    do {
      _ = try PopulationParts.merge([tampered, PopulationParts.collect(evaluator, reads: reads, part: "c")])
      Issue.record("statistics of other functions were merged")
    } catch {
      #expect(error.message.contains("naming other population functions"))
    }
    #expect(message(tampered.locate(part: "a", matching: statistics)).contains("other population functions"))
    // A part with no ranked entry still says its keys rank as numbers: merged first, the merged
    // statistics read back the same (their entries' order is the numbers' order: 9 before 10).
    let none = try evaluator.readAll(bytes: Array("id,spend,visits\n".utf8), format: .csv)
    let empty = PopulationParts.collect(evaluator, reads: none, part: "0-empty")
    let numbers = try evaluator.readAll(
      bytes: Array("id,spend,visits\n10,5.00,1\n9,5.00,1\n".utf8), format: .csv)
    let merged = try PopulationParts.merge([
      empty, PopulationParts.collect(evaluator, reads: numbers, part: "b"),
    ])
    #expect(try PopulationParts(decoding: merged.encoded()) == merged)
  }
}
