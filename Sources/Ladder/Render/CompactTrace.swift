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
    /// The column's string as it reads inside a JSON string (escaped, without its quotes);
    /// `null`: the text `missing`. A comparison's operands.
    case text(column: Int)
  }

  struct Template: Sendable {
    let shape: Shape
    let parts: [Part]
    /// Per column: whether a part reads it.
    let uses: [Bool]
  }

  /// What one column holds. A value shown in several places of the trace (an input that is a
  /// component's subject and a comparison's operand) is one column.
  enum Column: Sendable, Hashable {
    /// Any other trace value: a band, a branch and a condition's result as their index in the
    /// header's choice list, the origin as the record's line number, the rest as the full trace
    /// writes them (``ColumnWrite``).
    case item(TraceItem)
    /// A value as a trace shows it: a JSON string, `null` when missing.
    case shown(ColumnarProgram.Shown)
    /// A comparison's operand in the language's notation (text quoted), for operands whose
    /// notation is not their shown value: a JSON string, `null` when missing.
    case operand(ColumnarProgram.Shown)
    /// The relation between a comparison's operands: its index in ``relations``.
    case relation(ColumnarProgram.Shown, ColumnarProgram.Shown)
  }

  /// How a column is written, resolved once from what it holds: the values most columns hold
  /// straight from their registers, the rest through ``RegisterTrace``.
  enum ColumnWrite: Sendable {
    /// A number as a JSON string, with the decimals in `scaleRegister` (or `scale`); `null` when
    /// missing.
    case number(register: Int, scale: Int, scaleRegister: Int?)
    /// A percent as a JSON string (`85%`); `null` when missing.
    case percent(register: Int, scale: Int)
    /// A number without trailing zero decimals, as a JSON string: points, contributions, the
    /// unrounded score.
    case normalized(register: Int, scale: Int)
    /// The index of the band that held (or of the if-chain branch that applied); `null` when
    /// the register holds none of `0..<count`. A band's text and location, and a branch, are
    /// choices by this index.
    case index(register: Int?, first: Int64, count: Int)
    /// The record's line in the input (the trace's `origin` holds it).
    case line
    /// A condition's result: `0` false, `1` true, `2` missing.
    case result(register: Int)
    case relation(ColumnarProgram.Shown, ColumnarProgram.Shown)
    case shown(ColumnarProgram.Shown)
    case operand(ColumnarProgram.Shown)
    /// A value written as the full trace writes it.
    case item(TraceItem)

    init(_ column: Column, plan: ColumnarProgram.TracePlan, fixed: FixedTraceParts) {
      switch column {
      case .shown(.number(let register, let scale, let scaleRegister, false)):
        self = .number(register: register, scale: scale, scaleRegister: scaleRegister)
      case .shown(.number(let register, let scale, nil, true)):
        self = .percent(register: register, scale: scale)
      case .shown(let shown): self = .shown(shown)
      case .operand(let shown): self = .operand(shown)
      case .relation(let left, let right): self = .relation(left, right)
      case .item(.componentPoints(let index)):
        let component = plan.components[index]
        self = .normalized(register: component.points, scale: component.pointsScale)
      case .item(.componentContribution(let index)):
        let component = plan.components[index]
        self = .normalized(register: component.contribution, scale: component.contributionScale)
      case .item(.scoreSum):
        guard let sum = plan.scoreSum else {
          self = .item(.scoreSum)
          return
        }
        self = .normalized(register: sum.register, scale: sum.scale)
      case .item(.componentBand(let index)):
        self = .index(
          register: plan.components[index].bandIndex, first: 0, count: fixed.componentBandTexts[index].count)
      case .item(.componentBranch(let index)):
        // Branches are numbered from 1 in their register.
        let component = plan.components[index]
        self = .index(register: component.branch, first: 1, count: component.branchCount)
      case .item(.origin): self = .line
      case .item(.tierAtom(let tier, let index, .result)):
        self = .result(register: plan.atoms[plan.atom(tier: tier, index)].result)
      case .item(.triggerAtom(let trigger, let index, .result)):
        self = .result(register: plan.atoms[plan.atom(trigger: trigger, index)].result)
      case .item(let item): self = .item(item)
      }
    }
  }

  let columns: [Column]
  let writes: [ColumnWrite]
  let columnNames: [String]
  let choiceLists: [[[UInt8]]]
  let templates: [Template]

  /// A condition's result, as a choice: `false`, `true`, `missing`.
  static let results: [[UInt8]] = ["\"false\"", "\"true\"", "\"missing\""].map { Array($0.utf8) }
  /// The relations between a comparison's operands (``ComparisonRelation``), as a choice.
  static let relations: [[UInt8]] = ComparisonRelation.allCases.map {
    Array(UnsafeBufferPointer(start: $0.text.utf8Start, count: $0.text.utf8CodeUnitCount))
  }

  init(
    lines: [TraceTemplate], shapes: [Shape], policy: CompiledPolicy, plan: ColumnarProgram.TracePlan,
    fixed: FixedTraceParts, origin: String?, key: ColumnarProgram.Shown?, score: ColumnarProgram.Shown?
  ) {
    var columns: [Column] = []
    var columnNames: [String] = []
    var columnIndex: [Column: Int] = [:]
    var choiceLists: [[[UInt8]]] = []
    var choiceIndex: [String: Int] = [:]
    func column(_ kind: Column, _ name: @autoclosure () -> String) -> Int {
      if let index = columnIndex[kind] { return index }
      columns.append(kind)
      columnNames.append(name())
      columnIndex[kind] = columns.count - 1
      return columns.count - 1
    }
    func item(_ item: TraceItem) -> Int {
      // Values shown as the trace shows them share a column by what they show.
      let shown: ColumnarProgram.Shown? =
        switch item {
        case .inputValue(let index): plan.inputs[index]
        case .derivedValue(let index): plan.derived[index]
        case .componentValue(let index): plan.components[index].subject
        case .decisionOutput(let index): plan.outputs[index]
        case .scoreTotal: score
        case .key: key
        default: nil
        }
      if let shown { return column(.shown(shown), Self.name(item, policy: policy)) }
      return column(.item(item), Self.name(item, policy: policy))
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
    let triggerCount = policy.checked.review.triggers.count
    var templateParts: [[Part]] = []
    // Columns are numbered in the order of the fullest line (the last: no tier held, every tier
    // tried), so the lines are laid out from the last.
    for line in lines.reversed() {
      var parts: [Part] = []
      func literal(_ bytes: some Collection<UInt8>) {
        if case .literal(let before) = parts.last {
          parts[parts.count - 1] = .literal(before + bytes)
        } else {
          parts.append(.literal(Array(bytes)))
        }
      }
      // One operand of a comparison, inside its `values` string.
      func operand(_ shown: ColumnarProgram.Shown, literal text: String?, name: String) {
        if let text {
          var escaped: [UInt8] = []
          JSONWriter.escape(text, into: &escaped)
          literal(escaped.dropFirst().dropLast())
          return
        }
        switch shown {
        case .number, .date, .boolean:
          // Numbers, dates and booleans read the same in notation as shown.
          parts.append(.text(column: column(.shown(shown), name)))
        case .missing: literal("missing".utf8)
        case .masked: literal("***".utf8)
        case .code, .list, .text: parts.append(.text(column: column(.operand(shown), name)))
        }
      }
      func values(_ index: Int, owner: String, number: Int) {
        let atom = plan.atoms[index]
        let operands = plan.atomLiterals[index]
        let prefix = "\(owner).conditions.\(number)"
        literal([UInt8(ascii: "\"")])
        operand(atom.left, literal: operands.left, name: prefix + ".left")
        if let right = atom.right {
          let relation = column(.relation(atom.left, right), prefix + ".relation")
          parts.append(.choice(column: relation, list: list("relations") { Self.relations }))
          operand(right, literal: operands.right, name: prefix + ".right")
        }
        literal([UInt8(ascii: "\"")])
      }
      for segment in line.segments {
        switch segment {
        case .literal(let start, let count):
          literal(line.bytes[start..<(start + count)])
        case .hole(let hole):
          switch hole {
          case .decisionFlags:
            parts.append(.flags((0..<triggerCount).map { (item(.triggerFired($0)), fixed.triggerIDs[$0]) }))
          case .origin:
            literal(originPrefix)
            parts.append(.value(column: item(.origin)))
            literal([UInt8(ascii: "\"")])
          case .componentBand(let index):
            let texts = list("band \(index)") { fixed.componentBandTexts[index] }
            parts.append(.choice(column: item(.componentBand(index)), list: texts))
          case .componentLocation(let index):
            let locations = list("location \(index)") { fixed.componentBandLocations[index] }
            parts.append(.choice(column: item(.componentBand(index)), list: locations))
          case .componentBranch(let index):
            let branches = list("branch \(index)") {
              let conditions = plan.branchConditions[index]
              return conditions.indices.map {
                TraceJSON.branchObject(
                  .init(number: $0 + 1, count: conditions.count, condition: conditions[$0]))
              }
            }
            parts.append(.choice(column: item(hole), list: branches))
          case .tierAtom(_, _, .result), .triggerAtom(_, _, .result):
            parts.append(.choice(column: item(hole), list: list("results") { Self.results }))
          case .tierAtom(let tier, let index, .values):
            values(
              plan.atom(tier: tier, index), owner: "tiers.\(policy.checked.tiers[tier].id)", number: index + 1
            )
          case .triggerAtom(let trigger, let index, .values):
            values(
              plan.atom(trigger: trigger, index),
              owner: "triggers.\(policy.checked.review.triggers[trigger].id)",
              number: index + 1)
          default:
            parts.append(.value(column: item(hole)))
          }
        }
      }
      templateParts.append(parts)
    }
    templateParts.reverse()
    self.columns = columns
    writes = columns.map { ColumnWrite($0, plan: plan, fixed: fixed) }
    self.columnNames = columnNames
    self.choiceLists = choiceLists
    templates = zip(templateParts, shapes).map { parts, shape in
      var uses = [Bool](repeating: false, count: columns.count)
      for part in parts {
        switch part {
        case .literal: break
        case .value(let column), .choice(let column, _), .text(let column): uses[column] = true
        case .flags(let fired): for (column, _) in fired { uses[column] = true }
        }
      }
      return Template(shape: shape, parts: parts, uses: uses)
    }
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
    let (file, row) = (source.file, source.row)
    func quoted(_ write: (inout [UInt8]) -> Void) {
      output.append(UInt8(ascii: "\""))
      write(&output)
      output.append(UInt8(ascii: "\""))
    }
    for index in writes.indices {
      output.append(UInt8(ascii: ","))
      guard uses[index] else {
        output.append("null")
        continue
      }
      switch writes[index] {
      case .number(let register, let scale, let scaleRegister):
        guard file.present(register)[row] != 0 else {
          output.append("null")
          continue
        }
        quoted {
          ColumnarTraceWriter.appendNumber(
            register, scale: scale, scaleRegister: scaleRegister, file: file, row: row, to: &$0)
        }
      case .percent(let register, let scale):
        guard file.present(register)[row] != 0 else {
          output.append("null")
          continue
        }
        quoted { ValueText.appendPercent(Int128(file.values(register)[row]), scale: scale, to: &$0) }
      case .normalized(let register, let scale):
        quoted { ValueText.appendNormalized(file.values(register)[row], scale: scale, to: &$0) }
      case .index(let register, let first, let count):
        let number = register.map { file.values($0)[row] - first } ?? -1
        if number >= 0 && number < count {
          ValueText.appendDecimal(number, scale: 0, to: &output)
        } else {
          output.append("null")
        }
      case .line: ValueText.appendDecimal(Int64(source.line), scale: 0, to: &output)
      case .result(let register):
        output.append(
          file.present(register)[row] == 0
            ? UInt8(ascii: "2") : file.values(register)[row] == 1 ? UInt8(ascii: "1") : UInt8(ascii: "0"))
      case .relation(let left, let right):
        ValueText.appendDecimal(Int64(source.relation(left, right).rawValue), scale: 0, to: &output)
      case .shown(let shown): source.shown(shown, to: &output)
      case .operand(let shown): source.operand(shown, to: &output)
      case .item(let item): source.write(item, to: &output)
      }
    }
    output.append("]\n")
  }

  /// The header line: what the records' arrays mean.
  static func header(_ layout: CompactTraceLayout?, policy: CompiledPolicy, asOf: CivilDate) -> String {
    let writer = JSONWriter()
    func text(_ bytes: [UInt8]) { writer.string(String(decoding: bytes, as: UTF8.self)) }
    writer.object {
      writer.field("compact_trace") { writer.number(2) }
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
                case .text(let column):
                  writer.object { writer.field("text") { writer.number(column) } }
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

extension BatchEvaluator {
  /// The first line of compact traced output (``compactTrace``): the columns, choice lists and
  /// templates its decision lines refer to. Without kernels for the policy it has no templates,
  /// and every decision is written in full.
  public func compactTraceHeader(origin: String?) -> String {
    let layout = jsonLinesPlan(origin: origin)?.1.compact
    return CompactTraceLayout.header(layout, policy: policy, asOf: asOf)
  }
}
