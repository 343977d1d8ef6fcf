/// The compact form of traced JSON Lines (`ladder eval --compact-trace`; docs/compact-trace.md).
///
/// A full trace repeats, for every record, what the policy says: names, types, locations, band
/// texts, conditions. The compact form states that once, in a header line: the columns (the
/// values that differ from record to record), and for each shape of record (the tier it holds,
/// whether its decision has a review) a template — the line's text in parts, each part text to
/// copy, a column's value, a column's value picking one of a list of texts, or the flags. Each
/// decision is then one JSON array: the template's number and every column's value (`null`
/// where the template does not use it). Copying the parts with the values in their places gives
/// the full line, byte for byte (`scripts/expand-trace.py` does it in 60 lines of Python).
///
/// The templates are the kernels' own line templates (``ColumnarTraceWriter``), so the compact
/// form is exactly what they write in full. A record the kernels cannot take is written in full.
struct CompactTraceLayout: Sendable {
  /// Which line template a record takes.
  struct Shape: Sendable {
    var tier: Int?
    var hasReview: Bool
  }

  enum Part: Sendable {
    case literal([UInt8])
    /// The column's value, as JSON.
    case value(column: Int)
    /// The column's value is an index into the choice list (`null`: the text `null`).
    case choice(column: Int, list: Int)
    /// `[` and `]` around the ids, comma-separated, of the triggers whose `fired` column is true.
    case flags([(column: Int, id: [UInt8])])
  }

  struct Template: Sendable {
    let shape: Shape
    let parts: [Part]
    /// Per column: whether a part reads it.
    let uses: [Bool]
  }

  /// What each column holds: the trace value it stands for (a band's text and location share
  /// the column of ``TraceItem/componentBand(_:)``, the band's index).
  let columns: [TraceItem]
  let columnNames: [String]
  let choiceLists: [[[UInt8]]]
  let templates: [Template]

  /// A condition's result, as a choice: `false`, `true`, `missing`.
  static let results: [[UInt8]] = ["\"false\"", "\"true\"", "\"missing\""].map { Array($0.utf8) }

  init(
    lines: [TraceTemplate], shapes: [Shape], policy: CompiledPolicy, plan: ColumnarProgram.TracePlan,
    fixed: FixedTraceParts, origin: String?
  ) {
    var columns: [TraceItem] = []
    var columnIndex: [TraceItem: Int] = [:]
    var choiceLists: [[[UInt8]]] = []
    var choiceIndex: [String: Int] = [:]
    func column(_ item: TraceItem) -> Int {
      if let index = columnIndex[item] { return index }
      columns.append(item)
      columnIndex[item] = columns.count - 1
      return columns.count - 1
    }
    func list(_ name: String, _ make: () -> [[UInt8]]) -> Int {
      if let index = choiceIndex[name] { return index }
      choiceLists.append(make())
      choiceIndex[name] = choiceLists.count - 1
      return choiceLists.count - 1
    }
    // The line number goes inside the origin's string: `"records.csv:` … `"`.
    var originPrefix: [UInt8] = []
    if let origin {
      JSONWriter.escape(origin + ":", into: &originPrefix)
      originPrefix.removeLast()
    }
    // Columns in the order of the fullest line (the last: no tier held, every tier tried).
    for line in lines.reversed() {
      for case .hole(let item) in line.segments {
        switch item {
        case .decisionFlags: for trigger in fixed.triggerIDs.indices { _ = column(.triggerFired(trigger)) }
        case .componentLocation(let index): _ = column(.componentBand(index))
        default: _ = column(item)
        }
      }
    }
    let triggerCount = policy.checked.review.triggers.count
    var templateParts: [[Part]] = []
    for line in lines {
      var parts: [Part] = []
      func literal(_ bytes: some Collection<UInt8>) {
        if case .literal(let before) = parts.last {
          parts[parts.count - 1] = .literal(before + bytes)
        } else {
          parts.append(.literal(Array(bytes)))
        }
      }
      for segment in line.segments {
        switch segment {
        case .literal(let start, let count):
          literal(line.bytes[start..<(start + count)])
        case .hole(let item):
          switch item {
          case .decisionFlags:
            parts.append(.flags((0..<triggerCount).map { (column(.triggerFired($0)), fixed.triggerIDs[$0]) }))
          case .origin:
            literal(originPrefix)
            parts.append(.value(column: column(.origin)))
            literal([UInt8(ascii: "\"")])
          case .componentBand(let index):
            let texts = list("band \(index)") { fixed.componentBandTexts[index] }
            parts.append(.choice(column: column(.componentBand(index)), list: texts))
          case .componentLocation(let index):
            let locations = list("location \(index)") { fixed.componentBandLocations[index] }
            parts.append(.choice(column: column(.componentBand(index)), list: locations))
          case .componentBranch(let index):
            let branches = list("branch \(index)") {
              let conditions = plan.branchConditions[index]
              return conditions.indices.map {
                TraceJSON.branchObject(
                  .init(number: $0 + 1, count: conditions.count, condition: conditions[$0]))
              }
            }
            parts.append(.choice(column: column(item), list: branches))
          case .tierAtom(_, _, .result), .triggerAtom(_, _, .result):
            parts.append(.choice(column: column(item), list: list("results") { Self.results }))
          default:
            parts.append(.value(column: column(item)))
          }
        }
      }
      templateParts.append(parts)
    }
    self.columns = columns
    self.choiceLists = choiceLists
    templates = zip(templateParts, shapes).map { parts, shape in
      var uses = [Bool](repeating: false, count: columns.count)
      for part in parts {
        switch part {
        case .literal: break
        case .value(let column), .choice(let column, _): uses[column] = true
        case .flags(let fired): for (column, _) in fired { uses[column] = true }
        }
      }
      return Template(shape: shape, parts: parts, uses: uses)
    }
    columnNames = columns.map { Self.name($0, policy: policy) }
  }

  /// A column's name in the header: where its value sits in the full trace.
  static func name(_ item: TraceItem, policy: CompiledPolicy) -> String {
    let checked = policy.checked
    func tier(_ index: Int) -> String { "tiers.\(checked.tiers[index].id)" }
    func trigger(_ index: Int) -> String { "triggers.\(checked.review.triggers[index].id)" }
    func component(_ index: Int) -> String { "score.components.\(policy.components[index].name)" }
    func atom(_ owner: String, _ index: Int, _ part: TraceItem.Atom) -> String {
      "\(owner).conditions.\(index + 1).\(part == .result ? "result" : "values")"
    }
    switch item {
    case .key: return "key"
    case .origin: return "line"
    case .population: return "population"
    case .inputValue(let index): return "inputs.\(checked.inputs[index].name)"
    case .derivedValue(let index): return "derived.\(checked.lets[index].name)"
    case .scoreTotal: return "score"
    case .scoreSum: return "score.sum"
    case .componentValue(let index): return component(index) + ".value"
    case .componentBand(let index): return component(index) + ".band"
    case .componentBranch(let index): return component(index) + ".branch"
    case .componentPoints(let index): return component(index) + ".points"
    case .componentContribution(let index): return component(index) + ".contribution"
    case .tierAtom(let tierIndex, let index, let part): return atom(tier(tierIndex), index, part)
    case .triggerFired(let index): return trigger(index) + ".fired"
    case .triggerAtom(let triggerIndex, let index, let part): return atom(trigger(triggerIndex), index, part)
    case .reviewEvery: return "review.every"
    case .reviewLast: return "review.last"
    case .reviewNext: return "review.next"
    case .reviewDue: return "review.due"
    case .decisionOutput(let index): return "outputs.\(checked.outputs[index].name)"
    default: return "\(item)"
    }
  }

  /// One record's line: `[template, column values…]` and a line break.
  func write(shape: Int, _ source: inout RegisterTrace, to output: inout [UInt8]) {
    output.append(UInt8(ascii: "["))
    ValueText.appendDecimal(Int64(shape), scale: 0, to: &output)
    let uses = templates[shape].uses
    for (index, item) in columns.enumerated() {
      output.append(UInt8(ascii: ","))
      if uses[index] { source.writeCompact(item, to: &output) } else { output.append("null") }
    }
    output.append("]\n")
  }

  /// The header line: what the records' arrays mean.
  static func header(_ layout: CompactTraceLayout?, policy: CompiledPolicy, asOf: CivilDate) -> String {
    let writer = JSONWriter()
    func text(_ bytes: [UInt8]) { writer.string(String(decoding: bytes, as: UTF8.self)) }
    writer.object {
      writer.field("compact_trace") { writer.number(1) }
      writer.field("policy") { DecisionJSON.writeIdentity(policy, into: writer) }
      writer.field("as_of") { writer.string(asOf.description) }
      writer.field("columns") { writer.array(layout?.columnNames ?? []) { writer.string($0) } }
      writer.field("choices") { writer.array(layout?.choiceLists ?? []) { writer.array($0, text) } }
      writer.field("templates") {
        writer.array(layout?.templates ?? []) { template in
          writer.object {
            writer.field("tier") {
              writer.optionalString(template.shape.tier.map { policy.checked.tiers[$0].id })
            }
            writer.field("review") { writer.bool(template.shape.hasReview) }
            writer.field("parts") {
              writer.array(template.parts) { part in
                switch part {
                case .literal(let bytes): text(bytes)
                case .value(let column): writer.object { writer.field("column") { writer.number(column) } }
                case .choice(let column, let list):
                  writer.object {
                    writer.field("column") { writer.number(column) }
                    writer.field("choices") { writer.number(list) }
                  }
                case .flags(let fired):
                  writer.object {
                    writer.field("flags") {
                      writer.array(fired) { column, id in
                        writer.raw("[\(column),\(JSONWriter.quoted(String(decoding: id, as: UTF8.self)))]")
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return writer.output
  }
}

extension RegisterTrace {
  /// A column's value in a compact line: as in the full trace, except a band, a branch and a
  /// condition's result, which are their index in the header's choice list, and the origin,
  /// which is the record's line number.
  mutating func writeCompact(_ item: TraceItem, to output: inout [UInt8]) {
    switch item {
    case .origin:
      ValueText.appendDecimal(Int64(line), scale: 0, to: &output)
    case .componentBand(let index):
      guard let band = band(of: index) else { return output.append("null") }
      ValueText.appendDecimal(Int64(band), scale: 0, to: &output)
    case .componentBranch(let index):
      let component = plan.components[index]
      guard let register = component.branch,
        (1...component.branchCount).contains(Int(value(register)))
      else { return output.append("null") }
      ValueText.appendDecimal(value(register) - 1, scale: 0, to: &output)
    case .tierAtom(let tier, let index, .result):
      result(plan.atoms[plan.atom(tier: tier, index)], to: &output)
    case .triggerAtom(let trigger, let index, .result):
      result(plan.atoms[plan.atom(trigger: trigger, index)], to: &output)
    default:
      write(item, to: &output)
    }
  }

  /// A condition's result as its index in ``CompactTraceLayout/results``.
  private func result(_ atom: ColumnarProgram.Atom, to output: inout [UInt8]) {
    output.append(file.present(atom.result)[row] == 0 ? "2" : value(atom.result) == 1 ? "1" : "0")
  }
}

extension BatchEvaluator {
  /// The first line of compact traced output (``compactTrace``): the columns, choice lists and
  /// templates its decision lines refer to. Without kernels for the policy it has no templates,
  /// and every decision is written in full.
  public func compactTraceHeader(origin: String?) -> String {
    let layout = jsonLinesPlan(origin: origin)?.1.compact
    return CompactTraceLayout.header(layout, policy: policy, asOf: asOf)
  }
}
