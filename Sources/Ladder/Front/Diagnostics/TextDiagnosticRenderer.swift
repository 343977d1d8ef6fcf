/// Renders diagnostics as gcc-compatible first lines followed by a rustc-style source snippet.
///
/// ```
/// policies/b2b.yaml:14:13: error: unknown name 'spend12m' [L0301]
///    |
/// 14 |       when: spend12m >= 500000
///    |             ^^^^^^^^ not a field of record 'customer'
///    |
///    = help: did you mean 'spend_12m'?
/// ```
public struct TextDiagnosticRenderer {
  public var sources: SourceRegistry
  public var useColor: Bool
  /// Source lines wider than this many cells are shown as a window around the span.
  public var maximumSnippetWidth = 120

  public init(sources: SourceRegistry, useColor: Bool = false) {
    self.sources = sources
    self.useColor = useColor
  }

  public func render(_ diagnostics: [Diagnostic]) -> String {
    diagnostics.map(render).joined()
  }

  public func render(_ diagnostic: Diagnostic) -> String {
    var out = ""
    let severityText = paint(
      diagnostic.severity.rawValue,
      diagnostic.severity == .error ? "1;31" : diagnostic.severity == .warning ? "1;33" : "1;36")
    if let span = diagnostic.span, let file = sources.file(span.file) {
      let location = file.location(of: Int(span.start))
      out += paint("\(file.path):\(location.line):\(location.column):", "1")
      out += " \(severityText): \(diagnostic.message) [\(diagnostic.code.rawValue)]\n"
      out += snippet(
        file: file, span: span, label: diagnostic.label, severity: diagnostic.severity, help: diagnostic.help)
    } else {
      out += "\(severityText): \(diagnostic.message) [\(diagnostic.code.rawValue)]\n"
      if let help = diagnostic.help { out += "  = help: \(help)\n" }
    }
    for note in diagnostic.notes {
      if let span = note.span, let file = sources.file(span.file) {
        let location = file.location(of: Int(span.start))
        out += "\(paint("note", "1;36")): \(note.message): \(file.path):\(location.line):\(location.column)\n"
      } else {
        out += "\(paint("note", "1;36")): \(note.message)\n"
      }
    }
    return out
  }

  /// `2 errors, 1 warning` — or `no problems` when there is nothing to say.
  public static func summary(errors: Int, warnings: Int) -> String {
    if errors == 0 && warnings == 0 { return "no problems" }
    var parts: [String] = []
    if errors > 0 { parts.append("\(errors) error\(errors == 1 ? "" : "s")") }
    if warnings > 0 { parts.append("\(warnings) warning\(warnings == 1 ? "" : "s")") }
    return parts.joined(separator: ", ")
  }

  private func paint(_ text: String, _ code: String) -> String {
    useColor ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }

  private func snippet(file: SourceFile, span: SourceSpan, label: String?, severity: Severity, help: String?)
    -> String
  {
    let lineIndex = file.lineIndex(containing: Int(span.start))
    let lineNumber = String(lineIndex + 1)
    let gutter = String(repeating: " ", count: lineNumber.count)
    let lineBytes = file.lineBytes(lineIndex)
    let lineStart = file.lineStarts[lineIndex]
    let lineText = String(decoding: lineBytes, as: UTF8.self)

    // Cells before the span and under it; a span running past the line ends at the line end.
    // A span may start past the shown line: after a '\r' that ends it, or at the end of the file.
    let startInLine = min(lineBytes.count, max(0, Int(span.start) - lineStart))
    let endInLine = min(lineBytes.count, max(startInLine, Int(span.end) - lineStart))
    let before = decode(lineBytes, 0, startInLine)
    let inside = decode(lineBytes, startInLine, endInLine)
    var shownLine = expandTabs(lineText)
    var caretOffset = width(expandTabs(before))
    let caretWidth = max(1, width(inside))

    if width(shownLine) > maximumSnippetWidth {
      // Show a window that starts a little before the span: a megabyte line stays one line.
      let window = windowed(lineText, around: before.unicodeScalars.count, caretWidth: caretWidth)
      shownLine = window.text
      caretOffset = window.caretOffset
    }
    var out = "\(gutter) |\n"
    out += "\(lineNumber) | \(shownLine)\n"
    let carets = paint(String(repeating: "^", count: caretWidth), severity == .error ? "1;31" : "1;33")
    out += "\(gutter) | \(String(repeating: " ", count: caretOffset))\(carets)"
    if let label { out += " \(label)" }
    out += "\n"
    if let help {
      out += "\(gutter) |\n"
      out += "\(gutter) = help: \(help)\n"
    }
    return out
  }

  private func decode(_ bytes: ArraySlice<UInt8>, _ from: Int, _ to: Int) -> String {
    let base = bytes.startIndex
    return String(decoding: bytes[(base + from)..<(base + to)], as: UTF8.self)
  }

  /// Tabs become spaces and other control characters their visible symbols (U+2400…), so a
  /// snippet of a binary file never sends raw control bytes to the terminal.
  private func expandTabs(_ text: String) -> String {
    let text = String(
      String.UnicodeScalarView(
        text.unicodeScalars.map { scalar in
          scalar.value < 0x20 && scalar != "\t"
            ? Unicode.Scalar(0x2400 + scalar.value) ?? "?" : scalar.value == 0x7F ? "\u{2421}" : scalar
        }))
    guard text.contains("\t") else { return text }
    var out = ""
    var column = 0
    for character in text {
      if character == "\t" {
        let spaces = 4 - column % 4
        out += String(repeating: " ", count: spaces)
        column += spaces
      } else {
        out.append(character)
        column += DisplayWidth.of(String(character))
      }
    }
    return out
  }

  private func width(_ text: String) -> Int { DisplayWidth.of(text) }

  private func windowed(_ line: String, around scalarOffset: Int, caretWidth: Int) -> (
    text: String, caretOffset: Int
  ) {
    let scalars = Array(line.unicodeScalars)
    let start = max(0, scalarOffset - 30)
    var text = start > 0 ? "…" : ""
    var cells = start > 0 ? 1 : 0
    var caretOffset = 0
    var index = start
    while index < scalars.count && cells < maximumSnippetWidth + caretWidth {
      if index == scalarOffset { caretOffset = cells }
      let raw = scalars[index]
      let scalar = raw == "\t" ? " " : raw.value < 0x20 ? Unicode.Scalar(0x2400 + raw.value) ?? "?" : raw
      text.unicodeScalars.append(scalar)
      cells += DisplayWidth.of(scalar)
      index += 1
    }
    if index == scalarOffset { caretOffset = cells }
    if index < scalars.count { text += "…" }
    return (text, caretOffset)
  }
}
