import Foundation
import GRDB
import Ladder
import LadderTestSupport
import Testing

@testable import LadderLedger

/// The ledger (issue 10): runs recorded once and whole, decisions replayed from the ledger alone,
/// any edit found by `verify`, personal data never stored.
@Suite struct LedgerTests {
  /// A fresh ledger file, removed with the value.
  final class Scratch {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ladder-ledger-\(UUID())")
    var path: String { directory.appendingPathComponent("ledger.db").path }

    init() throws {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Runs `sql` on the ledger file directly, as someone tampering with it would (foreign
    /// keys off, as any SQLite shell has them).
    func tamper(_ sql: String) throws {
      var configuration = Configuration()
      configuration.foreignKeysEnabled = false
      let queue = try DatabaseQueue(path: path, configuration: configuration)
      try queue.writeWithoutTransaction { try $0.execute(sql: sql) }
    }

    /// Rewrites (or, given `nil`, removes) the entry of `key` in run `run` as a forger who knows
    /// the block format would: the block decodes and its counts hold; only the digests can tell.
    func editEntry(run: Int64, key: String, _ edit: (inout LedgerEntry?) -> Void) throws {
      let queue = try DatabaseQueue(path: path)
      try queue.write { db in
        let row = try #require(
          try Row.fetchOne(
            db,
            sql:
              "SELECT * FROM entry_block WHERE run_id = ? AND first_key <= ? ORDER BY first_key DESC LIMIT 1",
            arguments: [run, Data(key.utf8)]))
        var entries = try #require(try RunEntries.decode(row))
        let index = try #require(entries.firstIndex { $0.key == key })
        var entry: LedgerEntry? = entries[index]
        edit(&entry)
        if let entry { entries[index] = entry } else { entries.remove(at: index) }
        var encoded = EncodedEntries()
        for entry in entries {
          encoded.append(key: entry.key, changed: entry.changed) { entry.encodeFields(into: &$0) }
        }
        let packed = try #require(Compression.pack(encoded.writer.bytes, coding: .huffman))
        try db.execute(
          sql: """
            UPDATE entry_block SET count = ?, changes = ?, raw_length = ?, data = ? WHERE run_id = ? AND first_key = ?
            """,
          arguments: [
            entries.count, entries.count(where: \.changed), packed.rawLength, packed.data, run,
            row["first_key"] as Data,
          ])
      }
    }
  }

  static func example(_ name: String) throws -> (policy: CompiledPolicy, bytes: [UInt8]) {
    let path = "policies/\(name).yaml"
    let policy = try #require(
      compilePolicy(try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8), path: path))
    let bytes = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/\(name).csv"))))
    return (policy, bytes)
  }

  static func date(_ text: String) throws -> CivilDate { try #require(CivilDate(parsing: text)) }

  /// Two quarterly runs of the B2B example: the second moves the customers whose recency fell.
  static func twoRuns(_ ledger: Ledger) throws -> (RecordedRun, RecordedRun) {
    let (policy, bytes) = try example("b2b-service-tiers")
    let first = try ledger.record(
      policy, records: bytes, format: .csv, inputName: "q1.csv", asOf: try date("2024-03-01"), by: "alice")
    let second = try ledger.record(
      policy, records: bytes, format: .csv, inputName: "q3.csv", asOf: try date("2024-09-01"), by: "bob")
    return (first, second)
  }

  @Test func aRunRecordsEveryDecisionAndTheTierChanges() throws {
    let scratch = try Scratch()
    let ledger = try Ledger(path: scratch.path)
    let (first, second) = try Self.twoRuns(ledger)
    #expect(first.id == 1 && first.read == 41 && first.evaluated == 33 && first.rejected == 8)
    #expect(first.changes.count == 33 && first.changes.allSatisfy(\.isNew))
    // Six months on, the customers who have not bought since drop: C2024002 (key, 75) has
    // recency 244 days on 2024-09-01, which costs it 16 points.
    #expect(second.changes.allSatisfy { !$0.isNew } && !second.changes.isEmpty)
    #expect(
      second.changes.contains(
        TierChange(key: "C2024002", from: "key", to: "standard", isNew: false, outcome: .downgraded)))
    let history = try ledger.history(key: "C2024002")
    #expect(history.map(\.tier) == ["key", "standard"] && history.map(\.score) == ["75.00", "59.00"])
    #expect(history.map(\.changedTier) == [true, true] && history.map(\.ranBy) == ["alice", "bob"])
    // Between the runs the first decision is in force; before the first there is none.
    let may = try #require(try ledger.show(key: "C2024002", asOf: try Self.date("2024-05-15")))
    #expect(may.tier == "key" && may.run == 1 && may.tierSince == "2024-03-01")
    #expect(try ledger.show(key: "C2024002", asOf: try Self.date("2024-02-29")) == nil)
    // A customer whose tier did not move keeps the date it was first assigned.
    let unchanged = try #require(
      first.changes.map(\.key).first { key in !second.changes.contains { $0.key == key } })
    #expect(try ledger.show(key: unchanged, asOf: try Self.date("2024-12-31"))?.tierSince == "2024-03-01")
  }

  @Test func showWithATraceMakesTheDecisionAgainFromTheLedger() throws {
    let scratch = try Scratch()
    let ledger = try Ledger(path: scratch.path)
    _ = try Self.twoRuns(ledger)
    let shown = try #require(try ledger.show(key: "C2024002", asOf: try Self.date("2024-09-30"), trace: true))
    let trace = try #require(shown.trace)
    #expect(trace.tier == "standard" && trace.score?.total == "59.00" && trace.header.asOf == "2024-09-01")
    // The personal phone number was never stored: the trace has no value for it.
    #expect(trace.inputs.first { $0.name == "contact_phone" }?.notation == "***")
  }

  @Test func replayReproducesEveryDecisionAndFindsAnEditedOne() throws {
    let scratch = try Scratch()
    let ledger = try Ledger(path: scratch.path)
    _ = try Self.twoRuns(ledger)
    for run in [Int64(1), 2] {
      let replay = try ledger.replay(run: run)
      #expect(replay.isIdentical && replay.decisions == 33, "\(replay.differences)")
    }
    try scratch.editEntry(run: 2, key: "C2024001") { $0?.score = "95.00" }
    let replay = try ledger.replay(run: 2)
    #expect(replay.differences.count == 1 && replay.differences[0].contains("C2024001"))
    // Decisions that no longer decompress cannot be replayed, and say so.
    try scratch.tamper("UPDATE entry_block SET data = zeroblob(40) WHERE run_id = 1")
    #expect { _ = try ledger.replay(run: 1) } throws: {
      "\($0)".contains("run 1: its stored decisions are damaged")
    }
    // Inputs that no longer read as a record, likewise.
    try DatabaseQueue(path: scratch.path).write { db in
      let count = try #require(
        try Int.fetchOne(db, sql: "SELECT count FROM decision_inputs WHERE run_id = 2 AND first_seq = 0"))
      let packed = try #require(InputBlocks.pack(Array(repeating: "[1,", count: count)))
      try db.execute(
        sql: "UPDATE decision_inputs SET raw_length = ?, data = ? WHERE run_id = 2 AND first_seq = 0",
        arguments: [packed.rawLength, packed.data])
    }
    #expect { _ = try ledger.replay(run: 2) } throws: {
      "\($0)".contains("the stored inputs of 'C2024001' are damaged")
    }
  }

  /// Population classes are replayed over the run's whole population, JSON Lines numbers as written.
  @Test func populationPoliciesAndJSONLinesReplayToo() throws {
    let scratch = try Scratch()
    let ledger = try Ledger(path: scratch.path)
    let (retail, retailBytes) = try Self.example("retail-rfm-abc")
    let run = try ledger.record(
      retail, records: retailBytes, format: .csv, inputName: "retail.csv", asOf: try Self.date("2024-03-01"),
      by: "alice")
    #expect(try ledger.replay(run: run.id).isIdentical)
    let b2b = try Self.example("b2b-service-tiers").policy
    let jsonLines = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/b2b-service-tiers.jsonl"))))
    let second = try ledger.record(
      b2b, records: jsonLines, format: .jsonl, inputName: "b2b.jsonl", asOf: try Self.date("2024-03-01"),
      by: "bob")
    let replay = try ledger.replay(run: second.id)
    #expect(replay.isIdentical && replay.decisions == second.evaluated && second.evaluated > 0)
  }

  @Test func verifyFindsEveryKindOfEdit() throws {
    typealias Edit = (Scratch) throws -> Void
    func sql(_ text: String) -> Edit { { try $0.tamper(text) } }
    let edits: [(String, Edit, String)] = [
      (
        "a computed tier", { try $0.editEntry(run: 1, key: "C2024002") { $0?.tier = "vip" } },
        "run 1: its decisions"
      ),
      (
        "a decision removed", { try $0.editEntry(run: 2, key: "C2024005") { $0 = nil } },
        "run 2: its decisions"
      ),
      (
        "an assigned tier", { try $0.editEntry(run: 2, key: "C2024002") { $0?.inForce = "vip" } },
        "run 2: its tier assignments"
      ),
      ("a run's field", sql("UPDATE run SET ran_by = 'mallory' WHERE id = 1"), "run 1: its own fields"),
      // The form of the decision digest: the other form, or one Ladder never writes.
      ("a digest form", sql("UPDATE run SET digest_form = 1 WHERE id = 1"), "run 1: its decisions"),
      (
        "an unknown digest form", sql("UPDATE run SET digest_form = 7 WHERE id = 2"),
        "run 2: its digest form 7 is not one Ladder writes"
      ),
      // A value of the wrong type is named, not read (reading it would stop the process).
      (
        "a number as text", sql("UPDATE run SET read = 'many' WHERE id = 1"),
        "run.read: 1 value is not a whole number"
      ),
      (
        "text as bytes", sql("UPDATE entry_block SET first_key = 'C' WHERE run_id = 1"),
        "entry_block.first_key: 1 value is not bytes"
      ),
      // The compressed blocks themselves: damaged, removed, or one added.
      (
        "a damaged block", sql("UPDATE entry_block SET data = zeroblob(40) WHERE run_id = 1"),
        "run 1: its decisions"
      ),
      ("a removed block", sql("DELETE FROM entry_block WHERE run_id = 2"), "run 2: its decisions"),
      // The inputs kept for replay, in their own blocks: damaged, removed, or one added.
      (
        "damaged inputs", sql("UPDATE decision_inputs SET data = zeroblob(40) WHERE run_id = 1"),
        "run 1: its decisions"
      ),
      ("removed inputs", sql("DELETE FROM decision_inputs WHERE run_id = 2"), "run 2: its decisions"),
      (
        "added inputs",
        sql(
          "INSERT INTO decision_inputs SELECT run_id, first_seq + 100, count, raw_length, data FROM decision_inputs WHERE run_id = 1"
        ),
        "run 1: its decisions"
      ),
      (
        "an added block",
        sql(
          "INSERT INTO entry_block SELECT run_id, CAST(first_key || x'00' AS BLOB), count, changes, raw_length, data FROM entry_block WHERE run_id = 1"
        ),
        "run 1: its decisions"
      ),
      // The snapshot the next run starts from.
      (
        "a standing", sql("DELETE FROM standing_block"),
        "the standings after run 2 are not what the runs made"
      ),
      ("a policy text", sql("UPDATE policy_version SET text = CAST('x' AS BLOB)"), "its text was changed"),
      (
        "a run removed", sql("DELETE FROM run WHERE id = 2; DELETE FROM entry_block WHERE run_id = 2"),
        "run 3: it does not follow"
      ),
    ]
    for (name, edit, expected) in edits {
      try Self.expectEditFound(name, edit, expected) { ledger in
        _ = try Self.twoRuns(ledger)
        if name == "a run removed" { try Self.recordFourthQuarter(ledger) }
      }
    }
  }

  /// A value of the wrong type is an error from every reader, never a stop of the process.
  @Test func aWronglyTypedValueIsAnErrorNotATrap() throws {
    let scratch = try Scratch()
    let ledger = try Ledger(path: scratch.path)
    _ = try Self.twoRuns(ledger)
    try scratch.tamper("UPDATE entry_block SET count = 'x' WHERE run_id = 1; UPDATE run SET read = 'many'")
    #expect { _ = try ledger.replay(run: 1) } throws: { "\($0)".contains("could not decode Int") }
    #expect { _ = try ledger.runs() } throws: { "\($0)".contains("could not decode Int") }
    #expect(
      try ledger.verify().problems.contains(
        "run.read: 2 values are not a whole number (the ledger was edited)"))
  }

  /// verify checks the type of every column of every table, so none may be left out of the list.
  @Test func everyColumnHasItsTypeChecked() throws {
    let scratch = try Scratch()
    _ = try Ledger(path: scratch.path)
    let queue = try DatabaseQueue(path: scratch.path)
    let tables = try queue.read { db in
      try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    }
    #expect(Set(tables) == Set(LedgerSchema.columnTypes.map(\.table)))
    for (table, columns) in LedgerSchema.columnTypes {
      let actual = try queue.read { db in try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))") }
      #expect(
        actual.map { $0["name"] as String } == columns.map(\.name), "\(table): the columns the check lists")
      for (row, column) in zip(actual, columns) {
        #expect((row["notnull"] as Int == 0) == column.nullable, "\(table).\(column.name): may it be null?")
      }
    }
  }

  /// A ledger built by `build` is intact; after `edit` changes its file, `verify` names `expected`.
  static func expectEditFound(
    _ name: String, _ edit: (Scratch) throws -> Void, _ expected: String, build: (Ledger) throws -> Void
  ) throws {
    let scratch = try Scratch()
    let ledger = try Ledger(path: scratch.path)
    try build(ledger)
    #expect(try ledger.verify().isIntact)
    try edit(scratch)
    let result = try ledger.verify()
    #expect(result.problems.contains { $0.contains(expected) }, "\(name): \(result.problems)")
  }

  /// A third run of the B2B example, as of 2024-12-01.
  static func recordFourthQuarter(_ ledger: Ledger) throws {
    let (policy, bytes) = try example("b2b-service-tiers")
    _ = try ledger.record(
      policy, records: bytes, format: .csv, inputName: "q4.csv", asOf: try date("2024-12-01"), by: "carol")
  }

  /// Records read block by block give the run the whole input gives; an input that could not
  /// be read to its end records nothing.
  @Test func aRunReadInBlocksIsTheRunOfTheWholeInputAndAFailedReadRecordsNothing() throws {
    let (policy, bytes) = try Self.example("b2b-service-tiers")
    func blocks(of size: Int) -> () -> [UInt8] {
      var offset = 0
      return {
        defer { offset = min(bytes.count, offset + size) }
        return Array(bytes[offset..<min(bytes.count, offset + size)])
      }
    }
    let (whole, streamed) = (try Scratch(), try Scratch())
    let at = try Self.time("2024-03-02")
    let one = try Ledger(path: whole.path).record(
      policy, records: bytes, format: .csv, inputName: "a.csv", asOf: try Self.date("2024-03-01"), by: "a",
      at: at)
    let other = try Ledger(path: streamed.path).record(
      policy, source: blocks(of: 97), format: .csv, inputName: "a.csv", asOf: try Self.date("2024-03-01"),
      by: "a", at: at)
    // The same run, to the hash: the input's digest was made from its blocks as they passed.
    #expect(one.hash == other.hash && one.changes == other.changes && one.rejected == other.rejected)
    let failing = try Scratch()
    let ledger = try Ledger(path: failing.path)
    #expect {
      try ledger.record(
        policy, source: blocks(of: 500), readFailure: { "Input/output error" }, format: .csv,
        inputName: "a.csv", asOf: try Self.date("2024-03-01"), by: "a")
    } throws: { "\($0)".contains("cannot read a.csv to its end: Input/output error; nothing was recorded") }
    #expect(try ledger.runs().isEmpty && ledger.verify().isIntact)
  }

  @Test func aRepeatedRunARepeatedKeyAndANewerLedgerAreRefused() throws {
    let scratch = try Scratch()
    let ledger = try Ledger(path: scratch.path)
    let (policy, bytes) = try Self.example("b2b-service-tiers")
    _ = try ledger.record(
      policy, records: bytes, format: .csv, inputName: "a.csv", asOf: try Self.date("2024-03-01"), by: "a")
    #expect {
      try ledger.record(
        policy, records: bytes, format: .csv, inputName: "b.csv", asOf: try Self.date("2024-03-01"), by: "b")
    } throws: { "\($0)".contains("already recorded as run 1") }
    // A key twice in one input: nothing recorded.
    let text = String(decoding: bytes, as: UTF8.self)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let doubled = Array((text + lines[1] + "\n").utf8)
    #expect {
      try ledger.record(
        policy, records: doubled, format: .csv, inputName: "c.csv", asOf: try Self.date("2024-04-01"), by: "c"
      )
    } throws: { "\($0)".contains("the key 'C2024001' occurs again (first on line 2)") }
    #expect(try ledger.runs().count == 1)
    #expect(try ledger.verify().isIntact)
    try scratch.tamper("PRAGMA user_version = 9")
    #expect {
      _ = try Ledger(path: scratch.path)
    } throws: { "\($0)".contains("written by a newer Ladder (ledger schema 9; this one reads up to 4)") }
  }

  /// Personal fields are never stored: the ledger file's bytes hold none of their values.
  @Test func personalValuesAreNeverStored() throws {
    let scratch = try Scratch()
    let ledger = try Ledger(path: scratch.path)
    let (policy, bytes) = try Self.example("b2b-service-tiers")
    _ = try ledger.record(
      policy, records: bytes, format: .csv, inputName: "a.csv", asOf: try Self.date("2024-03-01"), by: "a")
    let phones = try Self.example("b2b-service-tiers").bytes
    let text = String(decoding: phones, as: UTF8.self)
    let column = try #require(
      text.split(separator: "\n").first?.split(separator: ",").firstIndex(of: "contact_phone"))
    let values = text.split(separator: "\n").dropFirst().compactMap { line -> String? in
      let fields = line.split(separator: ",", omittingEmptySubsequences: false)
      // Phone numbers: 11 digits (a line whose quoted fields hold commas is skipped).
      guard fields.indices.contains(column), fields[column].count == 11, fields[column].allSatisfy(\.isNumber)
      else { return nil }
      return String(fields[column])
    }
    #expect(values.count > 15)
    // Everything SQLite wrote, the policy text excepted (it names no values).
    let stored = String(decoding: try Data(contentsOf: URL(fileURLWithPath: scratch.path)), as: UTF8.self)
    for value in values { #expect(!stored.contains(value), "\(value) is in the ledger") }
  }

  // MARK: - Overrides

  static func time(_ day: String) throws -> Date {
    let date = try date(day)
    return Date(timeIntervalSince1970: Double(date.daysSinceEpoch) * 86_400 + 3_600)
  }

  /// A manager asks for VIP for C2024002 (key by the policy) until the end of the year; the
  /// requester cannot approve it, a second person can; it is in force from the approval day to
  /// its last day, and every answer about the key says so.
  @Test func anOverrideNeedsASecondPersonAndHoldsFromApprovalToItsLastDay() throws {
    let scratch = try Scratch()
    let ledger = try Ledger(path: scratch.path)
    _ = try Self.twoRuns(ledger)
    let requested = try ledger.requestOverride(
      key: "C2024002", tier: "vip", reason: "strategic account", until: try Self.date("2024-12-31"),
      by: "alice",
      at: try Self.time("2024-03-04"))
    #expect(requested.id == 1 && requested.status == .pending)
    #expect(try ledger.overrides(pendingOnly: true).map(\.id) == [1])
    #expect {
      try ledger.decide(override: 1, approve: true, by: "alice", at: try Self.time("2024-03-05"))
    } throws: { "\($0)".contains("alice requested override 1 and so cannot approve it") }
    let approved = try ledger.decide(override: 1, approve: true, by: "bob", at: try Self.time("2024-03-05"))
    #expect(
      approved.status
        == .approved(by: "bob", at: "2024-03-05T01:00:00Z", from: try Self.date("2024-03-05"), reason: nil))
    #expect(try ledger.overrides(pendingOnly: true).isEmpty)
    // Not before the approval day, and not after its last day.
    for (day, inForce) in [
      ("2024-03-04", false), ("2024-03-05", true), ("2024-12-31", true), ("2025-01-01", false),
    ] {
      #expect((try ledger.override(of: "C2024002", on: try Self.date(day)) != nil) == inForce, "\(day)")
    }
    let shown = try #require(try ledger.show(key: "C2024002", asOf: try Self.date("2024-10-01")))
    // The policy gave standard on 2024-09-01; the override keeps VIP.
    #expect(shown.tier == "standard" && shown.tierInForce == "vip" && shown.override?.id == 1)
    #expect(try ledger.show(key: "C2024002", asOf: try Self.date("2025-02-01"))?.tierInForce == "standard")
    #expect {
      try ledger.decide(
        override: 1, approve: false, by: "carol", reason: "late", at: try Self.time("2024-03-06"))
    } throws: { "\($0)".contains("override 1 was already decided") }
    #expect(try ledger.verify().isIntact)
  }

  @Test func overridesAreRefusedWhenTheyCannotMeanAnything() throws {
    let scratch = try Scratch()
    let ledger = try Ledger(path: scratch.path)
    _ = try Self.twoRuns(ledger)
    let now = try Self.time("2024-03-10")
    let cases: [(String, String, String, CivilDate?, String)] = [
      ("C9999999", "vip", "x", nil, "no run has decided 'C9999999'"),
      (
        "C2024002", "platinum", "x", nil,
        "'platinum' is not a tier of the policy that last decided 'C2024002' (its tiers: vip, key, standard, watch)"
      ),
      ("C2024002", "vip", "  ", nil, "an override needs a reason"),
      ("C2024002", "vip", "x", try Self.date("2024-03-09"), "--until 2024-03-09 is already past"),
    ]
    for (key, tier, reason, until, message) in cases {
      #expect {
        try ledger.requestOverride(key: key, tier: tier, reason: reason, until: until, by: "alice", at: now)
      } throws: { "\($0)".contains(message) }
    }
    _ = try ledger.requestOverride(
      key: "C2024002", tier: "vip", reason: "x", until: nil, by: "alice", at: now)
    #expect {
      try ledger.requestOverride(key: "C2024002", tier: "key", reason: "y", until: nil, by: "carol", at: now)
    } throws: { "\($0)".contains("override 1 of 'C2024002' is still pending") }
    // The requester may withdraw it; then a new one can be asked for.
    let withdrawn = try ledger.decide(
      override: 1, approve: false, by: "alice", reason: "asked too soon", at: now)
    #expect(withdrawn.status == .rejected(by: "alice", at: "2024-03-10T01:00:00Z", reason: "asked too soon"))
    #expect(
      try ledger.requestOverride(key: "C2024002", tier: "key", reason: "y", until: nil, by: "carol", at: now)
        .id == 2)
    #expect(try ledger.override(of: "C2024002", on: try Self.date("2024-12-01")) == nil)
  }

  /// Overrides and approvals are links of the chain: editing one, or removing one that later
  /// links follow, shows.
  @Test func verifyFindsAnEditedOverrideAndARemovedApproval() throws {
    for (sql, expected) in [
      (
        "UPDATE override SET reason = 'board decision' WHERE id = 1",
        "override 1: its own fields were changed"
      ),
      ("UPDATE approval SET decided_by = 'carol'", "the approval of override 1: its own fields were changed"),
      ("DELETE FROM approval", "run 3: it does not follow the link before it"),
    ] {
      try Self.expectEditFound(sql, { try $0.tamper(sql) }, expected) { ledger in
        _ = try Self.twoRuns(ledger)
        let now = try Self.time("2024-09-02")
        _ = try ledger.requestOverride(
          key: "C2024002", tier: "vip", reason: "strategic", until: nil, by: "alice", at: now)
        _ = try ledger.decide(override: 1, approve: true, by: "bob", at: now)
        try Self.recordFourthQuarter(ledger)
      }
    }
  }

  // MARK: - Export and changes

  /// What other systems are sent: the tier in force per key on a date (overrides applied), and
  /// the changes recorded after a run, in order.
  @Test func exportAndChangesFollowRunsAndOverrides() throws {
    let scratch = try Scratch()
    let ledger = try Ledger(path: scratch.path)
    let (_, second) = try Self.twoRuns(ledger)
    _ = try ledger.requestOverride(
      key: "C2024002", tier: "vip", reason: "strategic", until: try Self.date("2024-12-31"), by: "alice",
      at: try Self.time("2024-09-02"))
    _ = try ledger.decide(override: 1, approve: true, by: "bob", at: try Self.time("2024-09-03"))
    let may = try ledger.tiersInForce(on: try Self.date("2024-05-01"))
    #expect(may.count == 33 && may.map(\.key) == may.map(\.key).sorted())
    let before = try #require(may.first { $0.key == "C2024002" })
    #expect(before.tier == "key" && before.since == "2024-03-01" && before.run == 1 && before.override == nil)
    let october = try #require(
      try ledger.tiersInForce(on: try Self.date("2024-10-01")).first { $0.key == "C2024002" })
    #expect(october.tier == "vip" && october.policyTier == "standard" && october.since == "2024-09-01")
    #expect(october.override == 1 && october.overrideUntil == "2024-12-31")
    // A key whose tier did not move keeps the day it was first assigned.
    let unchanged = try #require(
      try ledger.tiersInForce(on: try Self.date("2024-10-01")).first { entry in
        !second.changes.contains { $0.key == entry.key }
      })
    #expect(unchanged.since == "2024-03-01" && unchanged.run == 2)
    let january = try #require(
      try ledger.tiersInForce(on: try Self.date("2025-01-01")).first { $0.key == "C2024002" })
    #expect(january.tier == "standard" && january.override == nil)

    let changes = try ledger.changes(since: 1)
    #expect(changes.count == second.changes.count + 1)
    #expect(changes.dropLast().allSatisfy { $0.source == "run 2" && $0.effective == "2024-09-01" })
    #expect(
      changes.last
        == TierInForceChange(
          key: "C2024002", tier: "vip", effective: "2024-09-03", source: "override 1", until: "2024-12-31"))
    #expect(try ledger.changes(since: 0).count == 33 + changes.count)
    #expect(throws: LedgerError.self) { try ledger.changes(since: 7) }
  }

  /// The example of docs/library.md's ledger section, so that it keeps compiling and working.
  @Test func theDocumentedExampleWorks() throws {
    let scratch = try Scratch()
    let (policy, bytes) = try Self.example("b2b-service-tiers")
    let asOf = try Self.date("2024-03-01")

    let ledger = try Ledger(path: scratch.path)
    let run = try ledger.record(
      policy, records: bytes, format: .csv, inputName: "q1.csv", asOf: asOf, by: "alice")
    #expect(run.id == 1 && run.evaluated == 33 && run.rejected == 8 && run.changes.count == 33)

    let override = try ledger.requestOverride(
      key: "C2024002", tier: "vip", reason: "strategic account", until: nil, by: "alice")
    _ = try ledger.decide(override: override.id, approve: true, by: "bob")

    let today = CivilDate(utcDayOf: Date())
    let inForce = try #require(try ledger.show(key: "C2024002", asOf: today, trace: true))
    #expect(
      inForce.tierInForce == "vip" && inForce.tier == "key" && inForce.override?.reason == "strategic account"
    )
    #expect(try ledger.verify().isIntact)
    #expect(try ledger.replay(run: run.id).isIdentical)
  }
}

/// A run of thousands of keys fills many blocks: every key is found in its block, whatever the
/// order of the input, with keys that are prefixes of others and keys beyond ASCII.
@Suite struct LedgerBlockTests {
  @Test func everyKeyIsFoundAcrossManyBlocks() throws {
    let scratch = try LedgerTests.Scratch()
    let ledger = try Ledger(path: scratch.path)
    let path = "policies/benchmark-scorecard.yaml"
    let policy = try #require(
      compilePolicy(try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8), path: path))
    // Keys in a scrambled order: K1, K10, K100 … sort apart from their numbers.
    let count = RunEntries.blockSize * 3 + 77
    let numbers = (0..<count).map { ($0 * 7919) % count }
    func key(_ number: Int) -> String { number % 97 == 0 ? "客户\(number)" : "K\(number)" }
    func records(spend: Int) -> [UInt8] {
      var csv =
        "customer_id,last_purchase,orders_12m,spend_12m,industry_growth,repurchase_rate,monthly_spend\n"
      for number in numbers {
        csv +=
          "\(key(number)),2024-01-\(10 + number % 18),\(number % 15),\((number * spend) % 600_000).50,\(number % 20 - 5)%,\(number % 100)%,1;2;3;4;5;6\n"
      }
      return Array(csv.utf8)
    }
    let first = try ledger.record(
      policy, records: records(spend: 131), format: .csv, inputName: "a.csv",
      asOf: try LedgerTests.date("2024-03-01"), by: "a")
    let second = try ledger.record(
      policy, records: records(spend: 257), format: .csv, inputName: "b.csv",
      asOf: try LedgerTests.date("2024-06-01"), by: "b")
    #expect(first.evaluated == count && second.evaluated == count)
    let blocks = try DatabaseQueue(path: scratch.path).read { db in
      try Int.fetchOne(db, sql: "SELECT count(*) FROM entry_block WHERE run_id = 1")
    }
    #expect(blocks == 4)
    let changedInSecond = Set(second.changes.map(\.key))
    for number in [0, 1, 10, 97, 100, count / 2, count - 1] + numbers.prefix(40) {
      let history = try ledger.history(key: key(number))
      #expect(history.map(\.run) == [1, 2] && history.allSatisfy { $0.key == key(number) }, "\(key(number))")
      #expect(history.last?.changedTier == changedInSecond.contains(key(number)))
      #expect(try ledger.show(key: key(number), asOf: try LedgerTests.date("2024-04-01"))?.run == 1)
    }
    #expect(try ledger.history(key: "K").isEmpty && ledger.history(key: "K\(count)").isEmpty)
    #expect(try ledger.verify().isIntact)
    #expect(try ledger.replay(run: 2).isIdentical)
    // Every key is in force, in key order, as the export lists them.
    let inForce = try ledger.tiersInForce(on: try LedgerTests.date("2024-12-31"))
    #expect(inForce.count == count && inForce.allSatisfy { $0.run == 2 })
  }
}
