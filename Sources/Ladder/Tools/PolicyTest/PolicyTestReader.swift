import Yams

/// Reads a `.tests.yaml` file into a ``PolicyTestSuite``, reporting problems as diagnostics
/// with spans, like policy files.
public enum PolicyTestReader {
  static let topLevelKeys = ["tests", "as_of", "defaults", "cases", "tables"]
  static let caseKeys = ["name", "record", "as_of", "expect"]
  static let tableKeys = ["name", "record", "expect", "rows", "as_of"]
  static let expectKeys = [
    "tier", "not_tier", "score", "benefits", "lacks_benefits", "outputs", "fired", "quiet", "review_due",
    "rejected", "service_levels",
  ]

  public static func read(_ file: SourceFile, into diagnostics: inout DiagnosticBag) -> PolicyTestSuite? {
    guard let root = PolicyReader.loadYAML(file, what: "test suite", into: &diagnostics) else { return nil }
    var reader = Reader(file: file)
    var policyPath: Located<String>?
    var suite = PolicyTestSuite(file: file.id, policyPath: Located("", at: file.span(0, 0)))
    reader.forEachKnownKey(root, of: "the test file", allowed: topLevelKeys) { reader, key, _, value in
      switch key {
      case "tests": policyPath = reader.scalarString(value, for: "'tests'")
      case "as_of":
        suite.asOf = reader.date(value, for: "'as_of'")
        suite.clock = reader.clock(value)
      case "defaults": suite.defaults = reader.recordValues(value, for: "'defaults'")
      case "cases":
        guard case .sequence(let items) = value else {
          reader.wrongShape(value, expected: "a list", for: "'cases'")
          return
        }
        for item in items { if let testCase = reader.readCase(item) { suite.cases.append(testCase) } }
      case "tables":
        guard case .sequence(let items) = value else {
          reader.wrongShape(value, expected: "a list", for: "'tables'")
          return
        }
        for item in items { suite.cases.append(contentsOf: reader.readTable(item)) }
      default: break
      }
    }
    diagnostics.append(contentsOf: reader.diagnostics)
    guard let policyPath else {
      diagnostics.add(
        Diagnostic(
          .missingKey, "the test file does not name its policy", at: file.span(0, 0),
          help: "add 'tests: <policy file>', relative to this file"))
      return nil
    }
    suite.policyPath = policyPath
    return diagnostics.hasErrors ? nil : suite
  }
}

extension Reader {
  /// A date, or a date and time with its offset (the date is its own, in that offset).
  mutating func date(_ node: Node, for what: String) -> Located<CivilDate>? {
    guard let text = scalarString(node, for: what) else { return nil }
    if let instant = LadderInstant(parsing: text.value) { return Located(instant.localDate, at: text.span) }
    guard let date = CivilDate(parsing: text.value) else {
      report(
        Diagnostic(
          .invalidLiteral,
          "'\(text.value)' is not a date (YYYY-MM-DD) or a date and time (2024-03-01T09:30+08:00)",
          at: text.span))
      return nil
    }
    return Located(date, at: text.span)
  }

  /// The moment an `as_of` with a time names; `nil` for a date alone.
  func clock(_ node: Node) -> LadderInstant? {
    guard case .scalar(let scalar) = node else { return nil }
    return LadderInstant(parsing: scalar.string)
  }

  /// A record's values: scalars as text, lists as arrays, empty values as missing.
  mutating func recordValues(_ node: Node, for what: String) -> [(name: Located<String>, value: RawValue)] {
    var values: [(Located<String>, RawValue)] = []
    forEachNamedEntry(node, of: what) { reader, name, value in values.append((name, reader.rawValue(value))) }
    return values
  }

  func rawValue(_ node: Node) -> RawValue {
    switch node {
    case .scalar(let scalar): return Reader.isNull(node) ? .null : .text(scalar.string)
    case .sequence(let items): return .array(items.map { rawValue($0) })
    default: return .null
    }
  }

  mutating func readCase(_ node: Node) -> PolicyTestCase? {
    var testCase = PolicyTestCase(name: "", span: span(of: node))
    forEachKnownKey(node, of: "a test case", allowed: PolicyTestReader.caseKeys) { reader, key, _, value in
      switch key {
      case "name": testCase.name = reader.scalarString(value, for: "'name'")?.value ?? ""
      case "record": testCase.record = reader.recordValues(value, for: "'record'")
      case "as_of":
        testCase.asOf = reader.date(value, for: "'as_of'")?.value
        testCase.clock = reader.clock(value)
      case "expect": testCase.expectations = reader.readExpectations(value)
      default: break
      }
    }
    if testCase.name.isEmpty {
      report(
        Diagnostic(
          .missingKey, "a test case has no 'name'", at: testCase.span,
          help: "name the case after what it shows"))
    }
    if testCase.expectations.isEmpty {
      report(
        Diagnostic(
          .missingKey, "test case '\(testCase.name)' expects nothing", at: testCase.span,
          help: "add 'expect:' with a tier, score, benefits, triggers or review_due"))
    }
    return testCase
  }

  mutating func readExpectations(_ node: Node) -> [PolicyExpectation] {
    var result: [PolicyExpectation] = []
    forEachKnownKey(node, of: "'expect'", allowed: PolicyTestReader.expectKeys) { reader, key, _, value in
      func names() -> [Located<String>] {
        if case .sequence(let items) = value {
          return items.compactMap { reader.scalarString($0, for: "'\(key)'") }
        }
        return reader.scalarString(value, for: "'\(key)'").map { [$0] } ?? []
      }
      switch key {
      case "tier": result += names().map { .tier($0.value, $0.span) }
      case "not_tier": result += names().map { .notTier($0.value, $0.span) }
      case "fired": result += names().map { .fired($0.value, $0.span) }
      case "quiet": result += names().map { .quiet($0.value, $0.span) }
      case "lacks_benefits": result += names().map { .lacksBenefit($0.value, $0.span) }
      case "score":
        guard let text = reader.scalarString(value, for: "'score'") else { return }
        guard let number = FixedDecimal(parsing: text.value) else {
          reader.report(Diagnostic(.invalidValue, "'\(text.value)' is not a score", at: text.span))
          return
        }
        result.append(.score(number, text.span))
      case "review_due":
        if let flag = reader.bool(value, for: "'review_due'") {
          result.append(.reviewDue(flag.value, flag.span))
        }
      case "rejected":
        if case .scalar(let scalar) = value, scalar.string == "true" {
          result.append(.rejected(reason: nil, reader.span(of: value)))
        } else if let text = reader.scalarString(value, for: "'rejected'") {
          result.append(.rejected(reason: text.value, text.span))
        }
      case "benefits":
        reader.forEachNamedEntry(value, of: "'benefits'") { reader, name, benefit in
          guard case .scalar(let scalar) = benefit else {
            reader.wrongShape(benefit, expected: "a single value", for: "benefit '\(name.value)'")
            return
          }
          let shown = CompiledPolicy.display(Reader.benefitValue(scalar))
          result.append(.benefit(name: name.value, value: shown, reader.span(of: benefit)))
        }
      case "service_levels":
        reader.forEachNamedEntry(value, of: "'service_levels'") { reader, target, parts in
          reader.forEachKnownKey(
            parts, of: "the expectations of target '\(target.value)'",
            allowed: ServiceLevelPart.allCases.map(\.rawValue)
          ) { reader, part, _, expected in
            guard let text = reader.scalarString(expected, for: "'\(part)' of target '\(target.value)'")
            else { return }
            result.append(.serviceLevel(target: target.value, part: part, value: text.value, text.span))
          }
        }
      case "outputs":
        reader.forEachNamedEntry(value, of: "'outputs'") { reader, name, output in
          guard case .scalar(let scalar) = output else {
            reader.wrongShape(output, expected: "a single value", for: "output '\(name.value)'")
            return
          }
          result.append(.output(name: name.value, value: scalar.string, reader.span(of: output)))
        }
      default: break
      }
    }
    return result
  }

  /// A table: one case per row, named after the table and the row's values.
  mutating func readTable(_ node: Node) -> [PolicyTestCase] {
    var name = ""
    var fields: [Located<String>] = []
    var expectKeys: [Located<String>] = []
    var rows: [Node] = []
    var asOf: CivilDate?
    forEachKnownKey(node, of: "a test table", allowed: PolicyTestReader.tableKeys) { reader, key, _, value in
      func list() -> [Located<String>] {
        guard case .sequence(let items) = value else {
          reader.wrongShape(value, expected: "a list of names", for: "'\(key)'")
          return []
        }
        return items.compactMap { reader.scalarString($0, for: "a column of '\(key)'") }
      }
      switch key {
      case "name": name = reader.scalarString(value, for: "'name'")?.value ?? ""
      case "record": fields = list()
      case "expect": expectKeys = list()
      case "as_of": asOf = reader.date(value, for: "'as_of'")?.value
      case "rows":
        if case .sequence(let items) = value {
          rows = Array(items)
        } else {
          reader.wrongShape(value, expected: "a list", for: "'rows'")
        }
      default: break
      }
    }
    for key in expectKeys
    where !["tier", "not_tier", "score", "fired", "quiet", "review_due"].contains(key.value) {
      report(
        Diagnostic(
          .unknownKey, "a table cannot expect '\(key.value)'", at: key.span,
          help: "table columns can expect tier, not_tier, score, fired, quiet or review_due"))
    }
    var cases: [PolicyTestCase] = []
    for (index, row) in rows.enumerated() {
      guard case .sequence(let cells) = row, cells.count == fields.count + expectKeys.count else {
        report(
          Diagnostic(
            .wrongShape,
            "row \(index + 1) of table '\(name)' must list \(fields.count + expectKeys.count) values",
            at: span(of: row), help: "one value per 'record' column, then one per 'expect' column"))
        continue
      }
      var testCase = PolicyTestCase(name: "", span: span(of: row), asOf: asOf)
      var shown: [String] = []
      for (field, cell) in zip(fields, cells) {
        testCase.record.append((field, rawValue(cell)))
        if case .scalar(let scalar) = cell { shown.append("\(field.value)=\(scalar.string)") }
      }
      for (key, cell) in zip(expectKeys, cells.dropFirst(fields.count)) {
        guard case .scalar(let scalar) = cell else { continue }
        let cellSpan = span(of: cell)
        switch key.value {
        case "tier": testCase.expectations.append(.tier(scalar.string, cellSpan))
        case "not_tier": testCase.expectations.append(.notTier(scalar.string, cellSpan))
        case "fired": testCase.expectations.append(.fired(scalar.string, cellSpan))
        case "quiet": testCase.expectations.append(.quiet(scalar.string, cellSpan))
        case "review_due": testCase.expectations.append(.reviewDue(scalar.string == "true", cellSpan))
        case "score":
          if let number = FixedDecimal(parsing: scalar.string) {
            testCase.expectations.append(.score(number, cellSpan))
          }
        default: break
        }
      }
      testCase.name = "\(name) [\(shown.joined(separator: ", "))]"
      cases.append(testCase)
    }
    return cases
  }
}
