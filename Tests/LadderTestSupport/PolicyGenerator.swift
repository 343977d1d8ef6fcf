/// Random well-typed policies and records for differential testing, as Cedar tests its engine
/// on generated programs: the same seed gives the same case on every machine.
///
/// The generator knows the language's type rules (numbers and percents kept apart, optional
/// inputs defaulted with `??`, points clamped to 0–100, bands in order, weights adding to 100%),
/// so almost every case checks clean; `GeneratedCase.policy` is YAML text and `records` CSV.
public struct PolicyGenerator {
  /// What one seed produced.
  public struct GeneratedCase: Sendable {
    public let seed: UInt64
    public let policy: String
    public let header: String
    public let records: [String]
    public let usesPopulation: Bool

    public var csv: String { ([header] + records).joined(separator: "\n") + "\n" }

    public init(seed: UInt64, policy: String, header: String, records: [String], usesPopulation: Bool) {
      self.seed = seed
      self.policy = policy
      self.header = header
      self.records = records
      self.usesPopulation = usesPopulation
    }
  }

  /// The kinds of value the generator tracks. `int` and `decimal` are both numbers.
  enum Kind: Equatable {
    case int, decimal, percent, bool, date, enumeration([String]), listOfDecimal(Int)

    var isNumber: Bool { self == .int || self == .decimal }
  }

  /// A name an expression can use: an input or a let, with what it holds.
  struct Name {
    let name: String
    let kind: Kind
    let optional: Bool
    /// Decimal places of a decimal input.
    var scale = 0
    /// Literal values worth putting in records: band edges and their neighbours.
    var edges: [String] = []
  }

  private var random: SeededRandom
  private let seed: UInt64
  private var inputs: [Name] = []
  private var names: [Name] = []
  private var usesPopulation = false

  public init(seed: UInt64) {
    self.seed = seed
    random = SeededRandom(seed: seed &* 0x9E37_79B9 &+ 1)
  }

  /// Generates one policy and its records.
  public static func generate(seed: UInt64, records: Int = 60) -> GeneratedCase {
    var generator = PolicyGenerator(seed: seed)
    return generator.make(recordCount: records)
  }

  // MARK: - Random choices

  private mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }

  private mutating func int(_ range: ClosedRange<Int>) -> Int {
    range.lowerBound + Int(random.next() % UInt64(range.count))
  }

  private mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }

  // MARK: - The policy

  private mutating func make(recordCount: Int) -> GeneratedCase {
    var lines = ["ladder: 1", "policy: generated", "version: \"seed-\(seed)\"", "inputs:"]
    lines.append("  id: { type: \(chance(30) ? "int" : "string"), key: true }")
    let inputCount = int(3...7)
    for index in 0..<inputCount {
      let (declaration, name) = makeInput(index)
      lines.append("  \(name.name): \(declaration)")
      inputs.append(name)
    }
    let hasReview = chance(30)
    if hasReview {
      lines.append("  reviewed: { type: date, optional: true }")
    }
    names = inputs.filter { $0.kind != .date }

    var letLines: [String] = []
    for index in 0..<int(1...5) {
      let kind: Kind = pick([.int, .decimal, .decimal, .percent, .bool])
      let name = "l\(index)"
      letLines.append("  \(name): \(quoted(expression(kind, depth: 3)))")
      names.append(Name(name: name, kind: kind == .int ? .decimal : kind, optional: false))
    }
    if chance(35) {
      letLines.append(contentsOf: populationLets())
    }
    lines.append("let:")
    lines.append(contentsOf: letLines)

    lines.append(contentsOf: scoreSection())
    let tierIDs = (0..<int(2...4)).map { "t\($0)" }
    lines.append("tiers:")
    var thresholds = (0..<tierIDs.count - 1).map { _ in int(0...100) }
    thresholds = Array(Set(thresholds)).sorted(by: >)
    for (index, threshold) in thresholds.enumerated() {
      var condition = "score >= \(threshold)"
      if chance(40) { condition += pick([" and ", " or "]) + boolean(depth: 1) }
      lines.append("  - id: \(tierIDs[index])")
      lines.append("    when: \(quoted(condition))")
    }
    lines.append("  - id: \(tierIDs[thresholds.count])")
    lines.append("    otherwise: true")

    if hasReview || chance(40) {
      lines.append("review:")
      if hasReview {
        lines.append("  every: \(pick(["3 months", "6 months", "1 year", "90d"]))")
        lines.append("  last_review: reviewed")
      }
      lines.append("  triggers:")
      for index in 0..<int(1...3) {
        var condition = boolean(depth: 2)
        if chance(30) {
          condition = "tier == \"\(pick(Array(tierIDs.prefix(thresholds.count + 1))))\" and \(condition)"
        }
        lines.append("    - id: g\(index)")
        lines.append("      when: \(quoted(condition))")
        lines.append("      then: \(pick(["flag", "review_now"]))")
        lines.append("      because: generated")
      }
    }
    let outputs = names.filter { $0.name.hasPrefix("l") || $0.name.hasPrefix("p") }.map(\.name)
    if !outputs.isEmpty && chance(70) {
      lines.append("output: [\(outputs.shuffled(using: &random).prefix(3).sorted().joined(separator: ", "))]")
    }

    let header = (["id"] + inputs.map(\.name) + (hasReview ? ["reviewed"] : [])).joined(separator: ",")
    var records: [String] = []
    let intKey = lines[4].contains("int")
    for index in 0..<recordCount {
      var fields = [intKey ? String(chance(10) ? int(0...recordCount) : index) : "k\(index)"]
      for input in inputs { fields.append(value(for: input)) }
      if hasReview { fields.append(pick(["", "2023-12-01", "2023-09-01", "2024-02-29", "2022-01-31"])) }
      if chance(3) { fields.removeLast() }  // a record with too few fields
      records.append(fields.joined(separator: ","))
    }
    return GeneratedCase(
      seed: seed, policy: lines.joined(separator: "\n") + "\n", header: header, records: records,
      usesPopulation: usesPopulation)
  }

  /// Expressions go into single-quoted YAML scalars: they use double quotes for their strings.
  private func quoted(_ expression: String) -> String { "'\(expression)'" }

  private mutating func makeInput(_ index: Int) -> (String, Name) {
    let optional = chance(30)
    // Now and then personal: every value computed from it is then shown as `***`.
    let flag = (optional ? ", optional: true" : "") + (chance(8) ? ", personal: true" : "")
    let kind: Kind = pick([
      .int, .int, .decimal, .decimal, .percent, .bool, .date, .enumeration(["north", "south", "east"]),
      .listOfDecimal(3),
    ])
    let name = "f\(index)"
    switch kind {
    case .int:
      let bounded = chance(50)
      return (
        "{ type: int\(bounded ? ", min: -100, max: 100000" : "")\(flag) }",
        Name(name: name, kind: kind, optional: optional)
      )
    case .decimal:
      let scale = int(0...3)
      return (
        "{ type: decimal, scale: \(scale)\(flag) }",
        Name(name: name, kind: kind, optional: optional, scale: scale)
      )
    case .percent:
      return ("{ type: percent\(flag) }", Name(name: name, kind: kind, optional: optional))
    case .bool:
      return ("{ type: bool\(flag) }", Name(name: name, kind: kind, optional: optional))
    case .date:
      return ("{ type: date\(flag) }", Name(name: name, kind: kind, optional: optional))
    case .enumeration(let values):
      return (
        "{ type: enum, values: [\(values.joined(separator: ", "))]\(flag) }",
        Name(name: name, kind: kind, optional: optional)
      )
    case .listOfDecimal(let length):
      return (
        "{ type: list of decimal, length: \(length), scale: 1 }",
        Name(name: name, kind: kind, optional: false)
      )
    }
  }

  // MARK: - Expressions

  /// A reference to a name of `kind`, defaulted when it may be missing.
  private mutating func reference(_ kind: Kind) -> String? {
    let candidates = names.filter { name in
      switch (name.kind, kind) {
      case (.int, .int), (.int, .decimal), (.decimal, .decimal), (.percent, .percent), (.bool, .bool): true
      default: false
      }
    }
    guard !candidates.isEmpty else { return nil }
    let name = pick(candidates)
    guard name.optional else { return name.name }
    return "(\(name.name) ?? \(literal(kind)))"
  }

  private mutating func literal(_ kind: Kind) -> String {
    switch kind {
    case .int: return String(int(-5...200))
    case .decimal: return pick(["0", "1", "2.5", "10", "99.99", "0.125", "1000", "-3.5", "7"])
    case .percent: return pick(["0%", "5%", "12.5%", "50%", "80%", "100%", "33.3%"])
    case .bool: return pick(["true", "false"])
    default: return "0"
    }
  }

  /// A number expression (int or decimal).
  private mutating func expression(_ kind: Kind, depth: Int) -> String {
    if kind == .bool { return boolean(depth: depth) }
    if kind == .percent { return percent(depth: depth) }
    if depth <= 0 || chance(25) {
      if chance(70), let name = reference(kind) { return name }
      return literal(kind)
    }
    let smaller = depth - 1
    switch int(0...17) {
    case 0, 1: return "\(expression(.decimal, depth: smaller)) + \(expression(.decimal, depth: smaller))"
    case 2: return "\(expression(.decimal, depth: smaller)) - \(expression(.decimal, depth: smaller))"
    case 3: return "(\(expression(.decimal, depth: smaller))) * \(expression(.int, depth: 0))"
    case 4: return "(\(expression(.decimal, depth: smaller))) / \(pick(["2", "3", "7", "0.5", "4"]))"
    case 5:
      let rounding = int(0...3)
      return "round(\(expression(.decimal, depth: smaller)), \(rounding))"
    case 6: return "\(pick(["floor", "ceil"]))(\(expression(.decimal, depth: smaller)))"
    case 7:
      return
        "\(pick(["min", "max"]))(\(expression(.decimal, depth: smaller)), \(expression(.decimal, depth: smaller)))"
    case 8: return "clamp(\(expression(.decimal, depth: smaller)), \(int(-10...10)), \(int(20...500)))"
    case 9: return "abs(\(expression(.decimal, depth: smaller)))"
    case 10:
      return
        "(if \(boolean(depth: 1)) then \(expression(.decimal, depth: smaller)) else \(expression(.decimal, depth: smaller)))"
    case 11: return "(\(percent(depth: smaller))) * \(pick(["100", "10", "3", "1000"]))"
    case 12:
      if let list = names.first(where: { if case .listOfDecimal = $0.kind { true } else { false } }) {
        return pick([
          "\(list.name)[\(pick([0, 1, 2, -1, -2]))]", "sum(\(list.name))", "(avg(\(list.name)) ?? 0)",
          "(max(\(list.name)) ?? 0)", "(min(\(list.name)) ?? 0)", "count(\(list.name))",
        ])
      }
      return literal(kind)
    case 13:
      if let date = inputs.first(where: { $0.kind == .date }) {
        let function = pick(["days_between", "months_between", "years_between"])
        let call = "\(function)(\(date.name), as_of)"
        return date.optional ? "(\(call) ?? \(int(0...400)))" : call
      }
      return literal(kind)
    case 14:
      if let enumeration = inputs.first(where: { if case .enumeration = $0.kind { true } else { false } }),
        case .enumeration(let values) = enumeration.kind
      {
        // Some keys, in any order, with points of mixed scales; sometimes an `otherwise`.
        var pairs: [String] = []
        for value in values where chance(70) { pairs.append("\"\(value)\", \(literal(.decimal))") }
        if pairs.isEmpty { pairs.append("\"\(values[0])\", \(literal(.decimal))") }
        let otherwise = chance(50) ? ", \(literal(.decimal))" : ""
        return
          "(lookup(\(enumeration.name), \(pairs.joined(separator: ", "))\(otherwise)) ?? \(literal(.int)))"
      }
      return literal(kind)
    case 15:
      if let date = inputs.first(where: { $0.kind == .date }) {
        return date.optional ? "(days_since(\(date.name)) ?? \(int(0...400)))" : "days_since(\(date.name))"
      }
      return literal(kind)
    default:
      if let name = reference(.decimal) { return "-\(name)" }
      return literal(kind)
    }
  }

  private mutating func percent(depth: Int) -> String {
    if depth <= 0 || chance(35) {
      if chance(70), let name = reference(.percent) { return name }
      return literal(.percent)
    }
    let smaller = depth - 1
    switch int(0...5) {
    case 0: return "\(percent(depth: smaller)) + \(percent(depth: smaller))"
    case 1: return "\(percent(depth: smaller)) - \(literal(.percent))"
    case 2: return "\(percent(depth: smaller)) * \(percent(depth: 0))"
    case 3: return "(\(percent(depth: smaller))) / \(pick(["2", "4", "3"]))"
    case 4: return "clamp(\(percent(depth: smaller)), 0%, 100%)"
    default: return "round(\(percent(depth: smaller)), \(int(0...4)))"
    }
  }

  private mutating func boolean(depth: Int) -> String {
    let smaller = max(0, depth - 1)
    switch int(0...10) {
    case 0, 1, 2:
      return
        "\(expression(.decimal, depth: smaller)) \(pick([">=", ">", "<", "<=", "==", "!="])) \(expression(.decimal, depth: 0))"
    case 3: return "\(percent(depth: smaller)) \(pick([">=", "<", "=="])) \(literal(.percent))"
    case 4:
      if let name = reference(.bool) { return name }
      return literal(.bool)
    case 5:
      if let enumeration = inputs.first(where: { if case .enumeration = $0.kind { true } else { false } }) {
        let test = pick(["== \"north\"", "!= \"south\"", "in [\"east\", \"north\"]", "not in [\"south\"]"])
        return enumeration.optional
          ? "(\(enumeration.name) ?? \"east\") \(test)" : "\(enumeration.name) \(test)"
      }
      return literal(.bool)
    case 6:
      if let optional = inputs.filter(\.optional).first {
        return "\(optional.name) \(pick(["is missing", "is not missing"]))"
      }
      return literal(.bool)
    case 7:
      return
        "\(expression(.decimal, depth: smaller)) \(pick(["between", "not between"])) \(int(-5...20)) and \(int(21...300))"
    case 8: return "not (\(boolean(depth: smaller)))"
    case 9:
      if let date = inputs.first(where: { $0.kind == .date }) {
        let value = date.optional ? "(\(date.name) ?? 2020-01-31)" : date.name
        let bound = pick(["as_of - \(int(1...400))d", "as_of - \(int(1...12))mo", "2024-02-29", "as_of + 1w"])
        return "\(value) \(pick([">=", "<", "==", ">"])) \(bound)"
      }
      return literal(.bool)
    default:
      guard depth > 0 else { return literal(.bool) }
      return "(\(boolean(depth: smaller)) \(pick(["and", "or"])) \(boolean(depth: smaller)))"
    }
  }

  // MARK: - Sections

  private mutating func populationLets() -> [String] {
    usesPopulation = true
    guard let argument = reference(.decimal) else { return [] }
    let choice = int(0...5)
    let (text, kind): (String, Kind) =
      switch choice {
      case 0: ("percentile(\(argument))", .decimal)
      case 1: ("ntile(\(argument), \(int(2...5)))", .decimal)
      case 2: ("rank(\(argument))", .decimal)
      case 3: ("top_percent(\(argument), \(pick(["10%", "25%", "50%"])))", .bool)
      case 4: ("average_class(\(argument))", .enumeration(["above", "at", "below"]))
      default: ("abc_class(\(argument))", .enumeration(["A", "B", "C"]))
      }
    var lines = ["  p0: \(quoted(text))"]
    switch kind {
    case .bool:
      lines.append("  p1: 'p0 ?? false'")
      names.append(Name(name: "p1", kind: .bool, optional: false))
    case .enumeration(let classes):
      lines.append("  p1: '(p0 ?? \"\(classes[2])\") == \"\(classes[0])\"'")
      names.append(Name(name: "p1", kind: .bool, optional: false))
    default:
      lines.append("  p1: 'p0 ?? 0'")
      names.append(Name(name: "p1", kind: .decimal, optional: false))
    }
    names.append(Name(name: "p0", kind: kind, optional: true))
    return lines
  }

  private mutating func scoreSection() -> [String] {
    let count = int(1...4)
    var weights = [Int](repeating: 0, count: count)
    var left = 100
    for index in 0..<count - 1 {
      weights[index] = int(1...max(1, left - (count - 1 - index)))
      left -= weights[index]
    }
    weights[count - 1] = left
    var lines = ["score:"]
    if chance(60) { lines.append("  round: \(int(0...3))") }
    if chance(60) {
      lines.append("  rounding: \(pick(["half-up", "half-even", "down", "up", "floor", "ceiling"]))")
    }
    lines.append("  components:")
    for (index, weight) in weights.enumerated() {
      lines.append("    c\(index):")
      lines.append("      weight: \(weight)%")
      if chance(55) {
        let percentBands = chance(25)
        let of = percentBands ? percent(depth: 1) : expression(.decimal, depth: 2)
        let ascending = chance(40)
        let count = int(1...4)
        let bounds: [String]
        if percentBands {
          let values = Array(Set((0..<count).map { _ in int(-5...120) })).sorted(by: ascending ? (<) : (>))
          bounds = values.map { "\($0)%" }
        } else {
          let values = Array(Set((0..<count).map { _ in int(-50...600) })).sorted(by: ascending ? (<) : (>))
          bounds = values.map(String.init)
        }
        let operation = ascending ? pick(["<", "<="]) : pick([">", ">="])
        var bands = bounds.map { "\"\(operation) \($0): \(int(0...100))\"" }
        bands.append("\"else: \(int(0...100))\"")
        lines.append("      of: \(quoted(of))")
        lines.append("      bands: [\(bands.joined(separator: ", "))]")
        // Values at the band edges, and one unit either side, for the records.
        for bound in bounds {
          guard let value = Int(bound), let index = inputs.firstIndex(where: { of == $0.name }) else {
            continue
          }
          inputs[index].edges += [String(value - 1), String(value), String(value + 1)]
        }
      } else if chance(30) {
        // An if-chain: its trace says which branch applied.
        var chain = ""
        for _ in 0..<int(1...3) {
          chain += "if \(boolean(depth: 1)) then clamp(\(expression(.decimal, depth: 2)), 0, 100) else "
        }
        lines.append("      points: \(quoted(chain + "\(int(0...100))"))")
      } else {
        lines.append("      points: \(quoted("clamp(\(expression(.decimal, depth: 3)), 0, 100)"))")
      }
    }
    return lines
  }

  // MARK: - Records

  private mutating func value(for input: Name) -> String {
    if input.optional && chance(15) { return "" }
    if chance(2) { return pick(["abc", "1e5", "--1", "12%%", "2024-13-01"]) }
    if !input.edges.isEmpty && chance(30) { return pick(input.edges) }
    switch input.kind {
    case .int:
      return String(pick([int(-100...100), int(0...1000), int(0...100000), 0, 1, 50, 100]))
    case .decimal:
      let whole = pick([int(-100...100), int(0...1000), int(0...100000), 0, 50])
      // Mostly at the declared scale or fewer places (the plain form the kernels parse).
      let places = chance(90) ? int(0...input.scale) : int(0...4)
      let fraction = (0..<places).map { _ in String(int(0...9)) }.joined()
      return places == 0 ? "\(whole)" : "\(whole).\(fraction)"
    case .percent:
      return pick([
        "\(int(0...120))%", "\(int(0...100))%", "\(int(0...100)).5%", "0.\(int(0...99))", "-\(int(0...20))%",
        "100%",
        "0%",
      ])
    case .bool:
      return pick(["true", "false", "true", "false", "true", "false", "1", "0"])
    case .date:
      return pick(["2024-03-01", "2024-02-29", "2023-03-01", "2020-01-31", "2024-03-02", "1999-12-31"])
    case .enumeration(let values):
      return pick(values + ["west"])
    case .listOfDecimal(let length):
      let count = chance(5) ? length - 1 : length
      return (0..<count).map { _ in "\(int(-20...500)).\(int(0...9))" }.joined(separator: ";")
    }
  }
}
