import Ladder
import LadderTestSupport
import Testing

/// A fully parenthesised rendering of the tree: two expressions with the same dump have the
/// same structure, whatever their spans.
func dump(_ expr: Expr) -> String {
  switch expr.kind {
  case .error: return "ERROR"
  case .literal(let literal): return ExprPrinter.print(literal)
  case .name(let name): return name
  case .group(let inner): return "{\(dump(inner))}"
  case .unary(let op, let operand): return "(\(op.rawValue) \(dump(operand)))"
  case .binary(let op, let lhs, let rhs): return "(\(dump(lhs)) \(op.rawValue) \(dump(rhs)))"
  case .between(let value, let low, let high, let negated):
    return "(\(dump(value)) \(negated ? "not " : "")between \(dump(low)) \(dump(high)))"
  case .isMissing(let operand, let negated): return "(\(dump(operand)) is\(negated ? " not" : "") missing)"
  case .call(let name, _, let arguments): return "\(name)(\(arguments.map(dump).joined(separator: ", ")))"
  case .index(let base, let index): return "(\(dump(base))[\(dump(index))])"
  case .list(let elements): return "[\(elements.map(dump).joined(separator: ", "))]"
  case .conditional(let c, let t, let e): return "(if \(dump(c)) then \(dump(t)) else \(dump(e)))"
  }
}

func parse(_ text: String) -> (Expr, [Diagnostic]) {
  ExpressionParser.parse(ExpressionSource(verbatim: text, file: SourceFileID(rawValue: 0), base: 0))
}

@Suite struct ParserTests {
  @Test(arguments: [
    ("a or b and c", "(a or (b and c))"),
    ("not a and b", "((not a) and b)"),
    ("not a == b", "(not (a == b))"),
    ("a + b * c", "(a + (b * c))"),
    ("a - b - c", "((a - b) - c)"),
    ("x ?? y ?? 0", "(x ?? (y ?? 0))"),
    ("x ?? 0 > 5", "((x ?? 0) > 5)"),
    ("a + b ?? c", "((a + b) ?? c)"),
    ("-x * 2", "((- x) * 2)"),
    ("xs[-1] < 50% * xs[-3]", "((xs[-1]) < (50% * (xs[-3])))"),
    ("score between 50 and 70 and vip", "((score between 50 70) and vip)"),
    ("x not in [1, 2]", "(x not in [1, 2])"),
    ("last is not missing or y", "((last is not missing) or y)"),
    ("days_between(a, as_of) ?? 9999", "(days_between(a, as_of) ?? 9999)"),
    ("if a then 1 else 2", "(if a then 1 else 2)"),
    ("1_000.50 + 2024-03-01", "(1000.50 + 2024-03-01)"),
    ("(a + b) * c", "({(a + b)} * c)"),
    ("3mo + 4h + 90d + 1y", "(((3mo + 4h) + 90d) + 1y)"),
  ])
  func precedenceAndAssociativity(_ text: String, _ expected: String) {
    let (expr, diagnostics) = parse(text)
    #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
    #expect(dump(expr) == expected)
  }

  @Test(arguments: [
    ("a < b < c", "comparisons cannot be chained"),
    ("a = b", "unexpected character '='"),
    ("a && b", "unexpected character '&&' write 'and'"),
    ("(a + b", "expected ')' to close '('"),
    ("a +", "ends too early"),
    ("a b", "unexpected name 'b' after the end of the expression"),
    ("\"open", "unterminated string"),
    ("2024-02-30", "not a calendar date"),
    ("12abc", "is not a number or a duration"),
    ("if a then b", "expected 'else'"),
    ("x is 3", "expected 'missing' after 'is'"),
    ("f(1)(2)", "only a function name can be called"),
    ("", "is empty"),
    ("a，b", "full-width comma"),
  ])
  func syntaxErrorsSayWhatIsWrong(_ text: String, _ fragment: String) {
    let (expr, diagnostics) = parse(text)
    #expect(!expr.isWellFormed)
    #expect(diagnostics.count == 1)
    let said = diagnostics.map { "\($0.message) \($0.help ?? "")" }.joined()
    #expect(said.contains(fragment), "\(said)")
  }

  @Test func spansPointIntoTheText() {
    let text = "score >= 90 and repurchase_rate >= 80%"
    let (expr, _) = parse(text)
    guard case .binary(.and, _, let rhs) = expr.kind, case .binary(_, let name, let percent) = rhs.kind else {
      Issue.record("shape")
      return
    }
    #expect(name.span.start == 16 && name.span.end == 31)
    #expect(percent.span.start == 35 && percent.span.end == 38)
  }

  @Test func nestingIsBounded() {
    let deep = String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500)
    let (_, diagnostics) = parse(deep)
    #expect(diagnostics.map(\.code) == [.expressionTooDeep])
    let long = Array(repeating: "1", count: 2000).joined(separator: " + ")
    #expect(parse(long).1.map(\.code) == [.expressionTooDeep])
  }

  @Test func bandsParse() {
    let source = ExpressionSource(verbatim: ">= 500_000: 100", file: SourceFileID(rawValue: 0), base: 0)
    let (band, diagnostics) = ExpressionParser.parseBand(source)
    #expect(diagnostics.isEmpty)
    #expect(band?.comparison == .greaterOrEqual)
    #expect(band.map { dump($0.points) } == "100")
    let bad = ExpressionParser.parseBand(
      ExpressionSource(verbatim: "30: 100", file: SourceFileID(rawValue: 0), base: 0))
    #expect(bad.1.map(\.code) == [.invalidBand])
  }
}

/// Random sentences of the grammar: printing and parsing again gives the same tree, and no
/// input, however garbled, crashes the lexer or the parser.
@Suite struct ParserPropertyTests {
  static func randomExpression(_ random: inout SeededRandom, depth: Int) -> String {
    let atoms = [
      "x", "spend_12m", "42", "1_000.25", "80%", "90d", "3mo", "2024-03-01", "\"金\"", "true", "as_of",
      "xs[-1]",
    ]
    if depth == 0 { return atoms.randomElement(using: &random) ?? "x" }
    let sub = { (r: inout SeededRandom) in randomExpression(&r, depth: depth - 1) }
    switch Int.random(in: 0..<12, using: &random) {
    case 0: return "\(sub(&random)) + \(sub(&random))"
    case 1: return "\(sub(&random)) * \(sub(&random))"
    case 2: return "\(sub(&random)) >= \(sub(&random))"
    case 3: return "\(sub(&random)) and \(sub(&random))"
    case 4: return "\(sub(&random)) or \(sub(&random))"
    case 5: return "not \(sub(&random))"
    case 6: return "(\(sub(&random)))"
    case 7: return "\(sub(&random)) ?? \(sub(&random))"
    case 8: return "min(\(sub(&random)), \(sub(&random)))"
    case 9: return "\(sub(&random)) between \(sub(&random)) and \(sub(&random))"
    case 10: return "-\(sub(&random))"
    default: return "(if \(sub(&random)) then \(sub(&random)) else \(sub(&random)))"
    }
  }

  @Test func printThenParseGivesTheSameTree() {
    var random = SeededRandom(seed: 7)
    var checked = 0
    for _ in 0..<3000 {
      let text = Self.randomExpression(&random, depth: Int.random(in: 0...4, using: &random))
      let (first, diagnostics) = parse(text)
      // Random sentences may chain comparisons, which the grammar forbids; skip those.
      guard diagnostics.isEmpty else { continue }
      let printed = ExprPrinter.print(first)
      let (second, again) = parse(printed)
      #expect(again.isEmpty, "\(printed)")
      #expect(dump(second) == dump(first), "\(text) → \(printed)")
      #expect(ExprPrinter.print(second) == printed)
      checked += 1
    }
    #expect(checked > 1000)
  }

  @Test func garbageNeverCrashes() {
    var random = SeededRandom(seed: 99)
    let alphabet = Array("ab1_ .%\"'()[]{},:+-*/<>=!?#&|重\n\tinotandorbetweenismissing2024-03-01")
    for _ in 0..<5000 {
      let length = Int.random(in: 0..<40, using: &random)
      let text = String((0..<length).map { _ in alphabet.randomElement(using: &random) ?? "a" })
      let (expr, diagnostics) = parse(text)
      // Either a well-formed tree or at least one diagnostic, never both missing.
      #expect(expr.isWellFormed || !diagnostics.isEmpty)
      _ = ExpressionParser.parseBand(
        ExpressionSource(verbatim: text, file: SourceFileID(rawValue: 0), base: 0))
    }
  }
}

/// Printing an expression and parsing the text again gives the same text: the formatter relies
/// on it, and the expression fuzz target checks it on every input it parses.
@Suite struct PrintParseRoundTripTests {
  @Test(arguments: [
    "114.1901190111111%", "0.000000000000000001", "12.5%", "1_000_000.25", "-0.5%",
    // A quote or a backslash followed by a combining mark (found by the fuzz target).
    "'\"\u{034B}0' == x", "'a\\\u{0301}' != \"\\n\u{0301}\"", "x in [\"\\t\u{0616}\", \"\u{0301}q\"]",
  ])
  func printedExpressionsParseBackToThemselves(_ text: String) {
    let (expr, diagnostics) = parse(text)
    #expect(diagnostics.isEmpty)
    let printed = ExprPrinter.print(expr)
    let (again, problems) = parse(printed)
    #expect(problems.isEmpty, "\(printed): \(problems.map(\.message))")
    #expect(ExprPrinter.print(again) == printed, "\(text) → \(printed) → \(ExprPrinter.print(again))")
  }
}

/// String literals are read scalar by scalar: a combining mark after a quote or an escape
/// letter belongs to the text, and the quote and the escape keep their meaning.
@Suite struct StringLiteralTests {
  // Token text and the value it must give; kept out of `#expect`, whose macro expansion does not
  // survive a quote followed by a combining mark in its source.
  static let cases: [(token: Substring, value: String)] = [
    ("\"\u{0301}q\"", "\u{0301}q"), ("'a\u{0301}'", "a\u{0301}"), ("\"\\t\u{0616}\"", "\t\u{0616}"),
    ("\"\\\"\u{034B}\"", "\"\u{034B}"),
  ]

  @Test func combiningMarksNextToQuotesAndEscapesAreText() {
    for (token, value) in Self.cases {
      let read = Lexer.stringValue(of: token)
      #expect(read.unicodeScalars.elementsEqual(value.unicodeScalars), "\(token.debugDescription)")
    }
  }
}
