import Foundation
import GRDB
import Ladder

/// The ledger: every grading run, the decisions it made and the tier assignments they led to,
/// in one SQLite file, append-only and hash-chained (``LedgerChain``), so that a decision can be
/// traced back to the policy text and the inputs that made it, and replayed, years later.
///
/// A run is one transaction: a process killed at any point leaves the ledger as it was before
/// the run or as it is after it. Personal fields are never stored.
public final class Ledger: Sendable {
  /// The schema this build writes; a ledger with a higher version was written by a newer Ladder.
  public static let schemaVersion = 4

  let queue: DatabaseQueue
  public let path: String

  /// Opens the ledger at `path`, creating it when there is none, migrating an older one.
  ///
  /// A second process writing the same ledger waits for the first (up to `busyTimeout`).
  public init(path: String, busyTimeout: TimeInterval = 60) throws(LedgerError) {
    self.path = path
    var configuration = Configuration()
    configuration.busyMode = .timeout(busyTimeout)
    configuration.label = "ladder-ledger"
    // For tests only: a ledger that may not grow past N pages fails as a full disk does.
    if let pages = ProcessInfo.processInfo.environment["LADDER_LEDGER_MAX_PAGES"].flatMap(Int.init) {
      configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA max_page_count = \(pages)") }
    }
    do {
      queue = try DatabaseQueue(path: path, configuration: configuration)
    } catch {
      throw LedgerError("cannot open the ledger \(path): \(LedgerError.describe(error))")
    }
    let found: Int
    do {
      found = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
    } catch {
      throw LedgerError("\(path) is not a Ladder ledger: \(LedgerError.describe(error))")
    }
    guard found <= Self.schemaVersion else {
      throw LedgerError(
        "\(path) was written by a newer Ladder (ledger schema \(found); this one reads up to \(Self.schemaVersion)); use that version or newer"
      )
    }
    do {
      if found < Self.schemaVersion { try LedgerSchema.migrate(queue) }
    } catch {
      throw LedgerError("cannot prepare the ledger \(path): \(LedgerError.describe(error))")
    }
  }
}

/// What went wrong with the ledger, said for the person at the terminal.
public struct LedgerError: Error, CustomStringConvertible, Sendable {
  public var description: String

  public init(_ description: String) { self.description = description }

  /// A database error in words: a full disk and a locked file say so.
  static func describe(_ error: any Error) -> String {
    guard let database = error as? DatabaseError else { return "\(error)" }
    switch database.resultCode {
    case .SQLITE_FULL: return "the disk is full; the ledger was left as it was"
    case .SQLITE_BUSY, .SQLITE_LOCKED:
      return "another process is writing the ledger; try again when it has finished"
    case .SQLITE_NOTADB: return "the file is not a SQLite database"
    case .SQLITE_READONLY: return "the ledger is read-only"
    default: return database.message ?? "\(database)"
    }
  }
}
