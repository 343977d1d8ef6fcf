import Foundation
import Ladder

/// GitHub Actions workflow commands (`::error file=…,line=…,col=…::message`), so findings show up
/// on the changed lines of a pull request.
enum GitHubAnnotations {
  static func line(for diagnostic: Diagnostic, sources: SourceRegistry) -> String {
    let severity =
      diagnostic.severity == .error ? "error" : diagnostic.severity == .warning ? "warning" : "notice"
    let message = diagnostic.message + (diagnostic.help.map { " (help: \($0))" } ?? "")
    return line(
      severity: severity, span: diagnostic.span, sources: sources, title: diagnostic.code.rawValue,
      message: message)
  }

  static func line(
    severity: String, span: SourceSpan?, sources: SourceRegistry, title: String, message: String
  ) -> String {
    var properties: [String] = []
    if let span, let file = sources.file(span.file) {
      let start = file.location(of: Int(span.start))
      let end = file.location(of: Int(span.end))
      properties.append("file=\(escapeProperty(file.path))")
      properties.append("line=\(start.line)")
      properties.append("col=\(start.column)")
      if end.line == start.line { properties.append("endColumn=\(end.column)") }
    }
    properties.append("title=\(escapeProperty(title))")
    return "::\(severity) \(properties.joined(separator: ","))::\(escapeData(message))\n"
  }

  static func escapeData(_ text: String) -> String {
    text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
      .replacingOccurrences(of: "\n", with: "%0A")
  }

  static func escapeProperty(_ text: String) -> String {
    escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
  }
}
