import Foundation

/// The result of `ladder diff`: the domain changes and, with records, their impact.
public struct DiffReport: Sendable {
  public var old: CompiledPolicy
  public var new: CompiledPolicy
  public var oldName: String
  public var newName: String
  public var changes: [PolicyChange]
  public var impact: ImpactReport?
  public var recordsName: String?
  /// How many movers to list (`nil`: all).
  public var moverLimit: Int?

  public init(
    old: CompiledPolicy, new: CompiledPolicy, oldName: String, newName: String, changes: [PolicyChange],
    impact: ImpactReport?, recordsName: String?, moverLimit: Int?
  ) {
    self.old = old
    self.new = new
    self.oldName = oldName
    self.newName = newName
    self.changes = changes
    self.impact = impact
    self.recordsName = recordsName
    self.moverLimit = moverLimit
  }

  var record: String { new.checked.recordName }

  /// `12.1%` of a whole, rounded half-up to one decimal.
  public static func percent(_ part: Int, of whole: Int) -> String {
    guard whole > 0 else { return "0%" }
    let value = (try? FixedDecimal(part * 100).divided(by: FixedDecimal(whole))) ?? .zero
    return value.rounded(to: 1, .halfUp).withScale(1).description + "%"
  }

  func changeText(_ change: PolicyChange) -> String {
    switch change.kind {
    case .added: "added: \(change.new ?? "")"
    case .removed: "removed (was \(change.old ?? ""))"
    case .changed: "\(change.old ?? "") → \(change.new ?? "")"
    }
  }

  /// "1 customer loses", "3 customers lose": a count, its noun and a verb that agree. `verb` is
  /// the plural form (`lose`, `get`, `were`).
  public static func agreeing(_ count: Int, _ noun: String, _ verb: String) -> String {
    guard count == 1 else { return "\(ValueText.grouped(count)) \(noun)s \(verb)" }
    let singular = verb == "were" ? "was" : verb + "s"
    return "1 \(noun) \(singular)"
  }

  /// Sentences such as "3 customers lose churn_alert" or "12 customers get a worse response_within".
  func benefitSentences(_ impact: ImpactReport) -> [String] {
    var out: [String] = []
    for change in impact.benefits {
      let who = { (n: Int, verb: String) in Self.agreeing(n, self.record, verb) }
      if change.lost > 0 { out.append("\(who(change.lost, "lose")) \(change.benefit)") }
      if change.gained > 0 { out.append("\(who(change.gained, "gain")) \(change.benefit)") }
      if change.worse > 0 {
        let adjective = change.direction == .lower ? "higher (worse)" : "lower (worse)"
        out.append("\(who(change.worse, "get")) a \(adjective) \(change.benefit)")
      }
      if change.better > 0 {
        let adjective = change.direction == .lower ? "lower (better)" : "higher (better)"
        out.append("\(who(change.better, "get")) a \(adjective) \(change.benefit)")
      }
      if change.changed > 0 { out.append("\(who(change.changed, "get")) a different \(change.benefit)") }
    }
    return out
  }

  var shownMoves: [ImpactReport.Move] {
    guard let impact else { return [] }
    // Downgrades first: they are what a reviewer must look at.
    let ordered = impact.moves.filter(\.isDowngrade) + impact.moves.filter { !$0.isDowngrade }
    return moverLimit.map { Array(ordered.prefix($0)) } ?? ordered
  }

  // MARK: - Text

  public func renderText() -> String {
    var out = "policy \(new.id): \(old.version) → \(new.version)  (\(oldName) → \(newName))\n"
    out += "\nchanges (\(changes.count))\n"
    if changes.isEmpty { out += "  none\n" }
    out += TraceText.table(changes.map { [$0.section, $0.subject, changeText($0)] }, indent: "  ")
    guard let impact else { return out }
    out += "\nimpact on \(recordsName ?? "records") as of \(impact.asOf): \(impact.evaluated) evaluated"
    out += impact.rejected > 0 ? ", \(impact.rejected) rejected by either version (not compared)\n" : "\n"
    out += "\ntier migration (rows: before, columns: after)\n"
    var rows: [[String]] = [[""] + impact.tiers]
    for from in impact.tiers {
      rows.append([from] + impact.tiers.map { to in impact.matrix[from]?[to].map { String($0) } ?? "." })
    }
    out += TraceText.table(rows, indent: "  ")
    out +=
      "\nmoved: \(impact.movedCount) of \(impact.evaluated) (\(Self.percent(impact.movedCount, of: impact.evaluated))), \(impact.downgradedCount) downgraded\n"
    let sentences = benefitSentences(impact)
    if !sentences.isEmpty {
      out += "\nentitlements\n" + sentences.map { "  \($0)\n" }.joined()
    }
    if !impact.moves.isEmpty {
      let limit = moverLimit.map { " (first \($0) of \(impact.moves.count); --all for all)" } ?? ""
      out += "\nmovers\(impact.moves.count > (moverLimit ?? Int.max) ? limit : "")\n"
      out += TraceText.table(
        shownMoves.map {
          [$0.key, "\($0.from ?? "none") → \($0.to ?? "none")", $0.isDowngrade ? "down" : "up", $0.reason]
        },
        indent: "  ")
    }
    return out
  }

  // MARK: - Markdown

  public func renderMarkdown() -> String {
    func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
    var out = "### Policy `\(new.id)`: \(old.version) → \(new.version)\n\n"
    if changes.isEmpty {
      out += "No changes in the policy's rules.\n"
    } else {
      out += "| section | what | change |\n|---|---|---|\n"
      for change in changes {
        out += "| \(change.section) | \(cell(change.subject)) | \(cell(changeText(change))) |\n"
      }
    }
    guard let impact else { return out }
    out += "\n#### Impact on `\(recordsName ?? "records")` (as of \(impact.asOf))\n\n"
    out +=
      "**\(impact.movedCount)** of \(impact.evaluated) \(record)s change tier (\(Self.percent(impact.movedCount, of: impact.evaluated))), **\(impact.downgradedCount)** downgraded"
    out += impact.rejected > 0 ? "; \(impact.rejected) rejected by either version.\n\n" : ".\n\n"
    out += "| before \\ after | " + impact.tiers.joined(separator: " | ") + " |\n"
    out += "|---|" + impact.tiers.map { _ in "---:" }.joined(separator: "|") + "|\n"
    for from in impact.tiers {
      out +=
        "| **\(from)** | "
        + impact.tiers.map { to in impact.matrix[from]?[to].map { String($0) } ?? "" }.joined(
          separator: " | ") + " |\n"
    }
    let sentences = benefitSentences(impact)
    if !sentences.isEmpty { out += "\n" + sentences.map { "- \($0)\n" }.joined() }
    if !impact.moves.isEmpty {
      out +=
        "\n<details><summary>\(impact.movedCount) \(record)s moved</summary>\n\n| \(record) | move | why |\n|---|---|---|\n"
      for move in shownMoves {
        out +=
          "| \(cell(move.key)) | \(move.from ?? "none") → \(move.to ?? "none")\(move.isDowngrade ? " ⬇" : " ⬆") | \(cell(move.reason)) |\n"
      }
      out += "\n</details>\n"
    }
    return out
  }

  // MARK: - JSON

  public func renderJSON() -> String {
    let writer = JSONWriter()
    writer.object {
      writer.field("policy") { writer.string(new.id) }
      writer.field("old") {
        writer.object {
          writer.field("source") { writer.string(oldName) }
          writer.field("version") { writer.string(old.version) }
          writer.field("sha256") { writer.string(old.sha256) }
        }
      }
      writer.field("new") {
        writer.object {
          writer.field("source") { writer.string(newName) }
          writer.field("version") { writer.string(new.version) }
          writer.field("sha256") { writer.string(new.sha256) }
        }
      }
      writer.field("changes") {
        writer.array(changes) { change in
          writer.object {
            writer.field("section") { writer.string(change.section) }
            writer.field("kind") { writer.string(change.kind.rawValue) }
            writer.field("subject") { writer.string(change.subject) }
            writer.field("old") { writer.optionalString(change.old) }
            writer.field("new") { writer.optionalString(change.new) }
          }
        }
      }
      writer.field("impact") {
        guard let impact else {
          writer.null()
          return
        }
        writer.object {
          writer.field("records") { writer.optionalString(recordsName) }
          writer.field("as_of") { writer.string(impact.asOf.description) }
          writer.field("evaluated") { writer.number(impact.evaluated) }
          writer.field("rejected") { writer.number(impact.rejected) }
          writer.field("moved") { writer.number(impact.movedCount) }
          writer.field("downgraded") { writer.number(impact.downgradedCount) }
          writer.field("matrix") {
            writer.array(impact.tiers) { from in
              writer.object {
                writer.field("from") { writer.string(from) }
                writer.field("to") {
                  writer.object {
                    for to in impact.tiers {
                      writer.field(to) { writer.number(impact.matrix[from]?[to] ?? 0) }
                    }
                  }
                }
              }
            }
          }
          writer.field("benefits") {
            writer.array(impact.benefits) { change in
              writer.object {
                writer.field("benefit") { writer.string(change.benefit) }
                writer.field("lost") { writer.number(change.lost) }
                writer.field("gained") { writer.number(change.gained) }
                writer.field("better") { writer.number(change.better) }
                writer.field("worse") { writer.number(change.worse) }
                writer.field("changed") { writer.number(change.changed) }
              }
            }
          }
          writer.field("movers") {
            writer.array(shownMoves) { move in
              writer.object {
                writer.field("key") { writer.string(move.key) }
                writer.field("line") { writer.number(move.line) }
                writer.field("from") { writer.optionalString(move.from) }
                writer.field("to") { writer.optionalString(move.to) }
                writer.field("downgrade") { writer.bool(move.isDowngrade) }
                writer.field("reason") { writer.string(move.reason) }
              }
            }
          }
        }
      }
    }
    return writer.output + "\n"
  }
}
