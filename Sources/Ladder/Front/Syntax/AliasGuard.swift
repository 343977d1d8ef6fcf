import Yams

/// Refuses YAML whose mapping keys are aliases or collections before Yams builds the document.
///
/// Yams checks keys for duplicates by hashing them, and hashing an alias key hashes everything
/// the alias expands to: nine nested aliases as one key take minutes ("billion laughs" as a
/// key). Ladder keys are always plain names, so such keys are refused outright. To find them
/// without expanding anything, the text is parsed once with every alias replaced by a plain
/// word of the same length; offsets stay the same, so findings point at the real text.
enum AliasGuard {
  /// A diagnostic when the document uses an alias or a collection as a key.
  static func check(_ file: SourceFile) -> Diagnostic? {
    let candidates = aliasCandidates(in: file.bytes)
    guard !candidates.isEmpty else { return nil }
    var probe = file.bytes
    for offset in candidates { probe[offset] = UInt8(ascii: "_") }
    guard let root = try? Parser(yaml: String(decoding: probe, as: UTF8.self)).singleRoot() else {
      return nil
    }
    let aliasOffsets = Set(candidates)
    var stack = [root]
    var visited = 0
    while let node = stack.popLast(), visited < PolicyReader.maximumNodeCount {
      visited += 1
      switch node {
      case .scalar, .alias: continue
      case .sequence(let sequence): stack.append(contentsOf: sequence)
      case .mapping(let mapping):
        for (key, value) in mapping {
          let offset = PolicyReader.offset(of: key.mark, in: file)
          if case .scalar = key, !aliasOffsets.contains(offset) {
            stack.append(value)
            continue
          }
          return Diagnostic(
            .documentTooComplex, "a mapping key is an alias or a collection",
            at: PolicyReader.lineSpan(file, offset),
            help: "keys in a policy are plain names; remove the '*alias', '?', '[…]' or '{…}' key")
        }
      }
    }
    return nil
  }

  /// Offsets of `*` that may start an alias: at a token start, followed by a name character.
  /// Over-approximates (a `*` inside a plain scalar after a space also counts); never misses.
  static func aliasCandidates(in bytes: [UInt8]) -> [Int] {
    var result: [Int] = []
    let starters: Set<UInt8> = [
      UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "["),
      UInt8(ascii: "{"),
      UInt8(ascii: ","), UInt8(ascii: "?"), UInt8(ascii: ":"), UInt8(ascii: "-"),
    ]
    let stoppers: Set<UInt8> = [
      UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: ","),
      UInt8(ascii: "["),
      UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"),
    ]
    for index in bytes.indices where bytes[index] == UInt8(ascii: "*") {
      guard index + 1 < bytes.count, !stoppers.contains(bytes[index + 1]) else { continue }
      if index == 0 || starters.contains(bytes[index - 1]) { result.append(index) }
    }
    return result
  }
}
