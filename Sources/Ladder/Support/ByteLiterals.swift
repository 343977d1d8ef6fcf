import Foundation

extension Array where Element == UInt8 {
  /// Appends a literal's UTF-8 bytes without building an array for them: the writers of JSON and
  /// traces append many short literals for every record.
  @inline(__always)
  mutating func append(_ literal: StaticString) {
    append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
  }
}

extension UnsafeBufferPointer where Element == UInt8 {
  /// The first index of `byte` in `start..<end` (found with `memchr`), or `nil`.
  func firstIndex(of byte: UInt8, from start: Int, to end: Int) -> Int? {
    guard start < end, let base = baseAddress, let found = memchr(base + start, Int32(byte), end - start)
    else { return nil }
    return UnsafeRawPointer(found) - UnsafeRawPointer(base)
  }
}
