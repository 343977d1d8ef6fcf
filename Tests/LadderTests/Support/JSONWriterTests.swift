import Ladder
import LadderTestSupport
import Testing

@Suite struct JSONWriterTests {
  /// The straightforward escaper, one scalar at a time: the reference for the fast one.
  static func reference(_ value: String) -> String {
    var out = "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  @Test func fastEscapingAgreesWithTheReference() {
    var random = SeededRandom(seed: 11)
    let alphabet: [Unicode.Scalar] = [
      "a", "Z", " ", "\"", "\\", "\n", "\r", "\t", "\u{01}", "\u{1F}", "客", "é", "😀", "/",
    ]
    for _ in 0..<3000 {
      var text = ""
      for _ in 0..<Int.random(in: 0..<24, using: &random) {
        text.unicodeScalars.append(alphabet.randomElement(using: &random) ?? "a")
      }
      #expect(JSONWriter.quoted(text) == Self.reference(text), "\(text.debugDescription)")
    }
  }
}
