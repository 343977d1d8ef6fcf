import ArgumentParser

/// The exit codes documented in docs/cli.md.
enum LadderExit {
  /// Policy findings at error level, or failed policy tests.
  static let policyErrors = ExitCode(1)
  /// Bad records with `--on-error fail` (sysexits EX_DATAERR).
  static let badRecords = ExitCode(65)
  /// Ladder itself failed (sysexits EX_SOFTWARE).
  static let internalError = ExitCode(70)
}
