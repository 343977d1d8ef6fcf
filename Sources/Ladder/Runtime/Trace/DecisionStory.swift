/// The one plain sentence a text trace opens with: the tier, what made it hold, and why each
/// tier above it did not — "重点客户 (key): score 75.00 is at least 70; not VIP客户 (vip) because
/// score 75.00 is under 90 and repurchase rate 60% is under 80%".
struct DecisionStory {
  /// One comparison as evaluated for a record.
  struct Step {
    let atom: ConditionAtom
    /// The operands in the language's notation; `nil` when personal.
    let left: String?
    let right: String?
    /// `true`, `false` or `nil` for missing.
    let result: Bool?
  }

  /// A tier tried, with its comparisons.
  struct Tried {
    let id: String
    let label: String
    let held: Bool
    let isOtherwise: Bool
    let steps: [Step]
  }

  static func sentence(_ tried: [Tried]) -> String {
    var parts: [String] = []
    if let held = tried.last(where: \.held) {
      let reasons = held.steps.filter { $0.result == true }.map(phrase)
      if held.isOtherwise {
        parts.append("\(name(held)): no tier above applies")
      } else {
        parts.append(reasons.isEmpty ? name(held) : "\(name(held)): \(reasons.joined(separator: " and "))")
      }
    } else {
      parts.append("no tier")
    }
    for tier in tried where !tier.held {
      let reasons = tier.steps.filter { $0.result != true }.map(phrase)
      parts.append(
        "not \(name(tier))\(reasons.isEmpty ? "" : " because " + reasons.joined(separator: " and "))")
    }
    return parts.joined(separator: "; ")
  }

  private static func name(_ tier: Tried) -> String {
    tier.label == tier.id ? tier.id : "\(tier.label) (\(tier.id))"
  }

  /// A comparison in words, saying what is true of the record: `score 75.00 is under 90`.
  static func phrase(_ step: Step) -> String {
    let atom = step.atom
    let subject = readable(atom.subject)
    guard let left = step.left else {
      return "\(atom.text) \(step.result == true ? "holds" : "does not hold")"
    }
    guard let held = step.result else {
      return left == "missing" ? "\(subject) is missing" : "\(atom.text) has no value"
    }
    guard let op = atom.comparison, let right = step.right else {
      return "\(atom.text) \(held ? "holds" : "does not hold")"
    }
    let other = atom.rightText.map { "\($0) (\(right))" } ?? right
    switch (op, held) {
    case (.equal, true), (.notEqual, false): return "\(subject) is \(other)"
    case (.equal, false), (.notEqual, true): return "\(subject) is \(left), not \(other)"
    default: break
    }
    // What holds: the comparison when it held, its negation when it did not.
    let words: String
    switch (op, held) {
    case (.greaterOrEqual, true), (.less, false): words = "is at least"
    case (.greater, true), (.lessOrEqual, false): words = "is above"
    case (.lessOrEqual, true), (.greater, false): words = "is at most"
    default: words = "is under"
    }
    return "\(subject) \(left) \(words) \(other)"
  }

  /// A plain name reads as words (`repurchase_rate` → `repurchase rate`); an expression as written.
  private static func readable(_ text: String) -> String {
    text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
      ? text.replacingOccurrences(of: "_", with: " ") : text
  }
}
