import Foundation
import Ladder
import LadderTestSupport
import Testing

/// A reader for the subset of ISO EBNF that `grammar/expression.ebnf` uses.
struct EBNF {
  indirect enum Node {
    case terminal(String)
    case rule(String)
    case special(String)
    case sequence([Node])
    case choice([Node])
    case optional(Node)
    case repetition(Node)
  }

  var rules: [String: Node] = [:]
  var order: [String] = []
  /// Rules written after the "Lexical rules" comment: generated without spaces.
  var lexical: Set<String> = []

  init(_ text: String) throws {
    var tokens: [String] = []
    var index = text.startIndex
    var lexicalStart: [Int] = []
    while index < text.endIndex {
      let character = text[index]
      if text[index...].hasPrefix("(*") {
        guard let end = text[index...].range(of: "*)") else { throw CocoaError(.fileReadCorruptFile) }
        if text[index..<end.upperBound].contains("Lexical rules") { lexicalStart.append(tokens.count) }
        index = end.upperBound
      } else if character == "\"" || character == "?" {
        guard let close = text[text.index(after: index)...].firstIndex(of: character) else {
          throw CocoaError(.fileReadCorruptFile)
        }
        tokens.append(String(text[index...close]))
        index = text.index(after: close)
      } else if character.isLetter || character == "_" {
        var end = index
        while end < text.endIndex, text[end].isLetter || text[end] == "_" { end = text.index(after: end) }
        tokens.append(String(text[index..<end]))
        index = end
      } else if "=;|,[]{}()".contains(character) {
        tokens.append(String(character))
        index = text.index(after: index)
      } else {
        index = text.index(after: index)
      }
    }
    var position = 0
    func parseChoice() -> Node {
      var options = [parseSequence()]
      while position < tokens.count, tokens[position] == "|" {
        position += 1
        options.append(parseSequence())
      }
      return options.count == 1 ? options[0] : .choice(options)
    }
    func parseSequence() -> Node {
      var items: [Node] = []
      while position < tokens.count, !["|", ";", "]", "}", ")"].contains(tokens[position]) {
        let token = tokens[position]
        position += 1
        switch token {
        case ",": continue
        case "[":
          items.append(.optional(parseChoice()))
          position += 1
        case "{":
          items.append(.repetition(parseChoice()))
          position += 1
        case "(":
          items.append(parseChoice())
          position += 1
        default:
          if token.hasPrefix("\"") {
            items.append(.terminal(String(token.dropFirst().dropLast())))
          } else if token.hasPrefix("?") {
            items.append(.special(String(token.dropFirst().dropLast())))
          } else {
            items.append(.rule(token))
          }
        }
      }
      return items.count == 1 ? items[0] : .sequence(items)
    }
    while position + 1 < tokens.count {
      let name = tokens[position]
      guard tokens[position + 1] == "=" else { throw CocoaError(.fileReadCorruptFile) }
      let isLexical = lexicalStart.contains { $0 <= position }
      position += 2
      rules[name] = parseChoice()
      order.append(name)
      if isLexical { lexical.insert(name) }
      position += 1  // ;
    }
  }

  /// Every terminal reachable inside a rule, not following references.
  static func terminals(_ node: Node) -> Set<String> {
    switch node {
    case .terminal(let text): [text]
    case .rule, .special: []
    case .sequence(let items), .choice(let items):
      items.reduce(into: Set<String>()) { $0.formUnion(terminals($1)) }
    case .optional(let inner), .repetition(let inner): terminals(inner)
    }
  }

  func terminals(ofRules names: [String]) -> Set<String> {
    names.reduce(into: Set<String>()) { result, name in
      rules[name].map { result.formUnion(Self.terminals($0)) }
    }
  }
}

/// Random sentences from the grammar, bounded in depth.
struct SentenceGenerator {
  let grammar: EBNF
  var random: SeededRandom
  static let samples: [String: [String]] = [
    "identifier": ["x", "spend_12m", "as_of", "score", "monthly_spend", "min", "days_between"],
    "digits": ["0", "30", "1_000", "500_000"],
    "date": ["2024-03-01", "1999-12-31"],
    "string": ["\"gold\"", "'金卡'", "\"a \\\"quoted\\\" word\""],
  ]

  mutating func generate(_ name: String, depth: Int) -> String {
    guard let node = grammar.rules[name] else { return name }
    let joiner = grammar.lexical.contains(name) ? "" : " "
    return generate(node, depth: depth, joiner: joiner, rule: name)
  }

  private mutating func generate(_ node: EBNF.Node, depth: Int, joiner: String, rule: String) -> String {
    switch node {
    case .terminal(let text): return text
    case .special: return Self.samples[rule]?.randomElement(using: &random) ?? "x"
    case .rule(let name):
      if let samples = Self.samples[name] { return samples.randomElement(using: &random) ?? "x" }
      return generate(name, depth: depth + 1)
    case .sequence(let items):
      return items.map { generate($0, depth: depth, joiner: joiner, rule: rule) }.joined(separator: joiner)
    case .choice(let options):
      // Deep down, take the first option that does not recurse into `expression`: every
      // level's rule lists its way down before its way back up.
      let pick =
        depth > 6
        ? options.first { !mentionsExpression($0) } ?? options[0]
        : options.randomElement(using: &random) ?? options[0]
      return generate(pick, depth: depth, joiner: joiner, rule: rule)
    case .optional(let inner):
      return depth > 6 || Bool.random(using: &random)
        ? "" : generate(inner, depth: depth, joiner: joiner, rule: rule)
    case .repetition(let inner):
      let count = depth > 6 ? 0 : Int.random(in: 0...2, using: &random)
      return (0..<count).map { _ in generate(inner, depth: depth, joiner: joiner, rule: rule) }.joined(
        separator: joiner)
    }
  }

  private func mentionsExpression(_ node: EBNF.Node) -> Bool {
    switch node {
    case .rule(let name):
      ["expression", "conditional", "not_expr", "unary", "coalesce", "list", "call"].contains(name)
    case .terminal, .special: false
    case .sequence(let items), .choice(let items): items.contains(where: mentionsExpression)
    case .optional, .repetition: false
    }
  }
}

@Suite struct GrammarTests {
  static func grammar() throws -> EBNF {
    try EBNF(String(contentsOfFile: RepositoryPaths.path("grammar/expression.ebnf"), encoding: .utf8))
  }

  @Test func keywordsMatchTheLexer() throws {
    let grammar = try Self.grammar()
    let syntactic = grammar.order.filter { !grammar.lexical.contains($0) }
    let words = grammar.terminals(ofRules: syntactic).filter { $0.first?.isLetter == true }
    #expect(words == Set(Keyword.allCases.map(\.rawValue)))
    let units = grammar.terminals(ofRules: ["duration_unit"])
    #expect(units == Set(LadderDuration.Unit.allCases.map(\.rawValue)))
  }

  @Test func operatorsMatchTheLexer() throws {
    let grammar = try Self.grammar()
    let syntactic = grammar.order.filter { !grammar.lexical.contains($0) }
    let symbols = grammar.terminals(ofRules: syntactic).filter { $0.first?.isLetter == false }
    #expect(symbols == Set(Symbol.allCases.map(\.rawValue)))
  }

  /// Each precedence rule of the grammar holds exactly the operators of the parser's level.
  @Test func precedenceLevelsMatchTheParser() throws {
    let grammar = try Self.grammar()
    let levelRules: [[String]] = [
      ["conditional"], ["or_expr"], ["and_expr"], ["not_expr"], ["comparison", "compare_tail", "compare_op"],
      ["coalesce"],
      ["additive"], ["multiplicative"], ["unary"], ["postfix", "call"],
    ]
    #expect(levelRules.count == ExpressionParser.precedenceLevels.count)
    let spelled: [String: [String]] = [
      "if": ["if", "then", "else"], "not in": ["not", "in"], "is missing": ["is", "not", "missing"],
      "between": ["between", "and"], "unary -": ["-"], "call": ["(", ")", ","], "index": ["[", "]"],
    ]
    for (rules, operators) in zip(levelRules, ExpressionParser.precedenceLevels) {
      let expected = Set(operators.flatMap { spelled[$0] ?? [$0] })
      #expect(grammar.terminals(ofRules: rules) == expected, "level \(rules) vs \(operators)")
    }
  }

  @Test func generatedSentencesParse() throws {
    var generator = SentenceGenerator(grammar: try Self.grammar(), random: SeededRandom(seed: 2024))
    for _ in 0..<2000 {
      let sentence = generator.generate("expression", depth: 0)
      let (_, diagnostics) = ExpressionParser.parse(
        ExpressionSource(verbatim: sentence, file: SourceFileID(rawValue: 0), base: 0))
      #expect(diagnostics.isEmpty, "\(sentence): \(diagnostics.map(\.message))")
    }
    for _ in 0..<300 {
      let band = generator.generate("band", depth: 3)
      let (parsed, diagnostics) = ExpressionParser.parseBand(
        ExpressionSource(verbatim: band, file: SourceFileID(rawValue: 0), base: 0))
      #expect(parsed != nil && diagnostics.isEmpty, "\(band)")
    }
  }
}
