import GRDB

/// The ledger's tables, one migration per schema version, the version kept in SQLite's
/// `user_version`. A ledger is an archive: a migration may move what was written into a new
/// layout (schema 3 did), but every run's digests must still hold afterwards.
enum LedgerSchema {
  /// Brings `db` up to ``Ledger/schemaVersion`` inside one immediate transaction, so that two
  /// processes opening a new ledger at once do not both create it.
  static func migrate(_ queue: DatabaseQueue) throws {
    try queue.inTransaction(.immediate) { db in
      let found = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
      for (index, sql) in migrations.enumerated() where index + 1 > found {
        try db.execute(sql: sql)
        if index + 1 == 3 { try RunEntries.moveRowsIntoBlocks(db) }
        try db.execute(sql: "PRAGMA user_version = \(index + 1)")
      }
      return .commit
    }
  }

  /// The type each column must hold: `integer`, `text` or `blob`, and whether it may be null.
  static let columnTypes: [(table: String, columns: [(name: String, type: String, nullable: Bool)])] = [
    (
      "policy_version",
      [
        ("sha256", "text", false), ("policy", "text", false), ("version", "text", false),
        ("path", "text", false), ("text", "blob", false),
      ]
    ),
    (
      "run",
      [
        ("id", "integer", false), ("chain_seq", "integer", false), ("policy_sha256", "text", false),
        ("as_of", "text", false), ("input_name", "text", false), ("input_sha256", "text", false),
        ("read", "integer", false), ("evaluated", "integer", false), ("rejected", "integer", false),
        ("ran_by", "text", false), ("ran_at", "text", false), ("input_fields", "text", false),
        ("decisions_sha256", "text", false), ("assignments_sha256", "text", false),
        ("previous_hash", "text", false), ("hash", "text", false), ("digest_form", "integer", false),
      ]
    ),
    (
      "entry_block",
      [
        ("run_id", "integer", false), ("first_key", "blob", false), ("count", "integer", false),
        ("changes", "integer", false), ("raw_length", "integer", false), ("data", "blob", false),
      ]
    ),
    (
      "decision_inputs",
      [
        ("run_id", "integer", false), ("first_seq", "integer", false), ("count", "integer", false),
        ("raw_length", "integer", false), ("data", "blob", false),
      ]
    ),
    (
      "standing_block",
      [
        ("first_key", "blob", false), ("run_id", "integer", false), ("count", "integer", false),
        ("raw_length", "integer", false), ("data", "blob", false),
      ]
    ),
    (
      "assignment",
      [
        ("key", "text", false), ("run_id", "integer", false), ("tier", "text", true),
        ("since", "text", false),
        ("approval_id", "integer", true),
      ]
    ),
    (
      "override",
      [
        ("id", "integer", false), ("chain_seq", "integer", false), ("key", "text", false),
        ("tier", "text", false),
        ("reason", "text", false), ("until", "text", true), ("requested_by", "text", false),
        ("requested_at", "text", false), ("previous_hash", "text", false), ("hash", "text", false),
        ("run_id", "integer", true),
      ]
    ),
    (
      "approval",
      [
        ("id", "integer", false), ("chain_seq", "integer", false), ("override_id", "integer", false),
        ("verdict", "text", false), ("reason", "text", true), ("decided_by", "text", false),
        ("decided_at", "text", false), ("in_force_from", "text", false), ("previous_hash", "text", false),
        ("hash", "text", false),
      ]
    ),
  ]

  /// Each column of the ledger holding values of another type than its own, in words.
  static func wronglyTypedValues(_ db: Database) throws -> [String] {
    var problems: [String] = []
    for (table, columns) in columnTypes {
      // One pass over the table counts every column's misfits.
      let counts = columns.map { column in
        let allowed = column.nullable ? "('\(column.type)', 'null')" : "('\(column.type)')"
        return "coalesce(sum(typeof(\(column.name)) NOT IN \(allowed)), 0)"
      }
      guard let row = try Row.fetchOne(db, sql: "SELECT \(counts.joined(separator: ", ")) FROM \(table)")
      else {
        continue
      }
      for (index, column) in columns.enumerated() {
        let count: Int = try row.decode(atIndex: index)
        guard count > 0 else { continue }
        problems.append(
          "\(table).\(column.name): \(count) value\(count == 1 ? " is" : "s are") not \(column.nullable ? "empty or " : "")\(column.type == "integer" ? "a whole number" : column.type == "text" ? "text" : "bytes") (the ledger was edited)"
        )
      }
    }
    return problems
  }

  /// Migration `n` (from 1) brings a ledger from schema `n - 1` to `n`.
  static let migrations = [
    // 1: every policy text a run used (by the SHA-256 of its bytes), the runs, their decisions
    // and the tier assignments they changed; overrides and their approvals. Runs, overrides and
    // approvals are the links of one hash chain, in `chain_seq` order.
    """
          CREATE TABLE policy_version (
            sha256 TEXT PRIMARY KEY NOT NULL,
            policy TEXT NOT NULL,
            version TEXT NOT NULL,
            path TEXT NOT NULL,
            text BLOB NOT NULL
          );
          CREATE TABLE run (
            id INTEGER PRIMARY KEY NOT NULL,
            chain_seq INTEGER NOT NULL UNIQUE,
            policy_sha256 TEXT NOT NULL REFERENCES policy_version(sha256),
            as_of TEXT NOT NULL,
            input_name TEXT NOT NULL,
            input_sha256 TEXT NOT NULL,
            read INTEGER NOT NULL,
            evaluated INTEGER NOT NULL,
            rejected INTEGER NOT NULL,
            ran_by TEXT NOT NULL,
            ran_at TEXT NOT NULL,
            input_fields TEXT NOT NULL,
            decisions_sha256 TEXT NOT NULL,
            assignments_sha256 TEXT NOT NULL,
            previous_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            UNIQUE (policy_sha256, as_of, input_sha256)
          );
          CREATE TABLE decision (
            run_id INTEGER NOT NULL REFERENCES run(id),
            seq INTEGER NOT NULL,
            line INTEGER NOT NULL,
            key TEXT NOT NULL,
            tier TEXT,
            score TEXT,
            flags TEXT NOT NULL,
            inputs TEXT NOT NULL,
            PRIMARY KEY (run_id, seq)
          ) WITHOUT ROWID;
          CREATE INDEX decision_by_key ON decision(key, run_id);
          CREATE TABLE assignment (
            key TEXT NOT NULL,
            run_id INTEGER NOT NULL REFERENCES run(id),
            tier TEXT,
            since TEXT NOT NULL,
            PRIMARY KEY (key, run_id)
          ) WITHOUT ROWID;
          CREATE TABLE override (
            id INTEGER PRIMARY KEY NOT NULL,
            chain_seq INTEGER NOT NULL UNIQUE,
            key TEXT NOT NULL,
            tier TEXT NOT NULL,
            reason TEXT NOT NULL,
            until TEXT,
            requested_by TEXT NOT NULL,
            requested_at TEXT NOT NULL,
            previous_hash TEXT NOT NULL,
            hash TEXT NOT NULL
          );
          CREATE INDEX override_by_key ON override(key);
          CREATE TABLE approval (
            id INTEGER PRIMARY KEY NOT NULL,
            chain_seq INTEGER NOT NULL UNIQUE,
            override_id INTEGER NOT NULL UNIQUE REFERENCES override(id),
            verdict TEXT NOT NULL CHECK (verdict IN ('approved', 'rejected')),
            reason TEXT,
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            in_force_from TEXT NOT NULL,
            previous_hash TEXT NOT NULL,
            hash TEXT NOT NULL
          );
    """,
    // 2: the lifecycle's memory (policies with a `lifecycle:` section): per run, each key it
    // reviewed, or whose change waits for a review, with the outcome and how many reviews in a
    // row have found the key below its tier (hashed with the run's assignments). A change that
    // needs approval is an override request naming the run that proposed it (`run_id`); once
    // approved, it is an assignment naming its approval (`approval_id`). The inputs kept for
    // replay move out of the decision rows into compressed blocks (`decision_inputs`).
    """
          CREATE TABLE decision_inputs (
            run_id INTEGER NOT NULL REFERENCES run(id),
            first_seq INTEGER NOT NULL,
            count INTEGER NOT NULL,
            raw_length INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (run_id, first_seq)
          ) WITHOUT ROWID;
          ALTER TABLE override ADD COLUMN run_id INTEGER REFERENCES run(id);
          ALTER TABLE assignment ADD COLUMN approval_id INTEGER REFERENCES approval(id);
          CREATE TABLE review (
            key TEXT NOT NULL,
            run_id INTEGER NOT NULL REFERENCES run(id),
            outcome TEXT NOT NULL,
            reviewed INTEGER NOT NULL,
            below INTEGER NOT NULL,
            PRIMARY KEY (key, run_id)
          ) WITHOUT ROWID;
    """,
    // 3: a run's decisions, with the assignment and review each led to, move into blocks sorted
    // by key (`entry_block`, see ``LedgerEntry``), and every key's standing after the latest run
    // into a snapshot (`standing_block`) that the next run starts from. A row per decision, per
    // assignment and per review was most of a run's time and of the ledger's size. The rows of
    // earlier runs are moved (``RunEntries/moveRowsIntoBlocks(_:)``): the run digests cover the
    // same fields in the same order, so `verify` shows that nothing was lost on the way. The
    // `assignment` table keeps the changes made by approvals.
    """
          CREATE TABLE entry_block (
            run_id INTEGER NOT NULL REFERENCES run(id),
            first_key BLOB NOT NULL,
            count INTEGER NOT NULL,
            changes INTEGER NOT NULL,
            raw_length INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (run_id, first_key)
          ) WITHOUT ROWID;
          CREATE TABLE standing_block (
            first_key BLOB PRIMARY KEY NOT NULL,
            run_id INTEGER NOT NULL REFERENCES run(id),
            count INTEGER NOT NULL,
            raw_length INTEGER NOT NULL,
            data BLOB NOT NULL
          ) WITHOUT ROWID;
    """,
    // 4: a run's inputs and entries are Huffman-coded (``HuffmanCoding``) instead of zlib-
    // compressed: a block says how it is packed by its first byte, and the blocks of earlier runs
    // stay as they are. A run's decision digest covers the inputs as an array, no longer as an
    // escaped string (``LedgerChain/DecisionRowForm``); the runs before keep form 1.
    "ALTER TABLE run ADD COLUMN digest_form INTEGER NOT NULL DEFAULT 1;",
  ]
}
