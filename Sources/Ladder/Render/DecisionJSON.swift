import Foundation

/// Renders decisions as canonical JSON objects: fixed key order, decimals as strings with their
/// scale, benefits in the notation of the policy language.
public enum DecisionJSON {
  /// One JSON Lines record (without the line break).
  public static func render(_ decision: Decision, policy: CompiledPolicy, asOf: CivilDate) -> String {
    let writer = JSONWriter()
    writer.object {
      for entry in policy.jsonLinesLayout.entries {
        switch entry.field {
        case .key: writer.field(entry.name) { writer.string(decision.key) }
        case .tier: writer.field(entry.name) { writer.optionalString(decision.tier?.id) }
        case .label: writer.field(entry.name) { writer.optionalString(decision.tier?.label) }
        case .score: writer.field(entry.name) { writer.optionalString(decision.score?.description) }
        case .flags:
          writer.field(entry.name) { writer.array(decision.firedTriggers) { writer.string($0.id) } }
        case .output(let index):
          let value = decision.outputs[index]
          writer.field(entry.name) {
            if value.isMissing {
              writer.null()
            } else {
              writer.string(CompiledPolicy.display(value, as: policy.checked.outputs[index].type))
            }
          }
        case .review:
          guard let review = decision.review else { continue }
          writer.field(entry.name) {
            writer.object {
              writer.field("due") { writer.bool(review.isDue) }
              writer.field("next") { writer.optionalString(review.nextReview?.description) }
            }
          }
        case .benefits: writer.field(entry.name) { writeBenefits(decision.benefits, into: writer) }
        case .serviceLevels:
          writer.field(entry.name) { writeServiceLevels(decision.serviceLevels, into: writer) }
        case .serviceLevel: continue  // CSV only
        case .asOf: writer.field(entry.name) { writer.string(asOf.description) }
        case .policy: writer.field(entry.name) { writeIdentity(policy, into: writer) }
        case .policyVersion, .policySHA256: continue  // inside `policy`
        case .error: writer.field(entry.name) { writer.null() }
        }
      }
      if let trace = decision.trace {
        writer.field("trace") { TraceJSON.write(trace, into: writer) }
      }
      if let report = decision.whatItTakes {
        writer.field("what_it_takes") { WhatItTakesJSON.write(report, into: writer) }
      }
    }
    return writer.output
  }

  /// The `policy` object of a decision: what names the policy that made it.
  static func writeIdentity(_ policy: CompiledPolicy, into writer: JSONWriter) {
    writer.object {
      writer.field("id") { writer.string(policy.checked.id) }
      writer.field("version") { writer.string(policy.checked.version) }
      writer.field("sha256") { writer.string(policy.sha256) }
    }
  }

  /// The `benefits` object of a decision: each benefit's value by name, flags as booleans.
  static func writeBenefits(_ benefits: [ResolvedBenefit], into writer: JSONWriter) {
    writer.object {
      for benefit in benefits {
        writer.field(benefit.name) {
          if case .bool(let flag) = benefit.value {
            writer.bool(flag)
          } else {
            writer.string(CompiledPolicy.display(benefit.value))
          }
        }
      }
    }
  }

  /// The `service_levels` object of a decision: each target's status, deadline, and the time left
  /// or how late.
  static func writeServiceLevels(_ results: [ServiceLevelResult], into writer: JSONWriter) {
    writer.object {
      for result in results {
        writer.field(result.name) {
          writer.object {
            writer.field("status") { writer.string(result.status.rawValue) }
            writer.field("due") { writer.optionalString(result.due?.description) }
            writer.field("left") { writer.optionalString(result.left?.description) }
            writer.field("late") { writer.optionalString(result.late?.description) }
          }
        }
      }
    }
  }

  /// The JSON Lines record written in place of a rejected record with `--on-error emit`.
  public static func renderError(_ problem: RecordProblem, policy: CompiledPolicy) -> String {
    let writer = JSONWriter()
    writer.object {
      writer.field(policy.keyName) { writer.optionalString(problem.key) }
      writer.field("error") {
        writer.object {
          writer.field("line") { writer.number(problem.line) }
          writer.field("field") { writer.optionalString(problem.field) }
          writer.field("reason") { writer.string(problem.reason) }
        }
      }
      writer.field("policy") { writeIdentity(policy, into: writer) }
    }
    return writer.output
  }

  /// A rejection as a JSON object, for `--rejects FILE`.
  public static func renderRejection(_ problem: RecordProblem) -> String {
    let writer = JSONWriter()
    writer.object {
      writer.field("line") { writer.number(problem.line) }
      writer.field("key") { writer.optionalString(problem.key) }
      writer.field("field") { writer.optionalString(problem.field) }
      writer.field("reason") { writer.string(problem.reason) }
    }
    return writer.output
  }
}

/// Renders decisions as CSV rows: key, score, tier, flags (`;`-separated), as_of.
public enum DecisionCSV {
  public static func header(policy: CompiledPolicy, withErrors: Bool) -> String {
    policy.csvLayout(withErrors: withErrors).entries.map { field($0.name) }.joined(separator: ",")
  }

  public static func render(_ decision: Decision, policy: CompiledPolicy, asOf: CivilDate, withErrors: Bool)
    -> String
  {
    policy.csvLayout(withErrors: withErrors).entries.map { entry in
      let text: String
      switch entry.field {
      case .key: text = decision.key
      case .score: text = decision.score?.description ?? ""
      case .tier: text = decision.tier?.id ?? ""
      case .label: text = decision.tier?.label ?? ""
      case .flags: text = decision.firedTriggers.map(\.id).joined(separator: ";")
      case .output(let index):
        let value = decision.outputs[index]
        text = value.isMissing ? "" : CompiledPolicy.display(value, as: nil)
      case .asOf: text = asOf.description
      case .policy, .policyVersion, .policySHA256: text = identity(entry.field, policy)
      case .serviceLevel(let index, let part):
        let result = decision.serviceLevels[index]
        switch part {
        case .due: text = result.due?.description ?? ""
        case .status: text = result.status.rawValue
        case .left: text = result.left?.description ?? ""
        case .late: text = result.late?.description ?? ""
        }
      case .review, .benefits, .error, .serviceLevels: text = ""
      }
      return field(text)
    }.joined(separator: ",")
  }

  /// The row written in place of a rejected record with `--on-error emit`: the key, the as-of
  /// date and the error; every other column empty.
  public static func renderError(_ problem: RecordProblem, policy: CompiledPolicy, asOf: CivilDate) -> String
  {
    let fieldPart = problem.field.map { "field '\($0)': " } ?? ""
    return policy.csvLayout(withErrors: true).entries.map { entry in
      switch entry.field {
      case .key: field(problem.key ?? "")
      case .asOf: asOf.description
      case .policy, .policyVersion, .policySHA256: field(identity(entry.field, policy))
      case .error: field("line \(problem.line): \(fieldPart)\(problem.reason)")
      default: ""
      }
    }.joined(separator: ",")
  }

  /// The policy's id, version or hash, for the CSV column `field`.
  static func identity(_ field: DecisionField, _ policy: CompiledPolicy) -> String {
    switch field {
    case .policyVersion: policy.checked.version
    case .policySHA256: policy.sha256
    default: policy.checked.id
    }
  }

  /// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
  public static func field(_ text: String) -> String {
    // Bytes, not Characters: this runs for every cell of every record.
    let needsQuotes = text.utf8.contains { byte in
      byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n")
        || byte == UInt8(ascii: "\r")
    }
    guard needsQuotes else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}

/// An aligned table for people at a terminal.
public struct DecisionTable {
  public var rows: [[String]] = []
  let header: [String]

  public init(policy: CompiledPolicy) {
    // A column per service-level target: its status, with the time left or how late.
    header =
      [policy.keyName, "tier", "label", "score", "flags", "review"]
      + (policy.checked.serviceLevels?.targets ?? []).map(\.name)
  }

  public mutating func add(_ decision: Decision) {
    let review = decision.review.map { $0.isDue ? "due" : ($0.nextReview.map { "next \($0)" } ?? "") } ?? ""
    let levels = decision.serviceLevels.map { result -> String in
      guard result.status != .none else { return "-" }
      // For people: `7h40min`, not the notation `460min`.
      func spoken(_ duration: LadderDuration) -> String { LadderDuration.spoken(Int64(duration.magnitude)) }
      let detail =
        result.late.map { " \(spoken($0)) late" } ?? result.left.map { " \(spoken($0)) left" } ?? ""
      return result.status.rawValue + detail
    }
    rows.append(
      [
        decision.key, decision.tier?.id ?? "-", decision.tier?.label ?? "-",
        decision.score?.description ?? "-",
        decision.firedTriggers.map(\.id).joined(separator: ", "), review,
      ] + levels)
  }

  public mutating func add(_ problem: RecordProblem) {
    rows.append(
      [
        problem.key ?? "?", "rejected", "line \(problem.line)", "",
        problem.field.map { "field '\($0)'" } ?? "",
        "",
      ] + Array(repeating: "", count: header.count - 6))
  }

  public func render() -> String {
    TraceText.table([header] + rows, indent: "")
  }
}
