/// ``TierReport`` as JSON: the numbers behind every chart and table of the HTML and markdown
/// forms. Decimals are strings, as in decisions.
public enum TierReportJSON {
  public static func render(_ report: TierReport) -> String {
    let writer = JSONWriter()
    func decimal(_ value: FixedDecimal?) {
      if let value { writer.string(value.description) } else { writer.null() }
    }
    writer.object {
      writer.field("report") { writer.number(1) }
      writer.field("policy") {
        writer.object {
          writer.field("id") { writer.string(report.identity.policy) }
          writer.field("version") { writer.string(report.identity.version) }
          writer.field("title") { writer.string(report.identity.title) }
          writer.field("sha256") { writer.string(report.identity.sha256) }
        }
      }
      writer.field("as_of") { writer.string(report.identity.asOf) }
      writer.field("records") {
        writer.object {
          writer.field("read") { writer.number(report.read) }
          writer.field("decided") { writer.number(report.decided) }
          writer.field("rejected") { writer.number(report.rejected) }
        }
      }
      writer.field("tiers") {
        writer.array(report.tiers) { tier in
          writer.object {
            writer.field("id") { writer.optionalString(tier.id) }
            writer.field("label") { writer.string(tier.label) }
            writer.field("count") { writer.number(tier.count) }
            writer.field("share") { writer.string(TierReportText.share(tier.count, of: report.decided)) }
          }
        }
      }
      writer.field("score") {
        guard report.hasScore else { return writer.null() }
        writer.object {
          writer.field("bins") {
            writer.array(report.scoreBins) { bin in
              writer.object {
                writer.field("from") { decimal(bin.lower) }
                writer.field("to") { decimal(bin.upper) }
                writer.field("count") { writer.number(bin.count) }
              }
            }
          }
          writer.field("thresholds") {
            writer.array(report.thresholds) { line in
              writer.object {
                writer.field("tier") { writer.string(line.tier) }
                writer.field("score") { decimal(line.value) }
                writer.field("within_one_point_below") { writer.number(line.justBelow) }
                writer.field("within_one_point_at_or_above") { writer.number(line.atOrJustAbove) }
              }
            }
          }
        }
      }
      writer.field("components") {
        writer.array(report.components) { component in
          writer.object {
            writer.field("name") { writer.string(component.name) }
            writer.field("average_contribution_by_tier") { writer.array(component.averages, decimal) }
          }
        }
      }
      writer.field("triggers") {
        writer.array(report.triggers) { trigger in
          writer.object {
            writer.field("id") { writer.string(trigger.id) }
            writer.field("count_by_tier") { writer.array(trigger.counts) { writer.number($0) } }
          }
        }
      }
      writer.field("rejections") {
        writer.array(report.rejections) { rejection in
          writer.object {
            writer.field("field") { writer.optionalString(rejection.field) }
            writer.field("reason") { writer.string(rejection.reason) }
            writer.field("count") { writer.number(rejection.count) }
          }
        }
      }
      writer.field("population_cut_offs") {
        writer.array(report.cutOffs) { cutOffs in
          writer.object {
            writer.field("call") { writer.string(cutOffs.call) }
            writer.field("classes") {
              writer.array(cutOffs.classes) { cutOff in
                writer.object {
                  writer.field("class") { writer.string(cutOff.name) }
                  writer.field("count") { writer.number(cutOff.count) }
                  writer.field("lowest") { writer.string(cutOff.lowest) }
                  writer.field("highest") { writer.string(cutOff.highest) }
                }
              }
            }
            writer.field("unranked") { writer.number(cutOffs.unranked) }
          }
        }
      }
    }
    return writer.output
  }
}

/// Texts the report's forms share.
enum TierReportText {
  /// `count` of `total` as a percent with one decimal: `12.5%` (``DiffReport/percent(_:of:)``).
  static func share(_ count: Int, of total: Int) -> String {
    total > 0 ? DiffReport.percent(count, of: total) : "0.0%"
  }

  /// Text for a markdown table's cell: `|` escaped, line breaks as spaces.
  static func markdownCell(_ text: String) -> String {
    text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
  }

  /// The markdown lines that show chart `name` from its file, when it was written to one.
  static func markdownChart(_ name: String, _ title: String, files: [String: String]) -> [String] {
    guard let file = files[name] else { return [] }
    return ["![\(title)](\(file))", ""]
  }

  static func tierNames(_ report: TierReport) -> [String] {
    report.tiers.filter { $0.id != nil }.map { $0.label.isEmpty ? ($0.id ?? "") : $0.label }
  }
}

/// ``TierReport`` as markdown, for a pull-request comment: the same tables as the HTML form, and,
/// when the charts are written as files beside it (``TierReportHTML/charts(_:)``), a link to each.
public enum TierReportMarkdown {
  /// - Parameter chartFiles: the file of each chart, by name, as the markdown links it.
  public static func render(_ report: TierReport, chartFiles: [String: String] = [:]) -> String {
    func chart(_ name: String, _ title: String) -> [String] {
      TierReportText.markdownChart(name, title, files: chartFiles)
    }
    let cell = TierReportText.markdownCell
    var lines: [String] = []
    let identity = report.identity
    lines.append("## \(cell(identity.title.isEmpty ? identity.policy : identity.title))")
    lines.append("")
    lines.append(
      "Policy `\(identity.policy)` version \(identity.version) (sha256 `\(identity.sha256.prefix(12))`), as of \(identity.asOf): \(report.read) records read, \(report.decided) decided, \(report.rejected) rejected."
    )
    lines += ["", "### Customers per tier", ""] + chart("tiers", "Customers per tier")
    lines += ["| tier | label | customers | share |", "|---|---|---:|---:|"]
    for tier in report.tiers {
      lines.append(
        "| \(cell(tier.id ?? "—")) | \(cell(tier.label)) | \(tier.count) | \(TierReportText.share(tier.count, of: report.decided)) |"
      )
    }
    if report.hasScore {
      lines += ["", "### Score distribution", ""] + chart("scores", "Score distribution")
      if report.scoreBins.isEmpty {
        lines.append("No record was decided.")
      } else {
        lines += ["| score | customers |", "|---|---:|"]
        for bin in report.scoreBins { lines.append("| \(bin.lower) – \(bin.upper) | \(bin.count) |") }
      }
      if !report.thresholds.isEmpty {
        lines += [
          "", "| tier line | score | within one point below | at or within one point above |",
          "|---|---:|---:|---:|",
        ]
        for line in report.thresholds {
          lines.append("| \(cell(line.tier)) | \(line.value) | \(line.justBelow) | \(line.atOrJustAbove) |")
        }
      }
    }
    let names = TierReportText.tierNames(report)
    if !report.components.isEmpty {
      lines += ["", "### Average contribution to the score, by tier", ""]
      lines += chart("components", "Average contribution to the score, by tier")
      lines += [
        "| component | " + names.map(cell).joined(separator: " | ") + " |",
        "|---|" + String(repeating: "---:|", count: names.count),
      ]
      for component in report.components {
        let values = component.averages.prefix(names.count).map { $0?.description ?? "—" }
        lines.append("| \(cell(component.name)) | " + values.joined(separator: " | ") + " |")
      }
    }
    if !report.triggers.isEmpty {
      lines += ["", "### Triggers fired, by tier", ""] + chart("triggers", "Triggers fired, by tier")
      lines += [
        "| trigger | " + names.map(cell).joined(separator: " | ") + " |",
        "|---|" + String(repeating: "---:|", count: names.count),
      ]
      for trigger in report.triggers {
        lines.append(
          "| \(cell(trigger.id)) | "
            + trigger.counts.prefix(names.count).map(String.init).joined(separator: " | ")
            + " |")
      }
    }
    if !report.cutOffs.isEmpty {
      lines += ["", "### Population cut-offs"]
      for (index, cutOffs) in report.cutOffs.enumerated() {
        let title = TierReportHTML.cutOffTitle(cutOffs)
        lines += ["", "#### \(cell(title))", ""] + chart("cut-offs-\(index + 1)", title)
        lines += ["| class | customers | lowest | highest |", "|---|---:|---:|---:|"]
        for cutOff in cutOffs.classes {
          lines.append(
            "| \(cell(cutOff.name)) | \(cutOff.count) | \(cell(cutOff.lowest)) | \(cell(cutOff.highest)) |")
        }
        if cutOffs.unranked > 0 {
          lines += ["", "\(cutOffs.unranked) decided records not ranked: the argument is missing."]
        }
      }
    }
    lines += ["", "### Rejected records", ""] + chart("rejections", "Rejected records, by field and reason")
    if report.rejections.isEmpty {
      lines.append("None.")
    } else {
      lines += ["| field | reason | records |", "|---|---|---:|"]
      for rejection in report.rejections {
        lines.append("| \(cell(rejection.field ?? "—")) | \(cell(rejection.reason)) | \(rejection.count) |")
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
