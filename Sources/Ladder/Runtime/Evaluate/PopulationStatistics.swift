/// The statistics pass: each population function's value for every record, from the argument
/// values of all records. Records whose argument is missing take no part and get a missing value.
///
/// Order is by the argument's value, ties broken by the record key in ascending order (numeric
/// for int keys, UTF-8 byte order for text), so results are a function of the input alone.
enum PopulationStatistics {
  struct Entry {
    var value: FixedDecimal
    var key: [UInt8]
    var numericKey: FixedDecimal?
    var record: Int
  }

  /// Ascending by value, then by key.
  static func ascending(_ lhs: Entry, _ rhs: Entry) -> Bool {
    if lhs.value != rhs.value { return lhs.value < rhs.value }
    return keyLess(lhs, rhs)
  }

  /// Descending by value, then ascending by key.
  static func descending(_ lhs: Entry, _ rhs: Entry) -> Bool {
    if lhs.value != rhs.value { return lhs.value > rhs.value }
    return keyLess(lhs, rhs)
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
    var notes = [String](repeating: "\(site.argumentText) is missing; not ranked", count: count)
    let n = entries.count
    guard n > 0 else { return (values, notes) }
    func show(_ value: FixedDecimal) -> String { site.show(value) }
    if site.function == .averageClass {
      var total = FixedDecimal.zero
      for entry in entries { total = (try? total.adding(entry.value)) ?? total }
      let line = AverageLine(total: total, count: n)
      let mean = show(line.mean)
      for entry in entries {
        let position = line.position(of: entry.value)
        values[entry.record] = .string(AverageLine.classes[position])
        notes[entry.record] = line.note(
          argument: site.argumentText, value: show(entry.value), class: position, mean: mean)
      }
      return (values, notes)
    }
    let sorted = entries.sorted(by: site.function.ranksLargestFirst ? descending : ascending)
    guard site.function == .abcClass else {
      let ranking = PopulationRanking(site.function, count: n, parameters: site.parameters)
      for (position, entry) in sorted.enumerated() {
        let value = ranking.value(at: position)
        values[entry.record] =
          site.function == .topPercent
          ? .bool(value == 1) : .number(FixedDecimal(units: Int128(value), scale: site.function.resultScale))
        notes[entry.record] = ranking.note(
          argument: site.argumentText, value: show(entry.value), at: position)
      }
      return (values, notes)
    }
    var total = FixedDecimal.zero
    for entry in sorted where entry.value > .zero { total = (try? total.adding(entry.value)) ?? total }
    let lines = ParetoLines(total: total, parameters: site.parameters)
    var classes: [Int] = []
    var running = FixedDecimal.zero
    var endOfA: FixedDecimal?
    var endOfB: FixedDecimal?
    for entry in sorted {
      let letter = lines.letter(before: running)
      classes.append(letter)
      if letter == 0 { endOfA = entry.value }
      if letter == 1 { endOfB = entry.value }
      if entry.value > .zero { running = (try? running.adding(entry.value)) ?? running }
    }
    for (position, entry) in sorted.enumerated() {
      values[entry.record] = .string(ParetoLines.letters[classes[position]])
      notes[entry.record] = lines.note(
        argument: site.argumentText, value: show(entry.value), at: position, count: n,
        endOfA: endOfA.map(show), endOfB: endOfB.map(show))
    }
    return (values, notes)
  }
}
