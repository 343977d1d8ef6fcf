/// The type of a value in the expression language.
public indirect enum ValueType: Sendable, Hashable, CustomStringConvertible {
  case int
  case decimal
  /// A fraction written and shown as a percent (`80%` is 0.80). Kept apart from plain numbers so
  /// that `repurchase_rate >= 80` (meaning 80%) is caught at check time.
  case percent
  case bool
  case string
  case date
  /// An instant: a date and time with its UTC offset (`2024-02-20T17:40+08:00`).
  case datetime
  case duration
  /// A business calendar named in `calendars:`; only the clock built-ins take one (`in: support_cn`).
  case calendar
  /// An enum input's values, named by the input that declares them.
  case enumeration(name: String, values: [String])
  /// The policy's tier ids (the type of `tier` in triggers).
  case tier(ids: [String])
  case list(ValueType)
  /// The type of an expression that already has an error; compatible with everything so that
  /// one mistake is reported once.
  case unknown

  public var description: String {
    switch self {
    case .int: "int"
    case .decimal: "decimal"
    case .percent: "percent"
    case .bool: "bool"
    case .string: "string"
    case .date: "date"
    case .datetime: "datetime"
    case .duration: "duration"
    case .calendar: "calendar"
    case .enumeration(let name, _): "enum '\(name)'"
    case .tier: "tier"
    case .list(let element): "list of \(element)"
    case .unknown: "unknown"
    }
  }

  /// The type name with "a" or "an" before it, for messages.
  public var withArticle: String {
    let text = description
    guard let first = text.unicodeScalars.first else { return text }
    return ("aeiou".unicodeScalars.contains(first) ? "an " : "a ") + text
  }

  public var isNumber: Bool { self == .int || self == .decimal }
  public var isNumeric: Bool { isNumber || self == .percent }
  public var isUnknown: Bool { self == .unknown }
}

/// A value type and whether it may be missing.
public struct LadderType: Sendable, Hashable, CustomStringConvertible {
  public var value: ValueType
  /// True when the value may be missing: an optional input, or anything computed from one
  /// without a `??` default.
  public var isOptional: Bool

  public init(_ value: ValueType, optional: Bool = false) {
    self.value = value
    self.isOptional = optional
  }

  public static let unknown = LadderType(.unknown)

  public var description: String { isOptional ? "\(value) (may be missing)" : value.description }
}

/// A runtime value. Numbers of every kind are exact decimals.
public enum Value: Sendable, Hashable {
  case missing
  case number(FixedDecimal)
  case bool(Bool)
  case string(String)
  case date(CivilDate)
  case datetime(LadderInstant)
  case duration(LadderDuration)
  case calendar(BusinessCalendar)
  case list([Value])

  public var isMissing: Bool { self == .missing }

  /// Text, enum values and booleans: they compare with `==` and `!=` only.
  var isUnordered: Bool {
    switch self {
    case .string, .bool: true
    default: false
    }
  }
}
