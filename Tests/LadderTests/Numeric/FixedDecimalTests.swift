import Ladder
import LadderTestSupport
import Testing

@Suite struct FixedDecimalTests {
  private func d(_ text: String) -> FixedDecimal {
    FixedDecimal(parsing: text) ?? FixedDecimal(-999_999)
  }

  @Test func parsesUnderscoresAndKeepsScale() {
    #expect(d("500_000") == FixedDecimal(500_000))
    #expect(d("72.10").description == "72.10")
    #expect(d("-0.5").description == "-0.5")
    #expect(FixedDecimal(parsing: "1__0") == nil)
    #expect(FixedDecimal(parsing: "_1") == nil)
    #expect(FixedDecimal(parsing: "1.") == nil)
    #expect(FixedDecimal(parsing: "1e5") == nil)
    #expect(FixedDecimal(parsing: "") == nil)
  }

  @Test func decimalSumsAreExact() throws {
    #expect(try d("0.1").adding(d("0.2")) == d("0.3"))
    #expect(try d("0.1").adding(d("0.2")).description == "0.3")
  }

  @Test func ninetyOnPaperIsNinety() throws {
    // 20% × 100 + 15% × 100 + 35% × 80 + 15% × 80 + 15% × 100 = 20 + 15 + 28 + 12 + 15 = 90.
    // In binary floating point 0.35 × 80 is 28.000000000000004 and the total misses 90.
    let parts = [("0.20", "100"), ("0.15", "100"), ("0.35", "80"), ("0.15", "80"), ("0.15", "100")]
    var total = FixedDecimal.zero
    for (weight, points) in parts { total = try total.adding(d(weight).multiplied(by: d(points))) }
    #expect(total == FixedDecimal(90))
    #expect(!(total < FixedDecimal(90)))
  }

  @Test(arguments: [
    ("72.125", 2, FixedDecimal.RoundingMode.halfUp, "72.13"),
    ("72.125", 2, .halfEven, "72.12"),
    ("72.135", 2, .halfEven, "72.14"),
    ("72.129", 2, .down, "72.12"),
    ("72.121", 2, .up, "72.13"),
    ("-2.5", 0, .halfUp, "-3"),
    ("-2.5", 0, .halfEven, "-2"),
    ("-2.1", 0, .floor, "-3"),
    ("-2.9", 0, .ceiling, "-2"),
    ("2.4", 0, .halfUp, "2"),
  ])
  func roundsAsDocumented(
    _ input: String, _ places: Int, _ mode: FixedDecimal.RoundingMode, _ expected: String
  ) {
    #expect(d(input).rounded(to: places, mode).description == expected)
  }

  @Test func divisionRoundsHalfUpAtTwelvePlaces() throws {
    #expect(try FixedDecimal(2).divided(by: FixedDecimal(3)).description == "0.666666666667")
    #expect(try FixedDecimal(1).divided(by: FixedDecimal(8)).normalized.description == "0.125")
    #expect(throws: FixedDecimal.ArithmeticError.divisionByZero) { try FixedDecimal(1).divided(by: .zero) }
  }

  @Test func percentDescriptions() {
    #expect(d("0.85").percentDescription == "85%")
    #expect(d("0.125").percentDescription == "12.5%")
    #expect(d("0.8").percentDescription == "80%")
  }

  /// Arithmetic and half-up rounding agree with a slow reference on integers scaled by hand.
  @Test func arithmeticAgreesWithIntegerReference() throws {
    var random = SeededRandom(seed: 42)
    for _ in 0..<2000 {
      let a = Int.random(in: -1_000_000...1_000_000, using: &random)
      let b = Int.random(in: -1_000_000...1_000_000, using: &random)
      let x = FixedDecimal(units: Int128(a), scale: 2)
      let y = FixedDecimal(units: Int128(b), scale: 3)
      // x + y in thousandths.
      #expect(try x.adding(y) == FixedDecimal(units: Int128(a * 10 + b), scale: 3))
      // x × y in hundred-thousandths.
      #expect(try x.multiplied(by: y) == FixedDecimal(units: Int128(a) * Int128(b), scale: 5))
      // Half-up rounding of x×y to 2 places, by integer arithmetic on magnitudes.
      let product = Int128(a) * Int128(b)
      let magnitude = product.magnitude
      var rounded = Int128(magnitude / 1000) + (magnitude % 1000 >= 500 ? 1 : 0)
      if product < 0 { rounded = -rounded }
      #expect(try x.multiplied(by: y).rounded(to: 2, .halfUp) == FixedDecimal(units: rounded, scale: 2))
      #expect((x < y) == (a * 10 < b))
    }
  }
}

@Suite struct CivilDateTests {
  @Test func rejectsImpossibleDates() {
    #expect(CivilDate(parsing: "2024-02-29") != nil)
    #expect(CivilDate(parsing: "2023-02-29") == nil)
    #expect(CivilDate(parsing: "2024-13-01") == nil)
    #expect(CivilDate(parsing: "2024-3-1") == nil)
  }

  @Test func roundTripsEveryDayOfFourHundredYears() {
    guard let start = CivilDate(parsing: "1900-01-01") else {
      Issue.record("start date")
      return
    }
    var previous = start
    for offset in 1..<(146_097) {
      guard let date = start.adding(days: offset) else {
        Issue.record("overflow at \(offset)")
        return
      }
      let (year, month, day) = date.components
      #expect(CivilDate(year: year, month: month, day: day) == date)
      #expect(previous < date)
      previous = date
      if offset > 146_000 { break }
    }
  }

  @Test func monthsClampToMonthEnd() {
    #expect(CivilDate(parsing: "2024-01-31")?.adding(months: 1)?.description == "2024-02-29")
    #expect(CivilDate(parsing: "2024-03-01")?.adding(months: -3)?.description == "2023-12-01")
  }

  @Test func wholeMonthsBetween() {
    guard let a = CivilDate(parsing: "2024-01-31"), let b = CivilDate(parsing: "2024-02-29"),
      let c = CivilDate(parsing: "2024-03-31")
    else {
      Issue.record("dates")
      return
    }
    #expect(a.wholeMonths(until: b) == 0)
    #expect(a.wholeMonths(until: c) == 2)
    #expect(c.wholeMonths(until: a) == -2)
    #expect(a.days(until: b) == 29)
  }
}
