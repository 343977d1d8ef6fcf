/// A small writer for canonical JSON: keys in the order written, no insignificant white space,
/// strings escaped the same way every time.
///
/// Ladder writes JSON by hand rather than through `JSONEncoder` so that key order and number
/// formatting are fixed by the code, not by a dictionary's hash order.
public final class JSONWriter {
  /// The JSON written so far, as UTF-8 bytes: appending bytes is several times cheaper than
  /// appending to a `String` (traced evaluation writes about 4 KB per record).
  @exclusivity(unchecked) public private(set) var bytes: [UInt8] = []
  /// Whether the innermost open container already has a value: a comma comes before the next.
  /// Unchecked exclusivity: the writer is used by one thread, and the dynamic checks cost more
  /// than the writing (measured with perf, docs/performance.md).
  @exclusivity(unchecked) private var needsComma: [Bool] = [false]

  public init() {
    bytes.reserveCapacity(1024)
  }

  public var output: String { String(decoding: bytes, as: UTF8.self) }

  private func separate() {
    if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
    needsComma[needsComma.count - 1] = true
  }

  public func object(_ body: () -> Void) {
    separate()
    bytes.append(UInt8(ascii: "{"))
    needsComma.append(false)
    body()
    needsComma.removeLast()
    bytes.append(UInt8(ascii: "}"))
  }

  public func array<C: Collection>(_ items: C, _ body: (C.Element) -> Void) {
    separate()
    bytes.append(UInt8(ascii: "["))
    needsComma.append(false)
    for item in items { body(item) }
    needsComma.removeLast()
    bytes.append(UInt8(ascii: "]"))
  }

  /// A key inside an object; `body` writes exactly one value.
  public func field(_ key: String, _ body: () -> Void) {
    separate()
    Self.escape(key, into: &bytes)
    bytes.append(UInt8(ascii: ":"))
    // The value that follows must not add another comma.
    needsComma[needsComma.count - 1] = false
    body()
    needsComma[needsComma.count - 1] = true
  }

  public func string(_ value: String) {
    separate()
    Self.escape(value, into: &bytes)
  }

  public func optionalString(_ value: String?) {
    if let value { string(value) } else { null() }
  }

  public func number(_ value: Int) {
    separate()
    bytes.append(contentsOf: String(value).utf8)
  }

  public func bool(_ value: Bool) {
    separate()
    bytes.append(value ? "true" : "false")
  }

  public func null() {
    separate()
    bytes.append("null")
  }

  /// Writes pre-rendered JSON verbatim.
  public func raw(_ json: String) {
    separate()
    bytes.append(contentsOf: json.utf8)
  }

  /// Lets `body` append one JSON value's bytes verbatim.
  func raw(_ body: (inout [UInt8]) -> Void) {
    separate()
    body(&bytes)
  }

  public static func escape(_ value: String, into output: inout String) {
    var bytes: [UInt8] = []
    escape(value, into: &bytes)
    output += String(decoding: bytes, as: UTF8.self)
  }

  /// `value` as a JSON string. Most values need no escaping and are appended whole; appending
  /// scalar by scalar was over half of a traced run.
  public static func escape(_ value: String, into output: inout [UInt8]) {
    var value = value
    value.withUTF8 { escape(bytes: $0, into: &output) }
  }

  /// UTF-8 bytes as a JSON string: `"`, `\` and control characters escaped, the rest as it is.
  static func escape(bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
    output.append(UInt8(ascii: "\""))
    var run = 0
    for index in 0..<bytes.count {
      let byte = bytes[index]
      guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 else { continue }
      output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
      // Byte by byte: an array literal here was an allocation per escaped character.
      switch byte {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"):
        output.append(UInt8(ascii: "\\"))
        output.append(byte)
      case UInt8(ascii: "\n"):
        output.append(UInt8(ascii: "\\"))
        output.append(UInt8(ascii: "n"))
      case UInt8(ascii: "\r"):
        output.append(UInt8(ascii: "\\"))
        output.append(UInt8(ascii: "r"))
      case UInt8(ascii: "\t"):
        output.append(UInt8(ascii: "\\"))
        output.append(UInt8(ascii: "t"))
      default:
        let hex = String(byte, radix: 16)
        output += Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
      }
      run = index + 1
    }
    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<bytes.count]))
    output.append(UInt8(ascii: "\""))
  }

  public static func quoted(_ value: String) -> String {
    var out: [UInt8] = []
    escape(value, into: &out)
    return String(decoding: out, as: UTF8.self)
  }
}
