/// Terminal cell widths, so that carets line up under Chinese tier labels.
///
/// East Asian wide and fullwidth characters take two cells, combining marks none; tabs are
/// expanded to the next multiple of four.
public enum DisplayWidth {
  public static func of(_ scalar: Unicode.Scalar) -> Int {
    let value = scalar.value
    if value == 0 { return 0 }
    if value < 0x20 || (0x7F..<0xA0).contains(value) { return 0 }
    if isCombining(value) { return 0 }
    return isWide(value) ? 2 : 1
  }

  public static func of(_ text: Substring) -> Int {
    text.unicodeScalars.reduce(0) { $0 + of($1) }
  }

  public static func of(_ text: String) -> Int { of(text[...]) }

  static func isCombining(_ value: UInt32) -> Bool {
    (0x0300...0x036F).contains(value) || (0x1AB0...0x1AFF).contains(value)
      || (0x1DC0...0x1DFF).contains(value) || (0x20D0...0x20FF).contains(value)
      || (0xFE20...0xFE2F).contains(value) || value == 0x200B || value == 0x200D
      || (0xFE00...0xFE0F).contains(value)
  }

  static func isWide(_ value: UInt32) -> Bool {
    switch value {
    case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
      0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
      0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
      return true
    default:
      return false
    }
  }
}
