import GRDB

/// The ledger's tables, one migration per schema version. Migrations only ever add: a ledger is
/// an archive, so nothing written is rewritten.
enum LedgerSchema {
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in
      // Every policy text a run used, by the SHA-256 of its bytes.
      try db.execute(
        sql: """
          CREATE TABLE policy_version (
            sha256 TEXT PRIMARY KEY NOT NULL,
            policy TEXT NOT NULL,
            version TEXT NOT NULL,
            path TEXT NOT NULL,
            text BLOB NOT NULL
          );
          CREATE TABLE run (
            id INTEGER PRIMARY KEY NOT NULL,
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
          PRAGMA user_version = 1;
          """)
    }
    return migrator
  }
}
