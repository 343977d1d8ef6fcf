import Foundation

/// The text of one policy (or other input) file with a table of line starts.
///
/// The bytes are validated as UTF-8 when the file is loaded; offsets everywhere in Ladder are
/// UTF-8 byte offsets into ``text``.
public final class SourceFile: Sendable {
  public let id: SourceFileID
  /// The path as the user named it; used verbatim in diagnostics.
  public let path: String
  public let text: String
  /// The raw bytes, exactly as read. ``text`` is their UTF-8 decoding when they are valid.
  public let bytes: [UInt8]
  /// Byte offset of the first byte of every line.
  public let lineStarts: [Int]

  public init(id: SourceFileID, path: String, bytes: [UInt8]) {
    self.id = id
    self.path = path
    self.bytes = bytes
    self.text = String(decoding: bytes, as: UTF8.self)
    // Lines end as YAML (and libyaml, whose marks we map back) ends them: at `\n`, `\r\n` or a
    // lone `\r`.
    var starts = [0]
    for (offset, byte) in bytes.enumerated() {
      let isBreak =
        byte == UInt8(ascii: "\n")
        || (byte == UInt8(ascii: "\r")
          && (offset + 1 == bytes.count || bytes[offset + 1] != UInt8(ascii: "\n")))
      if isBreak { starts.append(offset + 1) }
    }
    self.lineStarts = starts
  }

  public convenience init(id: SourceFileID, path: String, text: String) {
    self.init(id: id, path: path, bytes: Array(text.utf8))
  }

  /// The offset of the first byte that is not valid UTF-8, or `nil` when all bytes are valid.
  public var firstInvalidUTF8Offset: Int? {
    Self.firstInvalidUTF8Offset(in: bytes)
  }

  static func firstInvalidUTF8Offset(in bytes: [UInt8]) -> Int? {
    bytes.withUnsafeBufferPointer { UTF8Validation.firstInvalidOffset($0, from: 0, to: $0.count) }
  }

  public var lineCount: Int { lineStarts.count }

  /// The 0-based line index containing `offset`.
  public func lineIndex(containing offset: Int) -> Int {
    var low = 0
    var high = lineStarts.count - 1
    while low < high {
      let middle = (low + high + 1) / 2
      if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
    }
    return low
  }

  /// Line and column (in Unicode scalars) of a byte offset.
  public func location(of offset: Int) -> SourceLocation {
    let clamped = min(max(offset, 0), bytes.count)
    let line = lineIndex(containing: clamped)
    var column = 1
    var index = lineStarts[line]
    while index < clamped {
      if bytes[index] & 0xC0 != 0x80 { column += 1 }
      index += 1
    }
    return SourceLocation(line: line + 1, column: column)
  }

  /// The byte offset of a 1-based line and scalar column, as libyaml reports them.
  public func offset(line: Int, column: Int) -> Int {
    guard line >= 1 else { return 0 }
    guard line <= lineStarts.count else { return bytes.count }
    var index = lineStarts[line - 1]
    var remaining = column - 1
    while remaining > 0 && index < bytes.count && bytes[index] != UInt8(ascii: "\n")
      && bytes[index] != UInt8(ascii: "\r")
    {
      index += 1
      while index < bytes.count && bytes[index] & 0xC0 == 0x80 { index += 1 }
      remaining -= 1
    }
    return index
  }

  /// The bytes of a line without its line break.
  public func lineBytes(_ lineIndex: Int) -> ArraySlice<UInt8> {
    let start = lineStarts[lineIndex]
    var end = lineIndex + 1 < lineStarts.count ? lineStarts[lineIndex + 1] : bytes.count
    while end > start && (bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r")) {
      end -= 1
    }
    return bytes[start..<end]
  }

  /// The text covered by a span.
  public func text(of span: SourceSpan) -> String {
    let start = min(Int(span.start), bytes.count)
    let end = min(Int(span.end), bytes.count)
    return String(decoding: bytes[start..<end], as: UTF8.self)
  }

  /// A span in this file.
  public func span(_ start: Int, _ end: Int) -> SourceSpan {
    SourceSpan(file: id, start: UInt32(clamping: start), end: UInt32(clamping: end))
  }
}

/// The files of one run, so that spans can be turned back into paths, lines and columns.
public final class SourceRegistry: @unchecked Sendable {
  // Guarded by `lock`: the CLI loads files from one thread, but the library promises that a
  // registry may be shared.
  private var files: [SourceFile] = []
  private let lock = NSLock()

  public init() {}

  /// Registers the bytes of a file and returns it.
  public func add(path: String, bytes: [UInt8]) -> SourceFile {
    lock.lock()
    defer { lock.unlock() }
    let file = SourceFile(id: SourceFileID(rawValue: UInt32(files.count)), path: path, bytes: bytes)
    files.append(file)
    return file
  }

  /// Registers text held in memory (tests, editors) under a display path.
  public func add(path: String, text: String) -> SourceFile {
    add(path: path, bytes: Array(text.utf8))
  }

  /// Reads a file from disk.
  ///
  /// - Throws: the underlying I/O error when the file cannot be read.
  public func load(path: String) throws -> SourceFile {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return add(path: path, bytes: [UInt8](data))
  }

  public func file(_ id: SourceFileID) -> SourceFile? {
    lock.lock()
    defer { lock.unlock() }
    let index = Int(id.rawValue)
    return index < files.count ? files[index] : nil
  }
}
