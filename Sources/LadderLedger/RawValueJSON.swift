import GRDB
import Ladder

/// Record values as the ledger stores them: a JSON array, each value as it was read (text as a
/// string, a JSON number as written, booleans, null, arrays), so that replay reads them back as
/// the evaluation did.
enum RawValueJSON {
  static func array(_ values: [RawValue]) -> String {
    let writer = JSONWriter()
    writer.array(values) { write($0, into: writer) }
    return writer.output
  }

  static func write(_ value: RawValue, into writer: JSONWriter) {
    switch value {
    case .text(let text): writer.string(text)
    case .number(let text): writer.raw(text)
    case .bool(let flag): writer.bool(flag)
    case .null: writer.null()
    case .array(let items): writer.array(items) { write($0, into: writer) }
    }
  }
}

extension Row {
  /// The value of `column`, or an error naming it when it holds a value of another type (SQLite
  /// lets an edit put text where a number belongs): an edited ledger is reported, never a trap.
  func value<Value: DatabaseValueConvertible>(_ column: String) throws -> Value {
    try decode(Value.self, forColumn: column)
  }
}
