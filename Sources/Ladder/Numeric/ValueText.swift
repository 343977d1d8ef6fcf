/// How numbers, percents and dates are written: the one formatter behind every output.
/// ``FixedDecimal/description``, ``FixedDecimal/percentDescription`` and ``CivilDate/description``
/// are these bytes as a `String`; the kernels' writers append them straight from 64-bit registers.
public enum ValueText {
  /// `units` at `scale` decimals, all of them written: `-1234.50`.
  static func appendDecimal(_ units: Int64, scale: Int, to output: inout [UInt8]) {
    guard scale <= 64 else { return appendDigits(Int128(units), scale: scale, to: &output) }
    // Digits are written backwards into a small stack buffer, two at a time from a table of
    // pairs, then appended at once: traces write several numbers per record.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 96) { buffer in
      var position = buffer.count
      var remaining = units.magnitude
      if scale > 0 {
        for _ in 0..<scale {
          position -= 1
          buffer[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10)
          remaining /= 10
        }
        position -= 1
        buffer[position] = UInt8(ascii: ".")
      }
      let pairs = digitPairs.utf8Start
      while remaining >= 100 {
        let pair = Int(remaining % 100) * 2
        remaining /= 100
        position -= 2
        buffer[position] = pairs[pair]
        buffer[position + 1] = pairs[pair + 1]
      }
      if remaining >= 10 {
        position -= 2
        buffer[position] = pairs[Int(remaining) * 2]
        buffer[position + 1] = pairs[Int(remaining) * 2 + 1]
      } else {
        position -= 1
        buffer[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining)
      }
      if units < 0 {
        position -= 1
        buffer[position] = UInt8(ascii: "-")
      }
      output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position...]))
    }
  }

  /// "00", "01", … "99": the two digits of each number below 100.
  private static let digitPairs: StaticString = """
    00010203040506070809101112131415161718192021222324252627282930313233343536373839\
    40414243444546474849505152535455565758596061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899
    """

  /// An integer's decimal digits: `-42`.
  public static func appendInteger(_ value: Int, to output: inout [UInt8]) {
    appendDecimal(Int64(value), scale: 0, to: &output)
  }

  /// The same for a 128-bit value (``FixedDecimal``'s units).
  static func appendDecimal(_ units: Int128, scale: Int, to output: inout [UInt8]) {
    if let narrow = Int64(exactly: units) { return appendDecimal(narrow, scale: scale, to: &output) }
    appendDigits(units, scale: scale, to: &output)
  }

  /// Any value at any scale, a digit at a time.
  private static func appendDigits(_ units: Int128, scale: Int, to output: inout [UInt8]) {
    var digits: [UInt8] = []
    var remaining = units.magnitude
    repeat {
      digits.append(UInt8(ascii: "0") + UInt8(remaining % 10))
      remaining /= 10
    } while remaining > 0 || digits.count <= scale
    if units < 0 { output.append(UInt8(ascii: "-")) }
    for (index, digit) in digits.reversed().enumerated() {
      if scale > 0 && index == digits.count - scale { output.append(UInt8(ascii: ".")) }
      output.append(digit)
    }
  }

  /// `units` at `scale` decimals without trailing zero decimals (``FixedDecimal/normalized``).
  static func appendNormalized(_ units: Int64, scale: Int, to output: inout [UInt8]) {
    var (value, places) = (units, scale)
    while places > 0 && value % 10 == 0 {
      value /= 10
      places -= 1
    }
    appendDecimal(value, scale: places, to: &output)
  }

  /// A fraction as a percent of 1, without trailing zeros: `0.85` → `85%`, `0.125` → `12.5%`.
  static func appendPercent(_ units: Int128, scale: Int, to output: inout [UInt8]) {
    // Nearly every percent has 64-bit units and at least two decimals: its trailing zeros are
    // dropped in 64 bits (each 128-bit remainder was a library call; traces write several
    // percents a record).
    if scale >= 2, var value = Int64(exactly: units) {
      var places = scale - 2
      while places > 0 && value % 10 == 0 {
        value /= 10
        places -= 1
      }
      appendDecimal(value, scale: places, to: &output)
      output.append(UInt8(ascii: "%"))
      return
    }
    var (value, places) = (units, scale - 2)
    if places < 0 {
      let (hundredfold, overflow) = units.multipliedReportingOverflow(by: FixedDecimal.powerOfTen(-places))
      // Past 128 bits the fraction's own digits are shown.
      (value, places) = overflow ? (units, scale) : (hundredfold, 0)
    }
    while places > 0 && value % 10 == 0 {
      value /= 10
      places -= 1
    }
    appendDecimal(value, scale: places, to: &output)
    output.append(UInt8(ascii: "%"))
  }

  /// `YYYY-MM-DD`; a year past 9999 with all its digits.
  static func appendDate(_ date: CivilDate, to output: inout [UInt8]) {
    let (year, month, day) = date.components
    appendPadded(year, width: 4, to: &output)
    output.append(UInt8(ascii: "-"))
    appendPadded(month, width: 2, to: &output)
    output.append(UInt8(ascii: "-"))
    appendPadded(day, width: 2, to: &output)
  }

  /// `value` in decimal with zeros in front up to `width` digits (the sign before them). Digit
  /// by digit: a `String` made for each part of a date was 2% of a compact trace's time.
  static func appendPadded(_ value: Int, width: Int, to output: inout [UInt8]) {
    if value < 0 { output.append(UInt8(ascii: "-")) }
    let magnitude = value.magnitude
    var power: UInt = 1
    var digitCount = 1
    while magnitude / power >= 10 {
      power *= 10
      digitCount += 1
    }
    for _ in digitCount..<max(width, digitCount) { output.append(UInt8(ascii: "0")) }
    while power > 0 {
      output.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude / power % 10))
      power /= 10
    }
  }

  /// A count as people read it, grouped by thousands: `1,204`.
  public static func grouped(_ value: Int) -> String {
    let digits = String(value)
    var out = ""
    for (index, character) in digits.enumerated() {
      if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
      out.append(character)
    }
    return out
  }

  static func string(_ body: (inout [UInt8]) -> Void) -> String {
    var bytes: [UInt8] = []
    body(&bytes)
    return String(decoding: bytes, as: UTF8.self)
  }
}
