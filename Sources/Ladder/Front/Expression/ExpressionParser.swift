/// Parses expression text into an ``Expr`` by precedence climbing (Pratt).
///
/// Precedence, loosest first (the same table as `grammar/expression.ebnf` and
/// `docs/language.md`):
///
/// | level | operators | associativity |
/// |---|---|---|
/// | 1 | `if … then … else …` | prefix |
/// | 2 | `or` | left |
/// | 3 | `and` | left |
/// | 4 | `not` | prefix |
/// | 5 | `==` `!=` `<` `<=` `>` `>=` `in` `not in` `between … and …` `is missing` | none |
/// | 6 | `??` | right |
/// | 7 | `+` `-` | left |
/// | 8 | `*` `/` | left |
/// | 9 | unary `-` | prefix |
/// | 10 | call `f(…)`, index `x[i]` | postfix |
///
/// The parser never throws: a syntax error becomes a diagnostic and an `.error` node. Nesting is
/// bounded (``maximumDepth``) so that hostile input cannot exhaust the stack.
public struct ExpressionParser {
  public static let maximumDepth = 64
  /// A policy expression is a line or two; a longer one is refused before it is built, so that
  /// no later recursive pass can run out of stack on a generated chain of operators.
  public static let maximumTokens = 1000

  /// The named precedence levels, exported for the grammar test.
  public static let precedenceLevels: [[String]] = [
    ["if"], ["or"], ["and"], ["not"],
    ["==", "!=", "<", "<=", ">", ">=", "in", "not in", "between", "is missing"],
    ["??"], ["+", "-"], ["*", "/"], ["unary -"], ["call", "index"],
  ]

  private let source: ExpressionSource
  private var tokens: [Token]
  private var position = 0
  private var depth = 0
  private var failed = false
  private var diagnostics: [Diagnostic] = []
  /// The context the expression appears in, e.g. "condition of tier 'vip'", for messages.
  private let context: String

  private init(source: ExpressionSource, context: String) {
    self.source = source
    self.context = context
    let (tokens, problems) = Lexer.tokenize(source.text)
    self.tokens = tokens
    for problem in problems {
      diagnostics.append(
        Diagnostic(
          .invalidToken, problem.message, at: source.span(problem.start, problem.end), help: problem.help))
    }
  }

  /// Parses a whole expression; the diagnostics say what was wrong, if anything.
  public static func parse(_ source: ExpressionSource, context: String = "expression") -> (Expr, [Diagnostic])
  {
    var parser = ExpressionParser(source: source, context: context)
    if !parser.diagnostics.isEmpty {
      return (Expr(.error, span: source.wholeSpan), parser.diagnostics)
    }
    if parser.tokens.count > maximumTokens {
      let diagnostic = Diagnostic(
        .expressionTooDeep,
        "the \(context) has \(parser.tokens.count - 1) tokens; at most \(maximumTokens) are allowed",
        at: source.span(0, min(source.text.utf8.count, 80)), help: "split it into named values under 'let'")
      return (Expr(.error, span: source.wholeSpan), [diagnostic])
    }
    if parser.current.kind == .endOfInput {
      let diagnostic = Diagnostic(
        .expressionSyntax, "the \(context) is empty", at: source.wholeSpan, help: "write an expression here")
      return (Expr(.error, span: source.wholeSpan), [diagnostic])
    }
    let expression = parser.parseExpression()
    if !parser.failed && parser.current.kind != .endOfInput {
      parser.fail(
        at: parser.current, "unexpected \(describe(parser.current)) after the end of the expression",
        help: hintAfterExpression(parser.current))
    }
    return (parser.failed ? Expr(.error, span: source.wholeSpan) : expression, parser.diagnostics)
  }

  /// Parses a band, `<op> <value>: <points>` or `else: <points>`.
  public static func parseBand(_ source: ExpressionSource) -> (BandSyntax?, [Diagnostic]) {
    var parser = ExpressionParser(source: source, context: "band")
    guard parser.diagnostics.isEmpty else { return (nil, parser.diagnostics) }
    let first = parser.current
    var comparison: BinaryOperator?
    var bound: Expr?
    switch first.kind {
    case .keyword(.else):
      parser.advance()
    case .symbol(let symbol):
      guard let op = Self.comparisonOperator(symbol) else {
        return (nil, [bandError(source, "a band starts with a comparison or 'else', not '\(first.text)'")])
      }
      comparison = op
      parser.advance()
      bound = parser.parseBinary(minimumLevel: 6)
    default:
      return (nil, [bandError(source, "a band starts with a comparison or 'else', not \(describe(first))")])
    }
    guard !parser.failed else { return (nil, parser.diagnostics) }
    guard parser.current.kind == .symbol(.colon) else {
      return (nil, [bandError(source, "a band needs ': <points>' after its condition")])
    }
    parser.advance()
    let points = parser.parseExpression()
    if !parser.failed && parser.current.kind != .endOfInput {
      parser.fail(at: parser.current, "unexpected \(describe(parser.current)) after the band's points")
    }
    guard !parser.failed else { return (nil, parser.diagnostics) }
    return (BandSyntax(comparison: comparison, bound: bound, points: points, span: source.wholeSpan), [])
  }

  private static func bandError(_ source: ExpressionSource, _ message: String) -> Diagnostic {
    Diagnostic(
      .invalidBand, message, at: source.wholeSpan,
      help: "write bands as \"<= 30: 100\", \">= 12: 100\" or \"else: 0\"")
  }

  // MARK: - Token access

  private var current: Token { tokens[position] }

  private mutating func advance() {
    if position < tokens.count - 1 { position += 1 }
  }

  private func span(of token: Token) -> SourceSpan {
    // The end-of-input token has no width; underline the last character before it instead.
    if token.kind == .endOfInput {
      let end = source.text.utf8.count
      return source.span(max(0, end - 1), end)
    }
    return source.span(token.start, token.end)
  }

  private func span(from start: Token, to end: Int) -> SourceSpan { source.span(start.start, end) }

  private var previousEnd: Int { position > 0 ? tokens[position - 1].end : 0 }

  private mutating func fail(at token: Token, _ message: String, help: String? = nil) {
    guard !failed else { return }
    failed = true
    diagnostics.append(Diagnostic(.expressionSyntax, message, at: span(of: token), help: help))
  }

  private static func describe(_ token: Token) -> String {
    switch token.kind {
    case .endOfInput: "end of the expression"
    case .identifier: "name '\(token.text)'"
    case .keyword: "'\(token.text)'"
    case .string: "string \(token.text)"
    case .number, .percent, .duration, .date: "'\(token.text)'"
    case .symbol: "'\(token.text)'"
    case .invalid: "'\(token.text)'"
    }
  }

  private static func hintAfterExpression(_ token: Token) -> String? {
    switch token.kind {
    case .identifier, .number, .percent, .string:
      "join two conditions with 'and' or 'or'; an operator may be missing"
    case .symbol(.rightParen): "this ')' has no matching '('"
    case .symbol(.colon): "':' only separates a band's condition from its points"
    default: nil
    }
  }

  private static func comparisonOperator(_ symbol: Symbol) -> BinaryOperator? {
    switch symbol {
    case .equal: .equal
    case .notEqual: .notEqual
    case .less: .less
    case .lessOrEqual: .lessOrEqual
    case .greater: .greater
    case .greaterOrEqual: .greaterOrEqual
    default: nil
    }
  }

  private mutating func expect(_ symbol: Symbol, _ what: String) -> Bool {
    if current.kind == .symbol(symbol) {
      advance()
      return true
    }
    fail(at: current, "expected '\(symbol.rawValue)' \(what), found \(Self.describe(current))")
    return false
  }

  // MARK: - Grammar

  private mutating func enter() -> Bool {
    depth += 1
    if depth > Self.maximumDepth {
      if !failed {
        failed = true
        diagnostics.append(
          Diagnostic(
            .expressionTooDeep, "the \(context) nests more than \(Self.maximumDepth) levels deep",
            at: span(of: current),
            help: "split it into named values under 'let'"))
      }
      return false
    }
    return true
  }

  private mutating func parseExpression() -> Expr {
    guard enter() else { return Expr(.error, span: span(of: current)) }
    defer { depth -= 1 }
    if current.kind == .keyword(.if) {
      let start = current
      advance()
      let condition = parseExpression()
      guard !failed, current.kind == .keyword(.then) else {
        fail(at: current, "expected 'then' after the condition of 'if', found \(Self.describe(current))")
        return Expr(.error, span: span(of: start))
      }
      advance()
      let then = parseExpression()
      guard !failed, current.kind == .keyword(.else) else {
        fail(
          at: current, "expected 'else' in 'if … then … else …', found \(Self.describe(current))",
          help: "every 'if' needs an 'else' so that the value is always defined")
        return Expr(.error, span: span(of: start))
      }
      advance()
      let otherwise = parseExpression()
      return Expr(
        .conditional(condition, then: then, else: otherwise), span: span(from: start, to: previousEnd))
    }
    return parseBinary(minimumLevel: 2)
  }

  /// Parses operators at `minimumLevel` and tighter (levels as in the table above).
  private mutating func parseBinary(minimumLevel: Int) -> Expr {
    guard enter() else { return Expr(.error, span: span(of: current)) }
    defer { depth -= 1 }
    let startToken = current
    var lhs: Expr
    if minimumLevel <= 4 && current.kind == .keyword(.not) {
      advance()
      let operand = parseBinary(minimumLevel: 4)
      lhs = Expr(.unary(.not, operand), span: span(from: startToken, to: previousEnd))
    } else {
      lhs = parseUnary()
    }
    while !failed {
      let token = current
      guard let (level, op) = binaryLevel(of: token), level >= minimumLevel else { break }
      if level == 5 {
        lhs = parseComparisonTail(lhs, start: startToken)
        // Comparisons do not chain: `a < b < c` is a mistake.
        if !failed, let (next, _) = binaryLevel(of: current), next == 5 {
          fail(
            at: current, "comparisons cannot be chained",
            help: "write 'a < b and b < c', or use 'between … and …'")
        }
        continue
      }
      advance()
      // `??` is right-associative; everything else is left-associative.
      let rhs = parseBinary(minimumLevel: op == .coalesce ? level : level + 1)
      lhs = Expr(.binary(op, lhs, rhs), span: span(from: startToken, to: previousEnd))
    }
    return lhs
  }

  private func binaryLevel(of token: Token) -> (Int, BinaryOperator)? {
    switch token.kind {
    case .keyword(.or): return (2, .or)
    case .keyword(.and): return (3, .and)
    case .keyword(.in), .keyword(.between), .keyword(.is): return (5, .in)
    case .keyword(.not):
      // `x not in list`, `x not between a and b`
      let next = tokens[min(position + 1, tokens.count - 1)].kind
      return next == .keyword(.in) || next == .keyword(.between) ? (5, .notIn) : nil
    case .symbol(let symbol):
      if let comparison = Self.comparisonOperator(symbol) { return (5, comparison) }
      switch symbol {
      case .coalesce: return (6, .coalesce)
      case .plus: return (7, .add)
      case .minus: return (7, .subtract)
      case .star: return (8, .multiply)
      case .slash: return (8, .divide)
      default: return nil
      }
    default: return nil
    }
  }

  private mutating func parseComparisonTail(_ lhs: Expr, start: Token) -> Expr {
    var negated = false
    if current.kind == .keyword(.not) {
      negated = true
      advance()
    }
    switch current.kind {
    case .keyword(.in):
      advance()
      let rhs = parseBinary(minimumLevel: 6)
      return Expr(.binary(negated ? .notIn : .in, lhs, rhs), span: span(from: start, to: previousEnd))
    case .keyword(.between):
      advance()
      let low = parseBinary(minimumLevel: 6)
      guard !failed else { return lhs }
      guard current.kind == .keyword(.and) else {
        fail(at: current, "expected 'and' in 'between … and …', found \(Self.describe(current))")
        return lhs
      }
      advance()
      let high = parseBinary(minimumLevel: 6)
      return Expr(
        .between(lhs, low: low, high: high, negated: negated), span: span(from: start, to: previousEnd))
    case .keyword(.is):
      advance()
      var isNot = false
      if current.kind == .keyword(.not) {
        isNot = true
        advance()
      }
      guard current.kind == .keyword(.missing) else {
        fail(
          at: current, "expected 'missing' after 'is', found \(Self.describe(current))",
          help: "'is' only tests for missing values: 'x is missing' or 'x is not missing'; compare with '=='")
        return lhs
      }
      advance()
      return Expr(.isMissing(lhs, negated: isNot), span: span(from: start, to: previousEnd))
    case .symbol(let symbol):
      guard let op = Self.comparisonOperator(symbol) else { return lhs }
      advance()
      let rhs = parseBinary(minimumLevel: 6)
      return Expr(.binary(op, lhs, rhs), span: span(from: start, to: previousEnd))
    default:
      fail(at: current, "expected 'in' or 'between' after 'not', found \(Self.describe(current))")
      return lhs
    }
  }

  private mutating func parseUnary() -> Expr {
    guard enter() else { return Expr(.error, span: span(of: current)) }
    defer { depth -= 1 }
    if current.kind == .symbol(.minus) {
      let start = current
      advance()
      let operand = parseUnary()
      // Fold `-12` into a literal so bands and thresholds see a constant.
      if case .literal(let literal) = operand.kind {
        switch literal {
        case .number(let value, let isInteger):
          return Expr(
            .literal(.number(value.negated, isInteger: isInteger)), span: span(from: start, to: previousEnd))
        case .percent(let value):
          return Expr(.literal(.percent(value.negated)), span: span(from: start, to: previousEnd))
        default: break
        }
      }
      return Expr(.unary(.negate, operand), span: span(from: start, to: previousEnd))
    }
    return parsePostfix()
  }

  private mutating func parsePostfix() -> Expr {
    var expression = parsePrimary()
    while !failed {
      if current.kind == .symbol(.leftBracket) {
        advance()
        let index = parseExpression()
        guard expect(.rightBracket, "to close the index") else { break }
        expression = Expr(
          .index(expression, index),
          span: expression.span.merged(with: source.span(previousEnd - 1, previousEnd)))
      } else if current.kind == .symbol(.leftParen) {
        guard case .name(let name) = expression.kind else {
          fail(
            at: current, "only a function name can be called", help: "an operator may be missing before '('")
          break
        }
        advance()
        var arguments: [Expr] = []
        if current.kind != .symbol(.rightParen) {
          repeat {
            if current.kind == .symbol(.comma) { advance() }
            // `in support_cn` names the calendar of a clock (`due(received_at, 8h, in support_cn)`):
            // the call's last argument, written so that it reads as English. `in: support_cn` is
            // read too, but a policy must then quote the expression (YAML takes ': ' as a key).
            if current.kind == .keyword(.in) {
              advance()
              if current.kind == .symbol(.colon) { advance() }
              arguments.append(parseExpression())
              break
            }
            arguments.append(parseExpression())
          } while !failed && current.kind == .symbol(.comma)
        }
        guard !failed, expect(.rightParen, "to close the arguments of '\(name)'") else { break }
        expression = Expr(
          .call(name, nameSpan: expression.span, arguments: arguments),
          span: expression.span.merged(with: source.span(previousEnd - 1, previousEnd)))
      } else {
        break
      }
    }
    return expression
  }

  private mutating func parsePrimary() -> Expr {
    let token = current
    let tokenSpan = span(of: token)
    switch token.kind {
    case .number:
      advance()
      let digits = token.text
      guard let value = FixedDecimal(parsing: digits) else {
        return literalError(
          token, "'\(digits)' is too long a number", help: "numbers have at most 18 decimals and 30 digits")
      }
      return Expr(.literal(.number(value, isInteger: !digits.contains("."))), span: tokenSpan)
    case .percent:
      advance()
      guard let value = FixedDecimal(parsing: token.text.dropLast()),
        let fraction = value.percentFraction
      else { return literalError(token, "'\(token.text)' is not a valid percent") }
      return Expr(.literal(.percent(fraction)), span: tokenSpan)
    case .duration:
      advance()
      guard let duration = LadderDuration(parsing: token.text) else {
        return literalError(
          token, "'\(token.text)' is not a valid duration",
          help: "at most six digits, then min, h, d, w, mo or y")
      }
      return Expr(.literal(.duration(duration)), span: tokenSpan)
    case .date:
      advance()
      guard let date = CivilDate(parsing: token.text) else {
        return literalError(
          token, "'\(token.text)' is not a calendar date",
          help: "dates are YYYY-MM-DD with a real month and day")
      }
      return Expr(.literal(.date(date)), span: tokenSpan)
    case .string:
      advance()
      return Expr(.literal(.string(Lexer.stringValue(of: token.text))), span: tokenSpan)
    case .keyword(.true), .keyword(.false):
      advance()
      return Expr(.literal(.bool(token.kind == .keyword(.true))), span: tokenSpan)
    case .identifier:
      advance()
      return Expr(.name(String(token.text)), span: tokenSpan)
    case .symbol(.leftParen):
      advance()
      let inner = parseExpression()
      guard !failed, expect(.rightParen, "to close '('") else { return Expr(.error, span: tokenSpan) }
      return Expr(.group(inner), span: span(from: token, to: previousEnd))
    case .symbol(.leftBracket):
      advance()
      var elements: [Expr] = []
      if current.kind != .symbol(.rightBracket) {
        repeat {
          if current.kind == .symbol(.comma) { advance() }
          elements.append(parseExpression())
        } while !failed && current.kind == .symbol(.comma)
      }
      guard !failed, expect(.rightBracket, "to close the list") else { return Expr(.error, span: tokenSpan) }
      return Expr(.list(elements), span: span(from: token, to: previousEnd))
    case .keyword(.missing):
      fail(
        at: token, "'missing' is not a value",
        help: "test with 'x is missing', or supply a default with 'x ?? 0'")
    case .endOfInput:
      fail(at: token, "the \(context) ends too early", help: "an operand is missing at the end")
    default:
      fail(at: token, "expected a value, found \(Self.describe(token))")
    }
    return Expr(.error, span: tokenSpan)
  }

  private mutating func literalError(_ token: Token, _ message: String, help: String? = nil) -> Expr {
    if !failed {
      failed = true
      diagnostics.append(Diagnostic(.invalidLiteral, message, at: span(of: token), help: help))
    }
    return Expr(.error, span: span(of: token))
  }
}

/// A score band as written: `"<= 30: 100"` or `"else: 0"`.
public struct BandSyntax: Sendable, Hashable {
  /// `nil` for `else`.
  public var comparison: BinaryOperator?
  public var bound: Expr?
  public var points: Expr
  public var span: SourceSpan
}
