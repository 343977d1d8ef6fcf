import Foundation

/// Runs the built `ladder` binary and captures what it does.
public struct CLIResult {
  public let exitCode: Int32
  public let stdout: String
  public let stderr: String
}

public enum CLIRunner {
  /// The `ladder` executable next to the test bundle (`.build/<config>/ladder`).
  public static var executable: URL? {
    var directory = Bundle.main.bundleURL
    for _ in 0..<4 {
      let candidate = directory.appendingPathComponent("ladder")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
      directory.deleteLastPathComponent()
    }
    let fallback = RepositoryPaths.root.appendingPathComponent(".build/debug/ladder")
    return FileManager.default.isExecutableFile(atPath: fallback.path) ? fallback : nil
  }

  /// Runs `ladder` with arguments in the repository root, feeding `stdin`. `environment` is
  /// added to the child's; `standardOutputPath` sends standard output to that file (`/dev/full`).
  public static func run(
    _ arguments: [String], stdin: String? = nil, stdinBytes: Data? = nil,
    environment: [String: String] = [:], standardOutputPath: String? = nil, executable path: String? = nil
  ) throws -> CLIResult {
    guard let executable = path.map({ URL(fileURLWithPath: $0) }) ?? executable else {
      throw CocoaError(.fileNoSuchFile)
    }
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = RepositoryPaths.root
    process.environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": "UTC"].merging(environment) {
      $1
    }
    // Output goes to temporary files, so a large output can never block the child on a full pipe.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "ladder-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let outURL = directory.appendingPathComponent("stdout")
    let errURL = directory.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let output = try FileHandle(forWritingTo: standardOutputPath.map { URL(fileURLWithPath: $0) } ?? outURL)
    let error = try FileHandle(forWritingTo: errURL)
    let input = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    if let stdinBytes { input.fileHandleForWriting.write(stdinBytes) }
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    try output.close()
    try error.close()
    let outData = (try? Data(contentsOf: outURL)) ?? Data()
    let errData = (try? Data(contentsOf: errURL)) ?? Data()
    return CLIResult(
      exitCode: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }
}
