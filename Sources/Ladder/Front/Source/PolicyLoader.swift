import Foundation

/// Loads a policy file for a command or the server, turning I/O failures into diagnostics.
public enum PolicyLoader {
  /// Policies are small; anything larger is refused before it is parsed.
  public static let maximumPolicySize = 8 * 1024 * 1024

  public static func load(_ path: String, into sources: SourceRegistry, diagnostics: inout DiagnosticBag)
    -> SourceFile?
  {
    let url = URL(fileURLWithPath: path)
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    if let size = attributes?[.size] as? Int, size > maximumPolicySize {
      let file = sources.add(path: path, bytes: [])
      diagnostics.add(
        Diagnostic(
          .documentTooComplex, "the file is \(size) bytes; a policy is at most \(maximumPolicySize) bytes",
          at: file.span(0, 0), help: "check that this is the policy file you meant"))
      return nil
    }
    do {
      let data = try Data(contentsOf: url)
      return sources.add(path: path, bytes: [UInt8](data))
    } catch {
      var isDirectory: ObjCBool = false
      let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      let reason =
        !exists
        ? "no such file" : isDirectory.boolValue ? "it is a directory" : "permission denied or unreadable"
      diagnostics.add(
        Diagnostic(
          .unreadableFile, "cannot read '\(path)': \(reason)", at: nil,
          help: exists ? nil : "check the path; it is taken relative to the current directory"))
      return nil
    }
  }
}
