import Foundation

/// Prints an expression in canonical form: single spaces around operators, the author's
/// parentheses kept, literals as written in the language (`80%`, `90d`, `2024-03-01`).
///
/// `parse(print(e))` gives back `e` (ignoring spans); a property test holds it to that.
public enum ExprPrinter {
  public static func print(_ expr: Expr) -> String {
    switch expr.kind {
    case .error: return "<error>"
    case .literal(let literal): return print(literal)
    case .name(let name): return name
    case .group(let inner): return "(\(print(inner)))"
    case .unary(.negate, let operand): return "-\(print(operand))"
    case .unary(.not, let operand): return "not \(print(operand))"
    case .binary(let op, let lhs, let rhs): return "\(print(lhs)) \(op.rawValue) \(print(rhs))"
    case .between(let value, let low, let high, let negated):
      return "\(print(value)) \(negated ? "not between" : "between") \(print(low)) and \(print(high))"
    case .isMissing(let operand, let negated):
      return "\(print(operand)) is \(negated ? "not missing" : "missing")"
    case .call(let name, _, let arguments):
      var printed = arguments.map(print)
      // A clock's calendar reads `in support_cn`.
      if Builtin.calendarFunctions.contains(name), let last = printed.indices.last, last > 0 {
        printed[last] = "in " + printed[last]
      }
      return "\(name)(\(printed.joined(separator: ", ")))"
    case .index(let base, let index): return "\(print(base))[\(print(index))]"
    case .list(let elements): return "[\(elements.map(print).joined(separator: ", "))]"
    case .conditional(let condition, let then, let otherwise):
      return "if \(print(condition)) then \(print(then)) else \(print(otherwise))"
    }
  }

  public static func print(_ literal: Literal) -> String {
    switch literal {
    case .number(let value, let isInteger):
      return grouped(isInteger ? value.normalized.description : value.description)
    case .percent(let value): return value.percentDescription
    case .duration(let value): return value.description
    case .date(let value): return value.description
    case .string(let value):
      // Scalar by scalar: a quote followed by a combining mark is one Character, which a
      // Character-based replacement would leave unescaped.
      var escaped = ""
      for scalar in value.unicodeScalars {
        switch scalar {
        case "\\": escaped += "\\\\"
        case "\"": escaped += "\\\""
        case "\n": escaped += "\\n"
        case "\t": escaped += "\\t"
        default: escaped.unicodeScalars.append(scalar)
        }
      }
      return "\"\(escaped)\""
    case .bool(let value): return value ? "true" : "false"
    }
  }

  /// `500000` as `500_000`: long integer parts get `_` separators, as authors write them.
  static func grouped(_ text: String) -> String {
    let negative = text.hasPrefix("-")
    let unsigned = negative ? String(text.dropFirst()) : text
    let parts = unsigned.split(separator: ".", maxSplits: 1)
    guard let integer = parts.first, integer.count > 4 else { return text }
    var digits = ""
    for (index, character) in integer.enumerated() {
      if index > 0 && (integer.count - index) % 3 == 0 { digits.append("_") }
      digits.append(character)
    }
    let fraction = parts.count > 1 ? "." + parts[1] : ""
    return (negative ? "-" : "") + digits + fraction
  }

  /// A runtime value in the language's own notation, for traces and messages.
  public static func print(_ value: Value, as type: ValueType) -> String {
    switch value {
    case .missing: return "missing"
    case .number(let number): return type == .percent ? number.percentDescription : number.description
    case .bool(let flag): return flag ? "true" : "false"
    case .string(let text): return print(.string(text))
    case .date(let date): return date.description
    case .duration(let duration): return duration.description
    case .datetime(let instant): return instant.description
    case .calendar(let calendar): return calendar.name
    case .list(let items):
      let element: ValueType
      if case .list(let inner) = type { element = inner } else { element = .unknown }
      return "[\(items.map { print($0, as: element) }.joined(separator: ", "))]"
    }
  }
}
