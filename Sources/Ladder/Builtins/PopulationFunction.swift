/// The functions whose value for one record depends on every record of the input. Each is
/// computed by the statistics pass after the per-record values are known.
///
/// This file is the one place their meaning lives: the order records are ranked in, the value
/// at each position and the Pareto lines. Both statistics passes — over exact values (the
/// reference) and over 64-bit columns (the kernels) — sort their own representation, then ask
/// a ``PopulationRanking`` what each position gets.
public enum PopulationFunction: String, Sendable, Hashable {
  case percentile
  case ntile
  case rank
  case topPercent = "top_percent"
  case abcClass = "abc_class"
  case averageClass = "average_class"

  /// True when the first position holds the largest value; ties go to the smaller key.
  var ranksLargestFirst: Bool {
    switch self {
    case .percentile, .ntile, .averageClass: false
    case .rank, .topPercent, .abcClass: true
    }
  }

  /// The classes of a function whose result is a class, in code order; `nil` for a number or a
  /// flag.
  var classNames: [String]? {
    switch self {
    case .abcClass: ParetoLines.letters
    case .averageClass: AverageLine.classes
    case .percentile, .ntile, .rank, .topPercent: nil
    }
  }

  /// The decimals of a numeric result.
  var resultScale: Int { self == .percentile ? 2 : 0 }
}

/// The value of one population function at each position of `count` ranked records (`abc_class`
/// excepted: its class depends on the running total, see ``ParetoLines``).
struct PopulationRanking {
  let function: PopulationFunction
  let count: Int
  /// `ntile`'s group count.
  let groups: Int
  /// `top_percent`: the first `cut` records are in.
  let cut: Int
  /// `top_percent`'s share.
  let share: FixedDecimal

  init(_ function: PopulationFunction, count: Int, parameters: [FixedDecimal]) {
    self.function = function
    self.count = count
    groups = max(1, parameters.first?.integerValue ?? 1)
    share = function == .topPercent ? (parameters.first ?? .zero) : .zero
    // The top p are the first ceil(p × count) records.
    cut =
      ((try? share.multiplied(by: FixedDecimal(count))) ?? .zero).rounded(to: 0, .ceiling).integerValue ?? 0
  }

  private static let tenToThe13 = FixedDecimal.powerOfTen(13)
  private static let tenToThe10 = FixedDecimal.powerOfTen(10)

  /// The value at 0-based `position`, as a fixed-point integer at the function's result scale
  /// (`top_percent`: 1 or 0).
  func value(at position: Int) -> Int64 {
    switch function {
    case .percentile:
      // The share of the others that rank below, 0 to 100, to 12 decimals half-up as a division
      // of exact decimals is, then to 2 half-up.
      guard count > 1 else { return 10_000 }
      let twelve = Int128(position) * 100 * Self.tenToThe13 / Int128(count - 1)
      let quotient = (twelve + 5) / 10
      return Int64((quotient + Self.tenToThe10 / 2) / Self.tenToThe10)
    case .ntile:
      // SQL NTILE: the first count mod groups groups hold one record more.
      let base = count / groups
      let extra = count % groups
      if position < extra * (base + 1) { return Int64(position / (base + 1) + 1) }
      return Int64(extra + (position - extra * (base + 1)) / max(base, 1) + 1)
    case .rank:
      return Int64(position + 1)
    case .topPercent:
      return position + 1 <= cut ? 1 : 0
    case .abcClass, .averageClass:
      return 0
    }
  }

  /// What an auditor reads in the trace about the record at `position`.
  func note(argument: String, value: String, at position: Int) -> String {
    switch function {
    case .percentile:
      let percent = FixedDecimal(units: Int128(self.value(at: position)), scale: 2)
      return "\(argument) \(value) is at percentile \(percent): above \(position) of the other \(count - 1)"
    case .ntile:
      return
        "\(argument) \(value) is in group \(self.value(at: position)) of \(groups): position \(position + 1) of \(count), lowest first"
    case .rank:
      return "\(argument) \(value) ranks \(position + 1) of \(count), largest first"
    case .topPercent:
      return
        "\(argument) \(value) ranks \(position + 1) of \(count); the top \(share.percentDescription) are the first \(cut)"
    case .abcClass, .averageClass:
      return ""
    }
  }
}

/// `abc_class`'s lines: by value largest first, a record belongs to the class whose line the
/// running total before it has not reached, so the record that crosses a line is still inside
/// it. Negative values count as 0; when the total is 0 every record is C.
struct ParetoLines {
  let limitA: FixedDecimal
  let limitB: FixedDecimal
  let total: FixedDecimal
  private let lineA: FixedDecimal
  private let lineB: FixedDecimal

  /// `parameters`: the A and B cut-offs (80% and 95% unless given).
  init(total: FixedDecimal, parameters: [FixedDecimal]) {
    limitA = parameters.count > 0 ? parameters[0] : FixedDecimal(units: 80, scale: 2)
    limitB = parameters.count > 1 ? parameters[1] : FixedDecimal(units: 95, scale: 2)
    self.total = total
    // Exact: running / total < limit  ⇔  running < total × limit (no quotient to round).
    lineA = (try? total.multiplied(by: limitA)) ?? total
    lineB = (try? total.multiplied(by: limitB)) ?? total
  }

  /// 0 for A, 1 for B, 2 for C, for a record with `running` before it.
  func letter(before running: FixedDecimal) -> Int {
    guard total > .zero else { return 2 }
    return running < lineA ? 0 : running < lineB ? 1 : 2
  }

  static let letters = ["A", "B", "C"]

  /// What an auditor reads about the record at `position` of `count`, whose value shows as
  /// `value`; the last values of classes A and B show as `endOfA` and `endOfB` (`-` for none).
  func note(argument: String, value: String, at position: Int, count: Int, endOfA: String?, endOfB: String?)
    -> String
  {
    let top = ((try? FixedDecimal((position + 1) * 100).divided(by: FixedDecimal(count))) ?? .zero).rounded(
      to: 1, .halfUp)
    var note = "\(argument) \(value) is in the top \(top.normalized)% (rank \(position + 1) of \(count))"
    if total > .zero {
      note +=
        "; class A ends at \(endOfA ?? "-"), where the cumulative share reaches \(limitA.percentDescription)"
      note += "; class B ends at \(endOfB ?? "-") (\(limitB.percentDescription))"
    } else {
      note += "; the total is 0, so every record is class C"
    }
    return note
  }
}

/// `average_class`'s line: the mean of the values present. A record is `above`, `at` or
/// `below` it, decided exactly (value × count against the total, no quotient rounded); the
/// mean is only shown.
struct AverageLine {
  let total: FixedDecimal
  let count: Int

  static let classes = ["above", "at", "below"]

  /// 0 above, 1 at, 2 below.
  func position(of value: FixedDecimal) -> Int {
    guard let scaled = try? value.multiplied(by: FixedDecimal(count)) else {
      return value > mean ? 0 : value == mean ? 1 : 2  // beyond 38 digits: against the shown mean
    }
    return scaled > total ? 0 : scaled == total ? 1 : 2
  }

  /// The mean as a note shows it: the total divided by the count (12 decimals, half-up, as
  /// the language divides), without trailing zeros, so that it does not depend on how many
  /// decimals the records wrote.
  var mean: FixedDecimal { ((try? total.divided(by: FixedDecimal(count))) ?? .zero).normalized }

  /// What an auditor reads about a record whose value shows as `value`; the mean shows as `mean`.
  func note(argument: String, value: String, class position: Int, mean: String) -> String {
    "\(argument) \(value) is \(Self.classes[position]) the average \(mean) of the \(count) records that have one"
  }
}
