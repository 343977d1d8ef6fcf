/// Expression text taken from a policy file, with the map from its bytes back to file offsets.
///
/// YAML may fold lines or unescape quotes, so the text the parser sees is not always a verbatim
/// slice of the file; ``fileOffsets`` records, for every byte of ``text``, where it came from.
public struct ExpressionSource: Sendable {
  public var text: String
  public var file: SourceFileID
  /// File offset of each byte of `text`, plus one entry for the end.
  public var fileOffsets: [UInt32]

  public init(text: String, file: SourceFileID, fileOffsets: [UInt32]) {
    self.text = text
    self.file = file
    self.fileOffsets = fileOffsets
  }

  /// Text that stands verbatim in the file at `base`.
  public init(verbatim text: String, file: SourceFileID, base: Int) {
    self.text = text
    self.file = file
    self.fileOffsets = (0...text.utf8.count).map { UInt32(clamping: base + $0) }
  }

  public func span(_ start: Int, _ end: Int) -> SourceSpan {
    let last = fileOffsets.count - 1
    let from = fileOffsets[min(max(start, 0), last)]
    var to = fileOffsets[min(max(end, 0), last)]
    // When the end maps past a folded line break, end the span after the previous byte instead.
    if end > start, end - 1 <= last { to = max(from, fileOffsets[min(end - 1, last)] + 1) }
    return SourceSpan(file: file, start: from, end: to)
  }

  /// The span of the whole text.
  public var wholeSpan: SourceSpan { span(0, text.utf8.count) }
}
