import ArgumentParser
import Foundation
import Ladder

/// `ladder check POLICY...`: reads and checks policy files, reporting every finding.
struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
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

  @Option(help: "Output format for findings: text, json or github (workflow annotations).")
  var format: DiagnosticFormat = .text

  @Flag(help: "Treat warnings as errors.")
  var strict = false

  @Option(help: "Colour the text output: auto, always or never.")
  var color: ColorMode = .auto

  func run() throws {
    try Self.report(policies: policies, format: format, strict: strict, color: color, lintsOnly: false)
  }

  /// Checks the files and reports the findings; `lintsOnly` keeps the lint warnings and the
  /// errors that make linting impossible.
  static func report(
    policies: [String], format: DiagnosticFormat, strict: Bool, color: ColorMode, lintsOnly: Bool
  ) throws {
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
        _ = PolicyChecker.check(file, into: &diagnostics, sources: sources)
      }
      all.append(contentsOf: diagnostics)
    }
    if lintsOnly {
      var kept = DiagnosticBag(limit: 1000)
      for diagnostic in all.diagnostics
      where diagnostic.severity == .error || DiagnosticCode.lints.contains(diagnostic.code) {
        kept.add(diagnostic)
      }
      all = kept
    }
    if strict { all.promoteWarningsToErrors() }
    let findings = all.sorted
    switch format {
    case .json:
      try StandardOutput.write(JSONDiagnosticRenderer(sources: sources).render(findings, files: policies))
    case .github:
      for finding in findings {
        try StandardOutput.write(GitHubAnnotations.line(for: finding, sources: sources))
      }
    case .text:
      let renderer = TextDiagnosticRenderer(sources: sources, useColor: color.isEnabled(for: .standardError))
      StandardError.write(renderer.render(findings))
      let summary = TextDiagnosticRenderer.summary(errors: all.errorCount, warnings: all.warningCount)
      let count = policies.count == 1 ? "1 policy" : "\(policies.count) policies"
      StandardError.write("\(lintsOnly ? "linted" : "checked") \(count): \(summary)\n")
    }
    if all.hasErrors { throw LadderExit.policyErrors }
  }
}

/// `ladder lint POLICY...`: only the lints — policies that run, but probably not as meant.
struct Lint: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lint",
    abstract:
      "Report the lints of policy files: overlaps, gaps, unused names, benefit monotonicity, and more.",
    discussion: """
      Lints are warnings (errors with --strict): L0309, L0410, L0411, L0414 to L0420 (docs/errors).
      A policy with errors is not linted; its errors are shown instead.

      Exit codes: 0 no errors (warnings allowed unless --strict), 1 errors, 64 usage error.
      """
  )

  @Argument(help: "Policy files to lint.")
  var policies: [String]

  @Option(help: "Output format: text, json or github (workflow annotations).")
  var format: DiagnosticFormat = .text

  @Flag(help: "Treat lint warnings as errors.")
  var strict = false

  @Option(help: "Colour the text output: auto, always or never.")
  var color: ColorMode = .auto

  func run() throws {
    try Check.report(policies: policies, format: format, strict: strict, color: color, lintsOnly: true)
  }
}
