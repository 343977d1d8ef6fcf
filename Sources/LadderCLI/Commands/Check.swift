import ArgumentParser
import Foundation
import Ladder

/// `ladder check POLICY...`: reads and checks policy files, reporting every finding.
struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check policy files and report every problem found.",
    discussion: """
      Findings are printed as FILE:LINE:COL: error|warning: message [code], with the source line,
      a caret under the exact span and a help line. With --format json, one JSON object goes to
      standard output instead.

      Exit codes: 0 no errors (warnings allowed unless --strict), 1 errors found, 64 usage error.
      """
  )

  @Argument(help: "Policy files to check (test files, *.tests.yaml, are checked as test files).")
  var policies: [String]

  @Option(help: "Output format for findings: text or json.")
  var format: DiagnosticFormat = .text

  @Flag(help: "Treat warnings as errors.")
  var strict = false

  @Option(help: "Colour the text output: auto, always or never.")
  var color: ColorMode = .auto

  func run() throws {
    let sources = SourceRegistry()
    var all = DiagnosticBag(limit: 1000)
    for path in policies {
      var diagnostics = DiagnosticBag()
      guard let file = PolicyLoader.load(path, into: sources, diagnostics: &diagnostics) else {
        all.append(contentsOf: diagnostics)
        continue
      }
      if path.hasSuffix(".tests.yaml") {
        // A policy test file: check its own structure (its policy is checked by name).
        _ = PolicyTestReader.read(file, into: &diagnostics)
      } else {
        _ = PolicyChecker.check(file, into: &diagnostics)
      }
      all.append(contentsOf: diagnostics)
    }
    if strict { all.promoteWarningsToErrors() }
    let findings = all.sorted
    switch format {
    case .json:
      StandardOutput.write(JSONDiagnosticRenderer(sources: sources).render(findings, files: policies))
    case .text:
      let renderer = TextDiagnosticRenderer(sources: sources, useColor: color.isEnabled(for: .standardError))
      StandardError.write(renderer.render(findings))
      let summary = TextDiagnosticRenderer.summary(errors: all.errorCount, warnings: all.warningCount)
      let count = policies.count == 1 ? "1 policy" : "\(policies.count) policies"
      StandardError.write("checked \(count): \(summary)\n")
    }
    if all.hasErrors { throw LadderExit.policyErrors }
  }
}
