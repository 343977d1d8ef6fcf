/// An exact decimal number: an integer count of units of 10^-scale.
///
/// Money, rates and scores never pass through binary floating point, so `0.1 + 0.2 == 0.3` and a
/// score that is 90 on paper compares equal to 90. Equality and ordering are numeric
/// (`1.0 == 1.00`); the scale is kept for display, so `72.10` prints as written.
public struct FixedDecimal: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The value times 10^scale.
  public private(set) var units: Int128
  /// Digits after the decimal point, 0 through ``maximumScale``.
  public private(set) var scale: Int

  /// Products and quotients are rounded half-up to at most this many decimals.
  public static let maximumScale = 18
  /// Quotients carry this many decimals (or more when an operand has more) before rounding.
  public static let divisionScale = 12

  public init(units: Int128, scale: Int) {
    self.units = units
    self.scale = scale
  }

  /// 10^exponent in 64 bits, for the columnar kernels (exponents up to 18).
  static func int64PowerOfTen(_ exponent: Int) -> Int64 {
    var result: Int64 = 1
    for _ in 0..<max(0, exponent) { result = result &* 10 }
    return result
  }

  /// The units at `target` decimals, when that is exact and fits 64 bits.
  func scaledUnits(_ target: Int) -> Int64? {
    let value = normalized
    guard value.scale <= target, let units = Int64(exactly: value.units) else { return nil }
    let (result, overflow) = units.multipliedReportingOverflow(by: Self.int64PowerOfTen(target - value.scale))
    return overflow ? nil : result
  }

  public init(_ integer: Int) {
    self.units = Int128(integer)
    self.scale = 0
  }

  public static let zero = FixedDecimal(0)
  public static let hundred = FixedDecimal(100)

  /// Errors of exact arithmetic, reported per record by the evaluator.
  public enum ArithmeticError: Error, Sendable, Hashable {
    case overflow
    case divisionByZero
  }

  static func powerOfTen(_ exponent: Int) -> Int128 {
    var result: Int128 = 1
    for _ in 0..<exponent { result *= 10 }
    return result
  }

  /// Parses `123`, `-4.50`, `1_000.25` (underscores are digit separators, as in the policy
  /// language). Returns `nil` for anything else, including exponents and more than 18 decimals.
  public init?(parsing text: some StringProtocol) {
    var units: Int128 = 0
    var scale = 0
    var sawDigit = false
    var sawPoint = false
    var negative = false
    var index = text.utf8.startIndex
    let utf8 = text.utf8
    if index < utf8.endIndex, utf8[index] == UInt8(ascii: "-") || utf8[index] == UInt8(ascii: "+") {
      negative = utf8[index] == UInt8(ascii: "-")
      index = utf8.index(after: index)
    }
    var previousWasDigit = false
    while index < utf8.endIndex {
      let byte = utf8[index]
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"):
        let (shifted, overflow1) = units.multipliedReportingOverflow(by: 10)
        let (added, overflow2) = shifted.addingReportingOverflow(Int128(byte - UInt8(ascii: "0")))
        if overflow1 || overflow2 { return nil }
        units = added
        sawDigit = true
        previousWasDigit = true
        if sawPoint { scale += 1 }
      case UInt8(ascii: "_"):
        // A separator must sit between digits.
        let next = utf8.index(after: index)
        guard previousWasDigit, next < utf8.endIndex,
          (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(utf8[next])
        else { return nil }
        previousWasDigit = false
      case UInt8(ascii: "."):
        guard !sawPoint, previousWasDigit else { return nil }
        sawPoint = true
        previousWasDigit = false
      default:
        return nil
      }
      index = utf8.index(after: index)
    }
    guard sawDigit, previousWasDigit, scale <= Self.maximumScale else { return nil }
    self.units = negative ? -units : units
    self.scale = scale
  }

  public var isInteger: Bool { units % Self.powerOfTen(scale) == 0 }
  public var isNegative: Bool { units < 0 }
  public var isZero: Bool { units == 0 }

  /// The same value at a larger scale (exact).
  public func rescaled(to newScale: Int) throws(ArithmeticError) -> FixedDecimal {
    if newScale == scale { return self }
    if newScale < scale { return rounded(to: newScale, .halfUp) }
    let (result, overflow) = units.multipliedReportingOverflow(by: Self.powerOfTen(newScale - scale))
    if overflow { throw .overflow }
    return FixedDecimal(units: result, scale: newScale)
  }

  /// Both values at the larger of the two scales.
  static func aligned(_ lhs: FixedDecimal, _ rhs: FixedDecimal) throws(ArithmeticError) -> (
    Int128, Int128, Int
  ) {
    let scale = max(lhs.scale, rhs.scale)
    return (try lhs.rescaled(to: scale).units, try rhs.rescaled(to: scale).units, scale)
  }

  public func adding(_ other: FixedDecimal) throws(ArithmeticError) -> FixedDecimal {
    let (left, right, scale) = try Self.aligned(self, other)
    let (sum, overflow) = left.addingReportingOverflow(right)
    if overflow { throw .overflow }
    return FixedDecimal(units: sum, scale: scale)
  }

  public func subtracting(_ other: FixedDecimal) throws(ArithmeticError) -> FixedDecimal {
    let (left, right, scale) = try Self.aligned(self, other)
    let (difference, overflow) = left.subtractingReportingOverflow(right)
    if overflow { throw .overflow }
    return FixedDecimal(units: difference, scale: scale)
  }

  public func multiplied(by other: FixedDecimal) throws(ArithmeticError) -> FixedDecimal {
    let (product, overflow) = units.multipliedReportingOverflow(by: other.units)
    if overflow { throw .overflow }
    let result = FixedDecimal(units: product, scale: scale + other.scale)
    return result.scale > Self.maximumScale ? result.rounded(to: Self.maximumScale, .halfUp) : result
  }

  /// The quotient to `max(divisionScale, scales of the operands)` decimals, rounded half-up.
  public func divided(by other: FixedDecimal) throws(ArithmeticError) -> FixedDecimal {
    if other.units == 0 { throw .divisionByZero }
    let targetScale = min(Self.maximumScale, max(Self.divisionScale, scale, other.scale))
    // value = (units / 10^s1) / (ounits / 10^s2); result units = value * 10^t
    //       = units * 10^(t - s1 + s2) / ounits, with one extra digit kept for rounding.
    let exponent = targetScale - scale + other.scale + 1
    var numerator = units
    var denominator = other.units
    if exponent >= 0 {
      let (shifted, overflow) = numerator.multipliedReportingOverflow(by: Self.powerOfTen(exponent))
      if overflow { throw .overflow }
      numerator = shifted
    } else {
      denominator *= Self.powerOfTen(-exponent)
    }
    let quotient = numerator / denominator
    return FixedDecimal(units: quotient, scale: targetScale + 1).rounded(to: targetScale, .halfUp)
  }

  /// The language's quotient (`/`, `avg`): ``divided(by:)`` without the trailing zeros only the
  /// division's 12 digits added, down to the operands' own decimals — `7 / 2` is `3.5`, not
  /// `3.500000000000`, and the average of `10.00`, `20.00` and `30.00` is `20.00`.
  public func quotient(by other: FixedDecimal) throws(ArithmeticError) -> FixedDecimal {
    var result = try divided(by: other)
    let floor = max(scale, other.scale)
    while result.scale > floor && result.units % 10 == 0 {
      result.units /= 10
      result.scale -= 1
    }
    return result
  }

  public var negated: FixedDecimal { FixedDecimal(units: -units, scale: scale) }
  public var magnitude: FixedDecimal { units < 0 ? negated : self }

  /// How a value is brought to fewer decimals.
  public enum RoundingMode: String, Sendable, CaseIterable {
    /// Ties away from zero: 72.125 → 72.13, -2.5 → -3. The commercial rule.
    case halfUp = "half-up"
    /// Ties to the even neighbour: 72.125 → 72.12 (banker's rounding).
    case halfEven = "half-even"
    /// Toward zero: 72.129 → 72.12.
    case down
    /// Away from zero: 72.121 → 72.13.
    case up
    /// Toward negative infinity.
    case floor
    /// Toward positive infinity.
    case ceiling
  }

  /// The value rounded to `newScale` decimals (never more decimals than it has).
  ///
  /// Shares its rule with the columnar kernels (``RoundingMode/roundsAwayFromZero(_:quotient:remainder:divisor:)``).
  public func rounded(to newScale: Int, _ mode: RoundingMode) -> FixedDecimal {
    guard newScale < scale else { return self }
    let divisor = Self.powerOfTen(scale - newScale)
    let quotient = units / divisor
    let remainder = units % divisor
    if remainder == 0 { return FixedDecimal(units: quotient, scale: newScale) }
    let awayFromZero = mode.roundsAwayFromZero(
      units, quotient: quotient, remainder: remainder, divisor: divisor)
    let step: Int128 = awayFromZero ? (units < 0 ? -1 : 1) : 0
    return FixedDecimal(units: quotient + step, scale: newScale)
  }

  /// The value at exactly `newScale` decimals: rounded when shorter, zero-padded when longer.
  public func withScale(_ newScale: Int, _ mode: RoundingMode = .halfUp) -> FixedDecimal {
    if newScale < scale { return rounded(to: newScale, mode) }
    return (try? rescaled(to: newScale)) ?? self
  }

  /// The value with trailing zero decimals removed (`2.50` → `2.5`, `3.00` → `3`).
  public var normalized: FixedDecimal {
    var result = self
    while result.scale > 0 && result.units % 10 == 0 {
      result.units /= 10
      result.scale -= 1
    }
    return result
  }

  public static func == (lhs: FixedDecimal, rhs: FixedDecimal) -> Bool {
    let left = lhs.normalized
    let right = rhs.normalized
    return left.units == right.units && left.scale == right.scale
  }

  public func hash(into hasher: inout Hasher) {
    let value = normalized
    hasher.combine(value.units)
    hasher.combine(value.scale)
  }

  public static func < (lhs: FixedDecimal, rhs: FixedDecimal) -> Bool {
    if let (left, right, _) = try? aligned(lhs, rhs) { return left < right }
    // Alignment overflowed: the operands differ by many orders of magnitude, so the signs and
    // integer parts decide.
    let leftInteger = lhs.units / powerOfTen(lhs.scale)
    let rightInteger = rhs.units / powerOfTen(rhs.scale)
    return leftInteger < rightInteger
  }

  /// Plain notation with exactly ``scale`` decimals: `-1234.50`.
  public var description: String {
    ValueText.string { ValueText.appendDecimal(units, scale: scale, to: &$0) }
  }

  /// The value as a percent of 1 (`0.85` → `85%`, `0.125` → `12.5%`).
  public var percentDescription: String {
    ValueText.string { ValueText.appendPercent(units, scale: scale, to: &$0) }
  }

  /// The fraction a percent stands for: `85` (written `85%`) is 0.85, with two more decimals than
  /// written (`12.5%` is 0.125). The one conversion used for policy literals, benefits and records.
  public var percentFraction: FixedDecimal? {
    // Exact: the same digits, two places further right. Only past the largest scale does the
    // division round (a percent written with more than 16 decimals).
    if scale + 2 <= Self.maximumScale { return FixedDecimal(units: units, scale: scale + 2) }
    return try? divided(by: .hundred).withScale(scale + 2)
  }

  /// The integer value when the number has no fraction and fits an `Int`.
  public var integerValue: Int? {
    guard isInteger else { return nil }
    return Int(exactly: units / Self.powerOfTen(scale))
  }
}

extension FixedDecimal.RoundingMode {
  /// Whether `value ÷ divisor`, truncated to `quotient` with a non-zero `remainder`, moves one step
  /// away from zero under this mode. The one rounding rule of exact decimals and of the kernels.
  @inline(__always)
  func roundsAwayFromZero<T: BinaryInteger>(_ value: T, quotient: T, remainder: T, divisor: T) -> Bool {
    let twice = remainder.magnitude * 2
    let half = divisor.magnitude
    switch self {
    case .halfUp: return twice >= half
    case .halfEven: return twice > half || (twice == half && quotient % 2 != 0)
    case .down: return false
    case .up: return true
    case .floor: return value < 0
    case .ceiling: return value > 0
    }
  }
}
