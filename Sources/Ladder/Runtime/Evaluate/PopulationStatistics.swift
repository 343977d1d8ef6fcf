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
    func show(_ value: FixedDecimal) -> String {
      CompiledPolicy.display(.number(value), as: site.argumentType)
    }
    switch site.function {
    case .percentile, .ntile:
      let sorted = entries.sorted(by: ascending)
      let groups = site.parameters.first?.integerValue ?? 1
      for (position, entry) in sorted.enumerated() {
        if site.function == .percentile {
          // The share of the others that rank below: 0 for the lowest, 100 for the highest.
          let percent =
            n == 1
            ? FixedDecimal.hundred
            : ((try? FixedDecimal(position * 100).divided(by: FixedDecimal(n - 1))) ?? .zero)
          let rounded = percent.rounded(to: 2, .halfUp).withScale(2)
          values[entry.record] = .number(rounded)
          notes[entry.record] =
            "\(site.argumentText) \(show(entry.value)) is at percentile \(rounded): above \(position) of the other \(n - 1)"
        } else {
          // SQL NTILE: the first n mod groups groups hold one record more.
          let base = n / groups
          let extra = n % groups
          let group: Int
          if position < extra * (base + 1) {
            group = position / (base + 1) + 1
          } else {
            group = extra + (position - extra * (base + 1)) / max(base, 1) + 1
          }
          values[entry.record] = .number(FixedDecimal(group))
          notes[entry.record] =
            "\(site.argumentText) \(show(entry.value)) is in group \(group) of \(groups): position \(position + 1) of \(n), lowest first"
        }
      }
    case .rank, .topPercent:
      let sorted = entries.sorted(by: descending)
      let share = site.parameters.first ?? .zero
      let cut =
        ((try? share.multiplied(by: FixedDecimal(n))) ?? .zero).rounded(to: 0, .ceiling).integerValue ?? 0
      for (position, entry) in sorted.enumerated() {
        let rank = position + 1
        if site.function == .rank {
          values[entry.record] = .number(FixedDecimal(rank))
          notes[entry.record] =
            "\(site.argumentText) \(show(entry.value)) ranks \(rank) of \(n), largest first"
        } else {
          values[entry.record] = .bool(rank <= cut)
          notes[entry.record] =
            "\(site.argumentText) \(show(entry.value)) ranks \(rank) of \(n); the top \(share.percentDescription) are the first \(cut)"
        }
      }
    case .abcClass:
      let sorted = entries.sorted(by: descending)
      let limitA = site.parameters.count > 0 ? site.parameters[0] : FixedDecimal(units: 80, scale: 2)
      let limitB = site.parameters.count > 1 ? site.parameters[1] : FixedDecimal(units: 95, scale: 2)
      var total = FixedDecimal.zero
      for entry in sorted where entry.value > .zero { total = (try? total.adding(entry.value)) ?? total }
      var classes: [String] = []
      var running = FixedDecimal.zero
      var endOfA: FixedDecimal?
      var endOfB: FixedDecimal?
      for entry in sorted {
        // A record belongs to the class whose line the running share before it has not reached:
        // the record that crosses a line is still inside it.
        // Exact: running / total < limit  ⇔  running < total × limit (no quotient to round).
        let lineA = (try? total.multiplied(by: limitA)) ?? total
        let lineB = (try? total.multiplied(by: limitB)) ?? total
        let letter = total > .zero && running < lineA ? "A" : total > .zero && running < lineB ? "B" : "C"
        classes.append(letter)
        if letter == "A" { endOfA = entry.value }
        if letter == "B" { endOfB = entry.value }
        if entry.value > .zero { running = (try? running.adding(entry.value)) ?? running }
      }
      for (position, entry) in sorted.enumerated() {
        let letter = classes[position]
        values[entry.record] = .string(letter)
        let top = ((try? FixedDecimal((position + 1) * 100).divided(by: FixedDecimal(n))) ?? .zero).rounded(
          to: 1, .halfUp)
        var note =
          "\(site.argumentText) \(show(entry.value)) is in the top \(top.normalized)% (rank \(position + 1) of \(n))"
        if total > .zero {
          note +=
            "; class A ends at \(endOfA.map(show) ?? "-"), where the cumulative share reaches \(limitA.percentDescription)"
          note += "; class B ends at \(endOfB.map(show) ?? "-") (\(limitB.percentDescription))"
        } else {
          note += "; the total is 0, so every record is class C"
        }
        notes[entry.record] = note
      }
    default:
      break
    }
    return (values, notes)
  }
}
