/// One step of a columnar program: it reads registers and fills one register for every row of a
/// batch. A register is an `Int64` column (a fixed-point number at the scale the compiler chose,
/// a day number, 0/1 for a boolean, or a string's dictionary code) with a presence column beside
/// it (0: missing).
///
/// Kernels are dispatched once per batch, and each runs a plain loop over the rows. A kernel that
/// meets a value it cannot represent exactly (an overflow, a division by zero) marks the row for
/// the row-at-a-time evaluator, which decides it (or rejects it) with the full semantics.
enum Kernel: Sendable {
  /// `destination = value` (or missing) for every row.
  case fill(destination: Int, value: Int64, present: Bool)
  /// `destination = source × factor`: a number brought to a larger scale.
  case rescale(destination: Int, source: Int, factor: Int64)
  case arithmetic(ArithmeticKernel, destination: Int, left: Int, right: Int)
  /// `left ÷ right` to 12 decimals, rounded half-up, as ``FixedDecimal/divided(by:)``:
  /// `left × 10^shift ÷ right` keeps one digit more, then that digit rounds.
  case divide(destination: Int, left: Int, right: Int, shift: Int)
  case negate(destination: Int, source: Int)
  case absolute(destination: Int, source: Int)
  /// Rounds a number `divisor` = 10^k times coarser: `round`, `floor`, `ceil` and the score.
  case round(destination: Int, source: Int, divisor: Int64, mode: FixedDecimal.RoundingMode)
  /// Compares two registers at the same scale; missing when either is.
  case compare(BinaryOperator, destination: Int, left: Int, right: Int)
  /// Compares a register with a constant at the register's scale.
  case compareConstant(BinaryOperator, destination: Int, source: Int, constant: Int64)
  /// Three-valued `and` / `or`: false (true) wins over missing.
  case and(destination: Int, left: Int, right: Int)
  case or(destination: Int, left: Int, right: Int)
  case not(destination: Int, source: Int)
  case coalesce(destination: Int, left: Int, right: Int)
  case isMissing(destination: Int, source: Int, negated: Bool)
  /// `if condition then left else right`: a missing condition takes `right`.
  case select(destination: Int, condition: Int, left: Int, right: Int)
  /// `min`/`max` of two registers; missing when either is.
  case extreme(isMinimum: Bool, destination: Int, left: Int, right: Int)
  case clamp(destination: Int, value: Int, low: Int, high: Int)
  case between(destination: Int, value: Int, low: Int, high: Int, negated: Bool)
  /// `value in [items]`: missing when the value is; a missing item matches nothing.
  case membership(destination: Int, value: Int, items: [Int], negated: Bool)
  /// `days_between`, `months_between`, `years_between` of two day numbers.
  case dateDifference(DateDifference, destination: Int, from: Int, to: Int)
  /// A score component's bands: the points of the first band that holds (the `else` band's, or
  /// 0, when none does). Bounds are at the subject's scale, points at the destination's.
  /// `index`, when given, receives the position of the band that held (`otherwiseIndex` when
  /// none did: the `else` band's, or -1), for traces.
  case bands(
    destination: Int, subject: Int, bands: [ColumnarBand], otherwise: Int64, index: Int?,
    otherwiseIndex: Int64)
  /// The points of an expression component: missing counts as 0.
  case orZero(destination: Int, source: Int)
  // Display scales, for traced programs: the decimals the row evaluator's value would have.
  /// The larger of two scales (a sum), or their sum (a product; beyond 18 the row evaluator rounds).
  case combineScales(isSum: Bool, destination: Int, left: Int, right: Int)
  /// `left`'s scale where `value` is present, else `right`'s (`??`).
  case coalesceScale(destination: Int, value: Int, left: Int, right: Int)
  /// The scale of the value `min`/`max` keeps: the right one only when strictly better.
  case extremeScale(isMinimum: Bool, destination: Int, left: Int, right: Int, leftScale: Int, rightScale: Int)
  /// The scale of the value `clamp` returns; `scales` are the value's, the low bound's, the high's.
  case clampScale(destination: Int, value: Int, low: Int, high: Int, scales: [Int])
  /// `min(scale, limit)`: rounding to `limit` decimals.
  case minimumScale(destination: Int, source: Int, limit: Int64)
  /// A quotient's scale: `scale` less its trailing zero decimals, down to the larger of the
  /// operands' scales (``FixedDecimal/quotient(by:)``).
  case trimScale(destination: Int, value: Int, scale: Int, left: Int, right: Int)
  /// The first tier whose condition holds (`nil`: the `otherwise` tier): its dictionary code.
  case tier(destination: Int, conditions: [Int?], codes: [Int64])
}

enum ArithmeticKernel: Sendable {
  case add, subtract, multiply
}

/// One band of a component, with its bound at the subject's scale.
struct ColumnarBand: Sendable {
  var comparison: BinaryOperator
  var bound: Int64
  var points: Int64
}

/// The registers of one batch: `registerCount` columns of `capacity` rows, allocated once per
/// worker and reused for every batch it evaluates.
final class RegisterFile {
  let capacity: Int
  let registerCount: Int
  let values: UnsafeMutablePointer<Int64>
  let present: UnsafeMutablePointer<UInt8>
  /// 1 for a row the kernels could not decide exactly: the row evaluator takes it.
  let fallback: UnsafeMutablePointer<UInt8>
  var rowCount = 0

  init(registers: Int, capacity: Int) {
    self.capacity = capacity
    registerCount = max(registers, 1)
    values = .allocate(capacity: registerCount * capacity)
    values.initialize(repeating: 0, count: registerCount * capacity)
    present = .allocate(capacity: registerCount * capacity)
    present.initialize(repeating: 0, count: registerCount * capacity)
    fallback = .allocate(capacity: capacity)
    fallback.initialize(repeating: 0, count: capacity)
  }

  deinit {
    values.deallocate()
    present.deallocate()
    fallback.deallocate()
  }

  @inline(__always) func values(_ register: Int) -> UnsafeMutablePointer<Int64> {
    values + register * capacity
  }

  @inline(__always) func present(_ register: Int) -> UnsafeMutablePointer<UInt8> {
    present + register * capacity
  }

  /// Starts a batch of `rows` rows: no row marked for the row evaluator yet.
  func reset(rows: Int) {
    precondition(rows <= capacity, "a batch larger than its registers")
    rowCount = rows
    fallback.update(repeating: 0, count: rows)
  }
}

extension Kernel {
  /// Runs the kernel over the rows of `file`. Inlined into the worker's loop over the program's
  /// kernels: called there, each kernel was copied (its lists retained and released) per run —
  /// per record in a service's single decisions.
  @inline(__always) func run(_ file: RegisterFile) {
    let rows = file.rowCount
    let fallback = file.fallback
    switch self {
    case .fill(let destination, let value, let isPresent):
      file.values(destination).update(repeating: value, count: rows)
      file.present(destination).update(repeating: isPresent ? 1 : 0, count: rows)

    case .rescale(let destination, let source, let factor):
      let (out, outPresent, input, inputPresent) = unary(file, destination, source)
      for row in 0..<rows {
        let (scaled, overflow) = input[row].multipliedReportingOverflow(by: factor)
        out[row] = scaled
        outPresent[row] = inputPresent[row]
        if overflow && inputPresent[row] != 0 { fallback[row] = 1 }
      }

    case .arithmetic(let operation, let destination, let left, let right):
      let (out, outPresent) = (file.values(destination), file.present(destination))
      let (a, aPresent, b, bPresent) = (
        file.values(left), file.present(left), file.values(right), file.present(right)
      )
      for row in 0..<rows {
        let result: (partialValue: Int64, overflow: Bool)
        switch operation {
        case .add: result = a[row].addingReportingOverflow(b[row])
        case .subtract: result = a[row].subtractingReportingOverflow(b[row])
        case .multiply: result = a[row].multipliedReportingOverflow(by: b[row])
        }
        let isPresent = aPresent[row] & bPresent[row]
        out[row] = result.partialValue
        outPresent[row] = isPresent
        if result.overflow && isPresent != 0 { fallback[row] = 1 }
      }

    case .divide(let destination, let left, let right, let shift):
      let (out, outPresent) = (file.values(destination), file.present(destination))
      let (a, aPresent, b, bPresent) = (
        file.values(left), file.present(left), file.values(right), file.present(right)
      )
      let scale = FixedDecimal.powerOfTen(shift)
      for row in 0..<rows {
        let isPresent = aPresent[row] & bPresent[row]
        outPresent[row] = isPresent
        out[row] = 0
        guard isPresent != 0 else { continue }
        guard b[row] != 0 else {
          fallback[row] = 1
          continue
        }
        let (numerator, overflow) = Int128(a[row]).multipliedReportingOverflow(by: scale)
        let quotient = numerator / Int128(b[row])
        var rounded = quotient / 10
        let digit = quotient % 10
        if digit >= 5 { rounded += 1 } else if digit <= -5 { rounded -= 1 }
        guard !overflow, let exact = Int64(exactly: rounded) else {
          fallback[row] = 1
          continue
        }
        out[row] = exact
      }

    case .negate(let destination, let source):
      let (out, outPresent, input, inputPresent) = unary(file, destination, source)
      for row in 0..<rows {
        out[row] = 0 &- input[row]
        outPresent[row] = inputPresent[row]
        if input[row] == .min { fallback[row] = 1 }
      }

    case .absolute(let destination, let source):
      let (out, outPresent, input, inputPresent) = unary(file, destination, source)
      for row in 0..<rows {
        out[row] = input[row] < 0 ? 0 &- input[row] : input[row]
        outPresent[row] = inputPresent[row]
        if input[row] == .min { fallback[row] = 1 }
      }

    case .round(let destination, let source, let divisor, let mode):
      let (out, outPresent, input, inputPresent) = unary(file, destination, source)
      for row in 0..<rows {
        out[row] = Self.divide(input[row], by: divisor, mode)
        outPresent[row] = inputPresent[row]
      }

    case .compare(let comparison, let destination, let left, let right):
      let (out, outPresent) = (file.values(destination), file.present(destination))
      let (a, aPresent, b, bPresent) = (
        file.values(left), file.present(left), file.values(right), file.present(right)
      )
      for row in 0..<rows {
        out[row] = Self.holds(comparison, a[row], b[row]) ? 1 : 0
        outPresent[row] = aPresent[row] & bPresent[row]
      }

    case .compareConstant(let comparison, let destination, let source, let constant):
      let (out, outPresent, input, inputPresent) = unary(file, destination, source)
      switch comparison {
      case .greaterOrEqual: for row in 0..<rows { out[row] = input[row] >= constant ? 1 : 0 }
      case .greater: for row in 0..<rows { out[row] = input[row] > constant ? 1 : 0 }
      case .lessOrEqual: for row in 0..<rows { out[row] = input[row] <= constant ? 1 : 0 }
      case .less: for row in 0..<rows { out[row] = input[row] < constant ? 1 : 0 }
      default: for row in 0..<rows { out[row] = Self.holds(comparison, input[row], constant) ? 1 : 0 }
      }
      outPresent.update(from: inputPresent, count: rows)

    case .and(let destination, let left, let right), .or(let destination, let left, let right):
      // The value that wins: false for `and`, true for `or`.
      let winner: Int64
      if case .and = self { winner = 0 } else { winner = 1 }
      let (out, outPresent) = (file.values(destination), file.present(destination))
      let (a, aPresent, b, bPresent) = (
        file.values(left), file.present(left), file.values(right), file.present(right)
      )
      for row in 0..<rows {
        let aWins = aPresent[row] != 0 && a[row] == winner
        let bWins = bPresent[row] != 0 && b[row] == winner
        if aWins || bWins {
          out[row] = winner
          outPresent[row] = 1
        } else {
          out[row] = 1 - winner
          outPresent[row] = aPresent[row] & bPresent[row]
        }
      }

    case .not(let destination, let source):
      let (out, outPresent, input, inputPresent) = unary(file, destination, source)
      for row in 0..<rows {
        out[row] = 1 - input[row]
        outPresent[row] = inputPresent[row]
      }

    case .coalesce(let destination, let left, let right):
      let (out, outPresent) = (file.values(destination), file.present(destination))
      let (a, aPresent, b, bPresent) = (
        file.values(left), file.present(left), file.values(right), file.present(right)
      )
      for row in 0..<rows {
        let useLeft = aPresent[row] != 0
        out[row] = useLeft ? a[row] : b[row]
        outPresent[row] = useLeft ? 1 : bPresent[row]
      }

    case .isMissing(let destination, let source, let negated):
      let (out, outPresent, _, inputPresent) = unary(file, destination, source)
      let missingValue: Int64 = negated ? 0 : 1
      for row in 0..<rows {
        out[row] = inputPresent[row] == 0 ? missingValue : 1 - missingValue
        outPresent[row] = 1
      }

    case .select(let destination, let condition, let left, let right):
      let (out, outPresent) = (file.values(destination), file.present(destination))
      let (test, testPresent) = (file.values(condition), file.present(condition))
      let (a, aPresent, b, bPresent) = (
        file.values(left), file.present(left), file.values(right), file.present(right)
      )
      for row in 0..<rows {
        let useLeft = testPresent[row] != 0 && test[row] == 1
        out[row] = useLeft ? a[row] : b[row]
        outPresent[row] = useLeft ? aPresent[row] : bPresent[row]
      }

    case .extreme(let isMinimum, let destination, let left, let right):
      let (out, outPresent) = (file.values(destination), file.present(destination))
      let (a, aPresent, b, bPresent) = (
        file.values(left), file.present(left), file.values(right), file.present(right)
      )
      for row in 0..<rows {
        out[row] = isMinimum ? Swift.min(a[row], b[row]) : Swift.max(a[row], b[row])
        outPresent[row] = aPresent[row] & bPresent[row]
      }

    case .clamp(let destination, let value, let low, let high):
      let (out, outPresent) = (file.values(destination), file.present(destination))
      let (x, xPresent) = (file.values(value), file.present(value))
      let (lo, loPresent, hi, hiPresent) = (
        file.values(low), file.present(low), file.values(high), file.present(high)
      )
      for row in 0..<rows {
        // As the row evaluator: below `low` gives `low`, then above `high` gives `high`.
        out[row] = x[row] < lo[row] ? lo[row] : (x[row] > hi[row] ? hi[row] : x[row])
        outPresent[row] = xPresent[row] & loPresent[row] & hiPresent[row]
      }

    case .between(let destination, let value, let low, let high, let negated):
      let (out, outPresent) = (file.values(destination), file.present(destination))
      let (x, xPresent) = (file.values(value), file.present(value))
      let (lo, loPresent, hi, hiPresent) = (
        file.values(low), file.present(low), file.values(high), file.present(high)
      )
      for row in 0..<rows {
        let inside = x[row] >= lo[row] && x[row] <= hi[row]
        out[row] = inside != negated ? 1 : 0
        outPresent[row] = xPresent[row] & loPresent[row] & hiPresent[row]
      }

    case .membership(let destination, let value, let items, let negated):
      let (out, outPresent, input, inputPresent) = unary(file, destination, value)
      for row in 0..<rows {
        var found = false
        for item in items where file.present(item)[row] != 0 && file.values(item)[row] == input[row] {
          found = true
          break
        }
        out[row] = found != negated ? 1 : 0
        outPresent[row] = inputPresent[row]
      }

    case .dateDifference(let function, let destination, let from, let to):
      let (out, outPresent) = (file.values(destination), file.present(destination))
      let (a, aPresent, b, bPresent) = (
        file.values(from), file.present(from), file.values(to), file.present(to)
      )
      for row in 0..<rows {
        let isPresent = aPresent[row] & bPresent[row]
        outPresent[row] = isPresent
        switch function {
        case .days:
          out[row] = b[row] &- a[row]
        case .months, .years:
          guard isPresent != 0, let start = Int32(exactly: a[row]), let end = Int32(exactly: b[row]) else {
            out[row] = 0
            continue
          }
          out[row] = Int64(
            function.count(from: CivilDate(daysSinceEpoch: start), to: CivilDate(daysSinceEpoch: end)))
        }
      }

    case .bands(let destination, let subject, let bands, let otherwise, let index, let otherwiseIndex):
      let (out, outPresent, input, inputPresent) = unary(file, destination, subject)
      let matched = index.map { file.values($0) }
      for row in 0..<rows {
        var points = otherwise
        var position = otherwiseIndex
        if inputPresent[row] != 0 {
          let value = input[row]
          for (bandIndex, band) in bands.enumerated() where Self.holds(band.comparison, value, band.bound) {
            points = band.points
            position = Int64(bandIndex)
            break
          }
        }
        out[row] = points
        outPresent[row] = 1
        matched?[row] = position
      }

    case .orZero(let destination, let source):
      let (out, outPresent, input, inputPresent) = unary(file, destination, source)
      for row in 0..<rows {
        out[row] = inputPresent[row] != 0 ? input[row] : 0
        outPresent[row] = 1
      }

    case .combineScales(let isSum, let destination, let left, let right):
      let (out, a, b) = (file.values(destination), file.values(left), file.values(right))
      for row in 0..<rows {
        out[row] = isSum ? a[row] &+ b[row] : Swift.max(a[row], b[row])
        if out[row] > Int64(FixedDecimal.maximumScale) { fallback[row] = 1 }
      }

    case .coalesceScale(let destination, let value, let left, let right):
      let (out, present, a, b) = (
        file.values(destination), file.present(value), file.values(left), file.values(right)
      )
      for row in 0..<rows { out[row] = present[row] != 0 ? a[row] : b[row] }

    case .extremeScale(let isMinimum, let destination, let left, let right, let leftScale, let rightScale):
      let (out, a, b) = (file.values(destination), file.values(left), file.values(right))
      let (aScale, bScale) = (file.values(leftScale), file.values(rightScale))
      for row in 0..<rows {
        let better = isMinimum ? b[row] < a[row] : b[row] > a[row]
        out[row] = better ? bScale[row] : aScale[row]
      }

    case .clampScale(let destination, let value, let low, let high, let scales):
      let (out, x, lo, hi) = (
        file.values(destination), file.values(value), file.values(low), file.values(high)
      )
      let (xScale, loScale, hiScale) = (
        file.values(scales[0]), file.values(scales[1]), file.values(scales[2])
      )
      for row in 0..<rows {
        out[row] = x[row] < lo[row] ? loScale[row] : (x[row] > hi[row] ? hiScale[row] : xScale[row])
      }

    case .minimumScale(let destination, let source, let limit):
      let (out, input) = (file.values(destination), file.values(source))
      for row in 0..<rows { out[row] = Swift.min(input[row], limit) }

    case .trimScale(let destination, let value, let scale, let left, let right):
      let (out, x, a, b) = (
        file.values(destination), file.values(value), file.values(left), file.values(right)
      )
      for row in 0..<rows {
        let floor = Swift.max(a[row], b[row])
        var (units, places) = (x[row], Int64(scale))
        while places > floor && units % 10 == 0 {
          units /= 10
          places -= 1
        }
        out[row] = places
      }

    case .tier(let destination, let conditions, let codes):
      let (out, outPresent) = (file.values(destination), file.present(destination))
      for row in 0..<rows {
        out[row] = -1
        outPresent[row] = 0
        for (index, condition) in conditions.enumerated() {
          if let condition, file.present(condition)[row] == 0 || file.values(condition)[row] != 1 { continue }
          out[row] = codes[index]
          outPresent[row] = 1
          break
        }
      }
    }
  }

  @inline(__always)
  private func unary(_ file: RegisterFile, _ destination: Int, _ source: Int) -> (
    UnsafeMutablePointer<Int64>, UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<Int64>,
    UnsafeMutablePointer<UInt8>
  ) {
    (file.values(destination), file.present(destination), file.values(source), file.present(source))
  }

  @inline(__always)
  static func holds(_ comparison: BinaryOperator, _ a: Int64, _ b: Int64) -> Bool {
    switch comparison {
    case .equal: a == b
    case .notEqual: a != b
    case .less: a < b
    case .lessOrEqual: a <= b
    case .greater: a > b
    case .greaterOrEqual: a >= b
    default: false
    }
  }

  /// `value ÷ divisor`, rounded as ``FixedDecimal/rounded(to:_:)`` rounds.
  static func divide(_ value: Int64, by divisor: Int64, _ mode: FixedDecimal.RoundingMode) -> Int64 {
    let quotient = value / divisor
    let remainder = value % divisor
    if remainder == 0 { return quotient }
    let awayFromZero = mode.roundsAwayFromZero(
      value, quotient: quotient, remainder: remainder, divisor: divisor)
    return awayFromZero ? quotient + (value < 0 ? -1 : 1) : quotient
  }
}
