/// The names an expression may use where it appears.
struct Scope {
  var recordName: String
  var inputs: [String: InputField]
  var lets: [String: (slot: Int, type: LadderType)]
  /// Lets that exist but could not be typed (a cycle or an error): uses are not reported again.
  var untypedLets: Set<String> = []
  /// `score` is usable (tiers and triggers of a policy with a scorecard).
  var hasScore = false
  /// `score` exists in the policy but not here (inside lets and points).
  var scoreDeclared = false
  var scoreDecimals = 2
  /// `tier` is usable (triggers); its ids.
  var tierIDs: [String]?
  /// The policy's business calendars, which the clock built-ins name (`in: support_cn`).
  var calendars: [String: BusinessCalendar] = [:]
  /// Calendars declared with errors (already reported): uses are not reported again.
  var brokenCalendars: Set<String> = []

  var allNames: [String] {
    var names = Array(inputs.keys) + Array(lets.keys) + Array(calendars.keys) + ["as_of"]
    if hasScore { names.append("score") }
    if tierIDs != nil { names.append("tier") }
    return names.sorted()
  }
}

/// Types expressions against a ``Scope`` and resolves their names.
///
/// Typing rules, as documented in docs/language.md:
/// - `int` and `decimal` mix freely; `percent` is its own kind: percent ± percent, percent × number,
///   comparisons percent with percent. Mixing a percent with a plain number is an error (L0307),
///   except with the literal 0.
/// - Anything computed from a value that may be missing may itself be missing, except through
///   `??`, `is missing`, and `and`/`or` whose other side decides (three-valued logic).
struct ExpressionChecker {
  var scope: Scope
  var diagnostics: DiagnosticBag

  init(scope: Scope, diagnostics: DiagnosticBag = DiagnosticBag()) {
    self.scope = scope
    self.diagnostics = diagnostics
  }

  mutating func report(_ diagnostic: Diagnostic) { diagnostics.add(diagnostic) }

  private func make(_ kind: CheckedExpr.Kind, _ type: LadderType, _ syntax: Expr) -> CheckedExpr {
    CheckedExpr(kind: kind, type: type, span: syntax.span, syntax: syntax)
  }

  private func invalid(_ syntax: Expr) -> CheckedExpr { make(.invalid, .unknown, syntax) }

  /// Checks a condition: it must be a boolean that is never missing.
  mutating func checkCondition(_ expr: Expr, what: String) -> CheckedExpr {
    let checked = check(expr)
    guard !checked.type.value.isUnknown else { return checked }
    if checked.type.value != .bool {
      report(
        Diagnostic(
          .notACondition, "the \(what) is \(checked.type.value.withArticle), not true/false", at: expr.span,
          help: "compare it with something, e.g. 'x >= 10'"))
      return invalid(expr)
    }
    if checked.type.isOptional {
      report(missingDiagnostic(expr, checked, what: what))
    }
    return checked
  }

  /// Checks a value that must be a number (or percent) that is never missing.
  mutating func checkRequiredNumber(_ expr: Expr, what: String) -> CheckedExpr {
    let checked = check(expr)
    guard !checked.type.value.isUnknown else { return checked }
    if !checked.type.value.isNumeric {
      report(
        Diagnostic(
          .typeMismatch, "the \(what) is \(checked.type.value.withArticle), not a number", at: expr.span,
          help: "points are numbers from 0 to 100"))
      return invalid(expr)
    }
    if checked.type.isOptional { report(missingDiagnostic(expr, checked, what: what)) }
    return checked
  }

  func missingDiagnostic(_ expr: Expr, _ checked: CheckedExpr, what: String) -> Diagnostic {
    let causes = optionalNames(in: checked)
    let because =
      causes.isEmpty ? "" : " when \(causes.map { "'\($0)'" }.joined(separator: " or ")) is missing"
    return Diagnostic(
      .mayBeMissing, "the \(what) has no value\(because)", at: expr.span,
      help: "supply a default with '??' (e.g. 'x ?? 0') or test it first with 'x is missing'")
  }

  /// The optional inputs and lets an expression reads, for the may-be-missing message.
  private func optionalNames(in checked: CheckedExpr) -> [String] {
    var names: [String] = []
    checked.syntax.visit { node in
      guard case .name(let name) = node.kind else { return }
      let optional = scope.inputs[name]?.isOptional ?? scope.lets[name]?.type.isOptional ?? false
      if optional && !names.contains(name) { names.append(name) }
    }
    return names
  }

  // MARK: - Expressions

  mutating func check(_ expr: Expr) -> CheckedExpr {
    switch expr.kind {
    case .error:
      return invalid(expr)
    case .group(let inner):
      var checked = check(inner)
      checked.syntax = expr
      checked.span = expr.span
      return checked
    case .literal(let literal):
      return checkLiteral(literal, expr)
    case .name(let name):
      return checkName(name, expr)
    case .unary(let op, let operand):
      return apply(op == .negate ? .negate : .not, [operand], expr)
    case .binary(let op, let lhs, let rhs):
      return apply(.binary(op), [lhs, rhs], expr)
    case .between(let value, let low, let high, let negated):
      return apply(.between(negated: negated), [value, low, high], expr)
    case .isMissing(let operand, let negated):
      return apply(.isMissing(negated: negated), [operand], expr)
    case .call(let name, let nameSpan, let arguments):
      return checkCall(name, nameSpan, arguments, expr)
    case .index(let base, let index):
      return checkIndex(base, index, expr)
    case .list(let elements):
      let checked = elements.map { check($0) }
      var element: ValueType = .unknown
      for (item, syntax) in zip(checked, elements) where !item.type.value.isUnknown {
        if element.isUnknown {
          element = item.type.value
        } else if let joined = Self.join(element, item.type.value) {
          element = joined
        } else {
          report(
            Diagnostic(
              .typeMismatch, "a list mixes \(element) and \(item.type.value) values", at: syntax.span,
              help: "every element of a list has the same type"))
          return invalid(expr)
        }
        if item.type.isOptional {
          report(missingDiagnostic(syntax, item, what: "list element"))
        }
      }
      return make(.list(checked), LadderType(.list(element)), expr)
    case .conditional(let condition, let then, let otherwise):
      let test = checkCondition(condition, what: "condition of 'if'")
      return apply(.conditional, [then, otherwise], expr, checkedFirst: [test], syntaxFirst: [condition])
    }
  }

  /// Checks an operator's operands and asks its entry (`Builtins/Operators.swift`) for the type.
  private mutating func apply(
    _ op: Operator, _ operandSyntax: [Expr], _ expr: Expr, checkedFirst: [CheckedExpr] = [],
    syntaxFirst: [Expr] = []
  ) -> CheckedExpr {
    let operands = checkedFirst + operandSyntax.map { check($0) }
    let typing = OperatorTyping(operands: operands, syntax: syntaxFirst + operandSyntax, expr: expr)
    guard let type = op.typeRule(&self, typing) else { return invalid(expr) }
    return make(op.build(operands), type, expr)
  }

  private func checkLiteral(_ literal: Literal, _ expr: Expr) -> CheckedExpr {
    switch literal {
    case .number(let value, let isInteger):
      return make(.constant(.number(value)), LadderType(isInteger ? .int : .decimal), expr)
    case .percent(let value): return make(.constant(.number(value)), LadderType(.percent), expr)
    case .duration(let value): return make(.constant(.duration(value)), LadderType(.duration), expr)
    case .date(let value): return make(.constant(.date(value)), LadderType(.date), expr)
    case .string(let value): return make(.constant(.string(value)), LadderType(.string), expr)
    case .bool(let value): return make(.constant(.bool(value)), LadderType(.bool), expr)
    }
  }

  private mutating func checkName(_ name: String, _ expr: Expr) -> CheckedExpr {
    if let input = scope.inputs[name] {
      return make(.input(slot: input.slot), LadderType(input.type, optional: input.isOptional), expr)
    }
    if let binding = scope.lets[name] { return make(.letValue(slot: binding.slot), binding.type, expr) }
    if scope.untypedLets.contains(name) { return invalid(expr) }
    if let calendar = scope.calendars[name] {
      return make(.constant(.calendar(calendar)), LadderType(.calendar), expr)
    }
    if scope.brokenCalendars.contains(name) { return invalid(expr) }
    switch name {
    case "as_of": return make(.asOf, LadderType(.date), expr)
    case "score" where scope.hasScore: return make(.score, LadderType(.decimal), expr)
    case "tier" where scope.tierIDs != nil:
      return make(.tier, LadderType(.tier(ids: scope.tierIDs ?? [])), expr)
    default: break
    }
    if let tiers = scope.tierIDs, tiers.contains(name) {
      report(
        Diagnostic(
          .unknownName, "unknown name '\(name)'", at: expr.span, label: "a tier id, not a value",
          help: "compare the tier with a string: tier == \"\(name)\""))
      return invalid(expr)
    }
    var help = Suggestions.help(for: name, candidates: scope.allNames, kind: "the names in scope")
    var label = "not a field of record '\(scope.recordName)'"
    if name == "score" {
      label = "the score is not known here"
      help =
        scope.scoreDeclared
        ? "'score' is usable in tier conditions and triggers, not in lets or points"
        : "the policy has no 'score' section; add a scorecard to use 'score'"
    } else if name == "tier" {
      label = "the tier is not known here"
      help = "'tier' is usable in triggers only, after the tier is decided"
    } else if Builtin.named(name) != nil {
      help = "'\(name)' is a function; call it with arguments: \(name)(…)"
    }
    report(Diagnostic(.unknownName, "unknown name '\(name)'", at: expr.span, label: label, help: help))
    return invalid(expr)
  }

  mutating func expectBool(_ checked: CheckedExpr, _ syntax: Expr, _ context: String) -> Bool {
    if checked.type.value.isUnknown { return false }
    guard checked.type.value == .bool else {
      report(
        Diagnostic(
          .typeMismatch,
          "\(context) needs true/false, but '\(ExprPrinter.print(syntax))' is \(checked.type.value.withArticle)",
          at: syntax.span, help: "compare the value with something, e.g. '\(ExprPrinter.print(syntax)) > 0'"))
      return false
    }
    return true
  }

  /// The common type of two values of compatible types (int and decimal give decimal).
  static func join(_ lhs: ValueType, _ rhs: ValueType) -> ValueType? {
    if lhs == rhs { return lhs }
    if lhs.isUnknown { return rhs }
    if rhs.isUnknown { return lhs }
    if lhs.isNumber && rhs.isNumber { return .decimal }
    if case .enumeration = lhs, rhs == .string { return lhs }
    if case .enumeration = rhs, lhs == .string { return rhs }
    if case .list(let left) = lhs, case .list(let right) = rhs, let element = join(left, right) {
      return .list(element)
    }
    return nil
  }

  static func isZeroLiteral(_ checked: CheckedExpr) -> Bool {
    if case .constant(.number(let value)) = checked.kind, value.isZero { return true }
    return false
  }

  /// Whether two operands can be compared; reports why not.
  mutating func comparable(_ lhs: CheckedExpr, _ rhs: CheckedExpr, _ expr: Expr, op: String) -> Bool {
    let left = lhs.type.value
    let right = rhs.type.value
    if left.isUnknown || right.isUnknown { return false }
    if left.isNumber && right.isNumber { return true }
    if left == .percent && right == .percent { return true }
    if (left == .percent && right.isNumber) || (left.isNumber && right == .percent) {
      if Self.isZeroLiteral(lhs) || Self.isZeroLiteral(rhs) { return true }
      let number = left == .percent ? rhs : lhs
      let percent = left == .percent ? lhs : rhs
      let numberText = ExprPrinter.print(number.syntax.ungrouped)
      var help: String
      if case .constant(.number(let value)) = number.kind {
        // 0.8 was meant as a fraction, 80 as a percent.
        let asPercent =
          value.magnitude <= FixedDecimal(1) ? (try? value.multiplied(by: .hundred)) ?? value : value
        help = "write '\(asPercent.normalized)%'"
      } else if case .constant(.number(let share)) = percent.kind {
        // The plain number is a ratio held in a field or a let: the fix is on its side.
        help =
          "'\(numberText)' is a plain number: compare it with \(share.normalized) (\(share.percentDescription) as a fraction), or declare it 'type: percent' if it holds a share"
      } else {
        help =
          "'\(ExprPrinter.print(percent.syntax.ungrouped)) * 100' is a plain number, or declare '\(numberText)' 'type: percent' if it holds a share"
      }
      report(
        Diagnostic(
          .percentMismatch, "'\(op)' compares a percent with a plain number", at: expr.span,
          label: "\(left) \(op) \(right)", help: help))
      return false
    }
    if left == .duration && right == .duration {
      if case .constant(.duration(let a)) = lhs.kind, case .constant(.duration(let b)) = rhs.kind,
        a.compare(b) == nil
      {
        report(
          Diagnostic(
            .typeMismatch, "months and years cannot be compared with hours, days or weeks", at: expr.span,
            help: "a month is not a fixed number of days; use the same kind of unit on both sides"))
        return false
      }
      return true
    }
    if left == right, [.date, .datetime, .string, .bool].contains(left) { return true }
    if case .enumeration(let name, let values) = left, right == .string || left == right {
      return checkEnumLiteral(rhs, name: name, values: values)
    }
    if case .enumeration(let name, let values) = right, left == .string {
      return checkEnumLiteral(lhs, name: name, values: values)
    }
    if case .tier(let ids) = left, right == .string {
      return checkEnumLiteral(rhs, name: "tier", values: ids)
    }
    if case .tier(let ids) = right, left == .string {
      return checkEnumLiteral(lhs, name: "tier", values: ids)
    }
    report(
      Diagnostic(
        .typeMismatch, "cannot compare \(left.withArticle) with \(right.withArticle)", at: expr.span,
        label: "\(left) \(op) \(right)",
        help: left == .date || right == .date
          ? "compare dates with dates, e.g. 'last_purchase >= 2024-01-01'" : nil))
    return false
  }

  private mutating func checkEnumLiteral(_ checked: CheckedExpr, name: String, values: [String]) -> Bool {
    guard case .constant(.string(let text)) = checked.kind else { return true }
    if values.contains(text) { return true }
    report(
      Diagnostic(
        .unknownEnumValue, "\"\(text)\" is not a value of \(name == "tier" ? "tier" : "enum '\(name)'")",
        at: checked.span,
        help: Suggestions.help(for: text, candidates: values, kind: "the values")))
    return false
  }

  private mutating func checkIndex(_ baseSyntax: Expr, _ indexSyntax: Expr, _ expr: Expr) -> CheckedExpr {
    let base = check(baseSyntax)
    let index = check(indexSyntax)
    if base.type.value.isUnknown || index.type.value.isUnknown { return invalid(expr) }
    guard case .list(let element) = base.type.value else {
      report(
        Diagnostic(
          .typeMismatch, "only a list can be indexed, not \(base.type.value.withArticle)", at: baseSyntax.span
        ))
      return invalid(expr)
    }
    guard index.type.value == .int else {
      report(
        Diagnostic(
          .typeMismatch, "a list index must be a whole number, not \(index.type.value.withArticle)",
          at: indexSyntax.span))
      return invalid(expr)
    }
    var optional = true
    if case .constant(.number(let value)) = index.kind, let position = value.integerValue,
      let length = staticLength(of: base)
    {
      if position >= length || position < -length {
        report(
          Diagnostic(
            .indexOutOfRange, "index \(position) is outside a list of \(length) elements",
            at: indexSyntax.span,
            help: "indexes run from 0 to \(length - 1), or from -1 (the last) to -\(length) (the first)"))
        return invalid(expr)
      }
      optional = base.type.isOptional || index.type.isOptional
    }
    return make(.index(base, index), LadderType(element, optional: optional), expr)
  }

  /// How many of a list argument's elements are there in every record (see
  /// ``BuiltinCall/presentElements``).
  private func presentElements(_ checked: CheckedExpr) -> Int {
    switch checked.kind {
    case .input(let slot): scope.inputs.values.first { $0.slot == slot }?.minimumLength ?? 0
    case .list(let items): items.count
    default: 0
    }
  }

  /// The length of a list known at check time: a list input of fixed length or a list literal.
  private func staticLength(of checked: CheckedExpr) -> Int? {
    switch checked.kind {
    case .input(let slot): return scope.inputs.values.first { $0.slot == slot }?.fixedLength
    case .list(let items): return items.count
    default: return nil
    }
  }

  // MARK: - Calls

  private mutating func checkCall(
    _ name: String, _ nameSpan: SourceSpan, _ argumentSyntax: [Expr], _ expr: Expr
  ) -> CheckedExpr {
    guard let builtin = Builtin.named(name) else {
      report(
        Diagnostic(
          .badCall, "unknown function '\(name)'", at: nameSpan,
          help: Suggestions.help(for: name, candidates: Builtin.all.map(\.name), kind: "the functions")))
      return invalid(expr)
    }
    let arguments = argumentSyntax.map { check($0) }
    if arguments.contains(where: { $0.type.value.isUnknown }) { return invalid(expr) }
    // The built-in's own type rule (Builtins.swift) decides.
    let call = BuiltinCall(
      name: name, arguments: arguments, span: expr.span, presentElements: arguments.map(presentElements))
    switch builtin.typeRule(call) {
    case .success(let type):
      return make(.call(builtin, arguments), type, expr)
    case .failure(let problem):
      report(Diagnostic(problem.code, problem.message, at: problem.span ?? expr.span, help: problem.help))
      return invalid(expr)
    }
  }
}
