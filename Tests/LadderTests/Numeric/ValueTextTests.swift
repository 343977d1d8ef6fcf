import LadderTestSupport
import Testing

@testable import Ladder

/// The one formatter of numbers, percents and dates, against a plain reference written with
/// `String` (the way `FixedDecimal.description` was written before the formatter existed).
struct ValueTextTests {
  /// `units` at `scale` decimals, by string padding.
  static func reference(_ units: Int128, scale: Int) -> String {
    let digits = String(units.magnitude)
    let sign = units < 0 ? "-" : ""
    guard scale > 0 else { return sign + digits }
    let padded =
      digits.count <= scale ? String(repeating: "0", count: scale - digits.count + 1) + digits : digits
    let split = padded.index(padded.endIndex, offsetBy: -scale)
    return sign + padded[..<split] + "." + padded[split...]
  }

  @Test func decimalsMatchTheReferenceAt64And128Bits() {
    var random = SeededRandom(seed: 9)
    let narrow: [Int64] =
      [0, 1, -1, 9, 10, -10, 99, 100, .max, .min + 1]
      + (0..<2000).map { _ in Int64(bitPattern: random.next()) >> Int64(random.next() % 60) }
    let wide: [Int128] =
      narrow.map { Int128($0) * 1_000_000_007 } + [Int128(Int64.max) + 1, -(Int128(1) << 100)]
    for scale in 0...18 {
      for units in narrow {
        var output: [UInt8] = []
        ValueText.appendDecimal(units, scale: scale, to: &output)
        #expect(String(decoding: output, as: UTF8.self) == Self.reference(Int128(units), scale: scale))
      }
      for units in wide {
        var output: [UInt8] = []
        ValueText.appendDecimal(units, scale: scale, to: &output)
        #expect(String(decoding: output, as: UTF8.self) == Self.reference(units, scale: scale))
      }
    }
    #expect(FixedDecimal(units: -5, scale: 3).description == "-0.005")
  }

  @Test func normalizedAndPercentDropTrailingZeros() {
    func normalized(_ units: Int64, _ scale: Int) -> String {
      ValueText.string { ValueText.appendNormalized(units, scale: scale, to: &$0) }
    }
    #expect(normalized(250, 2) == "2.5")
    #expect(normalized(300, 2) == "3")
    #expect(normalized(-1200, 0) == "-1200")
    func percent(_ units: Int128, _ scale: Int) -> String {
      ValueText.string { ValueText.appendPercent(units, scale: scale, to: &$0) }
    }
    #expect(percent(85, 2) == "85%")
    #expect(percent(125, 3) == "12.5%")
    #expect(percent(5, 1) == "50%")
    #expect(percent(2, 0) == "200%")
    #expect(percent(-1, 4) == "-0.01%")
    #expect(percent(0, 6) == "0%")
    // In 64 bits (the usual case) and past them, negative and with zeros to drop.
    #expect(percent(-17800, 4) == "-178%")
    #expect(percent(-17830, 4) == "-178.3%")
    #expect(percent(Int128(Int64.max) * 1000, 4) == "92233720368547758070%")
  }

  @Test func datesArePaddedAndWideYearsKeepTheirDigits() throws {
    #expect(try #require(CivilDate(parsing: "2024-03-01")).description == "2024-03-01")
    #expect(try #require(CivilDate(parsing: "0999-12-31")).description == "0999-12-31")
    let epoch = CivilDate(daysSinceEpoch: 0)
    #expect(epoch.description == "1970-01-01")
    // Far past 9999 (date arithmetic can get there): every digit of the year.
    #expect(CivilDate(daysSinceEpoch: 3_000_000).description.hasPrefix("10183-"))
    // Every part against `String` padding, over days spread across the whole range.
    var random = SeededRandom(seed: 11)
    let days: [Int32] =
      [0, -1, .min, .max, -719_468, -719_469]
      + (0..<3000).map { _ in Int32(truncatingIfNeeded: random.next()) }
    func padded(_ value: Int, _ width: Int) -> String {
      let digits = String(value.magnitude)
      return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    for day in days {
      let date = CivilDate(daysSinceEpoch: day)
      let (year, month, dayOfMonth) = date.components
      #expect(date.description == "\(padded(year, 4))-\(padded(month, 2))-\(padded(dayOfMonth, 2))")
    }
    for value in [0, 7, -7, 10_000, Int.max, Int.min, Int.min + 1] {
      var output: [UInt8] = []
      ValueText.appendPadded(value, width: 4, to: &output)
      #expect(String(decoding: output, as: UTF8.self) == padded(value, 4))
    }
  }
}
