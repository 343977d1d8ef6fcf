/// Loading a policy for evaluation: read, check, compile.
public enum PolicyCompiler {
  /// Reads, checks and compiles a policy file; `nil` with diagnostics when it has errors.
  /// `output`: the run's choices about outputs (``OutputOptions``).
  /// `sources`: where the calendar files the policy names are read into (``PolicyChecker``).
  public static func compile(
    _ file: SourceFile, into diagnostics: inout DiagnosticBag, output: OutputOptions = OutputOptions(),
    sources: SourceRegistry? = nil
  ) -> CompiledPolicy? {
    guard var checked = PolicyChecker.check(file, into: &diagnostics, sources: sources) else { return nil }
    checked.outputOptions = output
    return CompiledPolicy(checked, source: file)
  }
}
