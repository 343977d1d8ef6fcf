/// Splits expression text into tokens. Works on UTF-8 bytes; never fails, but marks bad input
/// as `.invalid` tokens with a message.
public struct Lexer {
  public struct Problem: Sendable, Hashable {
    public var start: Int
    public var end: Int
    public var message: String
    public var help: String?
  }

  let text: String
  let bytes: [UInt8]
  var position = 0
  public private(set) var problems: [Problem] = []

  public init(_ text: String) {
    self.text = text
    self.bytes = Array(text.utf8)
  }

  /// Every token, ending with one `.endOfInput`.
  public static func tokenize(_ text: String) -> (tokens: [Token], problems: [Problem]) {
    var lexer = Lexer(text)
    var tokens: [Token] = []
    while true {
      let token = lexer.next()
      tokens.append(token)
      if token.kind == .endOfInput { break }
    }
    return (tokens, lexer.problems)
  }

  private func substring(_ start: Int, _ end: Int) -> Substring {
    let utf8 = text.utf8
    let from = utf8.index(utf8.startIndex, offsetBy: start)
    let to = utf8.index(utf8.startIndex, offsetBy: end)
    return text[from..<to]
  }

  private func byte(at index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }

  private static func isDigit(_ byte: UInt8?) -> Bool {
    guard let byte else { return false }
    return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }

  /// The longest name an expression may use, as for the names a policy declares.
  public static let maximumNameLength = 64

  private static func isIdentifierStart(_ byte: UInt8?) -> Bool {
    guard let byte else { return false }
    return (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
      || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "_")
  }

  private static func isIdentifierContinue(_ byte: UInt8?) -> Bool {
    isIdentifierStart(byte) || isDigit(byte)
  }

  private mutating func make(_ kind: TokenKind, from start: Int) -> Token {
    Token(kind: kind, start: start, end: position, text: substring(start, position))
  }

  public mutating func next() -> Token {
    while let current = byte(at: position),
      current == UInt8(ascii: " ") || current == UInt8(ascii: "\t") || current == UInt8(ascii: "\n")
        || current == UInt8(ascii: "\r")
    {
      position += 1
    }
    let start = position
    guard let current = byte(at: position) else { return make(.endOfInput, from: start) }

    if Self.isDigit(current) { return number(from: start) }
    if Self.isIdentifierStart(current) {
      while Self.isIdentifierContinue(byte(at: position)) { position += 1 }
      // No name is longer than 64 characters (docs/language.md, Limits); a longer one is
      // reported once, cut, and not looked up.
      if position - start > Self.maximumNameLength {
        let shown = substring(start, start + 24)
        problems.append(
          Problem(
            start: start, end: start + Self.maximumNameLength + 1,
            message: "name too long: '\(shown)…' has \(position - start) characters",
            help: "names have at most \(Self.maximumNameLength) characters"))
        return make(.invalid, from: start)
      }
      let word = substring(start, position)
      if let keyword = Keyword(rawValue: String(word)) { return make(.keyword(keyword), from: start) }
      return make(.identifier, from: start)
    }
    if current == UInt8(ascii: "\"") || current == UInt8(ascii: "'") {
      return string(from: start, quote: current)
    }

    let twoByte: [String: Symbol] = [
      "==": .equal, "!=": .notEqual, "<=": .lessOrEqual, ">=": .greaterOrEqual, "??": .coalesce,
    ]
    if let following = byte(at: position + 1) {
      let pair = String(decoding: [current, following], as: UTF8.self)
      if let symbol = twoByte[pair] {
        position += 2
        return make(.symbol(symbol), from: start)
      }
    }
    let single = String(decoding: [current], as: UTF8.self)
    if current < 0x80, let symbol = Symbol(rawValue: single) {
      position += 1
      return make(.symbol(symbol), from: start)
    }
    // Skip one whole character so the error underlines it (a Chinese comma is three bytes);
    // `&&` and `||` are one mistake, not two.
    position += 1
    if (current == UInt8(ascii: "&") || current == UInt8(ascii: "|")) && byte(at: position) == current {
      position += 1
    }
    while let next = byte(at: position), next & 0xC0 == 0x80 { position += 1 }
    let shown = substring(start, position)
    var help: String?
    switch shown {
    case "=": help = "compare with '==' (a policy never assigns)"
    case "&", "&&": help = "write 'and'"
    case "|", "||": help = "write 'or'"
    case "!": help = "write 'not', or '!=' for 'not equal'"
    case "，": help = "this is a full-width comma; use ','"
    case "（", "）": help = "this is a full-width parenthesis; use '(' or ')'"
    case "%": help = "'%' follows a number directly, as in '80%'"
    default: break
    }
    problems.append(
      Problem(start: start, end: position, message: "unexpected character '\(shown)'", help: help))
    return make(.invalid, from: start)
  }

  private mutating func number(from start: Int) -> Token {
    // A date: exactly four digits, '-', two digits, '-', two digits.
    if position + 10 <= bytes.count, bytes[position + 4] == UInt8(ascii: "-"),
      bytes[position + 7] == UInt8(ascii: "-"),
      (0..<4).allSatisfy({ Self.isDigit(bytes[position + $0]) }),
      [5, 6, 8, 9].allSatisfy({ Self.isDigit(bytes[position + $0]) }),
      !Self.isIdentifierContinue(byte(at: position + 10))
    {
      position += 10
      return make(.date, from: start)
    }
    while Self.isDigit(byte(at: position))
      || (byte(at: position) == UInt8(ascii: "_") && Self.isDigit(byte(at: position + 1)))
    {
      position += 1
    }
    if byte(at: position) == UInt8(ascii: "."), Self.isDigit(byte(at: position + 1)) {
      position += 1
      while Self.isDigit(byte(at: position))
        || (byte(at: position) == UInt8(ascii: "_") && Self.isDigit(byte(at: position + 1)))
      {
        position += 1
      }
    }
    if byte(at: position) == UInt8(ascii: "%") {
      position += 1
      return make(.percent, from: start)
    }
    if Self.isIdentifierStart(byte(at: position)) {
      // A unit directly after the digits makes a duration; anything else is a malformed number.
      let unitStart = position
      while Self.isIdentifierContinue(byte(at: position)) { position += 1 }
      let unit = String(substring(unitStart, position))
      if LadderDuration.Unit(rawValue: unit) != nil { return make(.duration, from: start) }
      problems.append(
        Problem(
          start: start, end: position,
          message: "'\(substring(start, position))' is not a number or a duration",
          help:
            "durations end in ms, s, min, h, d, w, mo or y (e.g. '90d'); separate a name from a number with a space"
        )
      )
      return make(.invalid, from: start)
    }
    return make(.number, from: start)
  }

  private mutating func string(from start: Int, quote: UInt8) -> Token {
    position += 1
    while let current = byte(at: position) {
      if current == UInt8(ascii: "\\") {
        position += 2
        continue
      }
      if current == quote {
        position += 1
        return make(.string, from: start)
      }
      if current == UInt8(ascii: "\n") { break }
      position += 1
    }
    position = min(position, bytes.count)
    problems.append(
      Problem(
        start: start, end: position, message: "unterminated string",
        help: "close the string with \(quote == UInt8(ascii: "\"") ? "\"" : "'") on the same line"))
    return make(.invalid, from: start)
  }

  /// The value of a string token: quotes removed, `\"`, `\'`, `\\`, `\n`, `\t` unescaped.
  ///
  /// Works on Unicode scalars, not Characters: a quote or an escape letter followed by a
  /// combining mark is one Character, and must still be read as the quote or the escape.
  public static func stringValue(of token: Substring) -> String {
    var out = String.UnicodeScalarView()
    var iterator = token.unicodeScalars.dropFirst().dropLast().makeIterator()
    while let scalar = iterator.next() {
      if scalar == "\\", let escaped = iterator.next() {
        switch escaped {
        case "n": out.append("\n")
        case "t": out.append("\t")
        default: out.append(escaped)
        }
      } else {
        out.append(scalar)
      }
    }
    return String(out)
  }
}
