/// Reads JSON Lines: one JSON object per line, keys naming inputs. Numbers are kept as written
/// (no binary floating point). A key the policy does not declare is ignored, as a CSV column is
/// (exports carry many), unless it looks like a misspelling of an input the record lacks: then,
/// as for a repeated key, the record is rejected.
public struct JSONLRecordReader: Sequence, IteratorProtocol {
  /// The bytes read but not yet consumed (all of the input for ``init(bytes:inputs:)``).
  private var bytes: [UInt8]
  private var position = 0
  private var line = 0
  /// Gives the next block of the input, empty at its end; `nil` when `bytes` is all of it.
  private let source: (() -> [UInt8])?
  private var atEnd: Bool
  private let slotByName: [String: Int]
  private let slotCount: Int
  private let names: [String]
  /// The name of the key input, so that a rejected record is named by its key.
  private let keyName: String?

  public init(bytes: [UInt8], inputs: [InputField]) {
    self.init(bytes: bytes, source: nil, inputs: inputs)
  }

  /// Reads the input block by block, so that memory stays flat however large it is: `source`
  /// returns the next block of bytes, and an empty array at the end.
  public init(source: @escaping () -> [UInt8], inputs: [InputField]) {
    self.init(bytes: [], source: source, inputs: inputs)
  }

  private init(bytes: [UInt8], source: (() -> [UInt8])?, inputs: [InputField]) {
    self.bytes = bytes
    self.source = source
    atEnd = source == nil
    slotByName = Dictionary(uniqueKeysWithValues: inputs.map { ($0.name, $0.slot) })
    slotCount = inputs.count
    names = inputs.map(\.name)
    keyName = inputs.first(where: \.isKey)?.name
    while !atEnd && self.bytes.count < 3 { refill() }
    if self.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
  }

  /// Drops the bytes consumed and appends the next block (or notes the end of the input).
  private mutating func refill() {
    guard !atEnd else { return }
    if !BlockInput.refill(&bytes, position: &position, from: source) { atEnd = true }
  }

  public mutating func next() -> ReadRecord? {
    while true {
      // A whole line, or the last one once the input is over.
      var lineEnd = position
      while true {
        while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
        guard lineEnd == bytes.count, !atEnd else { break }
        let scanned = lineEnd - position
        refill()
        lineEnd = position + scanned
      }
      guard position < bytes.count else { return nil }
      line += 1
      let start = position
      position = lineEnd
      if position < bytes.count { position += 1 }
      guard let text = JSONLines.text(bytes, start..<lineEnd) else { continue }
      return parse(bytes[text], line: line)
    }
    return nil
  }

  /// One line's record; `line` is its number in the input.
  func parse(_ slice: ArraySlice<UInt8>, line: Int) -> ReadRecord {
    // Checked in place: `String(validating:)` would make a string of the whole line first.
    let invalid = slice.withUnsafeBufferPointer {
      UTF8Validation.firstInvalidOffset($0, from: 0, to: $0.count)
    }
    guard invalid == nil else {
      return .failure(RecordProblem(line: line, reason: "the line is not valid UTF-8"))
    }
    var parser = JSONParser(bytes: slice)
    let object: [(String, RawValue)]
    do {
      object = try parser.parseObjectLine { slotByName[$0] != nil }
    } catch {
      return .failure(
        RecordProblem(line: line, reason: "not a JSON object: \(error.message) at column \(error.column)"))
    }
    var values = [RawValue?](repeating: nil, count: slotCount)
    var seen = Set<String>(minimumCapacity: object.count)
    var undeclared: [String] = []
    // The record's key, when it has one as text or a number, names it in a rejection.
    let recordKey: String? = object.first { $0.0 == keyName }.flatMap { pair in
      switch pair.1 {
      case .text(let text), .number(let text): text
      default: nil
      }
    }
    for (key, value) in object {
      guard seen.insert(key).inserted else {
        return .failure(
          RecordProblem(line: line, key: recordKey, field: key, reason: "the key appears twice"))
      }
      guard let slot = slotByName[key] else {
        undeclared.append(key)
        continue
      }
      values[slot] = value
    }
    // A misspelled input: the record lacks it and has a key close to its name.
    let absent = names.filter { name in slotByName[name].map { values[$0] == nil } ?? false }
    for key in undeclared {
      if let meant = Suggestions.nearest(to: key, in: absent) {
        return .failure(
          RecordProblem(
            line: line, key: recordKey, field: key, reason: "unknown field '\(key)'; did you mean '\(meant)'?"
          ))
      }
    }
    return .success(RawRecord(line: line, values: values))
  }
}

/// What a line of JSON Lines is, for the row reader and the kernels' block cut alike.
enum JSONLines {
  /// The text of the line in `range` of `buffer` (its line break not included) without a
  /// carriage return at its end; `nil` for a line of blanks (spaces and tabs), which is no
  /// record.
  static func text<Bytes: RandomAccessCollection<UInt8>>(_ buffer: Bytes, _ range: Range<Int>) -> Range<Int>?
  where Bytes.Index == Int {
    var end = range.upperBound
    if end > range.lowerBound, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
    // Looked at only when the line begins with a blank: scanning every line was a tenth of
    // the cutting.
    let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
    if range.lowerBound == end
      || (isBlank(buffer[range.lowerBound]) && buffer[range.lowerBound..<end].allSatisfy(isBlank))
    {
      return nil
    }
    return range.lowerBound..<end
  }
}

/// A strict JSON parser for one record: objects of scalars and arrays, numbers kept as text.
struct JSONParser {
  struct Failure: Error {
    var message: String
    var column: Int
  }

  let bytes: ArraySlice<UInt8>
  var position: Int
  var depth = 0

  init(bytes: ArraySlice<UInt8>) {
    self.bytes = bytes
    position = bytes.startIndex
  }

  private func fail(_ message: String) -> Failure {
    Failure(message: message, column: position - bytes.startIndex + 1)
  }

  private mutating func skipSpace() {
    while position < bytes.endIndex {
      let byte = bytes[position]
      guard byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A else { return }
      position += 1
    }
  }

  /// The record's keys and values in order. The value of a key `keeps` refuses is checked as
  /// strictly as any other but not kept (`.null` stands in): a CRM export's record has many more
  /// fields than the policy reads, and making their text was most of reading it.
  mutating func parseObjectLine(
    keeping keeps: (String) -> Bool = { _ in true }
  ) throws(Failure) -> [(String, RawValue)] {
    skipSpace()
    guard position < bytes.endIndex, bytes[position] == UInt8(ascii: "{") else { throw fail("expected '{'") }
    position += 1
    var pairs: [(String, RawValue)] = []
    skipSpace()
    if position < bytes.endIndex, bytes[position] == UInt8(ascii: "}") {
      position += 1
    } else {
      while true {
        skipSpace()
        let key = try parseString()
        skipSpace()
        guard position < bytes.endIndex, bytes[position] == UInt8(ascii: ":") else {
          throw fail("expected ':'")
        }
        position += 1
        pairs.append((key, try parseValue(keeping: keeps(key))))
        skipSpace()
        guard position < bytes.endIndex else { throw fail("the object is not closed") }
        if bytes[position] == UInt8(ascii: ",") {
          position += 1
          continue
        }
        guard bytes[position] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
        position += 1
        break
      }
    }
    skipSpace()
    guard position == bytes.endIndex else { throw fail("unexpected text after the object") }
    return pairs
  }

  /// Whether `byte` may follow the first of a number token: the token runs on while it does
  /// (the number's form is checked when a field is converted). The kernels cut numbers the same.
  @inline(__always) static func continuesNumber(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
      || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+")
      || byte == UInt8(ascii: "-")
  }

  /// A JSON array of field values, whole: what the ledger stores of a record.
  mutating func parseArrayLine() throws(Failure) -> [RawValue] {
    guard case .array(let items) = try parseValue() else { throw fail("expected '['") }
    skipSpace()
    guard position == bytes.endIndex else { throw fail("unexpected text after the array") }
    return items
  }

  /// The value at the current position; with `keeping` false, checked the same way but `.null`.
  private mutating func parseValue(keeping: Bool = true) throws(Failure) -> RawValue {
    skipSpace()
    guard position < bytes.endIndex else { throw fail("expected a value") }
    let byte = bytes[position]
    switch byte {
    case UInt8(ascii: "\""):
      let text = try parseString(keeping: keeping)
      return keeping ? .text(text) : .null
    case UInt8(ascii: "["):
      depth += 1
      guard depth <= 8 else { throw fail("arrays nest too deeply") }
      defer { depth -= 1 }
      position += 1
      var items: [RawValue] = []
      skipSpace()
      if position < bytes.endIndex, bytes[position] == UInt8(ascii: "]") {
        position += 1
        return .array(items)
      }
      while true {
        let item = try parseValue(keeping: keeping)
        if keeping { items.append(item) }
        skipSpace()
        guard position < bytes.endIndex else { throw fail("the array is not closed") }
        if bytes[position] == UInt8(ascii: ",") {
          position += 1
          continue
        }
        guard bytes[position] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
        position += 1
        return .array(items)
      }
    case UInt8(ascii: "t"): return try literal("true", .bool(true))
    case UInt8(ascii: "f"): return try literal("false", .bool(false))
    case UInt8(ascii: "n"): return try literal("null", .null)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      let start = position
      position += 1
      while position < bytes.endIndex, Self.continuesNumber(bytes[position]) { position += 1 }
      return keeping ? .number(String(decoding: bytes[start..<position], as: UTF8.self)) : .null
    case UInt8(ascii: "{"): throw fail("a field value cannot be an object")
    default: throw fail("unexpected character")
    }
  }

  private mutating func literal(_ word: String, _ value: RawValue) throws(Failure) -> RawValue {
    let utf8 = Array(word.utf8)
    guard bytes.endIndex - position >= utf8.count, Array(bytes[position..<(position + utf8.count)]) == utf8
    else {
      throw fail("unexpected character")
    }
    position += utf8.count
    return value
  }

  /// A string's text; with `keeping` false, checked the same way but `""`.
  private mutating func parseString(keeping: Bool = true) throws(Failure) -> String {
    guard position < bytes.endIndex, bytes[position] == UInt8(ascii: "\"") else {
      throw fail("expected a string")
    }
    position += 1
    // Most strings hold no escape: up to the closing quote, the text is the bytes as they are.
    let start = position
    while position < bytes.endIndex {
      let byte = bytes[position]
      guard byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte >= 0x20 else { break }
      position += 1
    }
    if position < bytes.endIndex, bytes[position] == UInt8(ascii: "\"") {
      position += 1
      return keeping ? String(decoding: bytes[start..<position - 1], as: UTF8.self) : ""
    }
    var out: [UInt8] = keeping ? Array(bytes[start..<position]) : []
    while position < bytes.endIndex {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        position += 1
        return String(decoding: out, as: UTF8.self)
      }
      if byte < 0x20 { throw fail("a control character inside a string") }
      if byte == UInt8(ascii: "\\") {
        position += 1
        guard position < bytes.endIndex else { break }
        let escaped = bytes[position]
        position += 1
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "u"):
          var scalar = try hex4()
          if (0xD800...0xDBFF).contains(scalar) {
            guard position + 1 < bytes.endIndex, bytes[position] == UInt8(ascii: "\\"),
              bytes[position + 1] == UInt8(ascii: "u")
            else { throw fail("an unpaired surrogate") }
            position += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("an unpaired surrogate") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          }
          guard let unicode = Unicode.Scalar(scalar) else { throw fail("an invalid \\u escape") }
          out.append(contentsOf: Array(String(Character(unicode)).utf8))
        default: throw fail("an invalid escape")
        }
        continue
      }
      out.append(byte)
      position += 1
    }
    throw fail("the string is not closed")
  }

  private mutating func hex4() throws(Failure) -> UInt32 {
    guard bytes.endIndex - position >= 4 else { throw fail("an invalid \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[position]
      let digit: UInt32
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
      default: throw fail("an invalid \\u escape")
      }
      value = value * 16 + digit
      position += 1
    }
    return value
  }
}
