/// Loading a policy for evaluation: read, check, compile.
public enum PolicyCompiler {
  /// Reads, checks and compiles a policy file; `nil` with diagnostics when it has errors.
  public static func compile(_ file: SourceFile, into diagnostics: inout DiagnosticBag) -> CompiledPolicy? {
    guard let checked = PolicyChecker.check(file, into: &diagnostics) else { return nil }
    return CompiledPolicy(checked, source: file)
  }
}
