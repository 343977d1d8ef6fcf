/// What a record would need to reach the next tier up, and how much room it has before it drops
/// to the next tier down: the smallest change of one input at a time, found by deciding the
/// record again with the input changed. Exact: numbers move on the input's own decimal grid
/// (a cent for a money field with `scale: 2`), dates by days.
///
/// Only inputs a customer can move are tried: numbers, percents, dates, enums and flags that
/// are present, not the key, not personal, not `informational` and not `actionable: false`.
/// A number or date is searched outward from its value in doubling steps until the tier
/// changes, then halved back to the smallest step that still changes it; a policy whose tier
/// does not move monotonically with an input between two probes could hide a smaller change,
/// which the tests on example and generated records rule out for them. An enum or a flag has
/// no size of change: every other value that reaches the goal is listed.
public struct WhatItTakes: Sendable, Hashable {
  /// One input changed.
  public struct Change: Sendable, Hashable {
    public var input: String
    /// The value now and the value it would take, in the language's notation.
    public var from: String
    public var to: String
    /// The difference, signed: `+3`, `-100000.01`, `+30 days`; `set` for an enum or a flag.
    public var by: String
    /// The change relative to the value now, in percent, for ranking; `nil` when the value is 0
    /// and for an enum or a flag (listed after the changes that have a size).
    public var relative: FixedDecimal?
  }

  /// The record's tier now; `nil` when no tier matched.
  public var tier: String?
  /// The next tier up and the changes that reach it (or better), smallest first; `nil` at the top.
  public var nextUp: String?
  public var toReachNextUp: [Change] = []
  /// The next tier down and the smallest changes that would drop the record to it or lower;
  /// `nil` at the bottom.
  public var nextDown: String?
  public var toDropDown: [Change] = []
}

extension BatchEvaluator {
  /// What it takes for the record that starts on `line` of `bytes`; `nil` when there is no such
  /// record or it is rejected. For a policy with population functions the other records of
  /// `bytes` are its population.
  public func whatItTakes(bytes: [UInt8], format: RecordFormat, line: Int) -> WhatItTakes? {
    whatItTakes(bytes: bytes, format: format, lines: [line])[line]
  }

  /// What it takes for each record of `bytes` that starts on one of `lines`, reading the input
  /// once; rejected records and lines where no record starts have no entry.
  public func whatItTakes(bytes: [UInt8], format: RecordFormat, lines: Set<Int>) -> [Int: WhatItTakes] {
    guard !lines.isEmpty, let reads = try? readAll(bytes: bytes, format: format) else { return [:] }
    let validator = RecordValidator(policy: policy)
    let pass = policy.populationSites.isEmpty ? nil : populationPass(reads, validator: validator)
    let whatIf = pass.map { PopulationWhatIf(policy: policy, entries: $0.entries) }
    var answers: [Int: WhatItTakes] = [:]
    for (index, read) in reads.enumerated() {
      guard case .success(let record) = read, lines.contains(record.line) else { continue }
      guard pass?.problems[index] == nil else { continue }
      let frame = policy.makeFrame(asOf: asOf)
      guard validator.load(record, into: frame) == nil else { continue }
      answers[record.line] = policy.whatItTakes(
        inputs: frame.inputs, asOf: asOf, population: whatIf?.record(index))
    }
    return answers
  }
}

extension CompiledPolicy {
  /// What it takes for the record whose inputs are `inputs` (as a validated frame holds them).
  /// A policy with population functions needs the record's `population`: each change is then
  /// decided with the rest of the population as it is (`nil` without it).
  public func whatItTakes(inputs: [Value], asOf: CivilDate) -> WhatItTakes? {
    whatItTakes(inputs: inputs, asOf: asOf, population: nil)
  }

  func whatItTakes(inputs: [Value], asOf: CivilDate, population: PopulationWhatIf.Record?) -> WhatItTakes? {
    guard populationSites.isEmpty || population != nil else { return nil }
    let frame = makeFrame(asOf: asOf)
    func rank(of values: [Value]) -> Int? {
      frame.inputs = values
      if let population {
        // The record's own arguments first, as the statistics pass computes them.
        frame.population = [Value](repeating: .missing, count: populationSites.count)
        guard (try? evaluate(frame)) != nil else { return nil }
        frame.population = population.values(frame)
      }
      guard let decision = try? evaluate(frame) else { return nil }
      guard let id = decision.tier?.id, let index = checked.tiers.firstIndex(where: { $0.id == id }) else {
        return checked.tiers.count  // no tier: below every tier
      }
      return checked.rank(ofTierAt: index)
    }
    guard let current = rank(of: inputs) else { return nil }
    let indexByRank = Dictionary(
      uniqueKeysWithValues: checked.tiers.indices.map { (checked.rank(ofTierAt: $0), $0) })
    var result = WhatItTakes()
    if let index = indexByRank[current] { result.tier = checked.tiers[index].id }
    let up = current - 1
    let down = current + 1
    if let index = indexByRank[up] { result.nextUp = checked.tiers[index].id }
    // Above the bottom tier: the margin before a drop.
    if current < checked.tiers.count - 1 { result.nextDown = indexByRank[down].map { checked.tiers[$0].id } }

    for field in checked.inputs
    where !field.isKey && !field.isPersonal && !field.isInformational && field.isActionable {
      let value = inputs[field.slot]
      /// Whether the record's rank satisfies `goal` with this input at `moved`.
      func reaches(_ moved: Value, _ goal: (Int) -> Bool) -> Bool {
        var changed = inputs
        changed[field.slot] = moved
        return rank(of: changed).map(goal) ?? false
      }
      /// A number or a date: the smallest change each way after which `goal` holds. An enum or
      /// a flag: every other value with which it holds.
      func changes(_ goal: (Int) -> Bool) -> [WhatItTakes.Change] {
        guard let axis = InputAxis(field: field, value: value) else {
          return Self.otherValues(of: field, than: value).filter { reaches($0, goal) }.map { other in
            WhatItTakes.Change(
              input: field.name, from: Self.notation(value, as: field.type),
              to: Self.notation(other, as: field.type), by: "set", relative: nil)
          }
        }
        return [1, -1].compactMap { direction in
          axis.smallestSteps(direction: direction) { steps in
            axis.value(movedBy: steps).map { reaches($0, goal) } ?? false
          }.map { axis.change($0, name: field.name, asOf: asOf) }
        }
      }
      if result.nextUp != nil { result.toReachNextUp += changes { $0 <= up } }
      if result.nextDown != nil { result.toDropDown += changes { $0 > current } }
    }
    // Smallest relative change first; then by name, so the order is stable.
    func order(_ a: WhatItTakes.Change, _ b: WhatItTakes.Change) -> Bool {
      switch (a.relative, b.relative) {
      case (let x?, let y?) where x != y: return x < y
      case (_?, nil): return true
      case (nil, _?): return false
      default: return (a.input, a.by, a.to) < (b.input, b.by, b.to)
      }
    }
    result.toReachNextUp.sort(by: order)
    result.toDropDown.sort(by: order)
    return result
  }

  /// The values an enum or a flag could take instead of `value` (none when it is missing).
  static func otherValues(of field: InputField, than value: Value) -> [Value] {
    switch (field.type, value) {
    case (.enumeration(_, let names), .string(let name)):
      return names.filter { $0 != name }.map { .string($0) }
    case (.bool, .bool(let flag)):
      return [.bool(!flag)]
    default:
      return []
    }
  }
}

/// One input seen as a line of values a step apart: a number on its decimal grid, a date by days.
private struct InputAxis {
  let field: InputField
  let value: Value
  /// For numbers: the value and one step.
  let number: FixedDecimal?
  let step: FixedDecimal?
  let date: CivilDate?

  init?(field: InputField, value: Value) {
    self.field = field
    self.value = value
    switch (field.type, value) {
    case (.int, .number(let n)):
      (number, step, date) = (n, FixedDecimal(1), nil)
    case (.decimal, .number(let n)):
      let scale = field.scale ?? n.scale
      (number, step, date) = (n, FixedDecimal(units: 1, scale: scale), nil)
    case (.percent, .number(let n)):
      // A percent is a fraction: steps of 1% unless the value is written finer.
      let scale = max(field.scale.map { $0 + 2 } ?? n.scale, 2)
      (number, step, date) = (n, FixedDecimal(units: 1, scale: scale), nil)
    case (.date, .date(let d)):
      (number, step, date) = (nil, nil, d)
    default:
      return nil
    }
  }

  /// The value `steps` steps away, or `nil` past the input's declared bounds.
  func value(movedBy steps: Int) -> Value? {
    let moved: Value
    if let number, let step {
      guard let delta = try? step.multiplied(by: FixedDecimal(steps)), let sum = try? number.adding(delta)
      else {
        return nil
      }
      moved = .number(sum)
    } else if let date {
      let days = Int(date.daysSinceEpoch) + steps
      guard let narrow = Int32(exactly: days) else { return nil }
      moved = .date(CivilDate(daysSinceEpoch: narrow))
    } else {
      return nil
    }
    if let minimum = field.minimum, let order = ValueOperations.compare(moved, minimum), order < 0 {
      return nil
    }
    if let maximum = field.maximum, let order = ValueOperations.compare(moved, maximum), order > 0 {
      return nil
    }
    return moved
  }

  /// The fewest steps in `direction` (+1 or -1) after which `reaches` holds: doubling, then
  /// halving back; `nil` when no value within bounds (or 2^40 steps) does.
  func smallestSteps(direction: Int, reaching reaches: (Int) -> Bool) -> Int? {
    var previous = 0
    var steps = 1
    while steps <= 1 << 40 {
      var probe = steps
      var atBound = false
      if value(movedBy: direction * probe) == nil {
        // Past a bound: the farthest value within it is the last one to try.
        var (inside, outside) = (previous, steps)
        while outside - inside > 1 {
          let middle = inside + (outside - inside) / 2
          if value(movedBy: direction * middle) != nil { inside = middle } else { outside = middle }
        }
        guard inside > previous else { return nil }
        (probe, atBound) = (inside, true)
      }
      if reaches(direction * probe) {
        var (low, high) = (previous, probe)  // low does not reach, high does
        while high - low > 1 {
          let middle = low + (high - low) / 2
          if reaches(direction * middle) { high = middle } else { low = middle }
        }
        return direction * high
      }
      if atBound { return nil }
      previous = probe
      steps *= 2
    }
    return nil
  }

  func change(_ steps: Int, name: String, asOf: CivilDate) -> WhatItTakes.Change {
    let moved = value(movedBy: steps) ?? value
    let type = field.type
    var by: String
    var relative: FixedDecimal?
    if let number, let step, let delta = try? step.multiplied(by: FixedDecimal(steps)) {
      let shown = type == .percent ? delta.percentDescription : delta.description
      by = (steps > 0 ? "+" : "") + shown
      if number != .zero, let ratio = try? delta.magnitude.divided(by: number.magnitude) {
        relative = (try? ratio.multiplied(by: FixedDecimal(100)))?.rounded(to: 1, .halfUp)
      }
    } else {
      by = (steps > 0 ? "+" : "") + "\(steps) day\(abs(steps) == 1 ? "" : "s")"
      // A date moves relative to how far it is from the as-of date.
      if let date {
        let distance = abs(date.days(until: asOf))
        relative = FixedDecimal(units: Int128(abs(steps)) * 1000 / Int128(max(distance, 1)), scale: 1)
      }
    }
    return WhatItTakes.Change(
      input: name, from: CompiledPolicy.notation(value, as: type),
      to: CompiledPolicy.notation(moved, as: type),
      by: by, relative: relative)
  }
}

/// The text of ``WhatItTakes``, as `ladder explain --what-it-takes` prints it after the trace.
public enum WhatItTakesText {
  public static func render(_ report: WhatItTakes) -> String {
    var out = "\nwhat it takes, one input at a time\n"
    func rows(_ changes: [WhatItTakes.Change], none: String) -> String {
      guard !changes.isEmpty else { return "    \(none)\n" }
      return TraceText.table(
        changes.map { change in
          [
            change.input, "\(change.from) → \(change.to)",
            "(\(change.by)\(change.relative.map { ", \($0.normalized)%" } ?? ""))",
          ]
        }, indent: "    ")
    }
    if let up = report.nextUp {
      out += "  to reach \(up):\n" + rows(report.toReachNextUp, none: "no change of one input is enough")
    } else {
      out += "  already in the top tier\n"
    }
    if let down = report.nextDown {
      out +=
        "  margin before dropping to \(down):\n"
        + rows(report.toDropDown, none: "no change of one input drops it")
    }
    return out
  }
}

/// The JSON of ``WhatItTakes``: `{"tier":…,"next_up":…,"to_reach_next_up":[…],"next_down":…,
/// "to_drop_down":[…]}`, each change `{"input","from","to","by","relative_percent"}`.
public enum WhatItTakesJSON {
  public static func render(_ report: WhatItTakes) -> String {
    let writer = JSONWriter()
    write(report, into: writer)
    return writer.output
  }

  static func write(_ report: WhatItTakes, into writer: JSONWriter) {
    writer.object {
      writer.field("tier") { writer.optionalString(report.tier) }
      writer.field("next_up") { writer.optionalString(report.nextUp) }
      writer.field("to_reach_next_up") { write(report.toReachNextUp, into: writer) }
      writer.field("next_down") { writer.optionalString(report.nextDown) }
      writer.field("to_drop_down") { write(report.toDropDown, into: writer) }
    }
  }

  /// A list of changes, each `{"input","from","to","by","relative_percent"}`.
  public static func write(_ changes: [WhatItTakes.Change], into writer: JSONWriter) {
    writer.array(changes) { change in
      writer.object {
        writer.field("input") { writer.string(change.input) }
        writer.field("from") { writer.string(change.from) }
        writer.field("to") { writer.string(change.to) }
        writer.field("by") { writer.string(change.by) }
        writer.field("relative_percent") { writer.optionalString(change.relative?.normalized.description) }
      }
    }
  }
}
