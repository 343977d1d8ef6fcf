import Foundation
import LadderTestSupport
import Testing

@Suite struct FmtCommandTests {
  static func copyOfMessyPolicy() throws -> (URL, String) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "ladder-fmt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("p.yaml")
    try
      "ladder: 1\npolicy: p\ninputs:\n    id: { type: string, key: true }   # the key\ntiers:\n- { id: a, label: A, otherwise: true }\n"
      .write(to: path, atomically: true, encoding: .utf8)
    return (directory, path.path)
  }

  @Test func checkReportsADiffAndExitsOne() throws {
    let (directory, path) = try Self.copyOfMessyPolicy()
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try CLIRunner.run(["fmt", "--check", path])
    #expect(result.exitCode == 1)
    #expect(
      result.stdout.contains(
        "-    id: { type: string, key: true }   # the key\n+  id: { type: string, key: true }   # the key"))
    #expect(result.stderr == "1 of 1 file not formatted\n")
  }

  @Test func writeRewritesInPlaceAndThenCheckPasses() throws {
    let (directory, path) = try Self.copyOfMessyPolicy()
    defer { try? FileManager.default.removeItem(at: directory) }
    #expect(try CLIRunner.run(["fmt", "--write", path]).exitCode == 0)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(
      text
        == "ladder: 1\npolicy: p\n\ninputs:\n  id: { type: string, key: true }   # the key\n\ntiers:\n  - { id: a, label: A, otherwise: true }\n"
    )
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["p.yaml"])
    let check = try CLIRunner.run(["fmt", "--check", path])
    #expect(check.exitCode == 0)
    #expect(check.stdout.isEmpty)
  }

  @Test func examplePoliciesAreFormatted() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: RepositoryPaths.path("policies")).filter {
      $0.hasSuffix(".yaml")
    }
    let result = try CLIRunner.run(["fmt", "--check"] + names.sorted().map { "policies/\($0)" })
    #expect(result.exitCode == 0, "\(result.stdout)")
  }

  @Test func githubFormatAnnotatesTheFirstChangedLine() throws {
    let (directory, path) = try Self.copyOfMessyPolicy()
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try CLIRunner.run(["fmt", "--check", "--format", "github", path])
    #expect(result.exitCode == 1)
    #expect(result.stdout.hasPrefix("::error file=\(path),line=3,title=ladder fmt::"))
  }

  @Test func unreadableFilesAndBadUsage() throws {
    #expect(
      try CLIRunner.run(["fmt", "Tests/LadderTests/Golden/diagnostics/yaml-unclosed-bracket.yaml"]).exitCode
        == 1)
    #expect(try CLIRunner.run(["fmt", "--check", "--write", "policies/loyalty-tiers.yaml"]).exitCode == 64)
  }
}
