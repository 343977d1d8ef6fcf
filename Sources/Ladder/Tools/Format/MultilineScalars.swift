import Yams

extension PolicyFormatter {
  /// The 0-based lines that continue a scalar begun on an earlier line: the lines of a quoted
  /// string after its first, the content of a `|` or `>` block, the continuation of a plain
  /// scalar. Blank lines and spaces there are part of the value (two blank lines in a quoted
  /// string are two line breaks), so the formatter copies these lines as they are. Empty when
  /// the text is not YAML Ladder can read.
  static func scalarContinuationLines(_ text: String) -> Set<Int> {
    guard let root = try? Parser(yaml: text).singleRoot() else { return [] }
    let file = SourceRegistry().add(path: "format", text: text)
    let bytes = file.bytes
    let reader = Reader(file: file)
    var lines: Set<Int> = []

    func protect(from start: Int, to end: Int) {
      let first = file.lineIndex(containing: start)
      let last = file.lineIndex(containing: min(max(end, start), max(0, bytes.count - 1)))
      if last > first { lines.formUnion((first + 1)...last) }
    }

    /// The offset of a quoted scalar's closing quote.
    func closingQuote(from open: Int) -> Int {
      let quote = bytes[open]
      var index = open + 1
      while index < bytes.count {
        let byte = bytes[index]
        if quote == UInt8(ascii: "\"") && byte == UInt8(ascii: "\\") {
          index += 2
          continue
        }
        if byte == quote {
          // '' inside a single-quoted scalar is one quote.
          if quote == UInt8(ascii: "'"), index + 1 < bytes.count, bytes[index + 1] == quote {
            index += 2
            continue
          }
          return index
        }
        index += 1
      }
      return bytes.count - 1
    }

    /// The last line of a block scalar's content: while lines are blank or indented at least
    /// as much as its first content line. Trailing blank lines count only with `+` (keep).
    func blockEnd(header: Int, keep: Bool) -> Int {
      let headerLine = file.lineIndex(containing: header)
      var contentIndent: Int?
      var last = headerLine
      var line = headerLine + 1
      while line < file.lineCount {
        let content = file.lineBytes(line)
        let indentation = content.prefix { $0 == UInt8(ascii: " ") }.count
        let blank = content.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }
        if blank {
          if keep { last = line }
        } else {
          if contentIndent == nil { contentIndent = indentation }
          guard let contentIndent, indentation >= contentIndent else { break }
          last = line
        }
        line += 1
      }
      return last
    }

    func visit(_ node: Node) {
      switch node {
      case .scalar(let scalar):
        let start = PolicyReader.offset(of: scalar.mark, in: file)
        guard start < bytes.count else { return }
        switch scalar.style {
        case .singleQuoted, .doubleQuoted:
          protect(from: start, to: closingQuote(from: start))
        case .literal, .folded:
          let headerLine = file.lineIndex(containing: start)
          let header = file.lineBytes(headerLine)
          let last = blockEnd(header: start, keep: header.contains(UInt8(ascii: "+")))
          if last > headerLine { lines.formUnion((headerLine + 1)...last) }
        default:
          let source = reader.source(of: scalar)
          protect(from: start, to: Int(source.wholeSpan.end) - 1)
        }
      case .mapping(let mapping):
        for (key, value) in mapping {
          visit(key)
          visit(value)
        }
      case .sequence(let sequence):
        for item in sequence { visit(item) }
      case .alias:
        break
      }
    }
    visit(root)
    return lines
  }
}
