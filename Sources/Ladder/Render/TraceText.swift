/// Renders a ``DecisionTrace`` as an aligned, readable tree for an auditor. Made from the same
/// model as ``TraceJSON``, so the two always agree.
public enum TraceText {
  /// - Parameter locations: also say where in the policy each derived value, band and benefit is
  ///   written (`file:line:col`); the JSON trace always does.
  public static func render(_ trace: DecisionTrace, locations: Bool = false) -> String {
    var out = ""
    let origin = trace.origin.map { " (\($0))" } ?? ""
    out += "\(trace.recordName) \(trace.key)\(origin)\n"
    if !trace.summary.isEmpty { out += "  \(trace.summary)\n" }
    func at(_ location: String?) -> [String] { locations ? [location ?? ""] : [] }
    out += table(
      [
        ["policy", "\(trace.header.policy) \(trace.header.version) · \(trace.header.title)"],
        ["file", trace.header.file],
        ["sha256", trace.header.sha256],
        ["as of", trace.header.asOf],
      ], indent: "  ")

    out += "\ninputs\n"
    out += table(
      trace.inputs.map { [$0.name, $0.isPersonal ? "\($0.notation) (personal)" : $0.notation] }, indent: "  ")

    if !trace.derived.isEmpty {
      out += "\nderived\n"
      out += table(trace.derived.map { [$0.name, $0.notation] + at($0.location) }, indent: "  ")
    }

    if !trace.population.isEmpty {
      out += "\npopulation (ties broken by key)\n"
      for note in trace.population {
        out += table([[note.call, note.value]], indent: "  ")
        out += "      \(note.explanation)\n"
      }
    }

    if let score = trace.score {
      out += "\nscore \(score.total)  (sum \(score.sum), rounded to \(score.rounding))\n"
      let rows = trace.components.map { component in
        [
          component.name, component.notation ?? "",
          component.band.map { "\"\($0)\"" } ?? component.pointsExpression ?? "",
          component.points + " pts",
          "× " + component.weight, "= " + component.contribution,
        ] + at(component.bandLocation)
      }
      out += table(rows, indent: "  ")
      for component in trace.components {
        if let branch = component.branch { out += "  \(component.name) took \(branch)\n" }
      }
    }

    out += "\ntiers, first match wins\n"
    for step in trace.tiers {
      let mark = step.held ? "held  " : "failed"
      let condition = step.condition ?? "otherwise"
      out += table([[mark, step.id, step.label, condition]], indent: "  ")
      out += table(step.conditions.map { [verdict($0.result), $0.text, $0.values] }, indent: "          ")
    }
    if let tier = trace.tier {
      out += "→ tier \(tier) \(trace.tierLabel ?? "")\n"
    } else {
      out += "→ no tier matched\n"
    }

    if !trace.benefits.isEmpty {
      out += "\nbenefits\n"
      out += table(
        trace.benefits.map {
          [$0.name, $0.value, $0.isInherited ? "inherited from \($0.from)" : "own"] + at($0.location)
        },
        indent: "  ")
    }

    if !trace.triggers.isEmpty {
      out += "\ntriggers\n"
      for trigger in trace.triggers {
        out += table(
          [[trigger.held ? "fired " : "quiet ", trigger.id, trigger.action, trigger.condition]], indent: "  ")
        out += table(
          trigger.conditions.map { [verdict($0.result), $0.text, $0.values] }, indent: "          ")
        if trigger.held { out += "          because: \(trigger.reason)\n" }
      }
    }

    if let review = trace.review {
      out += "\nreview\n"
      out += table(
        [
          ["every", review.interval ?? "-"], ["last review", review.lastReview ?? "never"],
          ["next review", review.nextReview ?? "-"], ["due", review.isDue ? "yes" : "no"],
        ], indent: "  ")
    }

    if !trace.serviceLevels.isEmpty {
      out += "\nservice levels (as of \(trace.serviceLevels[0].clock))\n"
      for level in trace.serviceLevels {
        guard level.applies else {
          out += "  \(level.name) \(level.label): does not apply to this \(trace.recordName)\n"
          continue
        }
        guard let due = level.due else {
          out += "  \(level.name) \(level.label): no clock (its start or time is missing)\n"
          continue
        }
        out +=
          "  \(level.name) \(level.label): \(level.within ?? "") in \(level.calendar ?? "") from \(level.start ?? "")\n"
        for step in level.steps { out += "      \(step)\n" }
        out += "      due \(due)\n"
        var status = level.status
        if let met = level.metAt {
          status += level.status == "met" ? " at \(met)" : ": met at \(met)"
        } else if level.late != nil {
          status += ": still open"
        }
        if let late = level.late { status += ", \(late) late" }
        if let left = level.left { status += ": \(left) of working time left" }
        out += "      → \(status)\n"
      }
    }
    return out
  }

  private static func verdict(_ result: String) -> String {
    switch result {
    case "true": "✓"
    case "false": "✗"
    default: "?"
    }
  }

  /// Rows with columns padded to a common display width (Chinese text counts two cells).
  public static func table(_ rows: [[String]], indent: String) -> String {
    guard let columns = rows.map(\.count).max(), columns > 0 else { return "" }
    var widths = [Int](repeating: 0, count: columns)
    for row in rows {
      for (index, cell) in row.enumerated() where index < columns - 1 {
        widths[index] = max(widths[index], DisplayWidth.of(cell))
      }
    }
    var out = ""
    for row in rows {
      var line = indent
      for (index, cell) in row.enumerated() {
        if index > 0 { line += "  " }
        line += cell
        if index < row.count - 1 {
          line += String(repeating: " ", count: widths[index] - DisplayWidth.of(cell))
        }
      }
      while line.hasSuffix(" ") { line.removeLast() }
      out += line + "\n"
    }
    return out
  }
}
