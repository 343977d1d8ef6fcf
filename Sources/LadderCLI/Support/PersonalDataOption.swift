import ArgumentParser
import Ladder

/// `--show-personal-data`: the one way to see personal values in traces, diffs, rejects and test
/// reports. Masking is the default; unmasking is asked for by name and announced on standard
/// error, so that a log shows it was done.
struct PersonalDataOption: ParsableArguments {
  @Flag(help: "Show the values of personal fields instead of *** (they are masked by default).")
  var showPersonalData = false

  /// Says on standard error that personal values will be shown, when they will.
  func announce() {
    guard showPersonalData else { return }
    StandardError.write("note: --show-personal-data: personal values are shown unmasked\n")
  }
}
