/// Renders the findings of one run as one canonical JSON object (stable key order).
public struct JSONDiagnosticRenderer {
  public var sources: SourceRegistry

  public init(sources: SourceRegistry) { self.sources = sources }

  public func render(_ diagnostics: [Diagnostic], files: [String] = []) -> String {
    let writer = JSONWriter()
    writer.object {
      writer.field("version") { writer.number(1) }
      writer.field("diagnostics") {
        writer.array(diagnostics) { diagnostic in render(diagnostic, into: writer) }
      }
      writer.field("summary") {
        writer.object {
          writer.field("errors") { writer.number(diagnostics.filter { $0.severity == .error }.count) }
          writer.field("warnings") { writer.number(diagnostics.filter { $0.severity == .warning }.count) }
          writer.field("files") { writer.array(files) { writer.string($0) } }
        }
      }
    }
    return writer.output + "\n"
  }

  private func render(_ diagnostic: Diagnostic, into writer: JSONWriter) {
    writer.object {
      writer.field("code") { writer.string(diagnostic.code.rawValue) }
      writer.field("name") { writer.string(diagnostic.code.name) }
      writer.field("severity") { writer.string(diagnostic.severity.rawValue) }
      writer.field("message") { writer.string(diagnostic.message) }
      writer.field("location") { location(diagnostic.span, into: writer) }
      writer.field("label") { writer.optionalString(diagnostic.label) }
      writer.field("help") { writer.optionalString(diagnostic.help) }
      writer.field("notes") {
        writer.array(diagnostic.notes) { note in
          writer.object {
            writer.field("message") { writer.string(note.message) }
            writer.field("location") { location(note.span, into: writer) }
          }
        }
      }
      writer.field("fixIts") {
        writer.array(diagnostic.fixIts) { fixIt in
          writer.object {
            writer.field("message") { writer.string(fixIt.message) }
            writer.field("edits") {
              writer.array([fixIt]) { edit in
                writer.object {
                  writer.field("offset") { writer.number(Int(edit.span.start)) }
                  writer.field("length") { writer.number(Int(edit.span.length)) }
                  writer.field("replacement") { writer.string(edit.replacement) }
                }
              }
            }
          }
        }
      }
    }
  }

  private func location(_ span: SourceSpan?, into writer: JSONWriter) {
    guard let span, let file = sources.file(span.file) else {
      writer.null()
      return
    }
    let start = file.location(of: Int(span.start))
    let end = file.location(of: Int(span.end))
    writer.object {
      writer.field("file") { writer.string(file.path) }
      writer.field("line") { writer.number(start.line) }
      writer.field("column") { writer.number(start.column) }
      writer.field("endLine") { writer.number(end.line) }
      writer.field("endColumn") { writer.number(end.column) }
      writer.field("offset") { writer.number(Int(span.start)) }
      writer.field("length") { writer.number(Int(span.length)) }
    }
  }
}
