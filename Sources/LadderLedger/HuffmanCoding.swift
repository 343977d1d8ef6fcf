/// An order-0 canonical Huffman code over the bytes of one block: how the ledger packs the
/// inputs and entries a run keeps (``Compression``). zlib at its fastest level took a quarter of
/// a run's CPU time for them (about 90 MB/s on the benchmark machine; the inputs of 1M decisions
/// are 105 MB of mostly digits, where its matches find little); this code takes a fraction of
/// that and leaves the ledger about a quarter larger (docs/performance.md, "The ledger, third part").
///
/// A coded block: the tag byte, the code length of each of the 256 byte values (a nibble each,
/// low nibble first, 0 for a value the block does not hold), then the codes, least significant
/// bit first, the last byte padded with zeros. The block's length before coding is stored beside it.
enum HuffmanCoding {
  /// The first byte of a coded block. A zlib stream as `compress2` writes it starts with 0x78.
  static let tag: UInt8 = 0x01
  /// The longest code: short enough for a decoding table of 4,096 entries.
  static let maxLength = 12
  static let headerSize = 1 + 128

  /// `raw` coded.
  static func encode(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    let lengths = codeLengths(counts(raw))
    let codes = canonicalCodes(lengths)
    // Each entry: the code, bit-reversed so that it is written least significant bit first,
    // and its length in the upper half.
    var table = [UInt32](repeating: 0, count: 256)
    for symbol in 0..<256 where lengths[symbol] > 0 {
      table[symbol] = reversed(codes[symbol], length: Int(lengths[symbol])) | UInt32(lengths[symbol]) << 16
    }
    // Eight bytes of slack: whole words are stored, of which only the finished bytes count.
    let capacity = headerSize + (raw.count * maxLength + 7) / 8 + 8
    return [UInt8](unsafeUninitializedCapacity: capacity) { output, initialized in
      guard let base = output.baseAddress else { return }
      base[0] = tag
      for pair in 0..<128 { base[1 + pair] = lengths[2 * pair] | lengths[2 * pair + 1] << 4 }
      var position = headerSize
      var bits: UInt64 = 0
      var count = 0
      table.withUnsafeBufferPointer { table in
        @inline(__always) func put(_ byte: UInt8) {
          let entry = table[Int(byte)]
          bits |= UInt64(entry & 0xFFFF) &<< UInt64(count)
          count += Int(entry >> 16)
        }
        // Four codes (at most 48 bits) join the fewer than 8 bits left over, then the finished
        // bytes are stored as one word: no branch per code.
        @inline(__always) func store() {
          UnsafeMutableRawPointer(base + position).storeBytes(of: bits.littleEndian, as: UInt64.self)
          position += count >> 3
          bits = bits &>> UInt64(count & ~7)
          count &= 7
        }
        var index = 0
        while index + 4 <= raw.count {
          put(raw[index])
          put(raw[index + 1])
          put(raw[index + 2])
          put(raw[index + 3])
          store()
          index += 4
        }
        while index < raw.count {
          put(raw[index])
          store()
          index += 1
        }
      }
      if count > 0 {
        base[position] = UInt8(truncatingIfNeeded: bits)
        position += 1
      }
      initialized = position
    }
  }

  /// How often each byte value occurs in `raw`, counted in four tables so that repeated
  /// bytes do not wait on each other's increments.
  private static func counts(_ raw: UnsafeBufferPointer<UInt8>) -> [Int] {
    var tables = [Int](repeating: 0, count: 4 * 256)
    tables.withUnsafeMutableBufferPointer { tables in
      var index = 0
      while index + 4 <= raw.count {
        tables[Int(raw[index])] += 1
        tables[256 + Int(raw[index + 1])] += 1
        tables[512 + Int(raw[index + 2])] += 1
        tables[768 + Int(raw[index + 3])] += 1
        index += 4
      }
      while index < raw.count {
        tables[Int(raw[index])] += 1
        index += 1
      }
    }
    return (0..<256).map { tables[$0] + tables[256 + $0] + tables[512 + $0] + tables[768 + $0] }
  }

  /// The `rawLength` bytes `coded` holds; `nil` when it is not a coded block of that length
  /// (a bad header, a code that is not a prefix code, too few bits, bits left over).
  static func decode(_ coded: UnsafeBufferPointer<UInt8>, rawLength: Int) -> [UInt8]? {
    guard coded.count >= headerSize, coded[0] == tag, rawLength >= 0 else { return nil }
    var lengths = [UInt8](repeating: 0, count: 256)
    for pair in 0..<128 {
      lengths[2 * pair] = coded[1 + pair] & 0x0F
      lengths[2 * pair + 1] = coded[1 + pair] >> 4
    }
    guard lengths.allSatisfy({ $0 <= maxLength }) else { return nil }
    // Kraft's inequality: an over-full set of lengths is no prefix code.
    let space = lengths.reduce(0) { $0 + ($1 == 0 ? 0 : 1 << (maxLength - Int($1))) }
    guard space <= 1 << maxLength, rawLength == 0 || space > 0 else { return nil }
    let codes = canonicalCodes(lengths)
    // Indexed by the next `maxLength` bits: the symbol, and its length in the upper byte (0 for
    // bits no code starts with).
    var table = [UInt16](repeating: 0, count: 1 << maxLength)
    for symbol in 0..<256 where lengths[symbol] > 0 {
      let length = Int(lengths[symbol])
      let code = Int(reversed(codes[symbol], length: length))
      for high in 0..<(1 << (maxLength - length)) {
        table[code | high << length] = UInt16(symbol) | UInt16(length) << 8
      }
    }
    let bitsAvailable = (coded.count - headerSize) * 8
    var failed = false
    var consumed = 0
    let raw = [UInt8](unsafeUninitializedCapacity: rawLength) { output, initialized in
      var position = headerSize
      var bits: UInt64 = 0
      var count = 0
      table.withUnsafeBufferPointer { table in
        for index in 0..<rawLength {
          while count <= 56 {
            // Past the end the bits read as zeros; `consumed` tells whether a code used them.
            let byte = position < coded.count ? coded[position] : 0
            bits |= UInt64(byte) << count
            position += 1
            count += 8
          }
          let entry = table[Int(bits & UInt64(1 << maxLength - 1))]
          let length = Int(entry >> 8)
          guard length > 0 else {
            failed = true
            return
          }
          output[index] = UInt8(truncatingIfNeeded: entry)
          bits >>= UInt64(length)
          count -= length
          consumed += length
        }
      }
      initialized = failed ? 0 : rawLength
    }
    // The codes must end in the last byte, which only padding may follow.
    guard !failed, consumed <= bitsAvailable, bitsAvailable - consumed < 8 else { return nil }
    return raw
  }

  /// Each byte value's code length for a block holding each value `counts[value]` times: a
  /// Huffman code's, with every count halved (rounding up) until no code is longer than
  /// ``maxLength``. A block of one value gives it length 1.
  static func codeLengths(_ counts: [Int]) -> [UInt8] {
    var counts = counts
    while true {
      let lengths = huffmanLengths(counts)
      if lengths.allSatisfy({ $0 <= maxLength }) { return lengths.map { UInt8($0) } }
      for index in counts.indices where counts[index] > 0 { counts[index] = (counts[index] + 1) / 2 }
    }
  }

  /// The depth of each used symbol in a Huffman tree of `counts`, merging the two lightest
  /// (ties: leaves in symbol order before merged nodes in creation order, so the result is
  /// determined by the counts alone).
  private static func huffmanLengths(_ counts: [Int]) -> [Int] {
    let leaves = counts.indices.filter { counts[$0] > 0 }.sorted { (counts[$0], $0) < (counts[$1], $1) }
    var lengths = [Int](repeating: 0, count: counts.count)
    guard leaves.count > 1 else {
      if let only = leaves.first { lengths[only] = 1 }
      return lengths
    }
    // Nodes 0..<leaves.count are the leaves in order; merged nodes follow. The merged weights
    // come out in increasing order, so two queues replace a heap.
    var weight = leaves.map { counts[$0] }
    var parent = [Int](repeating: -1, count: 2 * leaves.count - 1)
    var nextLeaf = 0
    var nextMerged = leaves.count
    func lightest() -> Int {
      if nextLeaf < leaves.count, nextMerged >= weight.count || weight[nextLeaf] <= weight[nextMerged] {
        nextLeaf += 1
        return nextLeaf - 1
      }
      nextMerged += 1
      return nextMerged - 1
    }
    for _ in 1..<leaves.count {
      let (first, second) = (lightest(), lightest())
      parent[first] = weight.count
      parent[second] = weight.count
      weight.append(weight[first] + weight[second])
    }
    // Parents come after their children, so depths fill in from the root down.
    var depth = [Int](repeating: 0, count: weight.count)
    for node in stride(from: weight.count - 2, through: 0, by: -1) { depth[node] = depth[parent[node]] + 1 }
    for (node, symbol) in leaves.enumerated() { lengths[symbol] = depth[node] }
    return lengths
  }

  /// The canonical code of each symbol for `lengths`: shorter codes first, then by symbol.
  private static func canonicalCodes(_ lengths: [UInt8]) -> [UInt32] {
    var perLength = [UInt32](repeating: 0, count: maxLength + 1)
    for length in lengths where length > 0 { perLength[Int(length)] += 1 }
    var next = [UInt32](repeating: 0, count: maxLength + 2)
    for length in 1...maxLength { next[length + 1] = (next[length] + perLength[length]) << 1 }
    var codes = [UInt32](repeating: 0, count: lengths.count)
    for (symbol, length) in lengths.enumerated() where length > 0 {
      codes[symbol] = next[Int(length)]
      next[Int(length)] += 1
    }
    return codes
  }

  private static func reversed(_ code: UInt32, length: Int) -> UInt32 {
    var (code, result) = (code, UInt32(0))
    for _ in 0..<length {
      result = result << 1 | code & 1
      code >>= 1
    }
    return result
  }
}
