/// The kinds of token in the expression language. `grammar/expression.ebnf` lists the same
/// keywords and operators; `GrammarTests` keeps the two in step.
public enum TokenKind: Sendable, Hashable {
  case number  // 12, 1_000, 4.50
  case percent  // 80%, 12.5%
  case duration  // 4h, 90d, 3mo, 1y
  case date  // 2024-03-01
  case string  // "text" or 'text'
  case identifier
  case keyword(Keyword)
  case symbol(Symbol)
  case endOfInput
  /// A character no token starts with, or an unterminated string; the lexer reports it.
  case invalid
}

public enum Keyword: String, Sendable, CaseIterable {
  case and, or, not, `in`, between, `is`, missing, `true`, `false`, `if`, then, `else`
}

public enum Symbol: String, Sendable, CaseIterable {
  case plus = "+"
  case minus = "-"
  case star = "*"
  case slash = "/"
  case equal = "=="
  case notEqual = "!="
  case less = "<"
  case lessOrEqual = "<="
  case greater = ">"
  case greaterOrEqual = ">="
  case coalesce = "??"
  case leftParen = "("
  case rightParen = ")"
  case leftBracket = "["
  case rightBracket = "]"
  case comma = ","
  case colon = ":"
}

/// One token with its byte range in the expression text.
public struct Token: Sendable, Hashable {
  public var kind: TokenKind
  /// Byte offsets into the expression text (not the file).
  public var start: Int
  public var end: Int
  public var text: Substring

  public init(kind: TokenKind, start: Int, end: Int, text: Substring) {
    self.kind = kind
    self.start = start
    self.end = end
    self.text = text
  }
}
