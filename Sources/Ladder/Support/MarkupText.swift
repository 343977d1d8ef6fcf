/// Text put into XML or HTML (the JUnit report, the report pages): the characters markup gives a
/// meaning escaped, and control characters XML 1.0 cannot hold (other than line feed and tab)
/// shown as `?`.
enum MarkupText {
  static func escaped(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      case _ where scalar.value < 0x20 && scalar != "\n" && scalar != "\t": out += "?"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}
