import Yams

/// Formats a policy file into Ladder's one canonical layout, keeping every comment.
///
/// libyaml drops comments, so the formatter works on the text and uses Yams only to find where
/// things are:
/// 1. expressions and bands are re-printed by ``ExprPrinter`` (single spaces, canonical literals),
///    where the result is still a plain scalar in its place;
/// 2. block mappings and sequences are indented two spaces per level, sequences indented under
///    their key; comments and continuation lines move with the line they belong to;
/// 3. top-level sections are put in the order of docs/language.md, each with the comments above it;
/// 4. trailing spaces go, runs of blank lines become one, the file ends with one line break.
///
/// Formatting is idempotent, and ``FormatSoundness`` checks that the result means the same.
public enum PolicyFormatter {
  public static let sectionOrder = PolicyReader.topLevelKeys
  /// Sections written together at the top without blank lines between them.
  static let headerKeys: Set<String> = [
    "ladder", "policy", "version", "title", "description", "record", "time_zone",
  ]
  /// The same for policy test files (`*.tests.yaml`), recognised by their `tests:` key.
  static let testSectionOrder = PolicyTestReader.topLevelKeys
  static let testHeaderKeys: Set<String> = ["tests", "as_of"]

  public enum Failure: Error, Sendable, Equatable {
    /// The file is not YAML that Ladder can read; `ladder check` says why.
    case unreadable
  }

  /// The formatted text of a policy (or policy test) file.
  public static func format(_ text: String) throws(Failure) -> String {
    var result = normalizeWhitespace(text)
    result = try reprintExpressions(result)
    result = try reindent(result)
    result = reorderSections(result)
    return normalizeWhitespace(result)
  }

  // MARK: - 1. White space

  static func normalizeWhitespace(_ text: String) -> String {
    let text = text.replacingOccurrences(of: "\r\n", with: "\n")
    let verbatim = scalarContinuationLines(text)
    var lines: [Substring] = []
    var previousBlank = true  // drops blank lines at the top
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      if verbatim.contains(index) {
        lines.append(raw)
        previousBlank = false
        continue
      }
      var line = raw
      while let last = line.last, last == " " || last == "\t" { line = line.dropLast() }
      let blank = line.isEmpty
      if blank && previousBlank { continue }
      lines.append(line)
      previousBlank = blank
    }
    while lines.last?.isEmpty == true { lines.removeLast() }
    return lines.joined(separator: "\n") + "\n"
  }

  // MARK: - 2. Expressions

  /// Keys whose values are expressions, at any depth where the policy language puts them.
  static let expressionKeys: Set<String> = ["when", "points", "of"]

  static func reprintExpressions(_ text: String) throws(Failure) -> String {
    let sources = SourceRegistry()
    let file = sources.add(path: "format", text: text)
    guard let root = try? Parser(yaml: text).singleRoot(), case .mapping(let top) = root else {
      throw .unreadable
    }
    let reader = Reader(file: file)
    var edits: [(range: Range<Int>, text: String)] = []

    func reprint(_ node: Node, inFlow: Bool) {
      guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return }
      let source = reader.source(of: scalar)
      let span = source.wholeSpan
      let original = file.text(of: span)
      // Only single-line scalars whose text stands verbatim in the file.
      guard original == scalar.string, !original.contains("\n") else { return }
      let (expr, problems) = ExpressionParser.parse(source)
      guard problems.isEmpty, expr.isWellFormed else { return }
      let printed = ExprPrinter.print(expr)
      guard printed != original, isSafePlainScalar(printed, inFlow: inFlow) else { return }
      edits.append((Int(span.start)..<Int(span.end), printed))
    }

    func reprintBand(_ node: Node) {
      guard case .scalar(let scalar) = node, scalar.style == .doubleQuoted || scalar.style == .singleQuoted
      else { return }
      let source = reader.source(of: scalar)
      let span = source.wholeSpan
      guard file.text(of: span) == scalar.string else { return }
      let (band, problems) = ExpressionParser.parseBand(source)
      guard let band, problems.isEmpty else { return }
      let printed = ExpressionSource.bandText(band)
      let quote: Character = scalar.style == .doubleQuoted ? "\"" : "'"
      guard printed != scalar.string, !printed.contains(quote), !printed.contains("\\") else { return }
      edits.append((Int(span.start)..<Int(span.end), printed))
    }

    func walk(_ node: Node, inFlow: Bool) {
      switch node {
      case .mapping(let mapping):
        let flow = inFlow || mapping.style == .flow
        for (key, value) in mapping {
          let name = key.string ?? ""
          if expressionKeys.contains(name) { reprint(value, inFlow: flow) }
          if name == "bands", case .sequence(let bands) = value {
            for band in bands { reprintBand(band) }
          }
          walk(value, inFlow: flow)
        }
      case .sequence(let sequence):
        for item in sequence { walk(item, inFlow: inFlow || sequence.style == .flow) }
      default:
        break
      }
    }
    for (key, value) in top {
      let name = key.string ?? ""
      // Only policy sections hold expressions; a test file's records are data.
      guard ["let", "score", "tiers", "review"].contains(name) else { continue }
      if name == "let", case .mapping(let lets) = value {
        for (_, expression) in lets { reprint(expression, inFlow: lets.style == .flow) }
        continue
      }
      walk(value, inFlow: false)
    }
    var bytes = Array(text.utf8)
    for edit in edits.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
      bytes.replaceSubrange(edit.range, with: Array(edit.text.utf8))
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Whether `text` reads back as the same plain scalar where it stands.
  static func isSafePlainScalar(_ text: String, inFlow: Bool) -> Bool {
    guard let first = text.first,
      !"-?:,[]{}#&*!|>'\"%@`".contains(first)
        || (first == "-" && text.count > 1 && text.dropFirst().first != " ")
    else { return false }
    if text.contains(": ") || text.contains(" #") || text.hasSuffix(":") { return false }
    if inFlow && text.contains(where: { ",[]{}".contains($0) }) { return false }
    return true
  }

  // MARK: - 3. Indentation

  static func reindent(_ text: String) throws(Failure) -> String {
    let sources = SourceRegistry()
    let file = sources.add(path: "format", text: text)
    guard let root = try? Parser(yaml: text).singleRoot() else { throw .unreadable }
    // Desired indentation of the lines that start a block key or a sequence item (0-based lines).
    var desired: [Int: Int] = [:]

    func line(of node: Node) -> Int { (node.mark?.line ?? 1) - 1 }

    func walk(_ node: Node, indent: Int) {
      switch node {
      case .mapping(let mapping) where mapping.style != .flow:
        for (key, value) in mapping {
          let keyLine = line(of: key)
          // The first key of a sequence item shares the dash's line: the dash decides.
          if desired[keyLine] == nil && columnOfFirstText(file, keyLine) == (key.mark?.column ?? 1) - 1 {
            desired[keyLine] = indent
          }
          if line(of: value) > keyLine || isBlockSequence(value) { walk(value, indent: indent + 2) }
        }
      case .sequence(let sequence) where sequence.style != .flow:
        for item in sequence {
          // Find the dash on the item's line (or the line before, for an item on its own line).
          if let dashLine = dashLine(file, before: item) {
            desired[dashLine] = indent
            walk(item, indent: indent + 2)
          }
        }
      default:
        break
      }
    }
    walk(root, indent: 0)

    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    // Each line's shift: its own when it is structural, else that of the structural line it
    // belongs to (comments: the next one; continuations: the previous one).
    var shifts = [Int](repeating: 0, count: lines.count)
    var lastShift = 0
    var pendingComments: [Int] = []
    var inBlockScalar: Int?  // indentation of the line that opened a | or > scalar
    for index in lines.indices {
      let current = lines[index]
      let indentation = current.prefix { $0 == " " }.count
      let trimmed = current.drop { $0 == " " }
      if let opener = inBlockScalar, trimmed.isEmpty || indentation > opener {
        shifts[index] = lastShift
        continue
      }
      inBlockScalar = nil
      if let target = desired[index] {
        lastShift = target - indentation
        shifts[index] = lastShift
        for comment in pendingComments { shifts[comment] = lastShift }
        pendingComments = []
      } else if trimmed.hasPrefix("#") {
        pendingComments.append(index)
      } else {
        shifts[index] = lastShift
      }
      if trimmed.hasSuffix("|") || trimmed.hasSuffix(">") || trimmed.hasSuffix("|-")
        || trimmed.hasSuffix(">-")
        || trimmed.hasSuffix("|+") || trimmed.hasSuffix(">+")
      {
        inBlockScalar = indentation
      }
    }
    for comment in pendingComments { shifts[comment] = lastShift }
    for index in lines.indices where !lines[index].isEmpty {
      let indentation = lines[index].prefix { $0 == " " }.count
      let target = max(0, indentation + shifts[index])
      var body = Substring(lines[index].dropFirst(indentation))
      // "-   key" becomes "- key".
      if desired[index] != nil, body.hasPrefix("- ") {
        body = body.dropFirst(2).drop { $0 == " " }
        body = "- " + body
      }
      lines[index] = String(repeating: " ", count: target) + body
    }
    return lines.joined(separator: "\n")
  }

  static func isBlockSequence(_ node: Node) -> Bool {
    if case .sequence(let sequence) = node { return sequence.style != .flow }
    return false
  }

  /// The 0-based column of the first non-space character of a line.
  static func columnOfFirstText(_ file: SourceFile, _ line: Int) -> Int {
    guard line < file.lineCount else { return 0 }
    return file.lineBytes(line).prefix { $0 == UInt8(ascii: " ") }.count
  }

  /// The line of the `-` that introduces a sequence item.
  static func dashLine(_ file: SourceFile, before item: Node) -> Int? {
    guard let mark = item.mark else { return nil }
    var offset = file.offset(line: mark.line, column: mark.column) - 1
    while offset >= 0 {
      let byte = file.bytes[offset]
      if byte == UInt8(ascii: "-") { return file.lineIndex(containing: offset) }
      if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\n") && byte != UInt8(ascii: "\r") { return nil }
      offset -= 1
    }
    return nil
  }

  // MARK: - 4. Section order

  static func reorderSections(_ text: String) -> String {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let verbatim = scalarContinuationLines(text)
    // Blocks: a top-level key line with the comments directly above it and everything after it
    // up to the next block.
    struct Block {
      var key: String
      var lines: [String]
    }
    var preamble: [String] = []
    var blocks: [Block] = []
    var pending: [String] = []
    for (index, line) in lines.enumerated() {
      // A line inside a multi-line string belongs to the string, whatever it looks like.
      if verbatim.contains(index), !blocks.isEmpty {
        blocks[blocks.count - 1].lines += pending + [line]
        pending = []
        continue
      }
      let isTopLevelKey =
        !line.isEmpty && !line.hasPrefix(" ") && !line.hasPrefix("#") && !line.hasPrefix("-")
        && !line.hasPrefix("---") && line.contains(":")
      if isTopLevelKey {
        let key = String(line.prefix { $0 != ":" }).trimmingWhitespace
        // Comments directly above (no blank line between) belong to the key; the rest stays.
        var attached: [String] = []
        while let last = pending.last, last.hasPrefix("#") {
          attached.insert(last, at: 0)
          pending.removeLast()
        }
        if blocks.isEmpty { preamble += pending } else { blocks[blocks.count - 1].lines += pending }
        pending = []
        blocks.append(Block(key: key, lines: attached + [line]))
      } else if blocks.isEmpty || line.isEmpty || line.hasPrefix("#") {
        pending.append(line)
      } else {
        blocks[blocks.count - 1].lines += pending + [line]
        pending = []
      }
    }
    if blocks.isEmpty { return text }
    blocks[blocks.count - 1].lines += pending
    let isTestFile = blocks.contains { $0.key == "tests" }
    let order = isTestFile ? testSectionOrder : sectionOrder
    let headerKeys = isTestFile ? testHeaderKeys : Self.headerKeys
    let rank = { (key: String) in order.firstIndex(of: key) ?? order.count }
    let ordered = blocks.enumerated().sorted { lhs, rhs in
      rank(lhs.element.key) != rank(rhs.element.key)
        ? rank(lhs.element.key) < rank(rhs.element.key) : lhs.offset < rhs.offset
    }.map(\.element)
    var out = preamble
    while out.last?.isEmpty == true { out.removeLast() }
    if !out.isEmpty { out.append("") }
    for (index, block) in ordered.enumerated() {
      var body = block.lines
      while body.last?.isEmpty == true { body.removeLast() }
      while body.first?.isEmpty == true { body.removeFirst() }
      let previousIsHeader = index > 0 && headerKeys.contains(ordered[index - 1].key)
      if index > 0 && !(headerKeys.contains(block.key) && previousIsHeader) { out.append("") }
      out += body
    }
    return out.joined(separator: "\n") + "\n"
  }
}
