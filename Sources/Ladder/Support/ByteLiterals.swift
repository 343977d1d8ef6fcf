extension Array where Element == UInt8 {
  /// Appends a literal's UTF-8 bytes without building an array for them: the writers of JSON and
  /// traces append many short literals for every record.
  @inline(__always)
  mutating func append(_ literal: StaticString) {
    append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
  }
}
