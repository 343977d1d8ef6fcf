/// Checks a ``PolicySyntax`` completely and produces a ``CheckedPolicy``.
///
/// Every independent problem is reported in one run; the result is `nil` when any error was
/// found, so that nothing downstream ever sees an ill-typed policy.
public enum PolicyChecker {
  public static let reservedNames: Set<String> = ["as_of", "score", "tier", "otherwise", "inherits"]

  /// The fields every decision record carries (`Render/DecisionLayout`): the key input and the
  /// `output:` columns sit beside them, so they cannot take these names.
  public static let decisionFieldNames: Set<String> = [
    "tier", "label", "score", "flags", "review", "benefits", "as_of", "policy", "policy_version",
    "policy_sha256", "error", "trace",
  ]

  public static func check(_ syntax: PolicySyntax, into diagnostics: inout DiagnosticBag) -> CheckedPolicy? {
    var run = CheckRun(syntax: syntax)
    // Lints speak about policies that are otherwise sound; on a broken file they are noise.
    run.lintsEnabled = !diagnostics.hasErrors
    let policy = run.run()
    diagnostics.append(contentsOf: run.diagnostics)
    return run.diagnostics.hasErrors ? nil : policy
  }

  /// Reads and checks a file in one call: the usual entry point for tools and tests.
  /// `sources`: where calendar files the policy names are registered once read (relative to
  /// the policy's path); without it, a policy naming one is reported.
  public static func check(
    _ file: SourceFile, into diagnostics: inout DiagnosticBag, sources: SourceRegistry? = nil
  ) -> CheckedPolicy? {
    guard var syntax = PolicyReader.read(file, into: &diagnostics) else { return nil }
    PolicyReader.readCalendarFiles(&syntax, policy: file, sources: sources, into: &diagnostics)
    let checked = check(syntax, into: &diagnostics)
    return diagnostics.hasErrors ? nil : checked
  }
}

/// The state of checking one policy.
struct CheckRun {
  let syntax: PolicySyntax
  var diagnostics = DiagnosticBag()
  /// Whether the deep lints run (not when reading the file already found errors).
  var lintsEnabled = true
  /// The checked inputs by slot, once ``checkInputs()`` has run.
  var inputsBySlot: [Int: InputField] = [:]

  init(syntax: PolicySyntax) { self.syntax = syntax }

  mutating func report(_ diagnostic: Diagnostic) { diagnostics.add(diagnostic) }

  var recordName: String { syntax.recordName?.value ?? "customer" }

  mutating func run() -> CheckedPolicy? {
    guard checkSize() else { return nil }
    let inputs = checkInputs()
    inputsBySlot = Dictionary(uniqueKeysWithValues: inputs.map { ($0.slot, $0) })
    let keyInput = checkRecordKey(inputs)
    var scope = Scope(
      recordName: recordName,
      inputs: Dictionary(inputs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }), lets: [:])
    let (timeZone, calendars) = checkCalendars()
    scope.calendars = Dictionary(calendars.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    scope.brokenCalendars = Set(syntax.calendars.map(\.name.value)).subtracting(scope.calendars.keys)
    scope.scoreDeclared = syntax.score != nil
    let lets = checkLets(scope: &scope)
    let score = checkScore(scope: scope)
    // Tiers may use `score` whenever the policy declares a scorecard, even one with errors.
    scope.hasScore = syntax.score != nil
    let tiers = checkTiers(scope: scope)
    let benefits = checkBenefits(tiers: tiers)
    var triggerScope = scope
    triggerScope.tierIDs = tiers.map(\.id)
    let review = checkReview(tiers: tiers, scope: triggerScope, inputs: inputs)
    let serviceLevels = checkServiceLevels(scope: triggerScope)
    checkPopulationDependencies()

    guard let id = syntax.id?.value, let keyInput else { return nil }
    var policy = CheckedPolicy(
      file: syntax.file, id: id, version: syntax.version?.value ?? "", title: syntax.title?.value ?? id,
      description: syntax.description?.value, recordName: recordName, inputs: inputs, keyInput: keyInput,
      lets: lets,
      score: score, tiers: tiers, benefits: benefits, review: review)
    policy.tierOrder = syntax.tierOrder?.value ?? .bestFirst
    policy.timeZone = timeZone
    policy.calendars = calendars
    policy.includedFiles = syntax.includedFiles
    policy.serviceLevels = serviceLevels
    policy.lifecycle = checkLifecycle(review: review)
    let keyField = inputs[keyInput]
    if PolicyChecker.decisionFieldNames.contains(keyField.name) {
      report(decisionFieldClash(Located(keyField.name, at: keyField.span), kind: "the record key"))
    }
    var outputSpans: [String: SourceSpan] = [:]
    for output in syntax.outputs {
      if let first = outputSpans[output.value] {
        report(duplicate("output column", output.value, output.span, first))
        continue
      }
      outputSpans[output.value] = output.span
      if PolicyChecker.decisionFieldNames.contains(output.value) {
        report(decisionFieldClash(output, kind: "an output column"))
        continue
      }
      if let field = inputs.first(where: { $0.name == output.value }) {
        policy.outputs.append(
          OutputColumn(name: output.value, source: .input(slot: field.slot), type: field.type))
      } else if let item = lets.first(where: { $0.name == output.value }) {
        policy.outputs.append(
          OutputColumn(
            name: output.value, source: .letValue(slot: item.slot), type: item.expression.type.value))
      } else {
        report(
          Diagnostic(
            .unknownName, "unknown name '\(output.value)' in 'output'", at: output.span,
            label: "not an input or a let",
            help: Suggestions.help(
              for: output.value, candidates: inputs.map(\.name) + lets.map(\.name), kind: "the names")))
      }
    }
    policy.entitlements = syntax.entitlements.compactMap { entitlement in
      entitlement.better.map {
        CheckedEntitlement(name: entitlement.name.value, direction: $0.value == .lower ? .lower : .higher)
      }
    }
    if lintsEnabled && !diagnostics.hasErrors { runLints(policy) }
    if diagnostics.hasErrors { return nil }
    return policy
  }

  // MARK: - Inputs

  mutating func checkInputs() -> [InputField] {
    var fields: [InputField] = []
    var seen: [String: SourceSpan] = [:]
    for input in syntax.inputs {
      let name = input.name.value
      if let first = seen[name] {
        report(duplicate("input", name, input.name.span, first))
        continue
      }
      seen[name] = input.name.span
      if isReserved(input.name, kind: "an input") { continue }
      guard let typeSyntax = input.type else { continue }
      let type = valueType(typeSyntax.value, name: name, values: input.values.map(\.value))
      var field = InputField(
        slot: fields.count, name: name, span: input.name.span, type: type, isOptional: input.isOptional,
        isKey: input.isKey,
        isPersonal: input.isPersonal, minimum: nil, maximum: nil, minimumLength: input.minimumLength?.value,
        maximumLength: input.maximumLength?.value, scale: input.scale?.value,
        description: input.description?.value)
      field.isInformational = input.isInformational
      field.isActionable = input.isActionable
      if let length = input.length {
        if input.minimumLength != nil || input.maximumLength != nil {
          report(
            Diagnostic(
              .invalidBounds, "input '\(name)' has both 'length' and 'min_length'/'max_length'",
              at: length.span,
              help: "'length: n' fixes the length; remove the other bounds"))
        }
        field.minimumLength = length.value
        field.maximumLength = length.value
      }
      checkBounds(input, typeSyntax, &field)
      fields.append(field)
    }
    return fields
  }

  func valueType(_ syntax: InputTypeSyntax, name: String, values: [String]) -> ValueType {
    switch syntax {
    case .string: .string
    case .int: .int
    case .decimal: .decimal
    case .percent: .percent
    case .bool: .bool
    case .date: .date
    case .datetime: .datetime
    case .enumeration: .enumeration(name: name, values: values)
    case .list(let element): .list(valueType(element, name: name, values: values))
    }
  }

  mutating func checkBounds(
    _ input: InputSyntax, _ typeSyntax: Located<InputTypeSyntax>, _ field: inout InputField
  ) {
    let name = input.name.value
    let type = field.type
    let isList: Bool
    if case .list = type { isList = true } else { isList = false }
    let element: ValueType
    if case .list(let inner) = type { element = inner } else { element = type }

    if case .enumeration = type {
      if input.values.isEmpty {
        report(
          Diagnostic(
            .invalidBounds, "enum input '\(name)' lists no values", at: typeSyntax.span,
            help: "add 'values: [a, b, c]'"))
      }
      var seen: Set<String> = []
      for value in input.values where !seen.insert(value.value).inserted {
        report(Diagnostic(.invalidBounds, "enum value '\(value.value)' is listed twice", at: value.span))
      }
    } else if let first = input.values.first {
      report(
        Diagnostic(
          .invalidBounds, "'values' applies only to enum inputs", at: first.span,
          help: "declare 'type: enum' to restrict '\(name)' to these values"))
    }
    if !isList, let span = input.length?.span ?? input.minimumLength?.span ?? input.maximumLength?.span {
      report(Diagnostic(.invalidBounds, "length bounds apply only to list inputs", at: span))
    }
    if let scale = input.scale, element != .decimal && element != .percent {
      report(Diagnostic(.invalidBounds, "'scale' applies only to decimal and percent inputs", at: scale.span))
    }
    if input.isKey {
      if type != .string && type != .int {
        report(
          Diagnostic(
            .recordKey, "the key input '\(name)' must be a string or an int, not \(type.withArticle)",
            at: typeSyntax.span))
      }
      if input.isOptional {
        report(
          Diagnostic(
            .recordKey, "the key input '\(name)' cannot be optional", at: input.name.span,
            help: "every record needs its key"))
      }
    }
    var bounds: [Value?] = []
    for (bound, label) in [(input.minimum, "min"), (input.maximum, "max")] {
      guard let bound else {
        bounds.append(nil)
        continue
      }
      guard element.isNumeric || element == .date else {
        report(
          Diagnostic(.invalidBounds, "'\(label)' applies only to numbers, percents and dates", at: bound.span)
        )
        bounds.append(nil)
        continue
      }
      let literalType: ValueType?
      let value: Value?
      switch bound.ungrouped.kind {
      case .literal(.number(let number, let isInteger)):
        (literalType, value) = (isInteger ? .int : .decimal, .number(number))
      case .literal(.percent(let number)): (literalType, value) = (.percent, .number(number))
      case .literal(.date(let date)): (literalType, value) = (.date, .date(date))
      case .error: (literalType, value) = (nil, nil)
      default:
        report(
          Diagnostic(
            .invalidBounds, "'\(label)' must be a literal value", at: bound.span,
            help: "e.g. 'min: 0' or 'min: 0%'"))
        (literalType, value) = (nil, nil)
      }
      if let literalType, let value {
        let fits =
          (element.isNumber && literalType.isNumber) || (element == .percent && literalType == .percent)
          || (element == .percent && value == .number(.zero)) || (element == .date && literalType == .date)
          || (element == .int && literalType == .int)
        if !fits || (element == .int && literalType == .decimal) {
          let code: DiagnosticCode =
            element == .percent || literalType == .percent ? .percentMismatch : .invalidBounds
          report(
            Diagnostic(
              code, "'\(label)' of \(element) input '\(name)' is \(literalType.withArticle)", at: bound.span,
              help: element == .percent
                ? "write the bound as a percent, e.g. '0%'" : "write \(element.withArticle) bound"))
          bounds.append(nil)
          continue
        }
      }
      bounds.append(value)
    }
    field.minimum = bounds.first ?? nil
    field.maximum = bounds.count > 1 ? bounds[1] : nil
    if let low = field.minimum, let high = field.maximum, Self.compare(low, high) == 1,
      let span = input.maximum?.span
    {
      report(
        Diagnostic(
          .invalidBounds, "the 'max' of input '\(name)' is below its 'min'", at: span,
          help: "swap the two bounds, or fix one of them"))
    }
    if let low = field.minimumLength, let high = field.maximumLength, low > high,
      let span = input.maximumLength?.span
    {
      report(
        Diagnostic(.invalidBounds, "the 'max_length' of input '\(name)' is below its 'min_length'", at: span))
    }
  }

  /// Orders two bound values of the same kind: -1, 0, 1; `nil` when they are not comparable.
  static func compare(_ lhs: Value, _ rhs: Value) -> Int? {
    switch (lhs, rhs) {
    case (.number(let a), .number(let b)): a < b ? -1 : a == b ? 0 : 1
    case (.date(let a), .date(let b)): a < b ? -1 : a == b ? 0 : 1
    default: nil
    }
  }

  mutating func checkRecordKey(_ inputs: [InputField]) -> Int? {
    let keys = inputs.filter(\.isKey)
    guard syntax.sectionSpans["inputs"] != nil else { return nil }
    if keys.isEmpty {
      report(
        Diagnostic(
          .recordKey, "no input is marked 'key: true'", at: syntax.sectionSpans["inputs"],
          help:
            "mark the field that identifies a \(recordName), e.g. 'customer_id: { type: string, key: true }'")
      )
      return nil
    }
    for extra in keys.dropFirst() {
      report(
        Diagnostic(
          .recordKey, "input '\(extra.name)' is a second key", at: extra.span,
          notes: [Diagnostic.Note("the first key is '\(keys[0].name)'", at: keys[0].span)],
          help: "a record has one key; remove 'key: true' from all but one input"))
    }
    return keys[0].slot
  }

  /// Reports a name that collides with a built-in (`score`, `tier`, `as_of`, …).
  mutating func isReserved(_ name: Located<String>, kind: String) -> Bool {
    guard PolicyChecker.reservedNames.contains(name.value) else { return false }
    report(
      Diagnostic(
        .duplicateID, "'\(name.value)' is a built-in name and cannot name \(kind)", at: name.span,
        help: "choose another name, e.g. '\(name.value)_value'"))
    return true
  }

  /// A key or output column named like a field of every decision (`flags`, `policy`, …): the
  /// decision would have two fields of that name.
  func decisionFieldClash(_ name: Located<String>, kind: String) -> Diagnostic {
    Diagnostic(
      .duplicateID, "'\(name.value)' is a field of every decision and cannot be \(kind)", at: name.span,
      label: "a decision already has '\(name.value)'",
      help: "rename the input or let, e.g. '\(name.value)_value'")
  }

  func duplicate(_ kind: String, _ name: String, _ span: SourceSpan, _ first: SourceSpan) -> Diagnostic {
    Diagnostic(
      .duplicateID, "\(kind) '\(name)' is declared twice", at: span, label: "second declaration",
      notes: [Diagnostic.Note("first declared here", at: first)], help: "rename or remove one of them")
  }
}
