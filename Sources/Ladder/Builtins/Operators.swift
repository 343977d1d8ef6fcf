/// The operators of the expression language, one entry each: type rule, exact implementation and
/// kernel together (see ``Operator``). To change what an operator means, change its entry here
/// and its row in docs/language.md; the checker and both backends only dispatch to it.
extension Operator {
  /// The entry of a binary operator.
  static func binary(_ op: BinaryOperator) -> Operator {
    switch op {
    case .add, .subtract, .multiply, .divide: arithmetic(op)
    case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: comparison(op)
    case .and: logical(isAnd: true)
    case .or: logical(isAnd: false)
    case .coalesce: coalesce
    case .in, .notIn: membership(negated: op == .notIn)
    }
  }

  // MARK: - Arithmetic

  /// `+ - * /` on numbers (exact: `FixedDecimal`, a quotient to 12 decimals, shown with the
  /// decimals it needs), and a date moved by a duration.
  static func arithmetic(_ op: BinaryOperator) -> Operator {
    Operator(
      symbol: op.rawValue,
      build: { operands in .arithmetic(op, operands[0], operands[1]) },
      typeRule: { checker, typing in
        if typing.hasUnknown { return nil }
        return arithmeticType(op, &checker, typing).map { LadderType($0, optional: typing.anyOptional) }
      },
      scalar: { operation in
        let (left, right, span) = (operation.operands[0], operation.operands[1], operation.span)
        return { frame throws(EvaluationError) in
          try arithmetic(op, try left(frame), try right(frame), at: span)
        }
      },
      kernel: { lowering, operands in
        guard let left = lowering.lowerScalar(operands[0]), let right = lowering.lowerScalar(operands[1]),
          left.kind == .number, right.kind == .number
        else { return nil }
        let register = lowering.newRegister()
        let exact = left.exactScale && right.exactScale
        switch op {
        case .add, .subtract:
          guard let (a, b) = lowering.aligned(left, right) else { return nil }
          lowering.emit(
            .arithmetic(
              op == .add ? .add : .subtract, destination: register, left: a.register, right: b.register))
          return lowering.combinedScale(
            KernelOperand(register: register, kind: .number, scale: a.scale, exactScale: exact), left, right,
            sum: false)
        case .multiply:
          guard left.scale + right.scale <= 18 else { return nil }
          lowering.emit(
            .arithmetic(.multiply, destination: register, left: left.register, right: right.register))
          return lowering.combinedScale(
            KernelOperand(
              register: register, kind: .number, scale: left.scale + right.scale, exactScale: exact),
            left, right, sum: true)
        default:
          // The exact quotient has max(12, scales) decimals; with both scales at most 12 that is
          // 12, whatever scale a record's value has.
          let target = FixedDecimal.divisionScale
          guard left.scale <= target, right.scale <= target else { return nil }
          lowering.emit(
            .divide(
              destination: register, left: left.register, right: right.register,
              shift: target - left.scale + right.scale + 1))
          return lowering.quotient(register, of: left, by: right)
        }
      })
  }

  private static func arithmetic(_ op: BinaryOperator, _ lhs: Value, _ rhs: Value, at span: SourceSpan)
    throws(EvaluationError) -> Value
  {
    switch (lhs, rhs) {
    case (.number(let a), .number(let b)):
      do {
        switch op {
        case .add: return .number(try a.adding(b))
        case .subtract: return .number(try a.subtracting(b))
        case .multiply: return .number(try a.multiplied(by: b))
        default: return .number(try a.quotient(by: b))
        }
      } catch .divisionByZero {
        throw EvaluationError("division by zero", at: span)
      } catch {
        throw EvaluationError("the result is too large", at: span)
      }
    case (.date(let date), .duration(let duration)), (.duration(let duration), .date(let date)):
      guard let moved = date.adding(duration, sign: op == .subtract ? -1 : 1) else {
        throw EvaluationError("the date falls outside the years 1 to 9999", at: span)
      }
      return .date(moved)
    case (.datetime(let instant), .duration(let duration)), (.duration(let duration), .datetime(let instant)):
      let sign: Int64 = op == .subtract ? -1 : 1
      guard !duration.isCalendar, let moved = instant.adding(milliseconds: sign * Int64(duration.magnitude))
      else {
        throw EvaluationError("the date and time falls outside the years 1 to 9999", at: span)
      }
      return .datetime(moved)
    case (.datetime(let later), .datetime(let earlier)):
      return .duration(LadderDuration(milliseconds: later.milliseconds - earlier.milliseconds))
    default:
      return .missing
    }
  }

  /// `int` and `decimal` mix; a percent adds to percents and scales by numbers; a date moves by
  /// a duration (L0307 for a percent mixed with a plain number, except the literal 0).
  private static func arithmeticType(
    _ op: BinaryOperator, _ checker: inout ExpressionChecker, _ typing: OperatorTyping
  ) -> ValueType? {
    let (lhs, rhs, expr) = (typing.operands[0], typing.operands[1], typing.expr)
    let (left, right) = (lhs.type.value, rhs.type.value)
    switch (op, left, right) {
    case (.add, .date, .duration), (.subtract, .date, .duration): return .date
    case (.add, .duration, .date): return .date
    case (.add, .datetime, .duration), (.subtract, .datetime, .duration), (.add, .duration, .datetime):
      // An instant moves by an exact length; a month has none.
      let duration = left == .duration ? lhs : rhs
      if case .constant(.duration(let value)) = duration.kind, value.isCalendar {
        checker.report(
          Diagnostic(
            .typeMismatch, "a date and time moves by minutes, hours, days or weeks, not by '\(value)'",
            at: expr.span, help: "a month has no fixed length; write e.g. 30d"))
        return nil
      }
      return .datetime
    case (.subtract, .datetime, .datetime): return .duration
    case (.subtract, .date, .date):
      checker.report(
        Diagnostic(
          .typeMismatch, "dates cannot be subtracted", at: expr.span,
          help:
            "use days_between(\(ExprPrinter.print(rhs.syntax)), \(ExprPrinter.print(lhs.syntax))) or months_between(…)"
        ))
      return nil
    default: break
    }
    guard left.isNumeric && right.isNumeric else {
      let help =
        left == .date && right.isNumber
        ? "add a duration, e.g. '\(ExprPrinter.print(lhs.syntax)) \(op.rawValue) 30d'" : nil
      checker.report(
        Diagnostic(
          .typeMismatch, "'\(op.rawValue)' cannot be applied to \(left) and \(right)", at: expr.span,
          label: "\(left) \(op.rawValue) \(right)", help: help))
      return nil
    }
    switch op {
    case .add, .subtract:
      if left == .percent && right == .percent { return .percent }
      if left == .percent || right == .percent {
        if ExpressionChecker.isZeroLiteral(lhs) || ExpressionChecker.isZeroLiteral(rhs) { return .percent }
        checker.report(
          Diagnostic(
            .percentMismatch, "'\(op.rawValue)' mixes a percent and a plain number", at: expr.span,
            label: "\(left) \(op.rawValue) \(right)", help: "write the number as a percent, e.g. '5%'"))
        return nil
      }
      return left == .int && right == .int ? .int : .decimal
    case .multiply:
      if left == .percent && right == .percent { return .percent }
      if left == .percent || right == .percent { return .decimal }
      return left == .int && right == .int ? .int : .decimal
    default:
      if left == .percent && right.isNumber { return .percent }
      return .decimal
    }
  }

  // MARK: - Comparison

  /// `== != < <= > >=`: numbers (percents with percents), dates, durations of one kind; text,
  /// enums, tiers and flags by equality only. Missing when either side is.
  static func comparison(_ op: BinaryOperator) -> Operator {
    Operator(
      symbol: op.rawValue,
      build: { operands in .comparison(op, operands[0], operands[1]) },
      typeRule: { checker, typing in
        let (lhs, rhs, expr) = (typing.operands[0], typing.operands[1], typing.expr)
        guard checker.comparable(lhs, rhs, expr, op: op.rawValue) else { return nil }
        let left = lhs.type.value
        let orderable: Bool
        switch left {
        case .bool, .string, .enumeration, .tier: orderable = false
        default: orderable = true
        }
        if !orderable && op != .equal && op != .notEqual {
          checker.report(
            Diagnostic(
              .typeMismatch, "'\(op.rawValue)' cannot order \(left) values", at: expr.span,
              help: "use '==' or '!='"))
          return nil
        }
        return LadderType(.bool, optional: typing.anyOptional)
      },
      scalar: { operation in
        let left = operation.operands[0]
        // A constant right-hand side (the usual threshold) is read once, not per record.
        if let constant = operation.checked[1].constantValue {
          return { frame throws(EvaluationError) in ValueOperations.comparison(op, try left(frame), constant)
          }
        }
        let right = operation.operands[1]
        return { frame throws(EvaluationError) in
          ValueOperations.comparison(op, try left(frame), try right(frame))
        }
      },
      kernel: { lowering, operands in
        guard let left = lowering.lowerScalar(operands[0]), let right = lowering.lowerScalar(operands[1])
        else {
          return nil
        }
        // Text, enums and tiers compare by code: equality only.
        if left.kind == .code && op != .equal && op != .notEqual { return nil }
        guard let (a, b) = lowering.aligned(left, right) else { return nil }
        let register = lowering.newRegister()
        if let constant = b.constant {
          lowering.emit(.compareConstant(op, destination: register, source: a.register, constant: constant))
        } else if let constant = a.constant {
          lowering.emit(
            .compareConstant(op.mirrored, destination: register, source: b.register, constant: constant))
        } else {
          lowering.emit(.compare(op, destination: register, left: a.register, right: b.register))
        }
        return .scalar(KernelOperand(register: register, kind: .boolean))
      })
  }

  /// `x between low and high` (both ends included), `x not between low and high`.
  static func between(negated: Bool) -> Operator {
    Operator(
      symbol: negated ? "not between" : "between",
      build: { operands in .between(operands[0], low: operands[1], high: operands[2], negated: negated) },
      typeRule: { checker, typing in
        for bound in typing.operands.dropFirst() {
          guard checker.comparable(typing.operands[0], bound, typing.expr, op: "between") else { return nil }
        }
        return LadderType(.bool, optional: typing.anyOptional)
      },
      scalar: { operation in
        let (item, lower, upper) = (operation.operands[0], operation.operands[1], operation.operands[2])
        return { frame throws(EvaluationError) in
          let x = try item(frame)
          guard let a = ValueOperations.compare(x, try lower(frame)),
            let b = ValueOperations.compare(x, try upper(frame))
          else { return .missing }
          return .bool((a >= 0 && b <= 0) != negated)
        }
      },
      kernel: { lowering, operands in
        guard let x = lowering.lowerScalar(operands[0]), let lo = lowering.lowerScalar(operands[1]),
          let hi = lowering.lowerScalar(operands[2]), x.kind != .code, lo.kind == x.kind, hi.kind == x.kind
        else { return nil }
        var values = [x, lo, hi]
        if x.kind == .number {
          let scale = max(x.scale, lo.scale, hi.scale)
          for index in values.indices {
            guard let wide = lowering.rescaled(values[index], to: scale) else { return nil }
            values[index] = wide
          }
        }
        let register = lowering.newRegister()
        lowering.emit(
          .between(
            destination: register, value: values[0].register, low: values[1].register,
            high: values[2].register,
            negated: negated))
        return .scalar(KernelOperand(register: register, kind: .boolean))
      })
  }

  /// `x in [a, b]`, `x not in list`: missing when `x` is.
  static func membership(negated: Bool) -> Operator {
    Operator(
      symbol: negated ? "not in" : "in",
      build: { operands in .membership(operands[0], operands[1], negated: negated) },
      typeRule: { checker, typing in
        if typing.hasUnknown { return nil }
        let (lhs, rhs, expr) = (typing.operands[0], typing.operands[1], typing.expr)
        guard case .list(let element) = rhs.type.value else {
          checker.report(
            Diagnostic(
              .typeMismatch, "'in' needs a list on its right, not \(rhs.type.value.withArticle)",
              at: typing.syntax[1].span, help: "write a list: x in [\"a\", \"b\"]"))
          return nil
        }
        if case .list(let items) = rhs.kind {
          for item in items where !checker.comparable(lhs, item, expr, op: "in") { return nil }
        } else if !element.isUnknown, ExpressionChecker.join(lhs.type.value, element) == nil {
          checker.report(
            Diagnostic(
              .typeMismatch, "cannot look for \(lhs.type.value.withArticle) in a list of \(element)",
              at: expr.span))
          return nil
        }
        return LadderType(.bool, optional: typing.anyOptional)
      },
      scalar: { operation in
        operation.strict { value, list, _ in
          guard !value.isMissing, case .list(let items) = list else { return .missing }
          let found = items.contains { ValueOperations.compare($0, value) == 0 }
          return .bool(found != negated)
        }
      },
      kernel: { lowering, operands in
        guard let item = lowering.lowerScalar(operands[0]),
          case .list(let items) = lowering.lower(operands[1])
        else { return nil }
        if item.kind == .code, items.contains(where: { $0.kind != .code }) { return nil }
        var registers: [Int] = []
        var subject = item
        if item.kind == .number {
          let scale = ([item.scale] + items.map(\.scale)).max() ?? 0
          guard let wider = lowering.rescaled(item, to: scale) else { return nil }
          subject = wider
          for element in items {
            guard let aligned = lowering.rescaled(element, to: scale) else { return nil }
            registers.append(aligned.register)
          }
        } else {
          guard items.allSatisfy({ $0.kind == item.kind }) else { return nil }
          registers = items.map(\.register)
        }
        let register = lowering.newRegister()
        lowering.emit(
          .membership(destination: register, value: subject.register, items: registers, negated: negated))
        return .scalar(KernelOperand(register: register, kind: .boolean))
      })
  }

  // MARK: - Logic and missing values

  /// `and` / `or`, three-valued: a deciding side (false for `and`, true for `or`) wins over a
  /// missing one; the right side is not evaluated when the left decides.
  static func logical(isAnd: Bool) -> Operator {
    let symbol = isAnd ? "and" : "or"
    return Operator(
      symbol: symbol,
      build: { operands in isAnd ? .and(operands[0], operands[1]) : .or(operands[0], operands[1]) },
      typeRule: { checker, typing in
        let leftOK = checker.expectBool(typing.operands[0], typing.syntax[0], "'\(symbol)'")
        let rightOK = checker.expectBool(typing.operands[1], typing.syntax[1], "'\(symbol)'")
        guard leftOK && rightOK else { return nil }
        return LadderType(.bool, optional: typing.anyOptional)
      },
      scalar: { operation in
        let (left, right) = (operation.operands[0], operation.operands[1])
        let deciding = Value.bool(!isAnd)
        return { frame throws(EvaluationError) in
          let a = try left(frame)
          if a == deciding { return a }
          let b = try right(frame)
          if b == deciding { return b }
          return a.isMissing || b.isMissing ? .missing : .bool(isAnd)
        }
      },
      kernel: { lowering, operands in
        guard let a = lowering.lowerScalar(operands[0]), let b = lowering.lowerScalar(operands[1]),
          a.kind == .boolean, b.kind == .boolean
        else { return nil }
        let register = lowering.newRegister()
        lowering.emit(
          isAnd
            ? .and(destination: register, left: a.register, right: b.register)
            : .or(destination: register, left: a.register, right: b.register))
        return .scalar(KernelOperand(register: register, kind: .boolean))
      })
  }

  /// `not x`: missing when `x` is.
  static let not = Operator(
    symbol: "not",
    build: { operands in .not(operands[0]) },
    typeRule: { checker, typing in
      guard checker.expectBool(typing.operands[0], typing.syntax[0], "'not'") else { return nil }
      return LadderType(.bool, optional: typing.anyOptional)
    },
    scalar: { operation in
      let inner = operation.operands[0]
      return { frame throws(EvaluationError) in
        if case .bool(let value) = try inner(frame) { return .bool(!value) }
        return .missing
      }
    },
    kernel: { lowering, operands in
      guard let value = lowering.lowerScalar(operands[0]), value.kind == .boolean else { return nil }
      let register = lowering.newRegister()
      lowering.emit(.not(destination: register, source: value.register))
      return .scalar(KernelOperand(register: register, kind: .boolean))
    })

  /// `-x`: the same decimals as `x`.
  static let negate = Operator(
    symbol: "-",
    build: { operands in .negate(operands[0]) },
    typeRule: { checker, typing in
      let operand = typing.operands[0]
      if !operand.type.value.isUnknown && !operand.type.value.isNumeric {
        checker.report(
          Diagnostic(.typeMismatch, "cannot negate \(operand.type.value.withArticle)", at: typing.expr.span))
        return nil
      }
      return operand.type
    },
    scalar: { operation in
      let inner = operation.operands[0]
      return { frame throws(EvaluationError) in
        if case .number(let value) = try inner(frame) { return .number(value.negated) }
        return .missing
      }
    },
    kernel: { lowering, operands in
      guard let value = lowering.lowerScalar(operands[0]), value.kind == .number else { return nil }
      let register = lowering.newRegister()
      lowering.emit(.negate(destination: register, source: value.register))
      return .scalar(
        KernelOperand(
          register: register, kind: .number, scale: value.scale, exactScale: value.exactScale,
          scaleRegister: value.scaleRegister))
    })

  /// `x ?? default`: `x` unless it is missing; the value taken keeps its own decimals.
  static let coalesce = Operator(
    symbol: "??",
    build: { operands in .coalesce(operands[0], operands[1]) },
    typeRule: { checker, typing in
      if typing.hasUnknown { return nil }
      let (lhs, rhs) = (typing.operands[0], typing.operands[1])
      let (lhsSyntax, rhsSyntax) = (typing.syntax[0], typing.syntax[1])
      if !lhs.type.isOptional {
        checker.report(
          Diagnostic(
            .neverMissing,
            "'\(ExprPrinter.print(lhsSyntax))' is never missing, so the default after '??' is never used",
            at: rhsSyntax.span, help: "remove '?? \(ExprPrinter.print(rhsSyntax))'"))
      }
      guard let joined = ExpressionChecker.join(lhs.type.value, rhs.type.value) else {
        checker.report(
          Diagnostic(
            .typeMismatch,
            "the default after '??' is \(rhs.type.value.withArticle), but the value is \(lhs.type.value.withArticle)",
            at: rhsSyntax.span, help: "give a default of the same type"))
        return nil
      }
      return LadderType(joined, optional: rhs.type.isOptional)
    },
    scalar: { operation in
      let (left, right) = (operation.operands[0], operation.operands[1])
      return { frame throws(EvaluationError) in
        let value = try left(frame)
        return value.isMissing ? try right(frame) : value
      }
    },
    kernel: { lowering, operands in
      guard let left = lowering.lowerScalar(operands[0]), let right = lowering.lowerScalar(operands[1]) else {
        return nil
      }
      let exact = KernelOperand.displaySame(left, right)
      guard let (a, b) = lowering.aligned(left, right) else { return nil }
      let register = lowering.newRegister()
      lowering.emit(.coalesce(destination: register, left: a.register, right: b.register))
      let result = KernelOperand(register: register, kind: a.kind, scale: a.scale, exactScale: exact)
      let (leftScale, rightScale) = (lowering.scaleSource(a), lowering.scaleSource(b))
      return lowering.withScale(result) { destination in
        guard let leftScale, let rightScale else { return nil }
        return .coalesceScale(destination: destination, value: a.register, left: leftScale, right: rightScale)
      }.map { .scalar($0) }
    })

  /// `x is missing`, `x is not missing`: never missing itself (L0302 when `x` never is).
  static func isMissing(negated: Bool) -> Operator {
    Operator(
      symbol: negated ? "is not missing" : "is missing",
      build: { operands in .isMissing(operands[0], negated: negated) },
      typeRule: { checker, typing in
        let operand = typing.operands[0]
        if !operand.type.value.isUnknown && !operand.type.isOptional {
          checker.report(
            Diagnostic(
              .neverMissing,
              "'\(ExprPrinter.print(typing.syntax[0]))' is never missing, so this test is always \(negated ? "true" : "false")",
              at: typing.expr.span,
              help: "remove the test, or declare the input 'optional: true' if it really can be empty"))
        }
        return LadderType(.bool)
      },
      scalar: { operation in
        let inner = operation.operands[0]
        return { frame throws(EvaluationError) in .bool(try inner(frame).isMissing != negated) }
      },
      kernel: { lowering, operands in
        guard let value = lowering.lowerScalar(operands[0]) else { return nil }
        let register = lowering.newRegister()
        lowering.emit(.isMissing(destination: register, source: value.register, negated: negated))
        return .scalar(KernelOperand(register: register, kind: .boolean))
      })
  }

  /// `if c then a else b`: `c` is a condition (checked as one, never missing); the branch taken
  /// keeps its own decimals.
  static let conditional = Operator(
    symbol: "if",
    build: { operands in .conditional(operands[0], then: operands[1], else: operands[2]) },
    typeRule: { checker, typing in
      let (then, otherwise) = (typing.operands[1], typing.operands[2])
      if then.type.value.isUnknown || otherwise.type.value.isUnknown { return nil }
      guard let joined = ExpressionChecker.join(then.type.value, otherwise.type.value) else {
        checker.report(
          Diagnostic(
            .typeMismatch,
            "'then' gives \(then.type.value.withArticle) but 'else' gives \(otherwise.type.value.withArticle)",
            at: typing.expr.span, help: "both branches of 'if' must give the same type"))
        return nil
      }
      return LadderType(joined, optional: then.type.isOptional || otherwise.type.isOptional)
    },
    scalar: { operation in
      let (test, yes, no) = (operation.operands[0], operation.operands[1], operation.operands[2])
      return { frame throws(EvaluationError) in
        try test(frame) == .bool(true) ? try yes(frame) : try no(frame)
      }
    },
    kernel: { lowering, operands in
      guard let test = lowering.lowerScalar(operands[0]), test.kind == .boolean,
        let yes = lowering.lowerScalar(operands[1]), let no = lowering.lowerScalar(operands[2])
      else { return nil }
      let exact = KernelOperand.displaySame(yes, no)
      guard let (a, b) = lowering.aligned(yes, no) else { return nil }
      let register = lowering.newRegister()
      lowering.emit(
        .select(destination: register, condition: test.register, left: a.register, right: b.register))
      let result = KernelOperand(register: register, kind: a.kind, scale: a.scale, exactScale: exact)
      let (leftScale, rightScale) = (lowering.scaleSource(a), lowering.scaleSource(b))
      return lowering.withScale(result) { destination in
        guard let leftScale, let rightScale else { return nil }
        return .select(destination: destination, condition: test.register, left: leftScale, right: rightScale)
      }.map { .scalar($0) }
    })
}
