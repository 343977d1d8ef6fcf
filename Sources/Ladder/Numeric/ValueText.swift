/// How numbers, percents and dates are written: the one formatter behind every output.
/// ``FixedDecimal/description``, ``FixedDecimal/percentDescription`` and ``CivilDate/description``
/// are these bytes as a `String`; the kernels' writers append them straight from 64-bit registers.
public enum ValueText {
  /// `units` at `scale` decimals, all of them written: `-1234.50`.
  static func appendDecimal(_ units: Int64, scale: Int, to output: inout [UInt8]) {
    // Digits are written backwards into a small stack buffer, then appended at once.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
      var position = buffer.count
      var remaining = units.magnitude
      var written = 0
      // At least one digit before the point: scale + 1 digits, or more.
      repeat {
        if scale > 0 && written == scale {
          position -= 1
          buffer[position] = UInt8(ascii: ".")
        }
        position -= 1
        buffer[position] = UInt8(ascii: "0") + UInt8(remaining % 10)
        remaining /= 10
        written += 1
      } while (remaining > 0 || written <= scale) && position > 2
      if units < 0 {
        position -= 1
        buffer[position] = UInt8(ascii: "-")
      }
      output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position...]))
    }
  }

  /// An integer's decimal digits: `-42`.
  public static func appendInteger(_ value: Int, to output: inout [UInt8]) {
    appendDecimal(Int64(value), scale: 0, to: &output)
  }

  /// The same for a 128-bit value (``FixedDecimal``'s units).
  static func appendDecimal(_ units: Int128, scale: Int, to output: inout [UInt8]) {
    if let narrow = Int64(exactly: units) { return appendDecimal(narrow, scale: scale, to: &output) }
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
    func digits(_ value: Int, _ width: Int) {
      if value < 0 { output.append(UInt8(ascii: "-")) }
      let text = String(value.magnitude).utf8
      for _ in text.count..<max(width, text.count) { output.append(UInt8(ascii: "0")) }
      output += text
    }
    digits(year, 4)
    output.append(UInt8(ascii: "-"))
    digits(month, 2)
    output.append(UInt8(ascii: "-"))
    digits(day, 2)
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
