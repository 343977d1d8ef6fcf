import GRDB

extension Row {
  /// The value of `column`, or an error naming it when it holds a value of another type (SQLite
  /// lets an edit put text where a number belongs): an edited ledger is reported, never a trap.
  func value<Value: DatabaseValueConvertible>(_ column: String) throws -> Value {
    try decode(Value.self, forColumn: column)
  }
}
