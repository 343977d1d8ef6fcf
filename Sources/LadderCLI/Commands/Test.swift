import ArgumentParser
import Foundation
import Ladder

/// `ladder test [PATH...]`: runs policy unit tests (`*.tests.yaml`).
struct Test: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "test",
    abstract: "Run policy unit tests (*.tests.yaml) and report coverage.",
    discussion: """
      PATH is a test file or a folder searched for *.tests.yaml (default: policies). Each test file
      names its policy with 'tests:'. The last line is 'N passed, N failed'.

      Exit codes: 0 all passed (and coverage at or above --coverage-threshold), 1 a failure, a
      test file or policy with errors, or coverage below the threshold; 64 usage error.
      """
  )

  @Argument(help: "Test files, or folders to search for *.tests.yaml.")
  var paths: [String] = ["policies"]

  @Option(help: "Fail when a suite's coverage is below N percent.")
  var coverageThreshold: Double?

  @Option(help: "Also write a JUnit XML report to FILE.")
  var junit: String?

  @Option(help: "Output format: text, json or github (workflow annotations).")
  var format: ReportFormat = .text

  @OptionGroup var personalData: PersonalDataOption

  enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, github
  }

  func run() throws {
    let junitTarget = try junit.map { try OutputTarget.resolve($0, option: "--junit") }
    let files = try testFiles()
    guard !files.isEmpty else {
      throw ValidationError("no *.tests.yaml files under \(paths.joined(separator: ", "))")
    }
    personalData.announce()
    let sources = SourceRegistry()
    var reports: [PolicyTestReport] = []
    var diagnostics = DiagnosticBag()
    for path in files {
      guard let file = PolicyLoader.load(path, into: sources, diagnostics: &diagnostics),
        let suite = PolicyTestReader.read(file, into: &diagnostics)
      else { continue }
      let policyPath = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(
        suite.policyPath.value
      )
      .standardizedFileURL.relativePath(from: FileManager.default.currentDirectoryPath)
      guard let policyFile = PolicyLoader.load(policyPath, into: sources, diagnostics: &diagnostics),
        let policy = PolicyCompiler.compile(
          policyFile, into: &diagnostics,
          output: OutputOptions(showsPersonalData: personalData.showPersonalData), sources: sources)
      else { continue }
      reports.append(PolicyTestRunner.run(suite, suitePath: path, policy: policy))
    }
    let passed = reports.reduce(0) { $0 + $1.passedCount }
    let failed = reports.reduce(0) { $0 + $1.failedCount }
    var belowThreshold: [PolicyTestReport] = []
    if let threshold = coverageThreshold, let limit = FixedDecimal(parsing: String(format: "%.1f", threshold))
    {
      belowThreshold = reports.filter { $0.coveragePercent < limit }
    }
    switch format {
    case .text:
      if !diagnostics.isEmpty {
        StandardError.write(TextDiagnosticRenderer(sources: sources).render(diagnostics.sorted))
      }
      for report in reports { try StandardOutput.write(Self.text(report)) }
      for report in belowThreshold {
        try StandardOutput.write(
          "coverage of \(report.suitePath) is \(report.coveragePercent)%, below --coverage-threshold \(coverageThreshold ?? 0)%\n"
        )
      }
    case .json:
      try StandardOutput.write(Self.json(reports, diagnostics: diagnostics, sources: sources))
    case .github:
      for diagnostic in diagnostics.sorted {
        try StandardOutput.write(GitHubAnnotations.line(for: diagnostic, sources: sources))
      }
      for report in reports {
        for result in report.results where !result.passed {
          try StandardOutput.write(
            GitHubAnnotations.line(
              severity: "error", span: result.span, sources: sources, title: "ladder test",
              message: "\(result.name): \(result.failures.joined(separator: "; "))"))
        }
      }
      for report in belowThreshold {
        try StandardOutput.write(
          "::error title=ladder test::coverage of \(report.suitePath) is \(report.coveragePercent)%\n")
      }
    }
    if let junitTarget {
      let sink = try OutputSink(junitTarget)
      sink.write(JUnitReport.render(reports))
      try sink.commit()
    }
    let errors = diagnostics.errorCount
    if format != .json {
      try StandardOutput.write("\(passed) passed, \(failed) failed\n")
    }
    if failed > 0 || errors > 0 || !belowThreshold.isEmpty { throw LadderExit.policyErrors }
  }

  /// The test files named or found under the folders, sorted.
  func testFiles() throws -> [String] {
    var files: [String] = []
    for path in paths {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw ValidationError("no such file or folder: \(path)")
      }
      if isDirectory.boolValue {
        let names = (try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []
        files += names.filter { $0.hasSuffix(".tests.yaml") }.sorted().map {
          (path as NSString).appendingPathComponent($0)
        }
      } else {
        files.append(path)
      }
    }
    return files
  }

  static func text(_ report: PolicyTestReport) -> String {
    var out = "\(report.suitePath) (\(report.policy))\n"
    for result in report.results {
      out += "  \(result.passed ? "✓" : "✗") \(result.name)\n"
      for failure in result.failures { out += "      \(failure)\n" }
      if let explanation = result.explanation {
        for line in explanation.split(separator: "\n") { out += "        \(line)\n" }
      }
    }
    let covered = report.coverage.filter(\.isCovered).count
    out += "  coverage \(report.coveragePercent)% (\(covered) of \(report.coverage.count))\n"
    let uncovered = report.coverage.filter { !$0.isCovered }
    if !uncovered.isEmpty {
      out += "  not covered:\n"
      for item in uncovered { out += "    \(item.description)  \(item.location)\n" }
    }
    return out
  }

  static func json(_ reports: [PolicyTestReport], diagnostics: DiagnosticBag, sources: SourceRegistry)
    -> String
  {
    let writer = JSONWriter()
    writer.object {
      writer.field("version") { writer.number(1) }
      writer.field("suites") {
        writer.array(reports) { report in
          writer.object {
            writer.field("file") { writer.string(report.suitePath) }
            writer.field("policy") { writer.string(report.policy) }
            writer.field("cases") {
              writer.array(report.results) { result in
                writer.object {
                  writer.field("name") { writer.string(result.name) }
                  writer.field("passed") { writer.bool(result.passed) }
                  writer.field("failures") { writer.array(result.failures) { writer.string($0) } }
                }
              }
            }
            writer.field("coverage") {
              writer.object {
                writer.field("percent") { writer.string(report.coveragePercent.description) }
                writer.field("items") {
                  writer.array(report.coverage) { item in
                    writer.object {
                      writer.field("item") { writer.string(item.description) }
                      writer.field("at") { writer.string(item.location) }
                      writer.field("covered") { writer.bool(item.isCovered) }
                    }
                  }
                }
              }
            }
          }
        }
      }
      writer.field("diagnostics") {
        writer.raw(
          JSONDiagnosticRenderer(sources: sources).render(diagnostics.sorted).trimmingCharacters(
            in: .newlines))
      }
      writer.field("summary") {
        writer.object {
          writer.field("passed") { writer.number(reports.reduce(0) { $0 + $1.passedCount }) }
          writer.field("failed") { writer.number(reports.reduce(0) { $0 + $1.failedCount }) }
        }
      }
    }
    return writer.output + "\n"
  }
}

extension URL {
  /// This file's path relative to a folder, when it lies inside it.
  func relativePath(from base: String) -> String {
    let prefix = base.hasSuffix("/") ? base : base + "/"
    return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
  }
}
