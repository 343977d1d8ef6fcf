import Ladder
import Testing

@Suite struct SourceFileTests {
  @Test func locationsCountUnicodeScalarsNotBytes() {
    let file = SourceFile(
      id: SourceFileID(rawValue: 0), path: "p.yaml", text: "a: 1\n- { label: VIP客户, when: x }\n")
    let offset = Array(file.bytes).firstIndex(of: UInt8(ascii: "w")) ?? 0
    // "- { label: VIP客户, when": 'w' is the 19th character and the 23rd byte of the line.
    #expect(file.location(of: offset) == SourceLocation(line: 2, column: 19))
    #expect(file.offset(line: 2, column: 19) == offset)
    #expect(offset - file.lineStarts[1] == 22)
  }

  @Test func offsetAndLocationRoundTripOnEveryCharacter() {
    let text = "标题: 重点客户\n  when: score >= 70 # 注释\n\nend"
    let file = SourceFile(id: SourceFileID(rawValue: 0), path: "p.yaml", text: text)
    var offset = 0
    for scalar in text.unicodeScalars {
      let location = file.location(of: offset)
      #expect(file.offset(line: location.line, column: location.column) == offset)
      offset += String(scalar).utf8.count
    }
  }

  @Test func invalidUTF8IsFoundAtItsFirstByte() {
    #expect(
      SourceFile(id: SourceFileID(rawValue: 0), path: "x", bytes: [0x61, 0xFF, 0x62]).firstInvalidUTF8Offset
        == 1)
    #expect(
      SourceFile(id: SourceFileID(rawValue: 0), path: "x", bytes: [0xE4, 0xB8]).firstInvalidUTF8Offset == 0)
    // An encoded surrogate is not valid UTF-8.
    #expect(
      SourceFile(id: SourceFileID(rawValue: 0), path: "x", bytes: [0xED, 0xA0, 0x80]).firstInvalidUTF8Offset
        == 0)
    #expect(SourceFile(id: SourceFileID(rawValue: 0), path: "x", text: "客户 ok").firstInvalidUTF8Offset == nil)
  }

  @Test func chineseCharactersAreTwoCellsWide() {
    #expect(DisplayWidth.of("VIP客户") == 7)
    #expect(DisplayWidth.of("重点客户") == 8)
    #expect(DisplayWidth.of("e\u{301}") == 1)
  }
}
