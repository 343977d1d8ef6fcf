import Foundation
import LadderTestSupport
import Testing

@testable import LadderLedger

/// The ledger's Huffman coding of inputs and entries: every block reads back as written, the
/// lengths stay within the decoding table, and a damaged block is refused rather than misread.
@Suite struct HuffmanCodingTests {
  private func roundTrip(_ raw: [UInt8]) -> [UInt8]? {
    let coded = raw.withUnsafeBufferPointer { HuffmanCoding.encode($0) }
    return coded.withUnsafeBufferPointer { HuffmanCoding.decode($0, rawLength: raw.count) }
  }

  @Test func edgeBlocksReadBackAsWritten() {
    let cases: [(String, [UInt8])] = [
      ("empty", []),
      ("one byte", [0x41]),
      ("one value many times", [UInt8](repeating: 0x30, count: 10_001)),
      ("two values", [0, 255, 0, 0, 255]),
      ("every value once", (0...255).map { UInt8($0) }),
      ("every value, a few bytes over a word", (0..<1_029).map { UInt8($0 % 256) }),
    ]
    for (name, raw) in cases {
      #expect(roundTrip(raw) == raw, "\(name)")
    }
  }

  /// A block in which byte values occur in Fibonacci numbers of times would need codes longer
  /// than the table's 12 bits; the counts are flattened until they fit, and it still reads back.
  @Test func skewedCountsAreLimitedToTwelveBits() {
    var counts = [Int](repeating: 0, count: 256)
    var (a, b) = (1, 1)
    for symbol in 0..<25 {
      counts[symbol] = a
      (a, b) = (b, a + b)
    }
    let lengths = HuffmanCoding.codeLengths(counts)
    #expect(lengths.max() == UInt8(HuffmanCoding.maxLength))
    // A complete prefix code: the lengths fill the code space exactly.
    let space = lengths.reduce(0) { $0 + ($1 == 0 ? 0 : 1 << (HuffmanCoding.maxLength - Int($1))) }
    #expect(space == 1 << HuffmanCoding.maxLength)
    var raw: [UInt8] = []
    for (symbol, count) in counts.enumerated() where count > 0 {
      raw += [UInt8](repeating: UInt8(symbol), count: min(count, 5_000))
    }
    var random = SeededRandom(seed: 7)
    raw.shuffle(using: &random)
    #expect(roundTrip(raw) == raw)
  }

  /// Seeded random blocks of many shapes: uniform bytes, digits and punctuation like stored
  /// inputs, a few values; each reads back, and codes are no longer than ``HuffmanCoding/maxLength``.
  @Test func randomBlocksReadBackAsWritten() {
    var random = SeededRandom(seed: 2024)
    let alphabets: [[UInt8]] = [
      (0...255).map { UInt8($0) }, Array("0123456789.,;-\"[]C".utf8), Array("ab".utf8),
      Array("客户重点普通".utf8),
    ]
    for round in 0..<200 {
      let alphabet = alphabets[round % alphabets.count]
      let count = Int.random(in: 0...5_000, using: &random)
      // Skew: each position draws from a prefix of the alphabet of random size.
      let raw = (0..<count).map { _ in
        alphabet[Int.random(in: 0..<Int.random(in: 1...alphabet.count, using: &random), using: &random)]
      }
      #expect(roundTrip(raw) == raw, "round \(round)")
      var counts = [Int](repeating: 0, count: 256)
      for byte in raw { counts[Int(byte)] += 1 }
      #expect(HuffmanCoding.codeLengths(counts).allSatisfy { $0 <= HuffmanCoding.maxLength })
    }
  }

  /// The inputs of a run are mostly digits: coded, they take well under 5 bits a byte.
  @Test func digitsTakeUnderFiveBitsAByte() {
    var random = SeededRandom(seed: 11)
    var text = ""
    for _ in 0..<2_000 {
      text +=
        "[\"C\(Int.random(in: 10_000_000...99_999_999, using: &random))\",\"2024-0\(Int.random(in: 1...9, using: &random))-1\(Int.random(in: 0...9, using: &random))\",\"\(Int.random(in: 0...99_999, using: &random)).\(Int.random(in: 10...99, using: &random))\"]\n"
    }
    let raw = Array(text.utf8)
    let coded = raw.withUnsafeBufferPointer { HuffmanCoding.encode($0) }
    #expect(coded.count * 8 < raw.count * 5, "\(coded.count) bytes for \(raw.count)")
  }

  /// Damage shows as a refusal: a wrong tag, a byte cut off or added, a length the block does
  /// not hold, a header whose lengths are no prefix code.
  @Test func damagedBlocksAreRefused() {
    let raw = Array("[\"C2024001\",\"2024-01-25\",\"1\",\"2006.51\"]\n[\"C2024002\",\"2023-09-16\"]".utf8)
    let coded = raw.withUnsafeBufferPointer { HuffmanCoding.encode($0) }
    func decode(_ bytes: [UInt8], _ length: Int = raw.count) -> [UInt8]? {
      bytes.withUnsafeBufferPointer { HuffmanCoding.decode($0, rawLength: length) }
    }
    #expect(decode(coded) == raw)
    var wrongTag = coded
    wrongTag[0] = 0x78
    #expect(decode(wrongTag) == nil)
    #expect(decode(Array(coded.dropLast())) == nil)
    #expect(decode(coded + [0]) == nil)
    // Twenty codes take at least twenty bits, more than the last byte's padding can hold.
    #expect(decode(coded, raw.count + 20) == nil)
    #expect(decode(coded, raw.count - 20) == nil)
    #expect(decode(Array(coded.prefix(HuffmanCoding.headerSize - 1)), 0) == nil)
    // Every value given length 1: 256 codes of one bit cannot all exist.
    var overfull = coded
    for index in 1..<HuffmanCoding.headerSize { overfull[index] = 0x11 }
    #expect(decode(overfull) == nil)
    // Lengths of 13 and more do not fit the table.
    var tooLong = coded
    tooLong[1] = 0xDD
    #expect(decode(tooLong) == nil)
  }

  /// Blocks of both kinds read through ``Compression/unpack(_:rawLength:)``: zlib blocks of
  /// ledgers before schema 4 and Huffman blocks after.
  @Test func blocksOfEitherCodingUnpack() throws {
    let raw = Array(String(repeating: "[\"C2024001\",\"2024-01-25\",\"2006.51\"]\n", count: 300).utf8)
    for coding in [Compression.Coding.zlib, .huffman] {
      let packed = try #require(Compression.pack(raw, coding: coding))
      #expect(packed.data.first == (coding == .zlib ? 0x78 : HuffmanCoding.tag))
      #expect(Compression.unpack(packed.data, rawLength: packed.rawLength) == raw)
    }
  }
}
