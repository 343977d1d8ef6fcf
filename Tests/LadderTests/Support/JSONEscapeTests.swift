import Foundation
import Testing

@testable import Ladder

/// JSON strings as every output writes them: what Foundation's parser reads back as the text,
/// byte for byte, with the escapes RFC 8259 asks for.
@Suite struct JSONEscapeTests {
  @Test func everyCharacterThatMustBeEscapedIsAndTheRestStays() throws {
    let samples = [
      "", "plain", "say \"hi\"", "back\\slash", "line\nbreak\r\ttab", "\u{0}\u{1}\u{1f}", "Ω 客户 🎉",
      String(repeating: "\"", count: 300), "end\u{7f}",
    ]
    for text in samples {
      let quoted = JSONWriter.quoted(text)
      let decoded = try JSONSerialization.jsonObject(with: Data("[\(quoted)]".utf8)) as? [String]
      #expect(decoded == [text], "\(quoted)")
    }
    #expect(JSONWriter.quoted("a\"b\\c\n\u{1f}") == #""a\"b\\c\n\u001f""#)
  }
}
