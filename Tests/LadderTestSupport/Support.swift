import Foundation
import Ladder

/// A policy snippet with markers (`1️⃣`, `2️⃣`, …) at positions a test wants to talk about.
///
/// The markers are removed from the text; their byte offsets are kept, so a test can say
/// "a diagnostic starts at 1️⃣" without counting columns.
public struct MarkedText {
  public static let markers = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣"]

  public let text: String
  public let offsets: [String: Int]

  public init(_ marked: String) {
    var text = ""
    var offsets: [String: Int] = [:]
    var rest = Substring(marked)
    while !rest.isEmpty {
      if let marker = Self.markers.first(where: { rest.hasPrefix($0) }) {
        offsets[marker] = text.utf8.count
        rest = rest.dropFirst(marker.count)
      } else if let first = rest.first {
        text.append(first)
        rest = rest.dropFirst()
      }
    }
    self.text = text
    self.offsets = offsets
  }
}

/// The result of reading and checking a policy held in memory.
public struct CheckOutcome {
  public let sources: SourceRegistry
  public let file: SourceFile
  public let diagnostics: [Diagnostic]
  public let policy: CheckedPolicy?

  /// The diagnostics rendered as `ladder check` prints them, without colour.
  public var renderedText: String { TextDiagnosticRenderer(sources: sources).render(diagnostics) }

  /// The text a diagnostic underlines.
  public func underlined(_ diagnostic: Diagnostic) -> String? {
    diagnostic.span.map { file.text(of: $0) }
  }

  public var codes: [String] { diagnostics.map(\.code.rawValue) }
}

/// Reads and checks policy text, as `ladder check` does for a file.
public func checkPolicy(_ text: String, path: String = "policy.yaml") -> CheckOutcome {
  let sources = SourceRegistry()
  let file = sources.add(path: path, text: text)
  var bag = DiagnosticBag()
  let policy = PolicyChecker.check(file, into: &bag)
  return CheckOutcome(sources: sources, file: file, diagnostics: bag.sorted, policy: policy)
}

/// A minimal valid policy around the given sections, for snippet tests.
///
/// `inputs` are added to a key field `id`; `body` is YAML placed after the inputs.
public func policyText(inputs: String = "", body: String) -> String {
  var text = "ladder: 1\npolicy: test\ninputs:\n  id: { type: string, key: true }\n"
  for line in inputs.split(separator: "\n", omittingEmptySubsequences: true) { text += "  \(line)\n" }
  text += body
  if !body.contains("tiers:") { text += "\ntiers:\n  - { id: all, label: All, otherwise: true }\n" }
  return text
}

/// Golden files: compares text with a file beside the tests.
///
/// A missing golden file is a failure. `LADDER_RECORD_GOLDEN=1 swift test` rewrites the files
/// and still fails, so that a reviewer reads the diff before it lands.
public enum Golden {
  public static var isRecording: Bool { ProcessInfo.processInfo.environment["LADDER_RECORD_GOLDEN"] == "1" }

  /// `nil` when the file matches; otherwise a description of the failure.
  public static func compare(_ actual: String, toFileAt path: String) -> String? {
    let url = URL(fileURLWithPath: path)
    if isRecording {
      try? FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try? actual.write(to: url, atomically: true, encoding: .utf8)
      return "recorded \(path); review the diff and run again without LADDER_RECORD_GOLDEN"
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
      return "missing golden file \(path); record it with LADDER_RECORD_GOLDEN=1 and review it"
    }
    guard expected != actual else { return nil }
    return "\(path) differs:\n" + lineDiff(expected: expected, actual: actual)
  }

  /// The first differing lines, enough to see what changed.
  public static func lineDiff(expected: String, actual: String) -> String {
    let left = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let right = actual.split(separator: "\n", omittingEmptySubsequences: false)
    var out = ""
    var shown = 0
    for index in 0..<max(left.count, right.count) where shown < 12 {
      let a = index < left.count ? String(left[index]) : "<none>"
      let b = index < right.count ? String(right[index]) : "<none>"
      if a != b {
        out += "line \(index + 1):\n  expected: \(a)\n  actual:   \(b)\n"
        shown += 1
      }
    }
    return out
  }
}

/// Paths in the repository, found from this file's location.
public enum RepositoryPaths {
  public static var root: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
  }

  public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}

/// Compiles policy text for evaluation tests; records an issue when it does not check.
public func compilePolicy(_ text: String, path: String = "policy.yaml") -> CompiledPolicy? {
  let sources = SourceRegistry()
  let file = sources.add(path: path, text: text)
  var bag = DiagnosticBag()
  let policy = PolicyCompiler.compile(file, into: &bag)
  if policy == nil {
    print(TextDiagnosticRenderer(sources: sources).render(bag.sorted))
  }
  return policy
}

/// Evaluates records held in memory and returns every outcome, in order.
public func evaluate(
  _ policy: CompiledPolicy, csv: String, asOf: String = "2024-03-01", trace: Bool = false
) -> [RecordOutcome] {
  evaluate(policy, bytes: Array(csv.utf8), format: .csv, asOf: asOf, trace: trace)
}

public func evaluate(
  _ policy: CompiledPolicy, bytes: [UInt8], format: RecordFormat, asOf: String = "2024-03-01",
  trace: Bool = false,
  origin: String? = nil
) -> [RecordOutcome] {
  var outcomes: [RecordOutcome] = []
  let date = CivilDate(parsing: asOf) ?? CivilDate(daysSinceEpoch: 0)
  do {
    try BatchEvaluator(policy: policy, asOf: date, trace: trace).evaluate(
      .bytes(bytes, format: format, origin: origin), into: OutcomeCallback { outcomes.append($0) })
  } catch {
    outcomes.append(.rejected(RecordProblem(line: 0, reason: "header: \(error.message)")))
  }
  return outcomes
}

extension RecordOutcome {
  public var decision: Decision? {
    if case .decided(_, let decision) = self { return decision }
    return nil
  }

  public var problem: RecordProblem? {
    if case .rejected(let problem) = self { return problem }
    return nil
  }
}
