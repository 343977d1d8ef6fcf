import ArgumentParser
import Foundation
import Ladder

/// Options shared by the commands that read records.
struct RecordOptions: ParsableArguments {
  @Argument(help: "The policy file.")
  var policy: String

  @Argument(help: "The records: a CSV or JSON Lines file, or - for standard input.")
  var records: String

  @Option(help: "The records' format: csv or jsonl. Default: from the file's extension (csv for -).")
  var inputFormat: RecordFormat?

  @Option(help: "The evaluation date, YYYY-MM-DD. Default: today (UTC).")
  var asOf: String?

  func resolvedFormat() throws -> RecordFormat {
    if let inputFormat { return inputFormat }
    if records == "-" { return .csv }
    guard let format = RecordFormat(pathExtension: records) else {
      throw ValidationError("cannot tell the format of '\(records)'; pass --input-format csv or jsonl")
    }
    return format
  }

  func resolvedAsOf() throws -> CivilDate {
    if let asOf {
      guard let date = CivilDate(parsing: asOf) else {
        throw ValidationError("--as-of '\(asOf)' is not a date (YYYY-MM-DD)")
      }
      return date
    }
    let days = Int((Date().timeIntervalSince1970 / 86_400).rounded(.down))
    return CivilDate(daysSinceEpoch: Int32(days))
  }

  /// Loads and compiles the policy, printing its diagnostics; exits 1 when it has errors.
  func loadPolicy() throws -> CompiledPolicy {
    let sources = SourceRegistry()
    var diagnostics = DiagnosticBag()
    guard let file = PolicyLoader.load(policy, into: sources, diagnostics: &diagnostics),
      let compiled = PolicyCompiler.compile(file, into: &diagnostics)
    else {
      let renderer = TextDiagnosticRenderer(
        sources: sources, useColor: ColorMode.auto.isEnabled(for: .standardError))
      StandardError.write(renderer.render(diagnostics.sorted))
      StandardError.write(
        "\(policy): the policy has errors; run 'ladder check \(policy)' for details (\(TextDiagnosticRenderer.summary(errors: diagnostics.errorCount, warnings: diagnostics.warningCount)))\n"
      )
      throw LadderExit.policyErrors
    }
    return compiled
  }

  /// The bytes of the records file or of standard input.
  func readRecords() throws -> [UInt8] {
    if records == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
    do {
      return [UInt8](try Data(contentsOf: URL(fileURLWithPath: records)))
    } catch {
      StandardError.write("error: cannot read records '\(records)'\n")
      throw LadderExit.badRecords
    }
  }

  /// A block reader over the records file or standard input: 4 MiB at a time, empty at the end.
  func openRecords() throws -> () -> [UInt8] {
    let handle: FileHandle
    if records == "-" {
      handle = .standardInput
    } else {
      guard let file = FileHandle(forReadingAtPath: records) else {
        StandardError.write("error: cannot read records '\(records)'\n")
        throw LadderExit.badRecords
      }
      handle = file
    }
    return { [UInt8](handle.readData(ofLength: 4 << 20)) }
  }

  /// The name records are reported under.
  var origin: String { records == "-" ? "<stdin>" : records }
}

extension RecordFormat: ExpressibleByArgument {}

/// What to do with a record that cannot be evaluated.
enum OnError: String, ExpressibleByArgument, CaseIterable {
  /// Reject it (stderr, --rejects) and go on.
  case skip
  /// Stop at the first bad record with exit code 65.
  case fail
  /// Write an error line in its place, so the output has one line per input record.
  case emit
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case jsonl, csv, table
}

/// Writes output to standard output, or atomically to a file: a temporary file beside it,
/// renamed into place only when everything was written.
final class OutputSink {
  private let handle: FileHandle
  private let temporary: URL?
  private let destination: URL?
  private var buffer: [UInt8] = []

  init(path: String?) throws {
    guard let path, path != "-" else {
      handle = .standardOutput
      temporary = nil
      destination = nil
      return
    }
    let target = URL(fileURLWithPath: path)
    let temp = target.deletingLastPathComponent().appendingPathComponent(
      ".\(target.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
    guard FileManager.default.createFile(atPath: temp.path, contents: nil) else {
      throw ValidationError("cannot write '\(path)'")
    }
    handle = try FileHandle(forWritingTo: temp)
    temporary = temp
    destination = target
  }

  func write(_ text: String) {
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= 1 << 16 { flush() }
  }

  func write(bytes: [UInt8]) {
    // Large runs (whole chunks of records) go out as they are, without a copy into the buffer.
    if bytes.count >= 1 << 16 {
      flush()
      handle.write(Data(bytes))
      return
    }
    buffer.append(contentsOf: bytes)
    if buffer.count >= 1 << 16 { flush() }
  }

  func flush() {
    guard !buffer.isEmpty else { return }
    handle.write(Data(buffer))
    buffer.removeAll(keepingCapacity: true)
  }

  /// Makes the output visible: renames the temporary file over the destination.
  func commit() throws {
    flush()
    guard let temporary, let destination else { return }
    try handle.close()
    if FileManager.default.fileExists(atPath: destination.path) {
      try FileManager.default.removeItem(at: destination)
    }
    try FileManager.default.moveItem(at: temporary, to: destination)
  }

  /// Drops a partial output file.
  func abandon() {
    guard let temporary else {
      flush()
      return
    }
    try? handle.close()
    try? FileManager.default.removeItem(at: temporary)
  }
}
