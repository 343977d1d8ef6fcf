/// A field value as read, before it is checked against the policy's inputs.
public enum RawValue: Sendable, Hashable {
  /// Text from a CSV cell or a JSON string.
  case text(String)
  /// A JSON number, kept as written so that no digit is lost.
  case number(String)
  case bool(Bool)
  case null
  case array([RawValue])
}

extension RawValue {
  /// The values of a JSON array, each as a JSON Lines record's field would be read (strings as
  /// text, numbers as written); `nil` when `json` is not one array.
  public static func values(ofJSONArray json: String) -> [RawValue]? {
    var parser = JSONParser(bytes: Array(json.utf8)[...])
    return try? parser.parseArrayLine()
  }
}

/// One record as read from a file: its line, and its values by input slot.
public struct RawRecord: Sendable {
  /// The 1-based line where the record starts.
  public var line: Int
  public var values: [RawValue?]

  public init(line: Int, values: [RawValue?]) {
    self.line = line
    self.values = values
  }
}

/// Why a record was rejected: where, which field, and what is wrong. Personal data is never
/// quoted in ``reason``.
public struct RecordProblem: Error, Sendable, Hashable {
  public var line: Int
  public var key: String?
  public var field: String?
  public var reason: String

  public init(line: Int, key: String? = nil, field: String? = nil, reason: String) {
    self.line = line
    self.key = key
    self.field = field
    self.reason = reason
  }
}

/// What a reader yields for each record: the values, or the reason it could not be read.
public typealias ReadRecord = Result<RawRecord, RecordProblem>
