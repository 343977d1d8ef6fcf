import Foundation
import Ladder

/// What a run makes of its decisions, a block at a time, on any thread: each key's lifecycle
/// step against its standing before the run, the entry to store, the rows the run's digest
/// covers, and the changes to report. Keys are unique within a run, so one block's work never
/// depends on another's; only the order of the digest does, and the caller keeps it.
struct RunEncoder: Sendable {
  let policy: CompiledPolicy
  let asOf: CivilDate
  let asOfText: String
  let run: Int64
  /// Every key's standing before the run.
  let standings: StandingsIndex
  /// The lifecycle's requests still waiting for a decision, by key.
  let waiting: [String: Int64]

  /// A change the lifecycle proposes at this run: an override request to be recorded.
  struct Proposal: Sendable {
    var key: String
    var tier: String?
    var reason: String
  }

  /// One block's share of the run.
  struct Part: Sendable {
    var read = 0
    var decided = 0
    var rejections: [RecordProblem] = []
    var entries = EncodedEntries()
    /// The decision rows the run's digest covers, one after another, in input order.
    var rows: [UInt8] = []
    var changes: [TierChange] = []
    var held: [HeldChange] = []
    var proposals: [Proposal] = []
    /// Each decision's assignment row and review row as the run's other digest covers them
    /// (empty when there is none), one after another, and where each decision's start, where
    /// its review row starts, and where it ends, by its place in the block.
    var lifecycleRows: [UInt8] = []
    var lifecycleRanges: [(start: Int, review: Int, end: Int)] = []
    /// Each decided key's standing after the run, sorted by key once the parts are joined.
    var after = EncodedEntries()
    /// The block's decisions' inputs, compressed here (in input order, as they are stored).
    var inputs: (rawLength: Int, data: Data)?
  }

  /// The block's decisions, the first of them the run's decision number `firstSeq`.
  func encode(_ block: KeptBlock, firstSeq: Int) -> Part {
    var part = Part()
    part.read = block.read
    part.decided = block.decisions.count
    part.rejections = block.rejections
    part.after.items.reserveCapacity(block.decisions.count)
    part.rows.reserveCapacity(block.decisions.count * 160)
    let hasLifecycle = policy.checked.lifecycle != nil
    var inputs: [UInt8] = []
    inputs.reserveCapacity(block.decisions.count * 128)
    var hint = StandingsIndex.LookupHint()
    for (offset, decision) in block.decisions.enumerated() {
      let (line, tier, seq) = (decision.line, decision.tier, firstSeq + offset)
      let before = standings.standing(of: decision.key, hint: &hint)
      let step = policy.lifecycleStep(
        before: before, computed: tier, reviewNow: decision.reviewNow, asOf: asOf)
      // A key new to the ledger is always `assigned`, a change.
      if step.changesTier {
        part.changes.append(
          TierChange(
            key: decision.key, from: before?.tier, to: step.after.tier, isNew: before == nil,
            outcome: step.outcome, computed: step.after.tier == tier ? nil : tier))
      } else if step.outcome != .kept {
        var change = HeldChange(
          key: decision.key, line: line, tier: step.after.tier, computed: tier, outcome: step.outcome,
          reviewsBelow: step.after.reviewsBelow, nextReview: step.nextReview, heldUntil: step.heldUntil)
        if step.outcome == .awaitingApproval {
          change.proposed = step.proposed
          if let pending = waiting[decision.key] {
            change.request = pending
          } else {
            let (direction, named) =
              step.proposesUpgrade ? ("upgrade to", step.proposed) : ("downgrade from", before?.tier)
            part.proposals.append(
              Proposal(
                key: decision.key, tier: step.proposed,
                reason:
                  "run \(run) as of \(asOfText): \(direction) \(named ?? "no tier") needs approval (lifecycle); the policy gives \(tier ?? "no tier")"
              ))
          }
        }
        part.held.append(change)
      }
      // Only a lifecycle remembers reviews; a kept tier off its review date is not one.
      let remembered = hasLifecycle && (step.reviewed || step.outcome != .kept)
      let reviewed = remembered && step.reviewed
      let entry = LedgerEntry(
        key: decision.key, seq: seq, line: line, tier: tier, score: decision.score, flags: decision.flags,
        inputs: decision.inputs, changed: step.changesTier, inForce: step.after.tier, since: step.after.since,
        outcome: remembered ? step.outcome.rawValue : nil, reviewed: reviewed,
        below: remembered ? step.after.reviewsBelow : 0)
      let standing = TierStanding(after: entry, on: asOf, from: before)
      part.after.append(key: decision.key) { standing.encodeFields(into: &$0) }
      LedgerChain.appendDecisionRow(
        seq: seq, line: line, key: entry.key, tier: tier, score: entry.score, flags: entry.flags,
        inputs: entry.inputs, form: .current, to: &part.rows)
      part.entries.append(key: decision.key, changed: entry.changed, seq: seq) {
        entry.encodeFields(into: &$0)
      }
      if offset > 0 { inputs.append(UInt8(ascii: "\n")) }
      inputs.appendUTF8(decision.inputs)
      let start = part.lifecycleRows.count
      entry.appendAssignmentRow(
        sinceText: entry.since == asOf ? asOfText : entry.since.description, to: &part.lifecycleRows)
      let review = part.lifecycleRows.count
      entry.appendReviewRow(to: &part.lifecycleRows)
      part.lifecycleRanges.append((start, review, part.lifecycleRows.count))
    }
    if !block.decisions.isEmpty { part.inputs = Compression.pack(inputs, coding: .huffman) }
    return part
  }
}

extension EncodedEntries {
  /// Appends `other`'s entries after these.
  mutating func append(_ other: EncodedEntries) {
    let offset = writer.bytes.count
    writer.bytes += other.writer.bytes
    for item in other.items {
      items.append(
        Item(
          start: item.start + offset, keyStart: item.keyStart + offset, keyCount: item.keyCount,
          end: item.end + offset, changed: item.changed, seq: item.seq))
    }
  }
}

extension [UInt8] {
  /// Appends `text`'s UTF-8 bytes at once (appending its `utf8` view showed in a run's profile).
  mutating func appendUTF8(_ text: String) {
    var text = text
    text.withUTF8 { append(contentsOf: $0) }
  }
}
