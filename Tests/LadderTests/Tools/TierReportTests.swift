import LadderTestSupport
import Testing

@testable import Ladder

/// The parts of ``TierReport`` that decide what a chart shows.
struct TierReportTests {
  /// A literal of this file; a typo gives a value no expectation holds for.
  func decimal(_ text: String) -> FixedDecimal { FixedDecimal(parsing: text) ?? FixedDecimal(-999_999) }

  @Test func quotedValuesAreLeftOutOfReasons() {
    #expect(TierReport.withoutQuotedValues("'abc' is not a number") == "'…' is not a number")
    #expect(
      TierReport.withoutQuotedValues("'1' is below the minimum 2, not 'x'")
        == "'…' is below the minimum 2, not '…'")
    #expect(TierReport.withoutQuotedValues("a required field is empty") == "a required field is empty")
  }

  /// Ten-point bins from the lowest score's ten to the highest's, the highest score in the last
  /// bin; whole-point bins when the scores span 20 points or less; negative scores floored.
  @Test func binsCoverEveryScore() {
    let scores = ["12.50", "19.99", "20", "47", "90", "100"].map(decimal)
    let bins = TierReport.bins(scores)
    #expect(bins.map(\.lower.description) == ["10", "20", "30", "40", "50", "60", "70", "80", "90", "100"])
    #expect(bins.map(\.count) == [2, 1, 0, 1, 0, 0, 0, 0, 1, 1])
    let narrow = TierReport.bins(["70.5", "72", "72.99"].map(decimal))
    #expect(narrow.map(\.lower.description) == ["70", "71", "72"])
    #expect(narrow.map(\.count) == [1, 0, 2])
    let negative = TierReport.bins(["-25", "5"].map(decimal))
    #expect(negative.first?.lower.description == "-30")
    #expect(negative.reduce(0) { $0 + $1.count } == 2)
    #expect(TierReport.bins([]).isEmpty)
  }

  @Test func averagesHaveTwoDecimals() {
    #expect(TierReport.average(["1", "2", "2"].map(decimal))?.description == "1.67")
    #expect(TierReport.average([]) == nil)
  }

  /// The worked example of the ABC classes (PopulationTests): 50 and 30 make the first 80% (A),
  /// 15 crosses 95% (B), 5 is C; ntile(v, 3) of four records puts two in group 1; the top 25% of
  /// four is one record; the percentiles 0, 33.33, 66.67 and 100 fall in three tenths. A personal
  /// argument's values are masked; the counts are not.
  @Test func cutOffsCountEachClassWithItsLowestAndHighestValue() throws {
    let source = LadderTestSupport.policyText(
      inputs: "v: { type: decimal, optional: true }\nsecret: { type: int, personal: true }",
      body: """
        let:
          c: abc_class(v)
          q: ntile(v, 3)
          top: top_percent(v, 25%)
          p: percentile(v)
          k: rank(v)
          s: ntile(secret, 2)
        tiers:
          - { id: other, label: Other, otherwise: true }
        """)
    let policy = try #require(compilePolicy(source))
    let evaluator = BatchEvaluator(policy: policy, asOf: try #require(CivilDate(parsing: "2024-03-01")))
    let csv = "id,v,secret\nd,5,1\nb,30,2\na,50,3\nc,15,4\ne,,5\n"
    let reads = try evaluator.readAll(bytes: Array(csv.utf8), format: .csv)
    let cutOffs = TierReport.cutOffs(evaluator, reads: reads)
    func classes(_ call: String) -> [String] {
      cutOffs.first { $0.call == call }?.classes.map { "\($0.name) \($0.count) \($0.lowest)-\($0.highest)" }
        ?? []
    }
    // rank draws no lines.
    #expect(
      cutOffs.map(\.call) == [
        "abc_class(v)", "ntile(v, 3)", "top_percent(v, 25%)", "percentile(v)", "ntile(secret, 2)",
      ])
    #expect(classes("abc_class(v)") == ["A 2 30-50", "B 1 15-15", "C 1 5-5"])
    #expect(classes("ntile(v, 3)") == ["group 1 2 5-15", "group 2 1 30-30", "group 3 1 50-50"])
    #expect(classes("top_percent(v, 25%)") == ["top 1 50-50", "rest 3 5-30"])
    #expect(classes("percentile(v)") == ["0–10 1 5-5", "30–40 1 15-15", "60–70 1 30-30", "90–100 1 50-50"])
    #expect(classes("ntile(secret, 2)") == ["group 1 3 ***-***", "group 2 2 ***-***"])
    // e has no v: not ranked by the functions of v, ranked by those of secret.
    #expect(cutOffs.first?.unranked == 1 && cutOffs.last?.unranked == 0)
  }
}
