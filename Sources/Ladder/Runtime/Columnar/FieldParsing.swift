/// Field text straight to register values, on bytes. Each parser accepts only the plain form of
/// its type and returns `nil` for anything else; the record then goes to the row reader, which
/// accepts the other forms (white space, `1_000`, `TRUE`, JSON lists) or says what is wrong.
enum FieldParsing {
  static let zero = UInt8(ascii: "0")
  static let minus = UInt8(ascii: "-")
  static let plus = UInt8(ascii: "+")

  /// `[+-]digits[.digits]` (and a trailing `%` when `percent`), at `scale` decimals: `12.5%` is
  /// 0.125. `nil` when it has more decimals than `scale`, or more than 18 digits.
  @inline(__always)
  static func decimal(
    _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, scale: Int, percent: Bool
  )
    -> Int64?
  {
    var written = 0
    return decimal(bytes, start, end, scale: scale, percent: percent, written: &written)
  }

  /// Like ``decimal(_:_:_:scale:percent:)``, also giving the decimals the value is written with
  /// (`12.5%` is 0.125: three).
  @inline(__always)
  static func decimal(
    _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, scale: Int, percent: Bool,
    written: inout Int
  ) -> Int64? {
    var position = start
    var last = end
    guard position < last else { return nil }
    var places = 0
    if percent, bytes[last - 1] == UInt8(ascii: "%") {
      last -= 1
      places = 2
    }
    var negative = false
    if position < last, bytes[position] == minus || bytes[position] == plus {
      negative = bytes[position] == minus
      position += 1
    }
    var units: Int64 = 0
    var digits = 0
    var fraction = -1
    while position < last {
      let digit = bytes[position] &- zero
      if digit < 10 {
        guard digits < 18 else { return nil }
        units = units &* 10 &+ Int64(digit)
        digits += 1
        if fraction >= 0 { fraction += 1 }
      } else if bytes[position] == UInt8(ascii: "."), fraction < 0, digits > 0 {
        fraction = 0
      } else {
        return nil
      }
      position += 1
    }
    guard digits > 0, fraction != 0 else { return nil }
    places += max(fraction, 0)
    guard places <= scale else { return nil }
    written = places
    var factor: Int64 = 1
    for _ in places..<scale { factor &*= 10 }
    let (scaled, overflow) = units.multipliedReportingOverflow(by: factor)
    guard !overflow else { return nil }
    return negative ? -scaled : scaled
  }

  /// `YYYY-MM-DD` as days since 1970-01-01.
  @inline(__always)
  static func date(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
    guard end - start == 10, bytes[start + 4] == minus, bytes[start + 7] == minus else { return nil }
    func number(_ from: Int, _ count: Int) -> Int? {
      var value = 0
      for index in from..<(from + count) {
        let digit = bytes[index] &- zero
        guard digit < 10 else { return nil }
        value = value * 10 + Int(digit)
      }
      return value
    }
    guard let year = number(start, 4), let month = number(start + 5, 2), let day = number(start + 8, 2),
      let date = CivilDate(year: year, month: month, day: day)
    else { return nil }
    return Int64(date.daysSinceEpoch)
  }

  /// `true`/`false`/`yes`/`no`/`1`/`0` as written in lower case.
  static func boolean(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
    let field = UnsafeBufferPointer(rebasing: bytes[start..<end])
    if field.elementsEqual("true".utf8) || field.elementsEqual("yes".utf8) || field.elementsEqual("1".utf8) {
      return 1
    }
    if field.elementsEqual("false".utf8) || field.elementsEqual("no".utf8) || field.elementsEqual("0".utf8) {
      return 0
    }
    return nil
  }

  /// True when the bytes are well-formed UTF-8 (as `String(validating:)` decides).
  static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    UTF8Validation.firstInvalidOffset(bytes, from: start, to: end) == nil
  }

  /// True when a field needs quotes in CSV output.
  @inline(__always)
  static func needsQuotes(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    for index in start..<end {
      let byte = bytes[index]
      if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n")
        || byte == UInt8(ascii: "\r")
      {
        return true
      }
    }
    return false
  }
}

/// Appends output text to a byte buffer: no `String` per cell.
enum ByteText {
  /// Bytes as one CSV field: quoted, with `"` doubled, when they hold a separator or a quote.
  static func appendField(
    _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, to output: inout [UInt8]
  ) {
    guard FieldParsing.needsQuotes(bytes, start, end) else {
      output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<end]))
      return
    }
    output.append(UInt8(ascii: "\""))
    for index in start..<end {
      if bytes[index] == UInt8(ascii: "\"") { output.append(UInt8(ascii: "\"")) }
      output.append(bytes[index])
    }
    output.append(UInt8(ascii: "\""))
  }

  /// Text as one CSV field (for the few cells that come from the policy: tier ids, strings).
  static func csvField(_ text: String) -> [UInt8] {
    Array(DecisionCSV.field(text).utf8)
  }
}
