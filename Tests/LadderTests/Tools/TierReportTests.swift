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
}
