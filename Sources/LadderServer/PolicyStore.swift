import Foundation
import Ladder

/// The policy set being served, and the outcome of the last reload. Replacing the set is one
/// assignment under a lock: a request holds the set it started with to its end, and the next one
/// gets the new set.
public final class PolicyStore: @unchecked Sendable {
  /// The last attempt to load the directory.
  public struct Reload: Sendable {
    public var at: Date
    public var succeeded: Bool
    /// Why the set was refused (the old one kept serving).
    public var errors: [String]
  }

  public let directory: String
  // Guarded by `lock`.
  private var current: PolicySet
  private var last: Reload
  private var signature: [String]
  private let lock = NSLock()

  /// Loads the directory; fails when its policies are not a clean set (a server never starts on
  /// a broken one).
  public init(directory: String) throws(PolicySetError) {
    self.directory = directory
    signature = Self.signature(of: directory)
    current = try PolicySet.load(directory: directory).get()
    last = Reload(at: Date(), succeeded: true, errors: [])
  }

  public var set: PolicySet {
    lock.lock()
    defer { lock.unlock() }
    return current
  }

  public var lastReload: Reload {
    lock.lock()
    defer { lock.unlock() }
    return last
  }

  /// Reads the directory again: a clean set replaces the one being served; a set with errors is
  /// refused and the old one keeps serving. Returns the outcome.
  @discardableResult
  public func reload() -> Reload {
    let files = Self.signature(of: directory)
    let outcome: Reload
    switch PolicySet.load(directory: directory) {
    case .success(let set):
      outcome = Reload(at: Date(), succeeded: true, errors: [])
      lock.lock()
      current = set
      last = outcome
      signature = files
      lock.unlock()
    case .failure(let error):
      outcome = Reload(at: Date(), succeeded: false, errors: error.messages)
      lock.lock()
      last = outcome
      signature = files
      lock.unlock()
    }
    return outcome
  }

  /// Reloads when a file of the directory changed since the last load (its name, size or time).
  public func reloadIfChanged() -> Reload? {
    let files = Self.signature(of: directory)
    lock.lock()
    let changed = files != signature
    lock.unlock()
    return changed ? reload() : nil
  }

  /// Each file of the directory (and of a `calendars/` beside the policies) with its size and
  /// modification time.
  static func signature(of directory: String) -> [String] {
    var lines: [String] = []
    for folder in [directory, (directory as NSString).appendingPathComponent("calendars")] {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
      for name in names.sorted() {
        let path = (folder as NSString).appendingPathComponent(name)
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = attributes?[.size] as? Int ?? -1
        let time = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        lines.append("\(path) \(size) \(time)")
      }
    }
    return lines
  }
}
