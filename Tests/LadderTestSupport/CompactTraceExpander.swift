import Foundation

/// Expands compact traces (docs/compact-trace.md) into full traced lines: the tests' reader,
/// written from the format's description like `scripts/expand-trace.py`, but copying each value
/// as the bytes the line holds where the Python reader parses and writes it again.
public struct CompactTraceExpander {
  enum Part {
    case literal(String)
    case value(Int)
    case choice(Int, list: Int)
    case flags([(column: Int, id: String)])
    case text(Int)
  }

  let templates: [[Part]]
  let choices: [[String]]

  /// `nil` when `header` is not a compact-trace header this reader understands.
  public init?(header: String) {
    guard let object = try? JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any],
      object["compact_trace"] as? Int == 2, let choices = object["choices"] as? [[String]],
      let templates = object["templates"] as? [[String: Any]]
    else { return nil }
    self.choices = choices
    var parsed: [[Part]] = []
    for template in templates {
      guard let parts = template["parts"] as? [Any] else { return nil }
      var line: [Part] = []
      for part in parts {
        if let text = part as? String {
          line.append(.literal(text))
        } else if let object = part as? [String: Any], let flags = object["flags"] as? [[Any]] {
          line.append(
            .flags(
              flags.compactMap { pair in
                (pair[0] as? Int).flatMap { c in (pair[1] as? String).map { (c, $0) } }
              }))
        } else if let object = part as? [String: Any], let column = object["text"] as? Int {
          line.append(.text(column))
        } else if let object = part as? [String: Any], let column = object["column"] as? Int {
          if let list = object["choices"] as? Int {
            line.append(.choice(column, list: list))
          } else {
            line.append(.value(column))
          }
        } else {
          return nil
        }
      }
      parsed.append(line)
    }
    self.templates = parsed
  }

  /// Expands every line after the header; full lines (objects) are kept as they are.
  public static func expand(_ output: String) -> String? {
    var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard !lines.isEmpty, let expander = CompactTraceExpander(header: lines.removeFirst()) else { return nil }
    var expanded = ""
    for line in lines where !line.isEmpty {
      if line.hasPrefix("[") {
        guard let full = expander.expand(line) else { return nil }
        expanded += full
      } else {
        expanded += line + "\n"
      }
    }
    return expanded
  }

  /// One decision's line (with its line break), or `nil` when the array does not fit the header.
  public func expand(_ line: String) -> String? {
    let values = Self.elements(of: line)
    guard let first = values.first, let shape = Int(first), templates.indices.contains(shape) else {
      return nil
    }
    let columns = Array(values.dropFirst())
    var output = ""
    for part in templates[shape] {
      switch part {
      case .literal(let text): output += text
      case .value(let column):
        guard columns.indices.contains(column) else { return nil }
        output += columns[column]
      case .choice(let column, let list):
        guard columns.indices.contains(column) else { return nil }
        if columns[column] == "null" {
          output += "null"
        } else {
          guard let index = Int(columns[column]), choices[list].indices.contains(index) else { return nil }
          output += choices[list][index]
        }
      case .text(let column):
        // The value's JSON string without its quotes: what it reads inside another string.
        guard columns.indices.contains(column) else { return nil }
        let value = columns[column]
        if value == "null" {
          output += "missing"
        } else {
          guard value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") else { return nil }
          output += value.dropFirst().dropLast()
        }
      case .flags(let flags):
        output +=
          "["
          + flags.filter { columns.indices.contains($0.column) && columns[$0.column] == "true" }.map(\.id)
          .joined(separator: ",") + "]"
      }
    }
    return output
  }

  /// The elements of a JSON array, each as the text the line holds.
  static func elements(of line: String) -> [String] {
    let bytes = Array(line.utf8)
    guard bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") else { return [] }
    var elements: [String] = []
    var depth = 0
    var inString = false
    var escaped = false
    var start = 1
    for index in 1..<(bytes.count - 1) {
      let byte = bytes[index]
      if inString {
        if escaped {
          escaped = false
        } else if byte == UInt8(ascii: "\\") {
          escaped = true
        } else if byte == UInt8(ascii: "\"") {
          inString = false
        }
        continue
      }
      switch byte {
      case UInt8(ascii: "\""): inString = true
      case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
      case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
      case UInt8(ascii: ",") where depth == 0:
        elements.append(String(decoding: bytes[start..<index], as: UTF8.self))
        start = index + 1
      default: break
      }
    }
    elements.append(String(decoding: bytes[start..<(bytes.count - 1)], as: UTF8.self))
    return elements
  }
}
