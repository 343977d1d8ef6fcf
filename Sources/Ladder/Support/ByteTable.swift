/// Byte strings stored one after another in memory of their own, read by index without
/// reference counting: the writers append one of these per record and field, and an array of
/// arrays cost a retain and a release at every read (a quarter of a CSV writer's time).
final class ByteTable: @unchecked Sendable {
  private let bytes: UnsafeMutableBufferPointer<UInt8>
  /// Where item `i` starts; `starts[i + 1]` is where it ends.
  private let starts: UnsafeMutableBufferPointer<Int>

  init(_ items: [[UInt8]]) {
    bytes = .allocate(capacity: max(1, items.reduce(0) { $0 + $1.count }))
    starts = .allocate(capacity: items.count + 1)
    var position = 0
    for (index, item) in items.enumerated() {
      starts[index] = position
      for byte in item {
        bytes[position] = byte
        position += 1
      }
    }
    starts[items.count] = position
  }

  deinit {
    bytes.deallocate()
    starts.deallocate()
  }

  var count: Int { starts.count - 1 }

  @inline(__always) subscript(index: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(rebasing: bytes[starts[index]..<starts[index + 1]])
  }
}
