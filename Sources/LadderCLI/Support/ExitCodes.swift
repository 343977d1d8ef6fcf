import ArgumentParser

/// The exit codes documented in docs/cli.md.
enum LadderExit {
  /// Policy findings at error level, or failed policy tests.
  static let policyErrors = ExitCode(1)
  /// Bad records with `--on-error fail` (sysexits EX_DATAERR).
  static let badRecords = ExitCode(65)
  /// A usage error Ladder found itself, such as an output path it must not replace (EX_USAGE).
  static let usage = ExitCode(64)
  /// The ledger refused (a run already recorded, a repeated key, a newer ledger), found a
  /// problem (`ledger verify`, `replay`) or holds nothing for the question.
  static let ledgerRefused = ExitCode(4)
  /// Ladder itself failed (sysexits EX_SOFTWARE).
  static let internalError = ExitCode(70)
  /// Output could not be written: standard output closed or full, a full disk (EX_IOERR).
  static let ioError = ExitCode(74)
}
