/// Identifies one loaded source file within a ``SourceRegistry``.
public struct SourceFileID: Hashable, Sendable, Comparable {
  public let rawValue: UInt32

  public init(rawValue: UInt32) { self.rawValue = rawValue }

  public static func < (lhs: SourceFileID, rhs: SourceFileID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A half-open range of UTF-8 byte offsets in one source file.
///
/// Spans are stored as offsets and turned into line and column only when a diagnostic or a
/// trace is rendered, so they stay small and cheap to copy.
public struct SourceSpan: Hashable, Sendable {
  public var file: SourceFileID
  public var start: UInt32
  public var end: UInt32

  public init(file: SourceFileID, start: UInt32, end: UInt32) {
    self.file = file
    self.start = start
    self.end = max(start, end)
  }

  public var length: UInt32 { end - start }

  /// The smallest span that covers both spans (which must be in the same file).
  public func merged(with other: SourceSpan) -> SourceSpan {
    SourceSpan(file: file, start: min(start, other.start), end: max(end, other.end))
  }
}

/// A 1-based line and a 1-based column counted in Unicode scalars, the unit libyaml uses.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
  public var line: Int
  public var column: Int

  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  public var description: String { "\(line):\(column)" }
}
