/// How serious a finding is.
public enum Severity: String, Sendable, Hashable, Comparable {
  case note
  case warning
  case error

  private var rank: Int {
    switch self {
    case .note: 0
    case .warning: 1
    case .error: 2
    }
  }

  public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// One finding about a policy file: what is wrong, where, and how to fix it.
///
/// One struct for every problem (not one type per error): codes are stable and separate from
/// wording, so tools can match on ``code`` while people read ``message`` and ``help``.
public struct Diagnostic: Sendable, Hashable {
  /// A secondary location that explains the finding ("first declared here").
  public struct Note: Sendable, Hashable {
    public var message: String
    public var span: SourceSpan?

    public init(_ message: String, at span: SourceSpan? = nil) {
      self.message = message
      self.span = span
    }
  }

  /// A suggested replacement of the text of a span.
  public struct FixIt: Sendable, Hashable {
    public var message: String
    public var span: SourceSpan
    public var replacement: String

    public init(_ message: String, replacing span: SourceSpan, with replacement: String) {
      self.message = message
      self.span = span
      self.replacement = replacement
    }
  }

  public var code: DiagnosticCode
  public var severity: Severity
  public var message: String
  public var span: SourceSpan?
  /// Printed under the carets.
  public var label: String?
  public var notes: [Note]
  public var help: String?
  public var fixIts: [FixIt]

  public init(
    _ code: DiagnosticCode, _ message: String, at span: SourceSpan?, severity: Severity? = nil,
    label: String? = nil, notes: [Note] = [], help: String? = nil, fixIts: [FixIt] = []
  ) {
    self.code = code
    self.severity = severity ?? code.defaultSeverity
    self.message = message
    self.span = span
    self.label = label
    self.notes = notes
    self.help = help
    self.fixIts = fixIts
  }
}

/// Collects the findings of one run, in the order they were found, up to a limit.
public struct DiagnosticBag: Sendable {
  public private(set) var diagnostics: [Diagnostic] = []
  /// How many findings were dropped because the limit was reached.
  public private(set) var droppedCount = 0
  public let limit: Int

  public init(limit: Int = 200) { self.limit = limit }

  public mutating func add(_ diagnostic: Diagnostic) {
    if diagnostics.count >= limit {
      droppedCount += 1
      return
    }
    // The same finding reached twice (an expression shared by two rules) is reported once.
    if diagnostics.contains(diagnostic) { return }
    diagnostics.append(diagnostic)
  }

  public mutating func append(contentsOf other: DiagnosticBag) {
    for diagnostic in other.diagnostics { add(diagnostic) }
    droppedCount += other.droppedCount
  }

  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
  public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
  public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
  public var isEmpty: Bool { diagnostics.isEmpty }

  /// Turns every warning into an error (`--strict`).
  public mutating func promoteWarningsToErrors() {
    for index in diagnostics.indices where diagnostics[index].severity == .warning {
      diagnostics[index].severity = .error
    }
  }

  /// Findings in a stable order: by file, then position, then code.
  public var sorted: [Diagnostic] {
    diagnostics.enumerated().sorted { lhs, rhs in
      let left = lhs.element.span
      let right = rhs.element.span
      switch (left, right) {
      case (nil, nil): return lhs.offset < rhs.offset
      case (nil, _): return true
      case (_, nil): return false
      case (let left?, let right?):
        if left.file != right.file { return left.file < right.file }
        if left.start != right.start { return left.start < right.start }
        if lhs.element.code != rhs.element.code {
          return lhs.element.code.rawValue < rhs.element.code.rawValue
        }
        return lhs.offset < rhs.offset
      }
    }.map(\.element)
  }
}
