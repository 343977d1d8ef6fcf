import Foundation

extension RecordChunk {
  /// Adds the record on line `line`, whose text is `range` of buffer `buffer`.
  mutating func addLine(_ line: Int, buffer: Int, _ range: Range<Int>) {
    lines.append(line)
    lineBufferIndices.append(buffer)
    lineRanges.append(range)
  }
}

/// Writes the fields of a chunk of JSON lines.
///
/// Each line's values are written as an unquoted CSV field would hold them: a string's text
/// (escapes decoded), a number as written, `true`/`false` for a bool input, a list's elements
/// joined by `;`, nothing for `null` or an absent key. The worker then parses them as it parses
/// CSV fields, with the same meaning: the row reader turns a JSON string or number into that
/// same text. A line that is not that plain — a bad escape, a string beginning with a quote, an
/// escape inside a list, a bool for another type, an empty or nested array, an unknown or
/// repeated key, anything that is not a JSON object — is marked irregular, and the row reader
/// (``JSONLRecordReader``) decides it from its line, as it would have.
struct JSONLFields: Sendable {
  /// Per input, in slot order: its name's bytes, whether it takes a bool, whether it is a list.
  private let names: [[UInt8]]
  private let takesBool: [Bool]
  private let isList: [Bool]
  /// Cutters not in use, kept from chunk to chunk with what they learnt of the lines' keys.
  private let cutters = LineCutters()

  init(_ ordered: [InputField]) {
    names = ordered.map { Array($0.name.utf8) }
    takesBool = ordered.map { $0.type == .bool }
    isList = ordered.map {
      if case .list = $0.type { return true }
      return false
    }
  }

  /// Fills the chunk's bytes and where each field starts and ends, from its lines.
  ///
  /// The bytes are the chunk's lines, copied line by line into memory of the chunk's own; each
  /// field is a range of them: a number, a bool or a string without escapes as it stands in the
  /// line, a value that needs decoding (escapes; a list, whose elements are joined by `;`)
  /// decoded in place, where it never takes more room than its text in the line (copied into
  /// bytes of their own, the fields took a small copy each).
  func fill(_ chunk: inout RecordChunk) {
    let columnCount = names.count
    var cutter = cutters.take() ?? LineCutter(names: names, takesBool: takesBool, isList: isList)
    let (buffers, indices, ranges) = (chunk.lineBuffers, chunk.lineBufferIndices, chunk.lineRanges)
    let rows = ranges.count
    let capacity = ranges.reduce(0) { $0 + $1.count }
    var recordStarts = [Int32](repeating: 0, count: rows)
    var recordEnds = [Int32](repeating: 0, count: rows)
    var fieldStarts = [Int32](repeating: 0, count: rows * columnCount)
    var fieldEnds = [Int32](repeating: 0, count: rows * columnCount)
    var regulars = [Bool](repeating: false, count: rows)
    var readLines: [UInt8] = []
    var readLineRanges = [Range<Int>](repeating: 0..<0, count: rows)
    chunk.bytes = [UInt8](unsafeUninitializedCapacity: capacity) { output, written in
      var count = 0
      var row = 0
      fieldStarts.withUnsafeMutableBufferPointer { fieldStarts in
        fieldEnds.withUnsafeMutableBufferPointer { fieldEnds in
          // The rows of each buffer follow one another: each buffer's memory is taken once.
          for (index, buffer) in buffers.enumerated() {
            buffer.withUnsafeBufferPointer { lines in
              while row < rows, indices[row] == index {
                let line = UnsafeBufferPointer(rebasing: lines[ranges[row]])
                let lineBytes = UnsafeMutableBufferPointer(rebasing: output[count..<(count + line.count)])
                if let source = line.baseAddress, let target = lineBytes.baseAddress {
                  target.initialize(from: source, count: line.count)
                }
                var regular = cutter.cut(line)
                var decoded = false
                if regular {
                  for column in 0..<columnCount {
                    guard let field = cutter.place(column, in: lineBytes, decoded: &decoded) else {
                      regular = false
                      break
                    }
                    fieldStarts[row * columnCount + column] = Int32(count + field.lowerBound)
                    fieldEnds[row * columnCount + column] = Int32(count + field.upperBound)
                  }
                }
                if decoded && !regular {
                  // A line the kernels do not take after all: its copy back as it was read.
                  if let source = line.baseAddress, let target = lineBytes.baseAddress {
                    target.update(from: source, count: line.count)
                  }
                } else if decoded {
                  // The row reader reads the line as it was read: kept aside.
                  readLineRanges[row] = readLines.count..<(readLines.count + line.count)
                  readLines.append(contentsOf: line)
                }
                regulars[row] = regular
                recordStarts[row] = Int32(count)
                count += line.count
                recordEnds[row] = Int32(count)
                row += 1
              }
            }
          }
        }
      }
      written = count
    }
    chunk.recordStarts = recordStarts
    chunk.recordEnds = recordEnds
    chunk.fieldStarts = fieldStarts
    chunk.fieldEnds = fieldEnds
    chunk.regular = regulars
    chunk.readLines = readLines
    chunk.readLineRanges = readLineRanges
    // The lines as read are kept where `bytes` differs from them: the blocks can go.
    chunk.lineBuffers = []
    // Handed back, not copied (a copy retained and released every array the cutter holds).
    cutters.give(consume cutter)
  }
}

extension JSONLFields {
  /// Turns each `,` of the `count` bytes at `bytes` into `;`, eight bytes at a time (a list of
  /// numbers is most of a record's field bytes).
  static func commasToSemicolons(_ bytes: UnsafeMutablePointer<UInt8>, count: Int) {
    let lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
    var index = 0
    while index + 8 <= count {
      let word = UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self)
      let other = word ^ 0x2C2C_2C2C_2C2C_2C2C
      // Per byte, exactly (no carry between bytes): its high bit set where it is a comma.
      let commas = ~(((other & lows) &+ lows) | other) & ~lows
      // `,` (0x2C) plus 0x0F is `;`.
      UnsafeMutableRawPointer(bytes + index).storeBytes(of: word &+ (commas >> 7) &* 0x0F, as: UInt64.self)
      index += 8
    }
    while index < count {
      if bytes[index] == UInt8(ascii: ",") { bytes[index] = UInt8(ascii: ";") }
      index += 1
    }
  }
}

/// One JSON line cut into fields: first by the shape of a line read token by token before it
/// (``LineShape``: the text between the values, compared as whole words; keys of it may be left
/// out), and token by token when the line differs from it otherwise.
///
/// The walk keeps its place in a ``LineCursor``, a local value whose methods are inlined, so the
/// place stays in a register: kept in the cutter, it was written back to memory at every byte
/// looked at, and calls into the cutter's methods for every value made the cutting (before the
/// kernels) about half of a JSON Lines run. Strings without escapes — nearly all of them — are
/// read by the cursor alone; a string with an escape, a list that is not plain numbers, and an
/// undeclared key's nested value go to the cutter's slower methods.
private struct LineCutter {
  let names: [[UInt8]]
  let takesBool: [Bool]
  let isList: [Bool]
  var text = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
  /// Per input: its field, as the range of the line that holds it — a number, or a string
  /// without escapes, the usual case, copied once from the line — or, once a value needs
  /// decoding or joining (escapes, a list), as bytes of its own in `decoded`.
  ///
  /// Kept in memory of the cutter's own (``release()`` frees it), not arrays: every write to an
  /// array checked that no one else held it, several times a field.
  let states: UnsafeMutableBufferPointer<FieldState>
  var decoded: [[UInt8]]
  var keys: KeyCache
  /// What ``walk(at:)`` found of the line it read: the text before each value and after the last,
  /// and each value's key.
  private var gaps: [Range<Int>] = []
  private var gapKeys: [KeyCache.Key] = []

  struct FieldState {
    var span: Range<Int> = 0..<0
    var isDecoded = false
    /// The span is a list's numbers, separated by commas that the field writes as `;`.
    var commasAsSemicolons = false
    /// Whether the line has had the input's key.
    var seen = false
    /// For a decoded value: where its text in the line ends (its closing quote or `]`); the
    /// decoded bytes go in place of that text.
    var textEnd = 0
  }

  init(names: [[UInt8]], takesBool: [Bool], isList: [Bool]) {
    self.names = names
    self.takesBool = takesBool
    self.isList = isList
    keys = KeyCache()
    states = .allocate(capacity: names.count)
    states.initialize(repeating: FieldState())
    decoded = [[UInt8]](repeating: [], count: names.count)
  }

  /// Frees the cutter's memory; it is not used after.
  func release() { states.deallocate() }

  /// Where the field of `column` of the line just cut lies in `line`, a copy of that line:
  /// decoded there first when it needs decoding (its escapes, or a list's elements joined by
  /// `;`), into the room its text took. `nil` if it would not fit (it always does: decoding never
  /// lengthens JSON text); the row reader then reads the line.
  /// `decoded` becomes true when the line's copy is changed.
  func place(_ column: Int, in line: UnsafeMutableBufferPointer<UInt8>, decoded changed: inout Bool)
    -> Range<Int>?
  {
    let state = states[column]
    guard let base = line.baseAddress else { return state.span.isEmpty ? 0..<0 : nil }
    if state.isDecoded || state.commasAsSemicolons { changed = true }
    if state.isDecoded {
      // The decoded bytes start where the value's text did.
      let start = state.span.lowerBound
      return decoded[column].withUnsafeBufferPointer { bytes in
        guard start + bytes.count <= state.textEnd, state.textEnd <= line.count else { return nil }
        if let source = bytes.baseAddress { (base + start).update(from: source, count: bytes.count) }
        return start..<(start + bytes.count)
      }
    }
    if state.commasAsSemicolons {
      JSONLFields.commasToSemicolons(base + state.span.lowerBound, count: state.span.count)
    }
    return state.span
  }

  /// Reads one line's object into `fields`; false when the row reader must read it.
  mutating func cut(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    text = line
    clearFields()
    guard let base = line.baseAddress else { return false }
    if let shape = keys.shape {
      var cursor = LineCursor(base: base, end: line.count)
      if cutByShape(shape, at: &cursor) {
        keys.linesMissingShape = 0
        return true
      }
      clearFields()
    }
    var cursor = LineCursor(base: base, end: line.count)
    guard walk(at: &cursor) else { return false }
    // The line read, but not by the shape of the lines before it: its own is the new shape —
    // unless it holds fewer keys than the shape and the shape read one of the last lines. In an
    // export that leaves out null values the shape with the most keys reads nearly every line;
    // replaced by every line it could not read, it was rebuilt for a sixth of them.
    guard !gapKeys.isEmpty else { return true }
    if let shape = keys.shape, gapKeys.count < shape.valueCount,
      keys.linesMissingShape < KeyCache.linesMissingShapeKept
    {
      keys.linesMissingShape += 1
    } else {
      keys.shape = LineShape(line, gaps: gaps, keys: gapKeys)
      keys.linesMissingShape = 0
    }
    return true
  }

  /// Forgets the fields of the line before.
  private mutating func clearFields() {
    for column in states.indices {
      if states[column].isDecoded { decoded[column].removeAll(keepingCapacity: true) }
      states[column] = FieldState()
    }
  }

  /// Reads a line that has the text between its values of `shape`, byte for byte, reading only
  /// the values — or some of that text left out, a key with its value (an export that leaves out
  /// null values); false at any other difference (the fields then hold part of the line).
  ///
  /// It reads what ``walk(at:)`` reads: the shape is the text that walk passed over in a line it
  /// read — every key once — so the same text holds the same keys in the same places, and a line
  /// that leaves some of them out holds the others, each once; a key left out is absent, as in
  /// the walk.
  private mutating func cutByShape(_ shape: LineShape, at cursor: inout LineCursor) -> Bool {
    let steps = shape.steps
    var position = 0
    while position < shape.valueCount {
      var step = steps[position]
      if let valueStart = shape.endOfGap(step, at: cursor) {
        cursor.p = valueStart
      } else {
        guard let (found, valueStart) = shape.gap(after: position, at: cursor) else { return false }
        // The text after the last value: the line must end with it.
        guard found < shape.valueCount else { return valueStart == cursor.end }
        (position, step, cursor.p) = (found, steps[found], valueStart)
      }
      position += 1
      if step.column >= 0 {
        // A plain string or a number read here as `value` reads it; the rest (escapes, lists,
        // bools, null) by `value`, whose call for each value was a tenth of the cutting.
        switch cursor.current {
        case UInt8(ascii: "\""):
          if let text = cursor.plainString() {
            states[step.column].span = text
          } else {
            guard escapedString(at: &cursor, to: step.column) else { return false }
          }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
          guard let number = cursor.number() else { return false }
          states[step.column].span = number
        default:
          guard value(of: step.column, at: &cursor) else { return false }
        }
      } else {
        // The usual values of undeclared keys passed over here: a call of `skipValue` (which
        // arrays make recursive, so never inlined) for each was a tenth of the cutting.
        switch cursor.current {
        case UInt8(ascii: "\"") where cursor.plainString() != nil: break
        case UInt8(ascii: "n") where cursor.word("null"): break
        case UInt8(ascii: "-"),
          UInt8(ascii: "0")...UInt8(ascii: "9") where cursor.number() != nil:
          break
        default: guard skipValue(at: &cursor) else { return false }
        }
      }
    }
    return shape.endOfGap(steps[shape.valueCount], at: cursor) == cursor.end
  }

  /// Reads a line token by token, noting the text between its values and what each value is
  /// (`gaps`, `gapKeys`); false when the row reader must read it.
  private mutating func walk(at cursor: inout LineCursor) -> Bool {
    keys.generation += 1
    gaps.removeAll(keepingCapacity: true)
    gapKeys.removeAll(keepingCapacity: true)
    // Where the text before the next value starts.
    var gapStart = 0
    // The key's position in the line, where the cache looks first.
    var position = 0
    cursor.skipSpace()
    guard cursor.take(UInt8(ascii: "{")) else { return false }
    cursor.skipSpace()
    if !cursor.take(UInt8(ascii: "}")) {
      while true {
        cursor.skipSpace()
        let found: KeyCache.Key
        if let known = keys.match(text, at: cursor.p, position: position) {
          // The key the line before had here: its bytes and closing quote, compared at once.
          found = known.key
          cursor.p = known.next
        } else {
          guard let key = cursor.plainString(),
            let key = keys.lookUp(UnsafeBufferPointer(rebasing: text[key]), at: position, names: names)
          else { return false }
          found = key
        }
        position += 1
        cursor.skipSpace()
        guard cursor.take(UInt8(ascii: ":")) else { return false }
        cursor.skipSpace()
        gaps.append(gapStart..<cursor.p)
        gapKeys.append(found)
        switch found {
        case .input(let column):
          guard !states[column].seen, value(of: column, at: &cursor) else { return false }
          states[column].seen = true
        case .ignored(let id):
          // A key the policy does not declare is passed over, as a CSV column is; the same key
          // twice is the row reader's to reject.
          guard keys.markSeen(ignored: id), skipValue(at: &cursor) else { return false }
        }
        gapStart = cursor.p
        guard let more = cursor.next(closing: UInt8(ascii: "}")) else { return false }
        if !more { break }
      }
    }
    cursor.skipSpace()
    gaps.append(gapStart..<cursor.p)
    return cursor.p == cursor.end
  }

  /// Reads the value at the cursor into the field of `column`; false when the row reader must
  /// read the line.
  @inline(__always) mutating func value(of column: Int, at cursor: inout LineCursor) -> Bool {
    switch cursor.current {
    case UInt8(ascii: "\""):
      // A string's text cannot begin with a quote unless escaped, which `escapedString` checks.
      if let text = cursor.plainString() {
        states[column].span = text
        return true
      }
      return escapedString(at: &cursor, to: column)
    case UInt8(ascii: "t"), UInt8(ascii: "f"):
      guard takesBool[column] else { return false }
      let start = cursor.p
      guard cursor.word("true") || cursor.word("false") else { return false }
      states[column].span = start..<cursor.p
      return true
    case UInt8(ascii: "n"):
      return cursor.word("null")
    case UInt8(ascii: "["):
      guard isList[column] else { return false }
      cursor.p += 1
      // Numbers with nothing between them but commas, the usual list, are kept as the line's
      // text, each comma written as `;`.
      if let numbers = cursor.compactNumbers() {
        states[column].span = numbers
        states[column].commasAsSemicolons = true
        return true
      }
      return listElements(at: &cursor, to: column)
    default:
      guard let number = cursor.number() else { return false }
      states[column].span = number
      return true
    }
  }

  /// After a list's `[` that is not plain numbers: its elements, numbers or plain strings
  /// without `;`, joined by `;` into the field of `column`.
  mutating func listElements(at cursor: inout LineCursor, to column: Int) -> Bool {
    var elements = 0
    while true {
      cursor.skipSpace()
      let element: Range<Int>?
      if cursor.current == UInt8(ascii: "\"") {
        element = cursor.plainString()
        if let element, element.isEmpty || text[element].contains(UInt8(ascii: ";")) { return false }
      } else {
        element = cursor.number()
      }
      guard let element else { return false }
      if elements > 0 { appendDecoded(UInt8(ascii: ";"), to: column) }
      append(element, to: column)
      elements += 1
      guard let more = cursor.next(closing: UInt8(ascii: "]")) else { return false }
      if !more {
        states[column].textEnd = cursor.p - 1
        return true
      }
    }
  }

  /// A string value with an escape into the field of `column` (`nil`: only checked, for a key
  /// the policy does not declare), its escapes decoded, as the row reader decodes them. False
  /// (the row reader reads the line) at a control character, a bad escape or a lone surrogate,
  /// invalid UTF-8, or a value beginning with a quote (which a field would take for a CSV
  /// quote).
  mutating func escapedString(at cursor: inout LineCursor, to column: Int?) -> Bool {
    guard cursor.current == UInt8(ascii: "\"") else { return false }
    let end = cursor.end
    var q = cursor.p + 1
    var run = q
    var ascii = true
    func hex(_ at: Int) -> UInt32? {
      guard at + 4 <= end else { return nil }
      var value: UInt32 = 0
      for index in at..<(at + 4) {
        guard let digit = Character(Unicode.Scalar(text[index])).hexDigitValue else { return nil }
        value = value << 4 | UInt32(digit)
      }
      return value
    }
    while true {
      // Non-ASCII bytes are passed over too: the whole string is checked as UTF-8 at its end.
      q = cursor.plainTextEnd(from: q, ascii: &ascii)
      guard q < end, text[q] != UInt8(ascii: "\"") else { break }
      // A control character, or an escape.
      guard text[q] == UInt8(ascii: "\\") else { return false }
      if let column { append(run..<q, to: column) }
      guard q + 1 < end else { return false }
      var decoded: UInt8?
      switch text[q + 1] {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded = text[q + 1]
      case UInt8(ascii: "b"): decoded = 0x08
      case UInt8(ascii: "f"): decoded = 0x0C
      case UInt8(ascii: "n"): decoded = 0x0A
      case UInt8(ascii: "r"): decoded = 0x0D
      case UInt8(ascii: "t"): decoded = 0x09
      case UInt8(ascii: "u"):
        guard var value = hex(q + 2) else { return false }
        q += 6
        if (0xD800..<0xDC00).contains(value) {
          guard q + 1 < end, text[q] == UInt8(ascii: "\\"), text[q + 1] == UInt8(ascii: "u"),
            let low = hex(q + 2), (0xDC00..<0xE000).contains(low)
          else { return false }
          value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
          q += 6
        }
        guard let scalar = Unicode.Scalar(value) else { return false }
        if let column {
          for byte in String(Character(scalar)).utf8 { appendDecoded(byte, to: column) }
        }
      default: return false
      }
      if let decoded {
        if let column { appendDecoded(decoded, to: column) }
        q += 2
      }
      run = q
    }
    guard q < end, ascii || FieldParsing.isValidUTF8(text, cursor.p + 1, q) else { return false }
    cursor.p = q + 1
    guard let column else { return true }
    append(run..<q, to: column)
    states[column].textEnd = q
    let first = states[column].isDecoded ? decoded[column].first : states[column].span.first.map { text[$0] }
    return first != UInt8(ascii: "\"")
  }

  /// Passes over the value of a key the policy does not declare, as strictly as the row reader
  /// reads it (an object, or arrays nested deeper than it takes, send the line to it).
  @inline(__always) mutating func skipValue(at cursor: inout LineCursor) -> Bool {
    switch cursor.current {
    case UInt8(ascii: "\""): return cursor.plainString() != nil || escapedString(at: &cursor, to: nil)
    case UInt8(ascii: "n"): return cursor.word("null")
    case UInt8(ascii: "t"): return cursor.word("true")
    case UInt8(ascii: "f"): return cursor.word("false")
    case UInt8(ascii: "["): return skipArray(at: &cursor, depth: 0)
    default: return cursor.number() != nil
    }
  }

  /// Passes over an array of an undeclared key's value, at most eight deep.
  mutating func skipArray(at cursor: inout LineCursor, depth: Int) -> Bool {
    guard depth < 8, cursor.take(UInt8(ascii: "[")) else { return false }
    cursor.skipSpace()
    if cursor.take(UInt8(ascii: "]")) { return true }
    while true {
      cursor.skipSpace()
      let skipped =
        cursor.current == UInt8(ascii: "[")
        ? skipArray(at: &cursor, depth: depth + 1) : skipValue(at: &cursor)
      guard skipped, let more = cursor.next(closing: UInt8(ascii: "]")) else { return false }
      if !more { return true }
    }
  }

  /// Adds the line's bytes in `range` to the field of `column`: kept as a range when it is the
  /// field's first part, else joined to the field's decoded bytes.
  mutating func append(_ range: Range<Int>, to column: Int) {
    if !states[column].isDecoded && states[column].span.isEmpty {
      states[column].span = range
      return
    }
    materialize(column)
    decoded[column].append(contentsOf: UnsafeBufferPointer(rebasing: text[range]))
  }

  /// Adds one decoded byte to the field of `column`.
  mutating func appendDecoded(_ byte: UInt8, to column: Int) {
    materialize(column)
    decoded[column].append(byte)
  }

  /// Turns the field of `column` from a range of the line into bytes of its own.
  private mutating func materialize(_ column: Int) {
    guard !states[column].isDecoded else { return }
    states[column].isDecoded = true
    if !states[column].span.isEmpty {
      decoded[column].append(contentsOf: UnsafeBufferPointer(rebasing: text[states[column].span]))
    }
  }
}

/// A place in one JSON line, and the tokens read from it. Every method is inlined into the walk.
struct LineCursor {
  let base: UnsafePointer<UInt8>
  let end: Int
  var p = 0

  init(base: UnsafePointer<UInt8>, end: Int) {
    self.base = base
    self.end = end
  }

  /// The byte at the place, or 0 past the line's end (0 is no token's first byte, and the row
  /// reader rejects it anywhere).
  @inline(__always) var current: UInt8 { p < end ? base[p] : 0 }

  /// Moves past `byte` when it is the current one.
  @inline(__always) mutating func take(_ byte: UInt8) -> Bool {
    guard current == byte else { return false }
    p += 1
    return true
  }

  @inline(__always) mutating func skipSpace() {
    // Most lines have no blanks between their tokens: one look, and on.
    guard p < end, base[p] <= 0x20 else { return }
    while p < end, base[p] == 0x20 || base[p] == 0x09 || base[p] == 0x0D || base[p] == 0x0A { p += 1 }
  }

  /// After a value: true past a `,`, false past `closing`, nil at anything else.
  @inline(__always) mutating func next(closing: UInt8) -> Bool? {
    skipSpace()
    let byte = current
    guard byte == UInt8(ascii: ",") || byte == closing else { return nil }
    p += 1
    return byte == UInt8(ascii: ",")
  }

  @inline(__always) mutating func word(_ literal: StaticString) -> Bool {
    let count = literal.utf8CodeUnitCount
    guard end - p >= count else { return false }
    for index in 0..<count where base[p + index] != literal.utf8Start[index] { return false }
    p += count
    return true
  }

  /// A number token as the row reader cuts it: its range.
  @inline(__always) mutating func number() -> Range<Int>? {
    let first = current
    guard first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
      return nil
    }
    let start = p
    p += 1
    // Digits and points eight bytes at a time, to the first other byte — the end of nearly every
    // number, where a byte-by-byte loop mispredicted its exit (numbers were a tenth of the
    // cutting) — then byte by byte the rest a number token takes: an exponent, the line's end.
    let highs: UInt64 = 0x8080_8080_8080_8080
    while p + 8 <= end {
      let word = UInt64(littleEndian: UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self))
      // Per byte, with no carry into the next: the low seven bits plus 0x50 reach the high bit
      // from "0" up, plus 0x46 from past "9"; a byte with its own high bit set is no digit.
      let low = word & 0x7F7F_7F7F_7F7F_7F7F
      let notDigit = ((low &+ 0x4646_4646_4646_4646) | ~(low &+ 0x5050_5050_5050_5050) | word) & highs
      let notPoint = low ^ 0x2E2E_2E2E_2E2E_2E2E
      let point = ~((notPoint &+ 0x7F7F_7F7F_7F7F_7F7F) | notPoint | word) & highs
      let stop = notDigit & ~point
      if stop != 0 {
        p += stop.trailingZeroBitCount / 8
        break
      }
      p += 8
    }
    while p < end, JSONParser.continuesNumber(base[p]) { p += 1 }
    return start..<p
  }

  /// After a list's `[`: when the list is one or more numbers with only commas between them and
  /// `]` right after the last, the range of its text inside the brackets, and the place past
  /// the `]`; `nil`, the place unmoved, for any other list.
  @inline(__always) mutating func compactNumbers() -> Range<Int>? {
    let start = p
    while number() != nil {
      if take(UInt8(ascii: "]")) { return start..<(p - 1) }
      guard take(UInt8(ascii: ",")) else { break }
    }
    p = start
    return nil
  }

  /// A string at the place without escapes or control characters, as valid UTF-8: its text's
  /// range, the place past its closing quote; `nil`, the place unmoved, for anything else.
  @inline(__always) mutating func plainString() -> Range<Int>? {
    guard current == UInt8(ascii: "\"") else { return nil }
    var ascii = true
    let first = p + 1
    let q = plainTextEnd(from: first, ascii: &ascii)
    guard q < end, base[q] == UInt8(ascii: "\""),
      ascii || FieldParsing.isValidUTF8(UnsafeBufferPointer(start: base, count: end), first, q)
    else { return nil }
    p = q + 1
    return first..<q
  }

  /// Where the plain text from `start` ends: at the first `"`, `\` or control character, or the
  /// line's end; and whether every byte before it was ASCII (if not, the caller checks the
  /// string as UTF-8). Eight bytes are looked at at once (a byte stops the run when it equals
  /// `"` or `\` or is below 0x20): most of a line is the text of values, and byte by byte this
  /// was most of the cutting.
  @inline(__always) func plainTextEnd(from start: Int, ascii: inout Bool) -> Int {
    var q = start
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    var high: UInt64 = 0
    while q + 8 <= end {
      let word = UInt64(littleEndian: UnsafeRawPointer(base + q).loadUnaligned(as: UInt64.self))
      let quote = word ^ (ones &* 0x22)
      let backslash = word ^ (ones &* 0x5C)
      // Each term has a byte's high bit set where that byte may stop the run; a term can be
      // wrong only above its own first true stop (a borrow runs upward), so the lowest flagged
      // byte is the first that stops it: found at once, where a byte-by-byte look through the
      // word mispredicted its exit at nearly every string.
      let stop =
        (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word))
        & highs
      if stop != 0 {
        let before = stop.trailingZeroBitCount / 8
        high |= word & (UInt64.max >> (64 - 8 * before))
        if high & highs != 0 { ascii = false }
        return q + before
      }
      high |= word
      q += 8
    }
    if high & highs != 0 { ascii = false }
    while q < end {
      let byte = base[q]
      if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
      if byte >= 0x80 { ascii = false }
      q += 1
    }
    return q
  }
}

/// The text between the values of a line — `{"customer_id":`, `,"name":`, …, and the `}` after
/// the last value — and each value's key, as ``LineCutter`` found them reading a line token by
/// token. The lines of an export repeat that text exactly, so a line is read by comparing it, a
/// word at a time, and reading only the values: token by token, a line cost four times as many
/// instructions (every blank looked for, every key and comma on its own).
final class LineShape: @unchecked Sendable {
  /// A gap, and the value after it.
  struct Step {
    let length: Int
    /// The policy's input the value is for; -1 for a key the policy does not declare.
    let column: Int
    /// A gap of 8 to 24 bytes — nearly every one — as three words compared at once: its first
    /// eight bytes, the eight from `middleOffset`, its last eight (overlapping as its length
    /// needs). A loop over a gap's words, each with a mask for the bytes it held, was a fifth of
    /// the cutting.
    let first: UInt64
    let middle: UInt64
    let last: UInt64
    let middleOffset: Int
    /// The gap's first byte in `bytes`.
    let byte: Int
  }

  /// Per value its gap and key, then the gap after the last value. Kept, like the gaps' bytes,
  /// in memory of the shape's own: read from arrays, every look was checked against the array's
  /// bounds, and a line cost a fifth more.
  let steps: UnsafeMutableBufferPointer<Step>
  private let bytes: UnsafeMutableBufferPointer<UInt8>
  let valueCount: Int

  /// The shape of `line`, whose values follow `gaps` (one more than `keys`, the text after the
  /// last value).
  init(_ line: UnsafeBufferPointer<UInt8>, gaps: [Range<Int>], keys: [KeyCache.Key]) {
    valueCount = keys.count
    steps = .allocate(capacity: gaps.count)
    bytes = .allocate(capacity: gaps.reduce(0) { $0 + $1.count })
    var byte = 0
    for (index, gap) in gaps.enumerated() {
      var column = -1
      if index < keys.count, case .input(let input) = keys[index] { column = input }
      /// The little-endian word of the gap's eight bytes from `offset` (zeros past its end).
      func word(at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for position in 0..<8 where offset + position < gap.count {
          value |= UInt64(line[gap.lowerBound + offset + position]) << UInt64(8 * position)
        }
        return value
      }
      let middleOffset = gap.count > 16 ? 8 : max(0, gap.count - 8)
      steps.initializeElement(
        at: index,
        to: Step(
          length: gap.count, column: column, first: word(at: 0), middle: word(at: middleOffset),
          last: word(at: max(0, gap.count - 8)), middleOffset: middleOffset, byte: byte))
      for position in gap {
        bytes.initializeElement(at: byte, to: line[position])
        byte += 1
      }
    }
  }

  deinit {
    steps.deallocate()
    bytes.deallocate()
  }

  /// How many keys in a row a line may leave out and still be read by the shape.
  static let keysLeftOut = 8

  /// When the line does not hold gap `position` at the cursor's place: the first of the up to
  /// ``keysLeftOut`` gaps after it that it holds there (the keys between left out), and where it
  /// ends; `nil` when it holds none of them.
  func gap(after position: Int, at cursor: LineCursor) -> (position: Int, end: Int)? {
    // The first gap holds the line's `{`: it is never left out.
    guard position > 0 else { return nil }
    var later = position + 1
    while later <= min(valueCount, position + Self.keysLeftOut) {
      if let end = endOfGap(steps[later], at: cursor) { return (later, end) }
      later += 1
    }
    return nil
  }

  /// Where the gap of `step` ends when the line holds it at the cursor's place; `nil` when it
  /// does not.
  @inline(__always) func endOfGap(_ step: Step, at cursor: LineCursor) -> Int? {
    let start = cursor.p
    let end = start &+ step.length
    guard end <= cursor.end else { return nil }
    let line = UnsafeRawPointer(cursor.base)
    func word(_ offset: Int) -> UInt64 {
      UInt64(littleEndian: line.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    if step.length >= 8 && step.length <= 24 {
      let differences =
        (word(start) ^ step.first) | (word(start &+ step.middleOffset) ^ step.middle)
        | (word(end &- 8) ^ step.last)
      return differences == 0 ? end : nil
    }
    guard let pattern = bytes.baseAddress else { return nil }
    if step.length > 24 {
      // A long key: its words in turn, then its last eight bytes.
      let gap = UnsafeRawPointer(pattern + step.byte)
      var offset = 0
      while offset &+ 8 < step.length {
        guard
          word(start &+ offset)
            == UInt64(littleEndian: gap.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        else { return nil }
        offset &+= 8
      }
      let last = UInt64(littleEndian: gap.loadUnaligned(fromByteOffset: step.length &- 8, as: UInt64.self))
      return word(end &- 8) == last ? end : nil
    }
    // Shorter than a word: the `}` after the last value, a one-letter key.
    for offset in 0..<step.length where cursor.base[start &+ offset] != pattern[step.byte &+ offset] {
      return nil
    }
    return end
  }
}

/// Byte strings looked for at a place of a line, each compared a word (eight bytes) at a time:
/// kept as little-endian words, the last padded with zeros, each with the mask of the bytes it
/// holds; and as bytes, for a place too near the line's end to read whole words. Byte by byte, a
/// comparison mispredicted its exit at nearly every key.
struct WordPatterns {
  /// Per pattern: its first word, its first byte, its length.
  private var wordStarts: [Int] = []
  private var byteStarts: [Int] = []
  private var lengths: [Int] = []
  private var words: [UInt64] = []
  private var masks: [UInt64] = []
  private var bytes: [UInt8] = []

  /// The words of the patterns set; the rest are left behind by patterns replaced.
  private var liveWords = 0

  var count: Int { lengths.count }

  mutating func append(_ pattern: some Collection<UInt8>) {
    wordStarts.append(words.count)
    byteStarts.append(bytes.count)
    lengths.append(pattern.count)
    store(pattern)
  }

  /// Sets pattern `index` to `pattern` (at `count`: adds it). A replaced pattern's words stay
  /// behind until they outnumber the live ones, then every pattern is written afresh: writing
  /// them all at every change made a line whose keys had moved cost the square of its keys.
  mutating func set(_ index: Int, to pattern: some Collection<UInt8>) {
    guard index < count else { return append(pattern) }
    liveWords -= Self.wordCount(lengths[index])
    (wordStarts[index], byteStarts[index], lengths[index]) = (words.count, bytes.count, pattern.count)
    store(pattern)
    guard words.count > 2 * liveWords + 64 else { return }
    let old = self
    self = WordPatterns()
    for index in 0..<old.count {
      append(old.bytes[old.byteStarts[index]..<(old.byteStarts[index] + old.lengths[index])])
    }
  }

  /// Adds the words, masks and bytes of `pattern` to the storage: its little-endian words, the
  /// last padded with zeros, each with the mask of the bytes it holds.
  private mutating func store(_ pattern: some Collection<UInt8>) {
    liveWords += Self.wordCount(pattern.count)
    bytes.append(contentsOf: pattern)
    var word: UInt64 = 0
    var mask: UInt64 = 0
    for (index, byte) in pattern.enumerated() {
      let shift = UInt64(8 * (index % 8))
      word |= UInt64(byte) << shift
      mask |= 0xFF << shift
      if index % 8 == 7 || index == pattern.count - 1 {
        words.append(word)
        masks.append(mask)
        (word, mask) = (0, 0)
      }
    }
  }

  /// The words a pattern of `length` bytes takes.
  @inline(__always) static func wordCount(_ length: Int) -> Int { (length &+ 7) / 8 }

  /// Where pattern `index` ends when the bytes at `start` of `base` (which ends at `end`) begin
  /// with it; `nil` when they do not.
  @inline(__always) func end(of index: Int, at start: Int, in base: UnsafePointer<UInt8>, end: Int) -> Int? {
    let length = lengths[index]
    guard start + Self.wordCount(length) * 8 <= end else {
      guard start + length <= end else { return nil }
      let first = byteStarts[index]
      for offset in 0..<length where base[start + offset] != bytes[first + offset] { return nil }
      return start + length
    }
    var word = wordStarts[index]
    var offset = 0
    while offset < length {
      let loaded = UInt64(
        littleEndian: UnsafeRawPointer(base + start + offset).loadUnaligned(as: UInt64.self))
      guard loaded & masks[word] == words[word] else { return nil }
      word += 1
      offset += 8
    }
    return start + length
  }
}

/// The line cutters of the workers cutting one input's chunks: each worker takes one for a
/// chunk and gives it back after, with what it learnt of the lines' keys (a fresh cutter looked
/// up every key of its first line against the inputs' names again) and its memory (made anew
/// for every chunk, it was a third of a service's single decision, whose chunk is one line).
private final class LineCutters: @unchecked Sendable {
  private let lock = NSLock()
  private var idle: [LineCutter] = []

  func take() -> LineCutter? {
    lock.lock()
    defer { lock.unlock() }
    return idle.popLast()
  }

  func give(_ cutter: consuming LineCutter) {
    lock.lock()
    idle.append(cutter)
    lock.unlock()
  }

  deinit {
    for cutter in idle { cutter.release() }
  }
}

/// What each key of a line is, remembered by its position: the lines of an export repeat their
/// keys in the same order, so a key is usually found by one comparison with the key the line
/// before had in the same place.
struct KeyCache {
  enum Key: Equatable {
    /// The policy's input in this column.
    case input(Int)
    /// A key the policy does not declare, not near any input's name: numbered, so that the same
    /// key twice in a line is noticed.
    case ignored(Int)
  }

  private var keys: [[UInt8]] = []
  private var found: [Key] = []
  /// The shape lines are read by: of a line read token by token.
  var shape: LineShape?
  /// Lines in a row the shape has not read, and how many of them (holding fewer keys than the
  /// shape) leave it in place.
  var linesMissingShape = 0
  static let linesMissingShapeKept = 8
  /// Per position, its key in quotes.
  private var quotedKeys = WordPatterns()
  /// Every key met so far that is no near-miss of an input's name, and what it is. A key out of
  /// its usual place — in an export that leaves out null values, every key after the first one
  /// left out — was compared with every input's name for a misspelling, each time.
  private var known: [[UInt8]: Key] = [:]
  private var ignoredCount = 0
  /// The number of the line being cut, by all the cutters that had this cache: it marks the
  /// undeclared keys the line has had.
  var generation = 0
  /// Per ignored key: the number of the last line that had it.
  private var seenIgnored: [Int] = []
  /// The first 64 ignored keys the line has had, one bit each: writing the line's number into
  /// `seenIgnored` checked the array's ownership at every undeclared key.
  private var seenIgnoredBits: UInt64 = 0
  private var bitsGeneration = 0

  /// Notes that the line being cut has the ignored key `id`; false when it had it already.
  @inline(__always) mutating func markSeen(ignored id: Int) -> Bool {
    if id < 64 {
      if bitsGeneration != generation {
        bitsGeneration = generation
        seenIgnoredBits = 0
      }
      let bit: UInt64 = 1 << UInt64(id)
      guard seenIgnoredBits & bit == 0 else { return false }
      seenIgnoredBits |= bit
      return true
    }
    guard seenIgnored[id] != generation else { return false }
    seenIgnored[id] = generation
    return true
  }

  /// The key at position `position` of a line, when `text` holds at `start` the same key as the
  /// line before had there, quotes included: what it is, and where the text goes on after it.
  /// (The cached key has no escapes, so the same bytes and a closing quote are the same key.)
  @inline(__always) func match(
    _ text: UnsafeBufferPointer<UInt8>, at start: Int, position: Int
  ) -> (key: Key, next: Int)? {
    guard position < quotedKeys.count, let base = text.baseAddress,
      let next = quotedKeys.end(of: position, at: start, in: base, end: text.count)
    else { return nil }
    return (found[position], next)
  }

  /// Whether the bytes are the same, eight at a time: keys are short, and a call of `memcmp` per
  /// key cost more than the comparison. (`memcmp` showed as a twentieth of a JSON Lines run, but
  /// most of that was the first read of the line's bytes, which moved here with it: the run got
  /// a few percent faster, not five. `elementsEqual` compares element by element, generically.)
  @inline(__always) static func same(_ key: UnsafeBufferPointer<UInt8>, _ other: [UInt8]) -> Bool {
    guard key.count == other.count else { return false }
    return other.withUnsafeBufferPointer { other in
      guard let a = key.baseAddress, let b = other.baseAddress else { return true }
      let count = key.count
      var index = 0
      while index + 8 <= count {
        let left = UnsafeRawPointer(a + index).loadUnaligned(as: UInt64.self)
        guard left == UnsafeRawPointer(b + index).loadUnaligned(as: UInt64.self) else { return false }
        index += 8
      }
      while index < count {
        guard a[index] == b[index] else { return false }
        index += 1
      }
      return true
    }
  }

  /// `key`, the line's key at `position`; `nil` for a key near an input's name (a misspelling
  /// the row reader may have to reject, naming the input).
  mutating func lookUp(_ key: UnsafeBufferPointer<UInt8>, at position: Int, names: [[UInt8]]) -> Key? {
    if position < keys.count, Self.same(key, keys[position]) { return found[position] }
    let bytes = Array(key)
    let result: Key
    if let seen = known[bytes] {
      result = seen
    } else {
      if let column = names.firstIndex(where: { key.elementsEqual($0) }) {
        result = .input(column)
      } else {
        let name = String(decoding: key, as: UTF8.self)
        let inputs = names.map { String(decoding: $0, as: UTF8.self) }
        if Suggestions.nearest(to: name, in: inputs) != nil { return nil }
        seenIgnored.append(0)
        result = .ignored(ignoredCount)
        ignoredCount += 1
      }
      known[bytes] = result
    }
    guard position <= keys.count else { return result }
    let quoted = [UInt8(ascii: "\"")] + bytes + [UInt8(ascii: "\"")]
    if position < keys.count {
      keys[position] = bytes
      found[position] = result
    } else {
      keys.append(bytes)
      found.append(result)
    }
    quotedKeys.set(position, to: quoted)
    return result
  }
}
