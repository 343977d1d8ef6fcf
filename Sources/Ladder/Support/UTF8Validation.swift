/// UTF-8 well-formedness on bytes, as `String(validating:)` decides it, without building a string:
/// policy files are checked whole, record fields one by one.
enum UTF8Validation {
  /// The offset of the first byte in `start..<end` that does not begin a well-formed sequence,
  /// or `nil` when all of them are well formed.
  static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
    var index = start
    while index < end {
      let lead = bytes[index]
      let length: Int
      var lowerBound: UInt8 = 0x80
      var upperBound: UInt8 = 0xBF
      switch lead {
      case 0x00...0x7F:
        index += 1
        continue
      case 0xC2...0xDF: length = 2
      case 0xE0:
        length = 3
        lowerBound = 0xA0
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED:
        length = 3
        upperBound = 0x9F
      case 0xF0:
        length = 4
        lowerBound = 0x90
      case 0xF1...0xF3: length = 4
      case 0xF4:
        length = 4
        upperBound = 0x8F
      default: return index
      }
      guard index + length <= end else { return index }
      // The second byte has the narrowed range; the others are plain continuation bytes.
      let second = bytes[index + 1]
      guard second >= lowerBound && second <= upperBound else { return index }
      for continuation in 2..<length where bytes[index + continuation] & 0xC0 != 0x80 {
        return index
      }
      index += length
    }
    return nil
  }
}
