/// The built-in functions of the expression language, one entry each: type rule, exact
/// implementation and kernel together. To add a built-in, add an entry here, a row to the
/// function table of docs/language.md and tests; nothing else in the code base needs to know.
extension Builtin {
  /// Every built-in, in the order docs/language.md lists them.
  public static let all: [Builtin] = [
    extreme("min", isMinimum: true),
    extreme("max", isMinimum: false),

    Builtin(
      name: "abs", usage: "abs(x)",
      typeRule: { call in
        guard call.arguments.count == 1, call.types[0].isNumeric else {
          return call.problem("abs takes one number")
        }
        return call.result(call.types[0])
      },
      scalar: { call in call.number(0).map { .number($0.magnitude) } ?? .missing },
      kernel: { lowering, call in
        guard !call.isListArgument, call.operands.count == 1, call.operands[0].kind == .number else {
          return nil
        }
        let value = call.operands[0]
        let register = lowering.newRegister()
        lowering.emit(.absolute(destination: register, source: value.register))
        return .scalar(
          KernelOperand(
            register: register, kind: .number, scale: value.scale, exactScale: value.exactScale,
            scaleRegister: value.scaleRegister))
      }),

    Builtin(
      name: "round", usage: "round(x) or round(x, decimals)",
      typeRule: { call in
        guard (1...2).contains(call.arguments.count), call.types[0].isNumeric else {
          return call.problem("round takes a number and optionally its decimals")
        }
        if call.arguments.count == 2 {
          guard let places = wholeConstant(call.arguments[1]), (0...6).contains(places) else {
            return call.problem(
              "round's second argument must be a whole number from 0 to 6", help: "e.g. round(x, 2)")
          }
        }
        if call.types[0] == .percent { return call.result(.percent) }
        return call.result(call.arguments.count == 1 ? .int : .decimal)
      },
      scalar: { call in
        let places = call.arguments.count > 1 ? (call.number(1)?.integerValue ?? 0) : 0
        return call.number(0).map { .number($0.rounded(to: places, .halfUp)) } ?? .missing
      },
      kernel: { lowering, call in
        let places = call.arguments.count > 1 ? wholeConstant(call.arguments[1]) : 0
        return places.flatMap { roundingKernel(&lowering, call, places: $0, mode: .halfUp) }
      }),

    wholeRounding("floor", mode: .floor),
    wholeRounding("ceil", mode: .ceiling),

    Builtin(
      name: "clamp", usage: "clamp(x, low, high)",
      typeRule: { call in
        guard call.arguments.count == 3 else {
          return call.problem("clamp takes a value, a minimum and a maximum")
        }
        var joined = call.types[0]
        for type in call.types.dropFirst() {
          guard let next = BuiltinCall.numericJoin(joined, type) else {
            if (joined == .percent) != (type == .percent) {
              return .failure(
                CallProblem(
                  code: .percentMismatch, message: "clamp mixes a percent and plain numbers",
                  help:
                    "bound a percent by percents (clamp(rate, 0%, 100%)), or convert it first (rate * 100)"))
            }
            return call.problem("clamp cannot mix \(joined) and \(type)")
          }
          joined = next
        }
        guard joined.isNumeric else { return call.problem("clamp needs numbers") }
        return call.result(joined)
      },
      scalar: { call in
        let (value, low, high) = (call.arguments[0], call.arguments[1], call.arguments[2])
        guard let below = ValueOperations.compare(value, low),
          let above = ValueOperations.compare(value, high)
        else {
          return .missing
        }
        // Below `low` gives `low`, then above `high` gives `high`: a low above high wins.
        if below < 0 { return low }
        if above > 0 { return high }
        return value
      },
      kernel: { lowering, call in
        let values = call.operands
        guard !call.isListArgument, values.count == 3, values[0].kind == .number else { return nil }
        let exact = values.allSatisfy { $0.exactScale && $0.scale == values[0].scale }
        let scale = values.map(\.scale).max() ?? 0
        var wide: [KernelOperand] = []
        for value in values {
          guard let operand = lowering.rescaled(value, to: scale) else { return nil }
          wide.append(operand)
        }
        let register = lowering.newRegister()
        lowering.emit(
          .clamp(
            destination: register, value: wide[0].register, low: wide[1].register, high: wide[2].register))
        let scales = values.map { lowering.scaleSource($0) }
        return lowering.withScale(
          KernelOperand(register: register, kind: .number, scale: scale, exactScale: exact)
        ) {
          destination in
          guard let valueScale = scales[0], let lowScale = scales[1], let highScale = scales[2] else {
            return nil
          }
          return .clampScale(
            destination: destination, value: wide[0].register, low: wide[1].register, high: wide[2].register,
            scales: [valueScale, lowScale, highScale])
        }.map { .scalar($0) }
      }),

    listTotal("sum", isAverage: false),
    listTotal("avg", isAverage: true),
    listLength("count", acceptsText: false),
    listLength("len", acceptsText: true),

    dateDifference("days_between", .days),
    dateDifference("months_between", .months),
    dateDifference("years_between", .years),

    Builtin(
      name: "days_since", usage: "days_since(date): days from the date to the as-of date",
      typeRule: { call in
        guard call.arguments.count == 1, call.types[0] == .date else {
          return call.problem("days_since takes one date")
        }
        return call.result(.int)
      },
      scalar: { call in
        call.date(0).map { .number(FixedDecimal($0.days(until: call.asOf))) } ?? .missing
      },
      kernel: { lowering, call in
        guard !call.isListArgument, call.operands.count == 1, call.operands[0].kind == .date else {
          return nil
        }
        let asOf = lowering.constant(Int64(lowering.asOf.daysSinceEpoch), kind: .date)
        let register = lowering.newRegister()
        lowering.emit(
          .dateDifference(.days, destination: register, from: call.operands[0].register, to: asOf.register))
        return .scalar(KernelOperand(register: register, kind: .number))
      }),

    lookup,

    due, workingTime, isWorkingTime, isWorkingDay,

    population("percentile", usage: "percentile(x): 0 to 100", .percentile) { call in
      guard call.arguments.count == 1, call.types[0].isNumeric else {
        return call.problem("percentile takes one number")
      }
      // Missing values take no part in the population; their result is missing.
      return call.result(.decimal)
    },
    population("ntile", usage: "ntile(x, groups)", .ntile) { call in
      guard call.arguments.count == 2, call.types[0].isNumeric, let groups = wholeConstant(call.arguments[1]),
        (1...1000).contains(groups)
      else { return call.problem("ntile takes a number and a whole number of groups from 1 to 1000") }
      return call.result(.int)
    },
    population("rank", usage: "rank(x): 1 for the largest", .rank) { call in
      guard call.arguments.count == 1, call.types[0].isNumeric else {
        return call.problem("rank takes one number")
      }
      return call.result(.int)
    },
    population("top_percent", usage: "top_percent(x, 10%)", .topPercent) { call in
      guard call.arguments.count == 2, call.types[0].isNumeric, call.types[1] == .percent,
        call.arguments[1].constantValue != nil
      else { return call.problem("top_percent takes a number and a percent literal") }
      return call.result(.bool)
    },
    population("abc_class", usage: "abc_class(x) or abc_class(x, 80%, 95%)", .abcClass) { call in
      guard call.arguments.count == 1 || call.arguments.count == 3, call.types[0].isNumeric,
        call.arguments.dropFirst().allSatisfy({ $0.type.value == .percent && $0.constantValue != nil })
      else {
        return call.problem("abc_class takes a number, and optionally the A and B cut-offs as percents")
      }
      return call.result(.enumeration(name: "abc_class", values: ParetoLines.letters))
    },
    population(
      "average_class",
      usage: "average_class(x): \"above\", \"at\" or \"below\" the mean of x over all records",
      .averageClass
    ) { call in
      guard call.arguments.count == 1, call.types[0].isNumeric else {
        return call.problem("average_class takes one number")
      }
      return call.result(.enumeration(name: "average_class", values: AverageLine.classes))
    },
  ]

  // MARK: - lookup

  /// `lookup(x, key, points, key, points, …[, otherwise])`: the points written after the key
  /// that `x` equals, so that an enum (a risk grade, an industry outlook) scores like a band.
  /// Keys are the enum's values, written as strings; points are numbers written out. Without an
  /// `otherwise`, a value no key names gives missing.
  static let lookup = Builtin(
    name: "lookup", usage: "lookup(x, \"a\", 10, \"b\", 5, …) or with a last value for anything else",
    typeRule: { call in
      guard call.arguments.count >= 3 else {
        return call.problem("lookup takes a value, then pairs of a key and its result")
      }
      let subject = call.types[0]
      let allowed: (name: String, values: [String])?
      switch subject {
      case .enumeration(let name, let values): allowed = (name, values)
      case .string: allowed = nil
      default:
        return call.problem("lookup looks up an enum or a string, not \(subject.withArticle)")
      }
      let pairs = lookupPairs(call.arguments)
      var seen: Set<String> = []
      var result: ValueType?
      for (key, value) in pairs.entries + (pairs.otherwise.map { [(nil, $0)] } ?? []) {
        if let key {
          guard case .constant(.string(let text)) = key.kind else {
            return .failure(
              CallProblem(
                message: "lookup's keys must be strings written out",
                help: "e.g. lookup(grade, \"high\", 100, \"low\", 20)",
                span: key.span))
          }
          if let allowed, !allowed.values.contains(text) {
            return .failure(
              CallProblem(
                code: .unknownEnumValue, message: "\"\(text)\" is not a value of enum '\(allowed.name)'",
                help: Suggestions.help(for: text, candidates: allowed.values, kind: "the values"),
                span: key.span))
          }
          guard seen.insert(text).inserted else {
            return .failure(
              CallProblem(
                message: "lookup names \"\(text)\" twice", help: "give each key one result", span: key.span))
          }
        }
        guard case .constant(.number) = value.kind, value.type.value.isNumeric else {
          return .failure(
            CallProblem(
              message: "lookup's results must be numbers or percents written out",
              help: "e.g. lookup(grade, \"high\", 100, \"low\", 20, 0)", span: value.span))
        }
        guard let joined = result.map({ BuiltinCall.numericJoin($0, value.type.value) }) ?? value.type.value
        else {
          return .failure(
            CallProblem(
              code: .percentMismatch, message: "lookup mixes percents and plain numbers in its results",
              help: "give every result the same kind: all numbers or all percents", span: value.span))
        }
        result = joined
      }
      // Missing for a value no key names, unless an `otherwise` or every enum value is covered.
      let covered = allowed.map { Set($0.values).isSubset(of: seen) } ?? false
      return call.result(result ?? .int, optional: pairs.otherwise == nil && !covered)
    },
    scalar: { call in
      let pairs = lookupPairs(call.arguments)
      let chosen =
        pairs.entries.first { key, _ in ValueOperations.compare(call.arguments[0], key) == 0 }?.1
        ?? pairs.otherwise
      guard case .number(let number) = chosen else { return .missing }
      return .number(number.withScale(lookupScale(pairs.entries.map(\.1) + [pairs.otherwise])))
    },
    kernel: { lowering, call in
      // The meaning of `if x is missing then missing else if x == key then points else …`,
      // lowered with the kernels of comparisons and conditionals.
      let arguments = call.arguments
      let pairs = lookupPairs(arguments)
      let subject = arguments[0]
      func make(_ kind: CheckedExpr.Kind, _ type: LadderType) -> CheckedExpr {
        CheckedExpr(kind: kind, type: type, span: call.call.span, syntax: call.call.syntax)
      }
      let resultType = LadderType(call.call.type.value, optional: true)
      let scale = lookupScale(pairs.entries.map(\.1.constantValue) + [pairs.otherwise?.constantValue])
      func result(_ value: CheckedExpr) -> CheckedExpr {
        guard case .constant(.number(let number)) = value.kind else { return value }
        return make(.constant(.number(number.withScale(scale))), value.type)
      }
      var chain = pairs.otherwise.map(result) ?? make(.constant(.missing), resultType)
      for (key, value) in pairs.entries.reversed() {
        let matches = make(.comparison(.equal, subject, key), LadderType(.bool, optional: true))
        chain = make(.conditional(matches, then: result(value), else: chain), resultType)
      }
      let absent = make(.isMissing(subject, negated: false), LadderType(.bool))
      return lowering.lower(
        make(.conditional(absent, then: make(.constant(.missing), resultType), else: chain), resultType))
    })

  /// The decimals of every lookup result: the most any result is written with, so that a
  /// lookup's values line up in a column (60.5 and 100 show as 60.5 and 100.0).
  private static func lookupScale(_ results: [Value?]) -> Int {
    results.reduce(0) { scale, value in
      if case .number(let number)? = value { return max(scale, number.scale) }
      return scale
    }
  }

  /// A lookup's arguments after the subject: key-result pairs, then the `otherwise` result when
  /// their count is odd.
  private static func lookupPairs<Item>(_ arguments: [Item]) -> (entries: [(Item, Item)], otherwise: Item?) {
    let rest = Array(arguments.dropFirst())
    let entries = stride(from: 0, to: rest.count - 1, by: 2).map { (rest[$0], rest[$0 + 1]) }
    return (entries, rest.count % 2 == 1 ? rest.last : nil)
  }

  // MARK: - Shapes shared by several built-ins

  /// A whole-number constant argument (`round`'s decimals, `ntile`'s groups).
  private static func wholeConstant(_ argument: CheckedExpr) -> Int? {
    guard case .constant(.number(let number)) = argument.kind else { return nil }
    return number.integerValue
  }

  /// `min` and `max`: of two or more values, or of one list.
  private static func extreme(_ name: String, isMinimum: Bool) -> Builtin {
    Builtin(
      name: name, usage: "\(name)(a, b, …) or \(name)(list)",
      typeRule: { call in
        if call.arguments.count == 1, case .list(let element) = call.types[0],
          element.isNumeric || element.isUnknown
        {
          // Missing for an empty list.
          return call.result(element, optional: (call.presentElements.first ?? 0) == 0)
        }
        guard call.arguments.count >= 2 else {
          return call.problem("\(name) needs a list or at least two values")
        }
        var joined = call.types[0]
        for type in call.types.dropFirst() {
          guard let next = BuiltinCall.numericJoin(joined, type) else {
            return call.problem(
              "\(name) cannot mix \(joined) and \(type)",
              help: "give \(name) values of one kind: all numbers or all percents")
          }
          joined = next
        }
        guard joined.isNumeric || joined == .date else {
          return call.problem("\(name) needs numbers, percents or dates")
        }
        return call.result(joined)
      },
      scalar: { call in
        var candidates = call.arguments
        if candidates.count == 1, case .list(let items) = candidates[0] { candidates = items }
        guard var best = candidates.first else { return .missing }
        for candidate in candidates.dropFirst() {
          guard let order = ValueOperations.compare(candidate, best) else { return .missing }
          if isMinimum ? order < 0 : order > 0 { best = candidate }
        }
        return best
      },
      kernel: { lowering, call in
        let values = call.operands
        guard var best = values.first, values.allSatisfy({ $0.kind == best.kind }), best.kind != .code else {
          return nil
        }
        let exact = values.allSatisfy { $0.exactScale && $0.scale == best.scale }
        for candidate in values.dropFirst() {
          guard let (a, b) = lowering.aligned(best, candidate) else { return nil }
          let register = lowering.newRegister()
          lowering.emit(
            .extreme(isMinimum: isMinimum, destination: register, left: a.register, right: b.register))
          let (bestScale, candidateScale) = (lowering.scaleSource(best), lowering.scaleSource(candidate))
          // The candidate replaces the best so far only when strictly better, scale and all.
          let next = KernelOperand(register: register, kind: a.kind, scale: a.scale, exactScale: exact)
          guard
            let chosen = lowering.withScale(
              next,
              { destination in
                guard let bestScale, let candidateScale else { return nil }
                return .extremeScale(
                  isMinimum: isMinimum, destination: destination, left: a.register, right: b.register,
                  leftScale: bestScale, rightScale: candidateScale)
              })
          else { return nil }
          best = chosen
        }
        best.exactScale = exact
        return .scalar(best)
      })
  }

  /// `floor` and `ceil`: to a whole number.
  private static func wholeRounding(_ name: String, mode: FixedDecimal.RoundingMode) -> Builtin {
    Builtin(
      name: name, usage: "\(name)(x)",
      typeRule: { call in
        guard call.arguments.count == 1, call.types[0].isNumber else {
          return call.problem("\(name) takes one number")
        }
        return call.result(.int)
      },
      scalar: { call in call.number(0).map { .number($0.rounded(to: 0, mode)) } ?? .missing },
      kernel: { lowering, call in roundingKernel(&lowering, call, places: 0, mode: mode) })
  }

  /// Rounds the first operand to `places` decimals.
  private static func roundingKernel(
    _ lowering: inout ColumnarLowering, _ call: KernelCall, places: Int, mode: FixedDecimal.RoundingMode
  ) -> KernelValue? {
    guard !call.isListArgument, let value = call.operands.first, value.kind == .number, places >= 0 else {
      return nil
    }
    guard value.scale > places else { return .scalar(value) }
    let register = lowering.newRegister()
    lowering.emit(
      .round(
        destination: register, source: value.register,
        divisor: FixedDecimal.int64PowerOfTen(value.scale - places),
        mode: mode))
    // Rounding leaves `places` decimals when the value had more: exact when its scale is.
    let rounded = KernelOperand(
      register: register, kind: .number, scale: places, exactScale: value.exactScale)
    let source = lowering.scaleSource(value)
    return lowering.withScale(rounded) { destination in
      source.map { .minimumScale(destination: destination, source: $0, limit: Int64(places)) }
    }.map { .scalar($0) }
  }

  /// `sum` and `avg` of a list of numbers; missing elements are skipped.
  private static func listTotal(_ name: String, isAverage: Bool) -> Builtin {
    Builtin(
      name: name, usage: "\(name)(list)",
      typeRule: { call in
        guard call.arguments.count == 1, case .list(let element) = call.types[0],
          element.isNumeric || element.isUnknown
        else { return call.problem("\(name) takes one list of numbers") }
        // The average of an empty list is missing (missing elements are skipped); a sum of
        // nothing is 0.
        return call.result(
          isAverage && element == .int ? .decimal : element,
          optional: isAverage && (call.presentElements.first ?? 0) == 0)
      },
      scalar: { (call) throws(EvaluationError) -> Value in
        guard case .list(let items) = call.arguments[0] else { return .missing }
        let values = items.compactMap { item -> FixedDecimal? in
          if case .number(let n) = item { n } else { nil }
        }
        var total = FixedDecimal.zero
        do {
          for value in values { total = try total.adding(value) }
          guard isAverage else { return .number(total) }
          guard !values.isEmpty else { return .missing }
          return .number(try total.quotient(by: FixedDecimal(values.count)))
        } catch {
          throw EvaluationError("the sum is too large", at: call.span)
        }
      },
      kernel: { lowering, call in
        let values = call.operands
        guard call.isListArgument, values.allSatisfy({ $0.kind == .number }) else { return nil }
        let scale = values.map(\.scale).max() ?? 0
        var total = lowering.constant(0, kind: .number, scale: scale)
        // The scalar backend starts from 0 with no decimals.
        total.exactScale = scale == 0
        total.scaleRegister = lowering.scaleSource(
          KernelOperand(register: total.register, kind: .number, scale: 0))
        for value in values {
          guard let aligned = lowering.rescaled(value, to: scale) else { return nil }
          let register = lowering.newRegister()
          lowering.emit(
            .arithmetic(.add, destination: register, left: total.register, right: aligned.register))
          let exact = total.exactScale && value.exactScale && value.scale == scale
          guard
            case .scalar(let sum) = lowering.combinedScale(
              KernelOperand(register: register, kind: .number, scale: scale, exactScale: exact), total, value,
              sum: false)
          else { return nil }
          total = sum
        }
        guard isAverage else { return .scalar(total) }
        guard !values.isEmpty, scale <= FixedDecimal.divisionScale else { return nil }
        let count = lowering.constant(Int64(values.count), kind: .number)
        let register = lowering.newRegister()
        let target = FixedDecimal.divisionScale
        lowering.emit(
          .divide(
            destination: register, left: total.register, right: count.register, shift: target - scale + 1))
        return lowering.quotient(register, of: total, by: count)
      })
  }

  /// `count` and `len`: the number of elements (or of characters, for `len` of a string).
  private static func listLength(_ name: String, acceptsText: Bool) -> Builtin {
    Builtin(
      name: name, usage: acceptsText ? "\(name)(list) or \(name)(text)" : "\(name)(list)",
      typeRule: { call in
        guard call.arguments.count == 1 else { return call.problem("\(name) takes one list") }
        switch call.types[0] {
        case .list: break
        case .string where acceptsText: break
        default:
          return call.problem(
            "\(name) takes a list\(acceptsText ? " or a string" : ""), not \(call.types[0].withArticle)")
        }
        return call.result(.int)
      },
      scalar: { call in
        switch call.arguments[0] {
        case .list(let items): .number(FixedDecimal(items.count))
        case .string(let text): .number(FixedDecimal(text.count))
        default: .missing
        }
      },
      kernel: { lowering, call in
        guard call.isListArgument else { return nil }
        return .scalar(lowering.constant(Int64(call.operands.count), kind: .number))
      })
  }

  /// `days_between`, `months_between`, `years_between`: whole units from the first date to the
  /// second.
  private static func dateDifference(_ name: String, _ unit: DateDifference) -> Builtin {
    Builtin(
      name: name, usage: "\(name)(from, to)",
      typeRule: { call in
        guard call.arguments.count == 2, call.types[0] == .date, call.types[1] == .date else {
          return call.problem("\(name) takes two dates")
        }
        return call.result(.int)
      },
      scalar: { call in
        guard let from = call.date(0), let to = call.date(1) else { return .missing }
        return .number(FixedDecimal(unit.count(from: from, to: to)))
      },
      kernel: { lowering, call in
        guard call.operands.count == 2, call.operands.allSatisfy({ $0.kind == .date }) else { return nil }
        let register = lowering.newRegister()
        lowering.emit(
          .dateDifference(
            unit, destination: register, from: call.operands[0].register, to: call.operands[1].register))
        return .scalar(KernelOperand(register: register, kind: .number))
      })
  }

  /// A population function: typed here, computed by the statistics pass.
  private static func population(
    _ name: String, usage: String, _ function: PopulationFunction,
    typeRule: @escaping @Sendable (BuiltinCall) -> Result<LadderType, CallProblem>
  ) -> Builtin {
    // Never evaluated per record: compiled as lookups into the statistics pass.
    Builtin(
      name: name, usage: usage, population: function, typeRule: typeRule, scalar: { _ in .missing },
      kernel: nil)
  }
}

/// Whole units between two dates.
enum DateDifference: Sendable {
  case days, months, years

  func count(from: CivilDate, to: CivilDate) -> Int {
    switch self {
    case .days: from.days(until: to)
    case .months: from.wholeMonths(until: to)
    case .years: from.wholeMonths(until: to) / 12
    }
  }
}
