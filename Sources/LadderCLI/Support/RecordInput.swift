import ArgumentParser
import Foundation
import Ladder

/// Options shared by the commands that read records.
struct RecordOptions: ParsableArguments {
  @Argument(help: "The policy file.")
  var policy: String

  @Argument(help: "The records: a CSV or JSON Lines file, or - for standard input.")
  var records: String

  @Option(
    help:
      "The records' format: csv or jsonl. Default: from the file's extension; for -, JSON Lines when the input starts with '{', else CSV."
  )
  var inputFormat: RecordFormat?

  @Option(
    help:
      "The evaluation date, YYYY-MM-DD, or a date and time with its offset (2024-04-01T10:00+08:00), the moment service clocks are read at. Default: today (UTC)."
  )
  var asOf: String?

  @OptionGroup var personalData: PersonalDataOption

  /// The records' format: `--input-format`, else the file's extension; standard input, which
  /// has no name, is told by its first bytes (`start`).
  func resolvedFormat(start: [UInt8] = []) throws -> RecordFormat {
    if let inputFormat { return inputFormat }
    if records == "-" { return Self.sniff(start) }
    guard let format = RecordFormat(pathExtension: records) else {
      throw ValidationError("cannot tell the format of '\(records)'; pass --input-format csv or jsonl")
    }
    return format
  }

  /// JSON Lines when the first character (after a byte-order mark and white space) is `{`: a
  /// CSV header cannot start with one, since no input name can.
  static func sniff(_ bytes: [UInt8]) -> RecordFormat {
    var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    while index < bytes.count, [0x20, 0x09, 0x0D, 0x0A].contains(bytes[index]) { index += 1 }
    return index < bytes.count && bytes[index] == UInt8(ascii: "{") ? .jsonl : .csv
  }

  func resolvedAsOf() throws -> CivilDate { try Self.parseDate(asOf) }

  /// `--as-of`'s date; today in UTC when it is not given.
  static func parseDate(_ asOf: String?) throws -> CivilDate {
    if let asOf {
      if let date = CivilDate(parsing: asOf) { return date }
      // A date and time reads service clocks at that moment; its date is the as-of date.
      if let instant = LadderInstant(parsing: asOf) { return instant.localDate }
      throw ValidationError(
        "--as-of '\(asOf)' is not a date (YYYY-MM-DD) or a date and time with its UTC offset (2024-04-01T10:00+08:00)"
      )
    }
    return CivilDate(utcDayOf: Date())
  }

  /// Loads and compiles the policy, printing its diagnostics; exits 1 when it has errors.
  /// `csvAsOfColumn`: whether CSV decisions carry `as_of` (``OutputOptions``).
  func loadPolicy(csvAsOfColumn: Bool = true) throws -> CompiledPolicy {
    let sources = SourceRegistry()
    var diagnostics = DiagnosticBag()
    guard let file = PolicyLoader.load(policy, into: sources, diagnostics: &diagnostics),
      let compiled = PolicyCompiler.compile(
        file, into: &diagnostics,
        output: OutputOptions(
          showsPersonalData: personalData.showPersonalData, csvAsOfColumn: csvAsOfColumn,
          asOfTime: asOf.flatMap { LadderInstant(parsing: $0) }), sources: sources)
    else {
      let renderer = TextDiagnosticRenderer(
        sources: sources, useColor: ColorMode.auto.isEnabled(for: .standardError))
      StandardError.write(renderer.render(diagnostics.sorted))
      StandardError.write(
        "\(policy): the policy has errors; run 'ladder check \(policy)' for details (\(TextDiagnosticRenderer.summary(errors: diagnostics.errorCount, warnings: diagnostics.warningCount)))\n"
      )
      throw LadderExit.policyErrors
    }
    personalData.announce()
    return compiled
  }

  /// The bytes of the records file or of standard input.
  func readRecords() throws -> [UInt8] {
    try readRecords(from: try openRecords())
  }

  /// The rest of `blocks`, whole.
  func readRecords(from blocks: RecordBlocks) throws -> [UInt8] {
    var bytes = blocks.readWhole()
    while case let block = blocks.next(), !block.isEmpty { bytes.append(contentsOf: block) }
    if let failure = blocks.failure { throw cannotRead(failure) }
    return bytes
  }

  /// A block reader over the records file or standard input: 4 MiB at a time, empty at the end.
  /// A read error ends the input and is kept in `failure`, to be reported after the run.
  func openRecords() throws -> RecordBlocks {
    RecordBlocks(descriptor: try openRecordsDescriptor())
  }

  /// Opens the records (standard input for `-`); refuses a directory, which would read as empty.
  private func openRecordsDescriptor() throws -> Int32 {
    if records == "-" { return STDIN_FILENO }
    let descriptor = open(records, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw cannotRead(errno) }
    var status = stat()
    if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
      close(descriptor)
      throw cannotRead(EISDIR)
    }
    return descriptor
  }

  /// Reports an unreadable input and returns the exit code (65) to throw.
  func cannotRead(_ code: Int32) -> ExitCode {
    StandardError.write("error: cannot read records '\(origin)': \(errnoText(code))\n")
    return LadderExit.badRecords
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

/// The records, block by block. A read error ends the blocks and is kept for the caller.
final class RecordBlocks {
  private let descriptor: Int32
  private(set) var failure: Int32?
  /// A block read by ``peek()`` and not yet handed out.
  private var peeked: [UInt8]?
  /// The size of a regular file (`nil` for a pipe or a terminal), and the bytes handed out so far:
  /// what a progress line measures.
  let totalBytes: Int?
  private(set) var bytesHandedOut = 0
  /// Line breaks in the bytes handed out: with the sizes, an estimate of how many records there are.
  private(set) var linesHandedOut = 0
  /// Whether to count line breaks at all: only a progress line needs them, and counting scans
  /// every block on the thread that reads the input and hands it to the workers.
  var countsLines = false

  init(descriptor: Int32) {
    self.descriptor = descriptor
    var status = stat()
    totalBytes =
      fstat(descriptor, &status) == 0 && status.st_mode & S_IFMT == S_IFREG ? Int(status.st_size) : nil
  }

  /// How much one read takes: 4 MiB, but 1 MiB for the first, so that the workers get their
  /// first block sooner (reading and counting 8 MiB before any worker started was 15 ms of a
  /// 0.6 s run on one core).
  private static func blockSize(first: Bool) -> Int { first ? 1 << 20 : 4 << 20 }

  /// The first bytes of what ``next()`` will return, without consuming them.
  func peek() -> [UInt8] {
    if let peeked { return peeked }
    guard failure == nil else { return [] }
    switch FileDescriptorIO.readBlock(from: descriptor, upTo: Self.blockSize(first: bytesHandedOut == 0)) {
    case .success(let block):
      peeked = block
      return block
    case .failure(let error):
      failure = error.code
      return []
    }
  }

  /// The next block; empty at the end of the input or after a read error.
  func next() -> [UInt8] {
    if let block = peeked {
      peeked = nil
      handOut(block)
      return block
    }
    guard failure == nil else { return [] }
    switch FileDescriptorIO.readBlock(from: descriptor, upTo: Self.blockSize(first: bytesHandedOut == 0)) {
    case .success(let block):
      handOut(block)
      return block
    case .failure(let error):
      failure = error.code
      return []
    }
  }

  /// The rest of a regular file read in one go, straight into one buffer of its size (reading it
  /// in blocks and joining them took six times as long as the read itself); for a pipe, or once
  /// the file is read, what ``next()`` gives.
  func readWhole() -> [UInt8] {
    guard let totalBytes, failure == nil else { return next() }
    let start = peeked ?? []
    peeked = nil
    let (bytes, readFailure) = FileDescriptorIO.readFully(
      from: descriptor, upTo: totalBytes - bytesHandedOut, after: start)
    failure = readFailure
    handOut(bytes)
    return bytes
  }

  private func handOut(_ block: [UInt8]) {
    bytesHandedOut += block.count
    // Byte by byte, this count made a run with a progress line 15% slower.
    if countsLines { linesHandedOut += LineFeeds.count(in: block) }
  }

  /// About how many lines the whole input has, from those read so far (with ``countsLines``);
  /// `nil` for a pipe.
  var estimatedLines: Int? {
    guard let totalBytes, bytesHandedOut > 0 else { return nil }
    return Int(Double(linesHandedOut) * Double(totalBytes) / Double(bytesHandedOut))
  }

  deinit {
    if descriptor != STDIN_FILENO { close(descriptor) }
  }
}
