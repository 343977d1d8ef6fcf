import Foundation

/// Turns raw field values into typed values, enforcing the policy's `inputs`: types, required
/// fields, bounds, list lengths, enum values and decimal scales.
///
/// Formats accepted in records (docs/cli.md): numbers as `1234.50` (no thousands separators);
/// percents as `85%` or as the fraction `0.85`; dates as `YYYY-MM-DD`; booleans as
/// `true`/`false` (or `1`/`0`); lists as a JSON array or values separated by `;`.
public struct RecordValidator: Sendable {
  public let inputs: [InputField]
  let keySlot: Int
  let showsPersonalData: Bool
  /// Where date-times written without an offset are read (`time_zone:`).
  let timeZone: TimeZone?

  public init(policy: CompiledPolicy) {
    // The policy's zone, else the zone its calendars share (a support team's policy names its
    // calendar's zone once).
    let zones = Set(policy.checked.calendars.map(\.zone.identifier))
    timeZone =
      policy.checked.timeZone ?? (zones.count == 1 ? policy.checked.calendars.first?.zone : nil)
    inputs = policy.inputs
    keySlot = policy.checked.keyInput
    showsPersonalData = policy.checked.showsPersonalData
  }

  /// Fills `frame.inputs` from a raw record, or says why the record is rejected.
  public func load(_ record: RawRecord, into frame: EvaluationFrame) -> RecordProblem? {
    let key = keyText(record)
    for field in inputs {
      let raw = record.values[field.slot] ?? .null
      switch convert(raw, for: field) {
      case .success(let value):
        frame.inputs[field.slot] = value
      case .failure(let reason):
        return RecordProblem(line: record.line, key: key, field: field.name, reason: reason.text)
      }
    }
    return nil
  }

  /// The key as written, for messages about a record that could not be read.
  public func keyText(_ record: RawRecord) -> String? {
    guard keySlot < record.values.count else { return nil }
    switch record.values[keySlot] {
    case .text(let text): return text
    case .number(let text): return text
    default: return nil
    }
  }

  struct Reason: Error {
    var text: String
  }

  func convert(_ raw: RawValue, for field: InputField) -> Result<Value, Reason> {
    // Personal values are never quoted back.
    func shown(_ text: String) -> String {
      if field.isPersonal && !showsPersonalData { return "the value (personal data, not shown)" }
      let clipped = text.count > 40 ? String(text.prefix(40)) + "…" : text
      return "'\(clipped)'"
    }
    if case .null = raw {
      return field.isOptional ? .success(.missing) : .failure(Reason(text: "a required field is empty"))
    }
    if case .text(let text) = raw, text.trimmingWhitespace.isEmpty {
      return field.isOptional ? .success(.missing) : .failure(Reason(text: "a required field is empty"))
    }
    let result: Result<Value, Reason>
    switch field.type {
    case .list(let element):
      var items: [RawValue]
      switch raw {
      case .array(let array): items = array
      case .text(let text):
        let trimmed = text.trimmingWhitespace
        if trimmed.utf8.first == UInt8(ascii: "[") {
          var parser = JSONParser(bytes: Array(("{\"v\":" + trimmed + "}").utf8)[...])
          guard let pairs = try? parser.parseObjectLine(), case .array(let array) = pairs.first?.1 else {
            return .failure(Reason(text: "\(shown(text)) is not a list"))
          }
          items = array
        } else {
          items = trimmed.split(separator: ";", omittingEmptySubsequences: false).map { .text(String($0)) }
        }
      default: return .failure(Reason(text: "expected a list"))
      }
      var values: [Value] = []
      for (index, item) in items.enumerated() {
        if case .text(let text) = item, text.trimmingWhitespace.isEmpty {
          return .failure(Reason(text: "element \(index + 1) of the list is empty"))
        }
        switch scalar(item, element, field: field, shown: shown) {
        case .success(let value): values.append(value)
        case .failure(let reason): return .failure(Reason(text: "element \(index + 1): \(reason.text)"))
        }
      }
      if let exact = field.fixedLength, values.count != exact {
        return .failure(
          Reason(
            text:
              "the list has \(values.count) element\(values.count == 1 ? "" : "s"); it must have exactly \(exact)"
          ))
      }
      if let minimum = field.minimumLength, values.count < minimum {
        return .failure(
          Reason(text: "the list has \(values.count) elements; at least \(minimum) are required"))
      }
      if let maximum = field.maximumLength, values.count > maximum {
        return .failure(Reason(text: "the list has \(values.count) elements; at most \(maximum) are allowed"))
      }
      result = .success(.list(values))
    default:
      result = scalar(raw, field.type, field: field, shown: shown)
    }
    return result
  }

  private func scalar(_ raw: RawValue, _ type: ValueType, field: InputField, shown: (String) -> String)
    -> Result<Value, Reason>
  {
    let text: String
    switch raw {
    case .text(let value): text = value.trimmingWhitespace
    case .number(let value): text = value
    case .bool(let flag):
      guard type == .bool else {
        return .failure(Reason(text: "expected \(type.withArticle), not true/false"))
      }
      return .success(.bool(flag))
    case .null: return .failure(Reason(text: "a list element is null"))
    case .array: return .failure(Reason(text: "expected \(type.withArticle), not a list"))
    }
    switch type {
    case .string:
      return .success(.string(text))
    case .int:
      // Byte checks: String.contains(String) goes through Foundation and costs a fifth of a run.
      guard let number = FixedDecimal(parsing: text), !text.utf8.contains(UInt8(ascii: ".")),
        !text.utf8.contains(UInt8(ascii: "_"))
      else {
        return .failure(Reason(text: "\(shown(text)) is not a whole number"))
      }
      return bounded(.number(number), field: field, shown: shown(text))
    case .decimal, .percent:
      var digits = Substring(text)
      var isPercent = false
      if type == .percent, digits.utf8.last == UInt8(ascii: "%") {
        digits = digits.dropLast()
        isPercent = true
      }
      guard var number = FixedDecimal(parsing: digits), !digits.utf8.contains(UInt8(ascii: "_")) else {
        return .failure(Reason(text: "\(shown(text)) is not \(type == .percent ? "a percent" : "a number")"))
      }
      if isPercent, let fraction = number.percentFraction {
        number = fraction
      }
      if let scale = field.scale {
        guard number.scale <= scale || number.normalized.scale <= scale else {
          return .failure(
            Reason(text: "\(shown(text)) has more than \(scale) decimal\(scale == 1 ? "" : "s")"))
        }
        number = number.withScale(scale)
      }
      return bounded(.number(number), field: field, shown: shown(text))
    case .bool:
      switch text.lowercased() {
      case "true", "1", "yes": return .success(.bool(true))
      case "false", "0", "no": return .success(.bool(false))
      default: return .failure(Reason(text: "\(shown(text)) is not true or false"))
      }
    case .date:
      guard let date = CivilDate(parsing: text) else {
        return .failure(Reason(text: "\(shown(text)) is not a date (YYYY-MM-DD)"))
      }
      return bounded(.date(date), field: field, shown: shown(text))
    case .datetime:
      guard let instant = LadderInstant(parsing: text, zone: timeZone) else {
        if timeZone == nil, LadderInstant.lacksOffset(text) {
          return .failure(
            Reason(text: "\(shown(text)) has no UTC offset and the policy sets no 'time_zone' to read it in"))
        }
        return .failure(
          Reason(text: "\(shown(text)) is not a date and time (ISO 8601, e.g. 2024-02-20T17:40+08:00)"))
      }
      return .success(.datetime(instant))
    case .enumeration(_, let values):
      guard values.contains(text) else {
        let options = values.map { "'\($0)'" }.joined(separator: ", ")
        return .failure(Reason(text: "\(shown(text)) is not one of \(options)"))
      }
      return .success(.string(text))
    default:
      return .failure(Reason(text: "unsupported type \(type)"))
    }
  }

  private func bounded(_ value: Value, field: InputField, shown: String) -> Result<Value, Reason> {
    if let minimum = field.minimum, let order = ValueOperations.compare(value, minimum), order < 0 {
      return .failure(
        Reason(
          text: "\(shown) is below the minimum \(CompiledPolicy.display(minimum, as: field.elementType))"))
    }
    if let maximum = field.maximum, let order = ValueOperations.compare(value, maximum), order > 0 {
      return .failure(
        Reason(
          text: "\(shown) is above the maximum \(CompiledPolicy.display(maximum, as: field.elementType))"))
    }
    return .success(value)
  }
}

extension InputField {
  /// The type of one element for a list input, the type itself otherwise.
  var elementType: ValueType {
    if case .list(let element) = type { return element }
    return type
  }
}
