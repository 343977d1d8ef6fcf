import Ladder

/// The JSON forms of what the ledger holds, shared by the CLI (`--format json`) and the HTTP
/// service (`ladder serve --ledger`).
public enum LedgerJSON {
  /// A stored decision: the tier computed, assigned and in force, the override, the run.
  public static func decision(_ decision: StoredDecision) -> String {
    let writer = JSONWriter()
    writer.object {
      writer.field("key") { writer.string(decision.key) }
      writer.field("tier") { writer.optionalString(decision.tier) }
      writer.field("tier_assigned") { writer.optionalString(decision.assignedTier) }
      writer.field("tier_in_force") { writer.optionalString(decision.tierInForce) }
      writer.field("lifecycle") { writer.optionalString(decision.lifecycle?.rawValue) }
      writer.field("override") {
        if let override = decision.override {
          write(override, into: writer)
        } else {
          writer.null()
        }
      }
      writer.field("score") { writer.optionalString(decision.score) }
      writer.field("flags") { writer.array(decision.flags) { writer.string($0) } }
      writer.field("tier_since") { writer.optionalString(decision.tierSince) }
      writer.field("tier_changed") { writer.bool(decision.changedTier) }
      writer.field("run") { writer.number(Int(decision.run)) }
      writer.field("as_of") { writer.string(decision.asOf) }
      writer.field("policy") {
        writer.object {
          writer.field("id") { writer.string(decision.policy) }
          writer.field("version") { writer.string(decision.version) }
          writer.field("sha256") { writer.string(decision.policySHA256) }
        }
      }
      writer.field("recorded_by") { writer.string(decision.ranBy) }
      writer.field("recorded_at") { writer.string(decision.ranAt) }
      if let trace = decision.trace { writer.field("trace") { writer.raw(TraceJSON.render(trace)) } }
    }
    return writer.output
  }

  /// An override or a lifecycle change waiting for (or given) approval.
  public static func write(_ override: TierOverride, into writer: JSONWriter) {
    writer.object {
      writer.field("id") { writer.number(Int(override.id)) }
      writer.field("key") { writer.string(override.key) }
      writer.field("tier") { writer.string(override.tier) }
      writer.field("reason") { writer.string(override.reason) }
      writer.field("until") { writer.optionalString(override.until?.description) }
      writer.field("requested_by") { writer.string(override.requestedBy) }
      writer.field("requested_at") { writer.string(override.requestedAt) }
      writer.field("proposed_by_run") { override.run.map { writer.number(Int($0)) } ?? writer.null() }
      switch override.status {
      case .pending:
        writer.field("status") { writer.string("pending") }
      case .approved(let by, let at, let from, let reason):
        writer.field("status") { writer.string("approved") }
        writer.field("decided_by") { writer.string(by) }
        writer.field("decided_at") { writer.string(at) }
        writer.field("in_force_from") { writer.string(from.description) }
        writer.field("decision_reason") { writer.optionalString(reason) }
      case .rejected(let by, let at, let reason):
        writer.field("status") { writer.string("rejected") }
        writer.field("decided_by") { writer.string(by) }
        writer.field("decided_at") { writer.string(at) }
        writer.field("decision_reason") { writer.optionalString(reason) }
      }
    }
  }
}
