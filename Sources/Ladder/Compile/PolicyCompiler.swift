/// Loading a policy for evaluation: read, check, compile.
public enum PolicyCompiler {
  /// Reads, checks and compiles a policy file; `nil` with diagnostics when it has errors.
  /// `showingPersonalData`: its outputs show personal values (see ``CheckedPolicy/showsPersonalData``).
  public static func compile(
    _ file: SourceFile, into diagnostics: inout DiagnosticBag, showingPersonalData: Bool = false
  ) -> CompiledPolicy? {
    guard var checked = PolicyChecker.check(file, into: &diagnostics) else { return nil }
    checked.showsPersonalData = showingPersonalData
    return CompiledPolicy(checked, source: file)
  }
}
