/// Loading a policy for evaluation: read, check, compile.
public enum PolicyCompiler {
  /// Reads, checks and compiles a policy file; `nil` with diagnostics when it has errors.
  /// `output`: the run's choices about outputs (``OutputOptions``).
  public static func compile(
    _ file: SourceFile, into diagnostics: inout DiagnosticBag, output: OutputOptions = OutputOptions()
  ) -> CompiledPolicy? {
    guard var checked = PolicyChecker.check(file, into: &diagnostics) else { return nil }
    checked.outputOptions = output
    return CompiledPolicy(checked, source: file)
  }
}
