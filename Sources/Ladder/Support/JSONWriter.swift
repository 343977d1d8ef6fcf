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
  /// The escaped text is made in a scratch buffer and appended at once: appending run by run and
  /// byte by byte was a tenth of a ledger run's CPU time.
  static func escape(bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
    // Most values (numbers, dates, ids, names) need no escaping: appended whole, with no scratch
    // buffer, which for short fields cost more than the bytes themselves.
    if !bytes.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
      output.append(UInt8(ascii: "\""))
      output.append(contentsOf: bytes)
      output.append(UInt8(ascii: "\""))
      return
    }
    // At most six bytes (`\u001f`) for each byte, and the quotes.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count * 6 + 2) { scratch in
      var end = 0
      @inline(__always) func put(_ byte: UInt8) {
        scratch[end] = byte
        end += 1
      }
      let hexDigits: StaticString = "0123456789abcdef"
      put(UInt8(ascii: "\""))
      for byte in bytes {
        guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 else {
          put(byte)
          continue
        }
        put(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): put(byte)
        case UInt8(ascii: "\n"): put(UInt8(ascii: "n"))
        case UInt8(ascii: "\r"): put(UInt8(ascii: "r"))
        case UInt8(ascii: "\t"): put(UInt8(ascii: "t"))
        default:
          put(UInt8(ascii: "u"))
          put(UInt8(ascii: "0"))
          put(UInt8(ascii: "0"))
          hexDigits.withUTF8Buffer { digits in
            put(digits[Int(byte >> 4)])
            put(digits[Int(byte & 0xf)])
          }
        }
      }
      put(UInt8(ascii: "\""))
      output.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[0..<end]))
    }
  }

  public static func quoted(_ value: String) -> String {
    var out: [UInt8] = []
    escape(value, into: &out)
    return String(decoding: out, as: UTF8.self)
  }
}
