import Foundation
import Ladder
import LadderTestSupport
import Testing

/// The golden corpus: every `Golden/diagnostics/NAME.yaml` is checked and its findings compared
/// with `NAME.stderr` (as `ladder check` prints them) and `NAME.json` (`--format json`).
enum GoldenDiagnostics {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .appendingPathComponent("Golden/diagnostics")

  static var names: [String] {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
  }

  /// Checks one case the way the CLI does and renders both outputs.
  static func render(_ name: String) throws -> (text: String, json: String, codes: Set<String>) {
    let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent("\(name).yaml")))
    let sources = SourceRegistry()
    let file = sources.add(path: "\(name).yaml", bytes: bytes)
    var bag = DiagnosticBag()
    _ = PolicyChecker.check(file, into: &bag)
    let findings = bag.sorted
    let text =
      TextDiagnosticRenderer(sources: sources).render(findings)
      + "checked 1 policy: \(TextDiagnosticRenderer.summary(errors: bag.errorCount, warnings: bag.warningCount))\n"
    let json = JSONDiagnosticRenderer(sources: sources).render(findings, files: ["\(name).yaml"])
    return (text, json, Set(findings.map(\.code.rawValue)))
  }
}

@Suite struct GoldenDiagnosticTests {
  @Test(arguments: GoldenDiagnostics.names)
  func findingsMatchTheGoldenFiles(_ name: String) throws {
    let (text, json, codes) = try GoldenDiagnostics.render(name)
    #expect(!codes.isEmpty, "a golden case must produce at least one finding")
    if let problem = Golden.compare(
      text, toFileAt: GoldenDiagnostics.directory.appendingPathComponent("\(name).stderr").path)
    {
      Issue.record(Comment(rawValue: problem))
    }
    if let problem = Golden.compare(
      json, toFileAt: GoldenDiagnostics.directory.appendingPathComponent("\(name).json").path)
    {
      Issue.record(Comment(rawValue: problem))
    }
  }

  @Test func everyCodeHasAGoldenCaseAndADocsPage() throws {
    var covered: Set<String> = []
    for name in GoldenDiagnostics.names { covered.formUnion(try GoldenDiagnostics.render(name).codes) }
    for code in DiagnosticCode.all {
      #expect(covered.contains(code.rawValue), "no golden case produces \(code.rawValue) (\(code.name))")
      let page = RepositoryPaths.path("docs/errors/\(code.rawValue).md")
      #expect(FileManager.default.fileExists(atPath: page), "missing \(page)")
    }
    #expect(GoldenDiagnostics.names.count >= DiagnosticCode.all.count)
  }

  @Test func codesAreUniqueAndWellFormed() {
    let raw = DiagnosticCode.all.map(\.rawValue)
    #expect(Set(raw).count == raw.count)
    #expect(Set(DiagnosticCode.all.map(\.name)).count == raw.count)
    for code in raw {
      #expect(code.count == 5 && code.hasPrefix("L") && Int(code.dropFirst()) != nil)
    }
  }
}
