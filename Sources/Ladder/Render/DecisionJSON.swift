import Foundation

/// Renders decisions as canonical JSON objects: fixed key order, decimals as strings with their
/// scale, benefits in the notation of the policy language.
public enum DecisionJSON {
  /// One JSON Lines record (without the line break).
  public static func render(_ decision: Decision, policy: CompiledPolicy, asOf: CivilDate) -> String {
    let writer = JSONWriter()
    writer.object {
      writer.field(policy.keyName) { writer.string(decision.key) }
      writer.field("tier") { writer.optionalString(decision.tier?.id) }
      writer.field("label") { writer.optionalString(decision.tier?.label) }
      writer.field("score") { writer.optionalString(decision.score?.description) }
      writer.field("flags") { writer.array(decision.firedTriggers) { writer.string($0.id) } }
      for (column, value) in zip(policy.checked.outputs, decision.outputs) {
        writer.field(column.name) {
          if value.isMissing {
            writer.null()
          } else {
            writer.string(CompiledPolicy.display(value, as: column.type))
          }
        }
      }
      if let review = decision.review {
        writer.field("review") {
          writer.object {
            writer.field("due") { writer.bool(review.isDue) }
            writer.field("next") { writer.optionalString(review.nextReview?.description) }
          }
        }
      }
      writer.field("benefits") { writeBenefits(decision.benefits, into: writer) }
      writer.field("as_of") { writer.string(asOf.description) }
      if let trace = decision.trace {
        writer.field("trace") { TraceJSON.write(trace, into: writer) }
      }
    }
    return writer.output
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
    let columns =
      [policy.keyName, "score", "tier", "flags"]
      + policy.checked.outputs.map(\.name)
      + ["as_of"] + (withErrors ? ["error"] : [])
    return columns.map(field).joined(separator: ",")
  }

  public static func render(_ decision: Decision, asOf: CivilDate, withErrors: Bool) -> String {
    var cells = [
      decision.key, decision.score?.description ?? "", decision.tier?.id ?? "",
      decision.firedTriggers.map(\.id).joined(separator: ";"),
    ]
    cells += decision.outputs.map { $0.isMissing ? "" : CompiledPolicy.display($0, as: nil) }
    cells.append(asOf.description)
    if withErrors { cells.append("") }
    return cells.map(field).joined(separator: ",")
  }

  public static func renderError(_ problem: RecordProblem, asOf: CivilDate, outputCount: Int = 0) -> String {
    let fieldPart = problem.field.map { "field '\($0)': " } ?? ""
    let cells =
      [problem.key ?? "", "", "", ""] + Array(repeating: "", count: outputCount)
      + [asOf.description, "line \(problem.line): \(fieldPart)\(problem.reason)"]
    return cells.map(field).joined(separator: ",")
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
    header = [policy.keyName, "tier", "label", "score", "flags", "review"]
  }

  public mutating func add(_ decision: Decision) {
    let review = decision.review.map { $0.isDue ? "due" : ($0.nextReview.map { "next \($0)" } ?? "") } ?? ""
    rows.append([
      decision.key, decision.tier?.id ?? "-", decision.tier?.label ?? "-", decision.score?.description ?? "-",
      decision.firedTriggers.map(\.id).joined(separator: ", "), review,
    ])
  }

  public mutating func add(_ problem: RecordProblem) {
    rows.append([
      problem.key ?? "?", "rejected", "line \(problem.line)", "", problem.field.map { "field '\($0)'" } ?? "",
      "",
    ])
  }

  public func render() -> String {
    TraceText.table([header] + rows, indent: "")
  }
}
