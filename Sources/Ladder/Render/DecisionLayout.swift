/// One field of a decision record.
public enum DecisionField: Sendable, Hashable {
  /// The record's key, named after the policy's key input.
  case key
  case tier
  case label
  case score
  /// The triggers that fired: a JSON array, or ids joined by `;` in CSV.
  case flags
  /// The policy's `output` column at this position.
  case output(Int)
  /// `{"due":…,"next":…}`, JSON only, and only when the policy reviews.
  case review
  /// Each benefit's value by name, JSON only.
  case benefits
  /// Each `service_levels:` target's deadline and status, JSON only: `{"first_response":
  /// {"status":…,"due":…,"left":…,"late":…}}`.
  case serviceLevels
  /// One part of one target, CSV only: a column each (`first_response_due`, …).
  case serviceLevel(Int, ServiceLevelPart)
  case asOf
  /// The policy that decided: `{"id":…,"version":…,"sha256":…}` in JSON; its id in CSV, where
  /// ``policyVersion`` and ``policySHA256`` are columns of their own. A decision file names
  /// the policy that made it.
  case policy
  case policyVersion
  case policySHA256
  /// The `error` column of `--on-error emit`, CSV only: empty for a decided record.
  case error
}

/// The columns of a service-level target in CSV.
public enum ServiceLevelPart: String, Sendable, Hashable, CaseIterable {
  case due, status, left, late
}

/// The one description of a decision record: which fields, named how, in which order, for JSON
/// Lines and for CSV. ``DecisionJSON`` and ``DecisionCSV`` (the scalar backend) and the
/// columnar writers (the batch backend) all walk it, each filling the values from what it
/// holds; a field added here appears in every output, and the differential tests check that
/// both backends fill it alike.
public struct DecisionLayout: Sendable {
  public struct Entry: Sendable {
    public var name: String
    public var field: DecisionField
  }

  public let entries: [Entry]

  /// The fields of a JSON Lines decision (a trace, when there is one, follows them).
  static func jsonLines(_ policy: CheckedPolicy) -> DecisionLayout {
    var entries = [
      Entry(name: policy.inputs[policy.keyInput].name, field: .key), Entry(name: "tier", field: .tier),
      Entry(name: "label", field: .label), Entry(name: "score", field: .score),
      Entry(name: "flags", field: .flags),
    ]
    entries += policy.outputs.enumerated().map { Entry(name: $1.name, field: .output($0)) }
    if policy.serviceLevels != nil { entries.append(Entry(name: "service_levels", field: .serviceLevels)) }
    entries += [
      Entry(name: "review", field: .review), Entry(name: "benefits", field: .benefits),
      Entry(name: "as_of", field: .asOf), Entry(name: "policy", field: .policy),
    ]
    return DecisionLayout(entries: entries)
  }

  /// The columns of a CSV decision, with the `error` column of `--on-error emit` when
  /// `withErrors`.
  static func csv(_ policy: CheckedPolicy, withErrors: Bool) -> DecisionLayout {
    var entries = [
      Entry(name: policy.inputs[policy.keyInput].name, field: .key), Entry(name: "score", field: .score),
      Entry(name: "tier", field: .tier), Entry(name: "flags", field: .flags),
    ]
    entries += policy.outputs.enumerated().map { Entry(name: $1.name, field: .output($0)) }
    for (index, target) in (policy.serviceLevels?.targets ?? []).enumerated() {
      entries += ServiceLevelPart.allCases.map {
        Entry(name: "\(target.name)_\($0.rawValue)", field: .serviceLevel(index, $0))
      }
    }
    if policy.outputOptions.csvAsOfColumn { entries.append(Entry(name: "as_of", field: .asOf)) }
    entries += [
      Entry(name: "policy", field: .policy), Entry(name: "policy_version", field: .policyVersion),
      Entry(name: "policy_sha256", field: .policySHA256),
    ]
    if withErrors { entries.append(Entry(name: "error", field: .error)) }
    return DecisionLayout(entries: entries)
  }
}
