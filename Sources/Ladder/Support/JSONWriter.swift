/// A small writer for canonical JSON: keys in the order written, no insignificant white space,
/// strings escaped the same way every time.
///
/// Ladder writes JSON by hand rather than through `JSONEncoder` so that key order and number
/// formatting are fixed by the code, not by a dictionary's hash order.
public final class JSONWriter {
  public private(set) var output = ""
  private var needsComma: [Bool] = [false]

  public init() {}

  private func separate() {
    if needsComma[needsComma.count - 1] { output += "," }
    needsComma[needsComma.count - 1] = true
  }

  public func object(_ body: () -> Void) {
    separate()
    output += "{"
    needsComma.append(false)
    body()
    needsComma.removeLast()
    output += "}"
  }

  public func array<C: Collection>(_ items: C, _ body: (C.Element) -> Void) {
    separate()
    output += "["
    needsComma.append(false)
    for item in items { body(item) }
    needsComma.removeLast()
    output += "]"
  }

  /// A key inside an object; `body` writes exactly one value.
  public func field(_ key: String, _ body: () -> Void) {
    separate()
    Self.escape(key, into: &output)
    output += ":"
    // The value that follows must not add another comma.
    needsComma[needsComma.count - 1] = false
    body()
    needsComma[needsComma.count - 1] = true
  }

  public func string(_ value: String) {
    separate()
    Self.escape(value, into: &output)
  }

  public func optionalString(_ value: String?) {
    if let value { string(value) } else { null() }
  }

  public func number(_ value: Int) {
    separate()
    output += String(value)
  }

  public func bool(_ value: Bool) {
    separate()
    output += value ? "true" : "false"
  }

  public func null() {
    separate()
    output += "null"
  }

  /// Writes pre-rendered JSON verbatim.
  public func raw(_ json: String) {
    separate()
    output += json
  }

  public static func escape(_ value: String, into output: inout String) {
    output += "\""
    // Most values need no escaping: append them whole. Appending scalar by scalar was over half
    // of the time of a traced run (measured with perf, docs/performance.md).
    let utf8 = value.utf8
    guard utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) else {
      output += value
      output += "\""
      return
    }
    var run = utf8.startIndex
    var index = utf8.startIndex
    func flushRun() {
      if run < index { output += String(Substring(value.utf8[run..<index])) }
    }
    while index < utf8.endIndex {
      let byte = utf8[index]
      let replacement: String?
      switch byte {
      case UInt8(ascii: "\""): replacement = "\\\""
      case UInt8(ascii: "\\"): replacement = "\\\\"
      case UInt8(ascii: "\n"): replacement = "\\n"
      case UInt8(ascii: "\r"): replacement = "\\r"
      case UInt8(ascii: "\t"): replacement = "\\t"
      case 0..<0x20:
        let hex = String(byte, radix: 16)
        replacement = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: replacement = nil
      }
      if let replacement {
        flushRun()
        output += replacement
        index = utf8.index(after: index)
        run = index
      } else {
        index = utf8.index(after: index)
      }
    }
    flushRun()
    output += "\""
  }

  public static func quoted(_ value: String) -> String {
    var out = ""
    escape(value, into: &out)
    return out
  }
}
