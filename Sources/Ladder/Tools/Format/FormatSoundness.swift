/// Checks that formatting kept a policy's meaning, as Cedar's formatter does: the formatted text
/// is read and checked again and compared with the original, ignoring source positions.
public enum FormatSoundness {
  /// A description of what a policy means, without positions: equal for two texts that mean the
  /// same. For a policy with errors, its findings (codes and messages) stand for its meaning.
  public static func meaning(of text: String) -> String {
    let sources = SourceRegistry()
    let file = sources.add(path: "policy.yaml", text: text)
    var diagnostics = DiagnosticBag()
    if text.hasPrefix("tests:") || text.contains("\ntests:") {
      return testMeaning(file)
    }
    guard let policy = PolicyChecker.check(file, into: &diagnostics) else {
      return diagnostics.sorted.map { "\($0.code.rawValue) \($0.severity.rawValue) \($0.message)" }.joined(
        separator: "\n")
    }
    var out: [String] = []
    out.append(
      "policy \(policy.id) \(policy.version) \(policy.title) \(policy.description ?? "") \(policy.recordName)"
    )
    for input in policy.inputs {
      out.append(
        "input \(input.name) \(input.type) optional=\(input.isOptional) key=\(input.isKey) personal=\(input.isPersonal) "
          + "min=\(String(describing: input.minimum)) max=\(String(describing: input.maximum)) "
          + "length=\(String(describing: input.minimumLength))-\(String(describing: input.maximumLength)) scale=\(String(describing: input.scale))"
      )
    }
    for item in policy.lets { out.append("let \(item.name) = \(ExprPrinter.print(item.expression.syntax))") }
    if let score = policy.score {
      out.append("score round=\(score.decimals) \(score.rounding.rawValue)")
      for component in score.components {
        switch component.points {
        case .bands(let value, let bands):
          out.append(
            "component \(component.name) \(component.weight) of \(ExprPrinter.print(value.syntax)) bands \(bands.map(\.text))"
          )
        case .expression(let points):
          out.append(
            "component \(component.name) \(component.weight) points \(ExprPrinter.print(points.syntax))")
        }
      }
    }
    for tier in policy.tiers {
      out.append(
        "tier \(tier.id) \(tier.label) \(tier.condition.map { ExprPrinter.print($0.syntax) } ?? "otherwise")")
    }
    for (index, benefits) in policy.benefits.enumerated() {
      out.append("benefits \(index) \(benefits.map { "\($0.name)=\($0.value) from \($0.declaredBy)" })")
    }
    out.append("review \(policy.review.intervals) last=\(String(describing: policy.review.lastReviewInput))")
    for trigger in policy.review.triggers {
      out.append(
        "trigger \(trigger.id) \(ExprPrinter.print(trigger.condition.syntax)) \(trigger.action.rawValue) \(trigger.reason)"
      )
    }
    for diagnostic in diagnostics.sorted { out.append("\(diagnostic.code.rawValue) \(diagnostic.message)") }
    return out.joined(separator: "\n")
  }

  /// A test file's cases, records and expectations, without positions.
  static func testMeaning(_ file: SourceFile) -> String {
    var diagnostics = DiagnosticBag()
    guard let suite = PolicyTestReader.read(file, into: &diagnostics) else {
      return diagnostics.sorted.map { "\($0.code.rawValue) \($0.message)" }.joined(separator: "\n")
    }
    var out = ["tests \(suite.policyPath.value) \(suite.asOf?.value.description ?? "-")"]
    out.append("defaults \(suite.defaults.map { "\($0.name.value)=\($0.value)" })")
    for testCase in suite.cases {
      out.append(
        "case \(testCase.name) \(testCase.asOf?.description ?? "-") \(testCase.record.map { "\($0.name.value)=\($0.value)" })"
      )
      out.append("  expect \(testCase.expectations.map(\.summary))")
    }
    return out.joined(separator: "\n")
  }

  /// Whether `formatted` means what `original` means.
  public static func isSound(original: String, formatted: String) -> Bool {
    meaning(of: original) == meaning(of: formatted)
  }
}
