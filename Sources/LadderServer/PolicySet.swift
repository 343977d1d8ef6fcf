import Foundation
import Ladder

/// The policies a server decides with: every policy file of one directory, checked together. A
/// set is all or nothing: with any error in any file, there is no set, and the diagnostics say why.
public struct PolicySet: Sendable {
  /// By policy id.
  public let policies: [String: CompiledPolicy]
  /// The ids in order, for listings.
  public let ids: [String]

  /// Reads `directory`'s `*.yaml` files (not `*.tests.yaml`), in name order. Calendar files the
  /// policies name are read with them.
  public static func load(directory: String) -> Result<PolicySet, PolicySetError> {
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: directory)
        .filter { $0.hasSuffix(".yaml") && !$0.hasSuffix(".tests.yaml") }.sorted()
    } catch {
      return .failure(PolicySetError(messages: ["cannot read the directory '\(directory)'"]))
    }
    guard !names.isEmpty else {
      return .failure(PolicySetError(messages: ["'\(directory)' holds no policy (*.yaml)"]))
    }
    var policies: [String: CompiledPolicy] = [:]
    var ids: [String] = []
    var messages: [String] = []
    let sources = SourceRegistry()
    for name in names {
      let path = (directory as NSString).appendingPathComponent(name)
      var diagnostics = DiagnosticBag()
      // The commands' loader: the same size limit, and an unreadable file as a diagnostic.
      guard let file = PolicyLoader.load(path, into: sources, diagnostics: &diagnostics),
        let policy = PolicyCompiler.compile(file, into: &diagnostics, sources: sources),
        !diagnostics.hasErrors
      else {
        let errors = diagnostics.sorted.filter { $0.severity == .error }
        messages.append(TextDiagnosticRenderer(sources: sources, useColor: false).render(errors))
        continue
      }
      if let other = policies[policy.id] {
        messages.append("\(path): policy id '\(policy.id)' is also the id of \(other.path)")
        continue
      }
      policies[policy.id] = policy
      ids.append(policy.id)
    }
    guard messages.isEmpty else { return .failure(PolicySetError(messages: messages)) }
    return .success(PolicySet(policies: policies, ids: ids))
  }
}

/// Why a directory's policies are not a set that can be served.
public struct PolicySetError: Error, Sendable {
  /// One message per problem: a file's diagnostics as `ladder check` prints them.
  public let messages: [String]
}
