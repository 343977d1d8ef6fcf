/// The statistics pass: each population function's value for every record, from the argument
/// values of all records. Records whose argument is missing take no part and get a missing value.
///
/// Order is by the argument's value, ties broken by the record key in ascending order (numeric
/// for int keys, UTF-8 byte order for text), so results are a function of the input alone.
enum PopulationStatistics {
  struct Entry: Equatable, Sendable {
    var value: FixedDecimal
    var key: [UInt8]
    var numericKey: FixedDecimal?
    var record: Int
  }

  /// Ascending by value, then by key, then in input order.
  static func ascending(_ lhs: Entry, _ rhs: Entry) -> Bool {
    if lhs.value != rhs.value { return lhs.value < rhs.value }
    return keyThenInputLess(lhs, rhs)
  }

  /// Descending by value, then ascending by key, then in input order.
  static func descending(_ lhs: Entry, _ rhs: Entry) -> Bool {
    if lhs.value != rhs.value { return lhs.value > rhs.value }
    return keyThenInputLess(lhs, rhs)
  }

  /// The ranking order of `function`.
  static func order(_ function: PopulationFunction) -> (Entry, Entry) -> Bool {
    let largestFirst = function.ranksLargestFirst
    return { largestFirst ? descending($0, $1) : ascending($0, $1) }
  }

  /// Equal keys (a key repeated in the input) keep input order, as a stable sort would.
  private static func keyThenInputLess(_ lhs: Entry, _ rhs: Entry) -> Bool {
    if keyLess(lhs, rhs) { return true }
    if keyLess(rhs, lhs) { return false }
    return lhs.record < rhs.record
  }

  /// A record key as ranking compares it: numeric for an int key, else its UTF-8 bytes.
  static func rankingKey(_ key: Value) -> (bytes: [UInt8], numeric: FixedDecimal?) {
    switch key {
    case .number(let number): (Array(number.description.utf8), number)
    case .string(let text): (Array(text.utf8), nil)
    default: ([], nil)
    }
  }

  static func keyLess(_ lhs: Entry, _ rhs: Entry) -> Bool {
    if let a = lhs.numericKey, let b = rhs.numericKey { return a < b }
    return lhs.key.lexicographicallyPrecedes(rhs.key)
  }

  /// The values (and, for traces, explanations) of one site for `count` records.
  static func compute(_ site: PopulationSite, entries: [Entry], count: Int) -> (
    values: [Value], notes: [String]
  ) {
    var values = [Value](repeating: .missing, count: count)
    var notes = [String](repeating: missingNote(site), count: count)
    // The average needs no order.
    let ranked = site.function == .averageClass ? entries : entries.sorted(by: order(site.function))
    assign(site, ranked: ranked) { entry, value, note in
      values[entry.record] = value
      notes[entry.record] = note
    }
    return (values, notes)
  }

  /// The note of a record whose argument is missing.
  static func missingNote(_ site: PopulationSite) -> String {
    "\(site.argumentText) is missing; not ranked"
  }

  /// Each entry's value and note, handed to `take` for the entries `wanted` accepts: the one
  /// place that says what a population function gives. `ranked` holds every entry of the
  /// population in the site's ranking order (``order(_:)``; any order for `average_class`).
  /// Parts of a population decided apart (``PopulationParts``) pass the whole population's
  /// entries and want only their own.
  static func assign(
    _ site: PopulationSite, ranked: [Entry], wanted: (Entry) -> Bool = { _ in true },
    _ take: (Entry, Value, String) -> Void
  ) {
    let n = ranked.count
    guard n > 0 else { return }
    func show(_ value: FixedDecimal) -> String { site.show(value) }
    if site.function == .averageClass {
      var total = FixedDecimal.zero
      for entry in ranked { total = (try? total.adding(entry.value)) ?? total }
      let line = AverageLine(total: total, count: n)
      let mean = show(line.mean)
      for entry in ranked where wanted(entry) {
        let position = line.position(of: entry.value)
        take(
          entry, .string(AverageLine.classes[position]),
          line.note(argument: site.argumentText, value: show(entry.value), class: position, mean: mean))
      }
      return
    }
    guard site.function == .abcClass else {
      let ranking = PopulationRanking(site.function, count: n, parameters: site.parameters)
      for (position, entry) in ranked.enumerated() where wanted(entry) {
        let value = ranking.value(at: position)
        take(
          entry,
          site.function == .topPercent
            ? .bool(value == 1)
            : .number(FixedDecimal(units: Int128(value), scale: site.function.resultScale)),
          ranking.note(argument: site.argumentText, value: show(entry.value), at: position))
      }
      return
    }
    var total = FixedDecimal.zero
    for entry in ranked where entry.value > .zero { total = (try? total.adding(entry.value)) ?? total }
    let lines = ParetoLines(total: total, parameters: site.parameters)
    var classes: [Int] = []
    var running = FixedDecimal.zero
    var endOfA: FixedDecimal?
    var endOfB: FixedDecimal?
    for entry in ranked {
      let letter = lines.letter(before: running)
      classes.append(letter)
      if letter == 0 { endOfA = entry.value }
      if letter == 1 { endOfB = entry.value }
      if entry.value > .zero { running = (try? running.adding(entry.value)) ?? running }
    }
    for (position, entry) in ranked.enumerated() where wanted(entry) {
      take(
        entry, .string(ParetoLines.letters[classes[position]]),
        lines.note(
          argument: site.argumentText, value: show(entry.value), at: position, count: n,
          endOfA: endOfA.map(show), endOfB: endOfB.map(show)))
    }
  }
}

/// One site's population, kept to answer what one record would get if its argument were another
/// value while every other record stays as it is: what-it-takes for a policy with population
/// functions. Exact: the record leaves its old place and takes the new one, as a statistics pass
/// over the changed input would place it.
struct PopulationStanding: Sendable {
  let site: PopulationSite
  /// The entries in ranking order.
  private let sorted: [PopulationStatistics.Entry]
  /// Each record's place in `sorted`.
  private let placeOfRecord: [Int: Int]
  /// `abc_class`: the sum of the positive values before each place (one more than `sorted`).
  private let positiveBefore: [FixedDecimal]
  /// `average_class`: the sum of the values.
  private let total: FixedDecimal

  init(_ site: PopulationSite, entries: [PopulationStatistics.Entry]) {
    self.site = site
    sorted = entries.sorted(by: PopulationStatistics.order(site.function))
    placeOfRecord = Dictionary(sorted.enumerated().map { ($1.record, $0) }, uniquingKeysWith: { a, _ in a })
    var running = FixedDecimal.zero
    var before = [running]
    var sum = FixedDecimal.zero
    for entry in sorted {
      if entry.value > .zero { running = (try? running.adding(entry.value)) ?? running }
      before.append(running)
      sum = (try? sum.adding(entry.value)) ?? sum
    }
    positiveBefore = before
    total = sum
  }

  /// The site's value for `record` (key `key`, `numericKey`) were its argument `value`.
  func value(forRecord record: Int, key: [UInt8], numericKey: FixedDecimal?, argument value: Value) -> Value {
    guard case .number(let number) = value else { return .missing }
    let probe = PopulationStatistics.Entry(value: number, key: key, numericKey: numericKey, record: record)
    let own = placeOfRecord[record].map { sorted[$0] }
    let count = sorted.count + (own == nil ? 1 : 0)
    // Where the probe goes among all entries, then without the record's own old one.
    let less = PopulationStatistics.order(site.function)
    var (low, high) = (0, sorted.count)
    while low < high {
      let middle = (low + high) / 2
      if less(sorted[middle], probe) { low = middle + 1 } else { high = middle }
    }
    let ownBefore = placeOfRecord[record].map { $0 < low } ?? false
    let position = low - (ownBefore ? 1 : 0)
    func positive(_ x: FixedDecimal) -> FixedDecimal { x > .zero ? x : .zero }
    switch site.function {
    case .abcClass:
      var newTotal = (try? positiveTotal.adding(positive(number))) ?? positiveTotal
      var running = positiveBefore[low]
      if let own {
        newTotal = (try? newTotal.subtracting(positive(own.value))) ?? newTotal
        if ownBefore { running = (try? running.subtracting(positive(own.value))) ?? running }
      }
      let lines = ParetoLines(total: newTotal, parameters: site.parameters)
      return .string(ParetoLines.letters[lines.letter(before: running)])
    case .averageClass:
      var newTotal = (try? total.adding(number)) ?? total
      if let own { newTotal = (try? newTotal.subtracting(own.value)) ?? newTotal }
      let line = AverageLine(total: newTotal, count: count)
      return .string(AverageLine.classes[line.position(of: number)])
    case .percentile, .ntile, .rank, .topPercent:
      let ranked = PopulationRanking(site.function, count: count, parameters: site.parameters).value(
        at: position)
      return site.function == .topPercent
        ? .bool(ranked == 1) : .number(FixedDecimal(units: Int128(ranked), scale: site.function.resultScale))
    }
  }

  private var positiveTotal: FixedDecimal { positiveBefore.last ?? .zero }
}

/// Every site's ``PopulationStanding``: what a record's population values would be with other
/// inputs, the rest of the population unchanged.
struct PopulationWhatIf: Sendable {
  let policy: CompiledPolicy
  let standings: [PopulationStanding]
  /// What the entries' `record` is for the input's first record: nonzero when the input is one
  /// part of the population (``PopulationParts``).
  let recordOffset: Int

  init(policy: CompiledPolicy, entries: [[PopulationStatistics.Entry]], recordOffset: Int = 0) {
    self.policy = policy
    self.recordOffset = recordOffset
    standings = zip(policy.populationSites, entries).map { PopulationStanding($0, entries: $1) }
  }

  /// The population of record `index` (its position in the input).
  func record(_ index: Int) -> Record { Record(whatIf: self, index: recordOffset + index) }

  struct Record: Sendable {
    let whatIf: PopulationWhatIf
    let index: Int

    /// The population values of this record for the per-record values in `frame` (evaluated
    /// with every population value missing, as the statistics pass does).
    func values(_ frame: EvaluationFrame) -> [Value] {
      let key = PopulationStatistics.rankingKey(frame.inputs[whatIf.policy.checked.keyInput])
      return whatIf.standings.map { standing in
        standing.value(
          forRecord: index, key: key.bytes, numericKey: key.numeric,
          argument: (try? standing.site.argument(frame)) ?? .missing)
      }
    }
  }
}
