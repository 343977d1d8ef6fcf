import Yams

/// The walk over one policy document. Separate from ``PolicyReader`` so that the file and the
/// findings travel together without being passed to every function.
struct Reader {
  let file: SourceFile
  var diagnostics = DiagnosticBag()
  /// Offsets where a flow mapping's comma cut an expression short: the "keys" YAML found after
  /// such a point are fragments of the expression, not misspellings, and are not reported.
  var flowSplitPoints: [Int] = []

  init(file: SourceFile) { self.file = file }

  // MARK: - Node helpers

  func start(of node: Node) -> Int { PolicyReader.offset(of: node.mark, in: file) }

  /// The text of a scalar as it stands in the file, with its map back to file offsets.
  func source(of scalar: Node.Scalar) -> ExpressionSource {
    var start = PolicyReader.offset(of: scalar.mark, in: file)
    let bytes = file.bytes
    switch scalar.style {
    case .singleQuoted, .doubleQuoted:
      start += 1
    case .literal, .folded:
      // The text starts on the line after the `|` or `>` header.
      while start < bytes.count && bytes[start] != UInt8(ascii: "\n") { start += 1 }
      start = min(bytes.count, start + 1)
    default:
      break
    }
    let value = Array(scalar.string.utf8)
    var offsets: [UInt32] = []
    offsets.reserveCapacity(value.count + 1)
    var sourceIndex = start
    var valueIndex = 0
    // Walk the value and the file side by side: equal bytes advance both; white space, line
    // breaks, quotes and escapes that YAML removed or folded are skipped in the file.
    while valueIndex < value.count {
      let wanted = value[valueIndex]
      if sourceIndex < bytes.count && bytes[sourceIndex] == wanted {
        offsets.append(UInt32(sourceIndex))
        sourceIndex += 1
        valueIndex += 1
      } else if sourceIndex < bytes.count,
        [UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\\"), UInt8(ascii: "'")]
          .contains(
            bytes[sourceIndex]), sourceIndex - start < value.count * 4 + 64
      {
        sourceIndex += 1
      } else {
        // Out of step (an escape such as \u4e2d): map what is left to where we are.
        offsets.append(UInt32(min(sourceIndex, bytes.count)))
        valueIndex += 1
      }
    }
    offsets.append(UInt32(min(sourceIndex, bytes.count)))
    return ExpressionSource(text: scalar.string, file: file.id, fileOffsets: offsets)
  }

  func span(of node: Node) -> SourceSpan {
    switch node {
    case .scalar(let scalar):
      let text = source(of: scalar)
      var span = text.wholeSpan
      if scalar.string.isEmpty { span = file.span(start(of: node), start(of: node)) }
      if scalar.style == .singleQuoted || scalar.style == .doubleQuoted {
        // The quotes too; an empty string at the very start of the file has no byte before it.
        span = SourceSpan(
          file: file.id, start: span.start > 0 ? span.start - 1 : 0,
          end: min(span.end + 1, UInt32(clamping: file.bytes.count)))
      }
      return span
    default:
      return PolicyReader.lineSpan(file, start(of: node))
    }
  }

  static func isNull(_ node: Node) -> Bool {
    guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else {
      return false
    }
    return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
  }

  static func shapeName(_ node: Node) -> String {
    switch node {
    case .scalar: isNull(node) ? "an empty value" : "a single value"
    case .mapping: "a mapping"
    case .sequence: "a list"
    case .alias: "an alias"
    }
  }

  mutating func report(_ diagnostic: Diagnostic) { diagnostics.add(diagnostic) }

  mutating func wrongShape(_ node: Node, expected: String, for what: String, help: String? = nil) {
    report(
      Diagnostic(
        .wrongShape, "\(what) must be \(expected), not \(Self.shapeName(node))", at: span(of: node),
        help: help))
  }

  /// Walks the entries of a mapping whose keys are plain scalars; other keys are reported.
  mutating func forEachScalarKey(
    _ node: Node, of what: String, expected: String, _ body: (inout Reader, Located<String>, Node) -> Void
  ) {
    guard case .mapping(let mapping) = node else {
      wrongShape(node, expected: expected, for: what)
      return
    }
    for (keyNode, value) in mapping {
      guard case .scalar(let key) = keyNode else {
        wrongShape(keyNode, expected: "a name", for: "a key in \(what)")
        continue
      }
      body(&self, Located(key.string, at: span(of: keyNode)), value)
    }
  }

  /// Walks a mapping whose keys are fixed words, reporting unknown keys with a suggestion.
  mutating func forEachKnownKey(
    _ node: Node, of what: String, allowed: [String], _ body: (inout Reader, String, SourceSpan, Node) -> Void
  ) {
    forEachScalarKey(node, of: what, expected: "a mapping") { reader, key, value in
      reader.visitKnownKey(key, value, of: what, allowed: allowed, body)
    }
  }

  private mutating func visitKnownKey(
    _ key: Located<String>, _ value: Node, of what: String, allowed: [String],
    _ body: (inout Reader, String, SourceSpan, Node) -> Void
  ) {
    guard allowed.contains(key.value) else {
      if isFragmentOfSplitExpression(key.span) { return }
      report(
        Diagnostic(
          .unknownKey, "unknown key '\(key.value)' in \(what)", at: key.span,
          help: Suggestions.help(for: key.value, candidates: allowed, kind: "the keys of \(what)")))
      return
    }
    body(&self, key.value, key.span, value)
  }

  /// Walks a mapping whose keys are names the author chooses (inputs, lets, components).
  mutating func forEachNamedEntry(
    _ node: Node, of what: String, _ body: (inout Reader, Located<String>, Node) -> Void
  ) {
    if Self.isNull(node) { return }
    forEachScalarKey(node, of: what, expected: "a mapping of names") { reader, name, value in
      if reader.checkIdentifier(name, kind: what) { body(&reader, name, value) }
    }
  }

  /// Names are ASCII identifiers so that expressions can refer to them; labels carry any language.
  @discardableResult
  mutating func checkIdentifier(_ name: Located<String>, kind: String) -> Bool {
    let bytes = Array(name.value.utf8)
    let valid =
      !bytes.isEmpty && bytes.count <= 64
      && bytes.enumerated().allSatisfy { index, byte in
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
          || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
          || byte == UInt8(ascii: "_")
          || (index > 0
            && ((byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")))
      }
    if valid, Keyword(rawValue: name.value) == nil { return true }
    let reason =
      Keyword(rawValue: name.value) != nil ? "is a keyword of the expression language" : "is not a valid name"
    report(
      Diagnostic(
        .invalidIdentifier, "'\(name.value)' \(reason)", at: name.span,
        help:
          "names in \(kind) use ASCII letters, digits, '_' and '-' (1–64 characters, starting with a letter or '_'); put other text in a label"
      ))
    return false
  }

  mutating func scalarString(_ node: Node, for what: String) -> Located<String>? {
    guard case .scalar(let scalar) = node, !Self.isNull(node) else {
      wrongShape(node, expected: "a single value", for: what)
      return nil
    }
    return Located(scalar.string, at: span(of: node))
  }

  mutating func bool(_ node: Node, for what: String) -> Located<Bool>? {
    guard let text = scalarString(node, for: what) else { return nil }
    switch text.value {
    case "true": return Located(true, at: text.span)
    case "false": return Located(false, at: text.span)
    default:
      report(
        Diagnostic(
          .invalidValue, "\(what) must be true or false, not '\(text.value)'", at: text.span,
          help: "write 'true' or 'false'"))
      return nil
    }
  }

  mutating func integer(_ node: Node, for what: String, range: ClosedRange<Int>) -> Located<Int>? {
    guard let text = scalarString(node, for: what) else { return nil }
    guard let value = Int(text.value.replacingOccurrences(of: "_", with: "")), range.contains(value) else {
      report(
        Diagnostic(
          .invalidValue,
          "\(what) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text.value)'",
          at: text.span))
      return nil
    }
    return Located(value, at: text.span)
  }

  /// Parses an embedded expression from the file's text.
  mutating func expression(_ node: Node, for what: String) -> Expr? {
    guard case .scalar(let scalar) = node, !Self.isNull(node) else {
      wrongShape(
        node, expected: "an expression", for: what,
        help: Self.isNull(node)
          ? nil : "an expression containing ': ', '[' or '{' at its start must be quoted")
      return nil
    }
    let text = source(of: scalar)
    var (expr, problems) = ExpressionParser.parse(text, context: what)
    if !problems.isEmpty, scalar.style == .plain || scalar.style == .any, let end = text.fileOffsets.last,
      isFollowedByFlowComma(Int(end))
    {
      // YAML ended the value at a comma inside `{ }`: say so instead of blaming the expression.
      flowSplitPoints.append(Int(end))
      problems = [
        Diagnostic(
          .expressionSyntax, "a ',' inside '{ … }' cuts short the \(what)", at: text.wholeSpan,
          label: "YAML ends the value at the comma",
          help:
            "inside '{ }' a comma separates entries: quote the expression (\"…\") or write this mapping in block style"
        )
      ]
      expr = Expr(.error, span: text.wholeSpan)
    }
    for problem in problems { report(problem) }
    return expr
  }

  private func isFollowedByFlowComma(_ offset: Int) -> Bool {
    var index = offset
    while index < file.bytes.count && file.bytes[index] == UInt8(ascii: " ") { index += 1 }
    return index < file.bytes.count && file.bytes[index] == UInt8(ascii: ",")
  }

  private func isFragmentOfSplitExpression(_ span: SourceSpan) -> Bool {
    flowSplitPoints.contains { point in
      Int(span.start) > point
        && file.lineIndex(containing: point) == file.lineIndex(containing: Int(span.start))
    }
  }

  // MARK: - The policy

  mutating func readPolicy(_ root: Node) -> PolicySyntax? {
    guard case .mapping = root else {
      report(
        Diagnostic(
          .notAPolicy, "a policy file must be a mapping of sections, not \(Self.shapeName(root))",
          at: span(of: root),
          help: "start with 'ladder: 1' and 'policy: <id>'; see docs/language.md"))
      return nil
    }
    var policy = PolicySyntax(file: file.id, startSpan: file.span(0, 0))
    forEachKnownKey(root, of: "the policy", allowed: PolicyReader.topLevelKeys) {
      reader, key, keySpan, value in
      policy.sectionSpans[key] = keySpan
      switch key {
      case "ladder":
        guard let text = reader.scalarString(value, for: "'ladder'") else { return }
        guard let version = Int(text.value), PolicyReader.supportedFormatVersions.contains(version) else {
          reader.report(
            Diagnostic(
              .unsupportedFormatVersion, "policy format version '\(text.value)' is not supported",
              at: text.span,
              help: "this build reads format version 1; write 'ladder: 1'"))
          return
        }
        policy.formatVersion = Located(version, at: text.span)
      case "policy":
        guard let id = reader.scalarString(value, for: "'policy'") else { return }
        if reader.checkIdentifier(id, kind: "the policy id") { policy.id = id }
      case "version": policy.version = reader.scalarString(value, for: "'version'")
      case "title": policy.title = reader.scalarString(value, for: "'title'")
      case "description": policy.description = reader.scalarString(value, for: "'description'")
      case "record":
        guard let name = reader.scalarString(value, for: "'record'") else { return }
        if reader.checkIdentifier(name, kind: "the record name") { policy.recordName = name }
      case "inputs": policy.inputs = reader.readInputs(value)
      case "let":
        reader.forEachNamedEntry(value, of: "'let'") { reader, name, node in
          if let expr = reader.expression(node, for: "value of let '\(name.value)'") {
            policy.lets.append(LetSyntax(name: name, expression: expr))
          }
        }
      case "score": policy.score = reader.readScore(value, keySpan: keySpan)
      case "tiers": policy.tiers = reader.readTiers(value)
      case "tier_order":
        guard let text = reader.scalarString(value, for: "'tier_order'") else { return }
        policy.tierOrder = reader.choice(
          text, of: TierOrder.self, for: key,
          help: "'worst-first' when the first tier listed is the lowest rank (high risk before low risk)")
      case "benefits": policy.benefits = reader.readBenefits(value)
      case "review": policy.review = reader.readReview(value, keySpan: keySpan)
      case "lifecycle": policy.lifecycle = reader.readLifecycle(value, keySpan: keySpan)
      case "time_zone": policy.timeZone = reader.scalarString(value, for: "'time_zone'")
      case "calendars": policy.calendars = reader.readCalendars(value)
      case "service_levels": policy.serviceLevels = reader.readServiceLevels(value, keySpan: keySpan)
      case "output":
        guard case .sequence(let items) = value else {
          reader.wrongShape(
            value, expected: "a list of names", for: "'output'", help: "write output: [abc, segment]")
          return
        }
        policy.outputs = items.compactMap { reader.scalarString($0, for: "an output name") }
      case "entitlements":
        reader.forEachNamedEntry(value, of: "'entitlements'") { reader, name, node in
          var entitlement = EntitlementSyntax(name: name)
          reader.forEachKnownKey(
            node, of: "entitlement '\(name.value)'", allowed: PolicyReader.entitlementKeys
          ) {
            reader, key, _, value in
            switch key {
            case "better":
              guard let text = reader.scalarString(value, for: "'better'") else { return }
              guard let direction = EntitlementSyntax.Direction(rawValue: text.value) else {
                reader.report(
                  Diagnostic(
                    .invalidValue, "'better' must be 'lower' or 'higher', not '\(text.value)'", at: text.span,
                    help: "'lower' for times and prices, 'higher' for discounts and allowances"))
                return
              }
              entitlement.better = Located(direction, at: text.span)
            case "description": entitlement.description = reader.scalarString(value, for: "'description'")
            default: break
            }
          }
          policy.entitlements.append(entitlement)
        }
      default: break
      }
    }
    for required in ["ladder", "policy", "inputs", "tiers"] where policy.sectionSpans[required] == nil {
      let example = [
        "ladder": "ladder: 1", "policy": "policy: my-policy-id",
        "inputs": "inputs: { customer_id: { type: string, key: true } }",
        "tiers": "tiers: [{ id: standard, label: Standard, otherwise: true }]",
      ]
      report(
        Diagnostic(
          .missingKey, "the policy has no '\(required)' section", at: file.span(0, 0),
          help: "add it, e.g. \(example[required] ?? required)"))
    }
    return policy
  }

  // MARK: - Inputs

  mutating func readInputs(_ node: Node) -> [InputSyntax] {
    var inputs: [InputSyntax] = []
    forEachNamedEntry(node, of: "'inputs'") { reader, name, value in
      var input = InputSyntax(name: name)
      let what = "input '\(name.value)'"
      if case .scalar = value, !Reader.isNull(value) {
        // Shorthand: `spend_12m: decimal`.
        input.type = reader.readType(value, for: what)
        inputs.append(input)
        return
      }
      var sawType = false
      reader.forEachKnownKey(value, of: what, allowed: PolicyReader.inputKeys) { reader, key, _, node in
        switch key {
        case "type":
          sawType = true
          input.type = reader.readType(node, for: what)
        case "optional": input.isOptional = reader.bool(node, for: "'optional'")?.value ?? false
        case "key": input.isKey = reader.bool(node, for: "'key'")?.value ?? false
        case "personal": input.isPersonal = reader.bool(node, for: "'personal'")?.value ?? false
        case "informational":
          input.isInformational = reader.bool(node, for: "'informational'")?.value ?? false
        case "actionable":
          input.isActionable = reader.bool(node, for: "'actionable'")?.value ?? true
        case "min": input.minimum = reader.expression(node, for: "minimum of \(what)")
        case "max": input.maximum = reader.expression(node, for: "maximum of \(what)")
        case "length": input.length = reader.integer(node, for: "'length'", range: 1...10_000)
        case "min_length": input.minimumLength = reader.integer(node, for: "'min_length'", range: 0...10_000)
        case "max_length": input.maximumLength = reader.integer(node, for: "'max_length'", range: 1...10_000)
        case "scale": input.scale = reader.integer(node, for: "'scale'", range: 0...FixedDecimal.maximumScale)
        case "description": input.description = reader.scalarString(node, for: "'description'")
        case "values":
          guard case .sequence(let items) = node else {
            reader.wrongShape(
              node, expected: "a list", for: "'values'", help: "write values: [gold, silver, bronze]")
            return
          }
          for item in items {
            if let value = reader.scalarString(item, for: "an enum value") { input.values.append(value) }
          }
        default: break
        }
      }
      if !sawType, case .mapping = value {
        reader.report(
          Diagnostic(
            .missingKey, "\(what) has no 'type'", at: name.span,
            help: "add a type: one of \(PolicyReader.typeNames.map { "'\($0)'" }.joined(separator: ", "))"))
      }
      inputs.append(input)
    }
    return inputs
  }

  mutating func readType(_ node: Node, for what: String) -> Located<InputTypeSyntax>? {
    guard let text = scalarString(node, for: "the type of \(what)") else { return nil }
    let words = text.value.split(separator: " ").map(String.init)
    func simple(_ word: String) -> InputTypeSyntax? {
      switch word {
      case "string": .string
      case "int": .int
      case "decimal": .decimal
      case "percent": .percent
      case "bool": .bool
      case "date": .date
      case "datetime": .datetime
      case "enum": .enumeration
      default: nil
      }
    }
    if words.count == 1, let type = simple(words[0]) { return Located(type, at: text.span) }
    if words.count == 3, words[0] == "list", words[1] == "of", let element = simple(words[2]),
      [.int, .decimal, .percent].contains(element)
    {
      return Located(.list(element), at: text.span)
    }
    report(
      Diagnostic(
        .invalidValue, "unknown type '\(text.value)' for \(what)", at: text.span,
        help: Suggestions.help(for: text.value, candidates: PolicyReader.typeNames, kind: "the types")))
    return nil
  }

  // MARK: - Score

  mutating func readScore(_ node: Node, keySpan: SourceSpan) -> ScoreSyntax? {
    var score = ScoreSyntax(keySpan: keySpan)
    forEachKnownKey(node, of: "'score'", allowed: PolicyReader.scoreKeys) { reader, key, keySpan, value in
      switch key {
      case "round": score.round = reader.integer(value, for: "'round'", range: 0...6)
      case "rounding":
        guard let text = reader.scalarString(value, for: "'rounding'") else { return }
        guard let mode = FixedDecimal.RoundingMode(rawValue: text.value) else {
          let modes = FixedDecimal.RoundingMode.allCases.map(\.rawValue)
          reader.report(
            Diagnostic(
              .invalidValue, "unknown rounding '\(text.value)'", at: text.span,
              help: Suggestions.help(for: text.value, candidates: modes, kind: "the rounding modes")))
          return
        }
        score.rounding = Located(mode, at: text.span)
      case "components":
        score.componentsSpan = keySpan
        reader.forEachNamedEntry(value, of: "score components") { reader, name, value in
          score.components.append(reader.readComponent(value, name: name))
        }
      default: break
      }
    }
    if score.componentsSpan == nil {
      report(
        Diagnostic(
          .missingKey, "'score' has no 'components'", at: keySpan,
          help: "list the scorecard's components, each with a weight and bands or points"))
    }
    return score
  }

  mutating func readComponent(_ node: Node, name: Located<String>) -> ComponentSyntax {
    var component = ComponentSyntax(name: name)
    let what = "component '\(name.value)'"
    forEachKnownKey(node, of: what, allowed: PolicyReader.componentKeys) { reader, key, keySpan, value in
      switch key {
      case "weight": component.weight = reader.expression(value, for: "weight of \(what)")
      case "of": component.of = reader.expression(value, for: "value of \(what)")
      case "points": component.points = reader.expression(value, for: "points of \(what)")
      case "description": component.description = reader.scalarString(value, for: "'description'")
      case "bands":
        component.bandsSpan = keySpan
        guard case .sequence(let items) = value else {
          reader.wrongShape(
            value, expected: "a list", for: "'bands'", help: "write bands: [\"<= 30: 100\", \"else: 0\"]")
          return
        }
        var bands: [BandSyntax] = []
        for item in items {
          guard case .scalar(let scalar) = item else {
            reader.wrongShape(item, expected: "a quoted band like \"<= 30: 100\"", for: "a band")
            continue
          }
          let (band, problems) = ExpressionParser.parseBand(reader.source(of: scalar))
          for problem in problems { reader.report(problem) }
          if let band { bands.append(band) }
        }
        component.bands = bands
      default: break
      }
    }
    if case .mapping = node {
      if component.weight == nil {
        report(
          Diagnostic(
            .missingKey, "\(what) has no 'weight'", at: name.span, help: "add a weight, e.g. 'weight: 20%'"))
      }
      switch (component.bandsSpan != nil, component.points != nil) {
      case (false, false):
        report(
          Diagnostic(
            .missingKey, "\(what) has neither 'bands' nor 'points'", at: name.span,
            help: "give bands over a value ('of: x, bands: [...]') or 'points: <expression>'"))
      case (true, true):
        report(
          Diagnostic(
            .invalidValue, "\(what) has both 'bands' and 'points'", at: name.span,
            help: "keep one: bands turn a value into points, 'points' computes them directly"))
      case (true, false) where component.of == nil:
        report(
          Diagnostic(
            .missingKey, "\(what) has bands but no 'of'", at: name.span,
            help: "name the value the bands apply to, e.g. 'of: spend_12m'"))
      default: break
      }
    }
    return component
  }

  // MARK: - Tiers

  mutating func readTiers(_ node: Node) -> [TierSyntax] {
    guard case .sequence(let items) = node else {
      wrongShape(
        node, expected: "a list", for: "'tiers'",
        help: "list tiers highest first: '- { id: vip, label: VIP, when: ... }'")
      return []
    }
    var tiers: [TierSyntax] = []
    if items.isEmpty {
      report(
        Diagnostic(
          .missingKey, "the policy declares no tiers", at: span(of: node), help: "list at least one tier"))
    }
    for item in items {
      var tier = TierSyntax(itemSpan: span(of: item))
      forEachKnownKey(item, of: "a tier", allowed: PolicyReader.tierKeys) { reader, key, _, value in
        switch key {
        case "id":
          if let id = reader.scalarString(value, for: "a tier id"),
            reader.checkIdentifier(id, kind: "tier ids")
          {
            tier.id = id
          }
        case "label": tier.label = reader.scalarString(value, for: "a tier label")
        case "description": tier.description = reader.scalarString(value, for: "'description'")
        case "when": tier.when = reader.expression(value, for: "condition of tier '\(tier.id?.value ?? "?")'")
        case "otherwise": tier.otherwise = reader.bool(value, for: "'otherwise'")
        default: break
        }
      }
      guard case .mapping = item else { continue }
      if tier.id == nil {
        report(
          Diagnostic(
            .missingKey, "a tier has no 'id'", at: tier.itemSpan, help: "add 'id: <name>', e.g. 'id: vip'"))
      }
      let isOtherwise = tier.otherwise?.value == true
      if tier.when == nil && !isOtherwise
        && !diagnostics.diagnostics.contains(where: {
          tier.itemSpan.start <= $0.span?.start ?? 0 && $0.span?.end ?? 0 <= tier.itemSpan.end
            && $0.code == .wrongShape
        })
      {
        report(
          Diagnostic(
            .missingKey, "tier '\(tier.id?.value ?? "?")' has no 'when' condition",
            at: tier.id?.span ?? tier.itemSpan,
            help: "add 'when: <condition>', or 'otherwise: true' for the last tier"))
      }
      if tier.when != nil && isOtherwise, let otherwise = tier.otherwise {
        report(
          Diagnostic(
            .invalidValue, "tier '\(tier.id?.value ?? "?")' has both 'when' and 'otherwise'",
            at: otherwise.span,
            help: "an 'otherwise' tier takes every record that reaches it; remove one of the two"))
      }
      tiers.append(tier)
    }
    return tiers
  }

  // MARK: - Benefits

  mutating func readBenefits(_ node: Node) -> [BenefitSetSyntax] {
    var sets: [BenefitSetSyntax] = []
    forEachNamedEntry(node, of: "'benefits'") { reader, tier, value in
      var set = BenefitSetSyntax(tier: tier)
      if Reader.isNull(value) {
        sets.append(set)
        return
      }
      reader.forEachNamedEntry(value, of: "the benefits of '\(tier.value)'") { reader, name, value in
        if name.value == "inherits" {
          if let parent = reader.scalarString(value, for: "'inherits'") { set.inherits = parent }
          return
        }
        guard case .scalar(let scalar) = value, !Reader.isNull(value) else {
          reader.wrongShape(
            value, expected: "a single value", for: "benefit '\(name.value)'",
            help:
              "a benefit is a duration (4h), percent (10%), number, true/false, cadence (quarterly) or text")
          return
        }
        let valueSpan = reader.span(of: value)
        set.entries.append(
          BenefitEntrySyntax(name: name, value: Located(Reader.benefitValue(scalar), at: valueSpan)))
      }
      sets.append(set)
    }
    return sets
  }

  /// A benefit's type follows from how it is written; quoted values are always text.
  static func benefitValue(_ scalar: Node.Scalar) -> BenefitValue {
    let text = scalar.string
    guard scalar.style == .plain || scalar.style == .any else { return .text(text) }
    if text == "true" { return .bool(true) }
    if text == "false" { return .bool(false) }
    if text.hasSuffix("%"), let value = FixedDecimal(parsing: text.dropLast()),
      let fraction = value.percentFraction
    {
      return .percent(fraction)
    }
    if let number = FixedDecimal(parsing: text) { return .number(number) }
    if let duration = LadderDuration(parsing: text) { return .duration(duration) }
    if let cadence = Cadence(rawValue: text) { return .cadence(cadence) }
    return .text(text)
  }

  // MARK: - Review

  mutating func readReview(_ node: Node, keySpan: SourceSpan) -> ReviewSyntax {
    var review = ReviewSyntax(keySpan: keySpan)
    forEachKnownKey(node, of: "'review'", allowed: PolicyReader.reviewKeys) { reader, key, keySpan, value in
      switch key {
      case "every":
        review.everySpan = keySpan
        if case .scalar = value, let text = reader.scalarString(value, for: "'every'") {
          // One cadence for every tier: `every: 6 months`.
          if let interval = reader.interval(text) {
            review.every.append((Located("otherwise", at: text.span), interval))
          }
          return
        }
        reader.forEachNamedEntry(value, of: "'every'") { reader, tier, value in
          guard let text = reader.scalarString(value, for: "the review cadence of '\(tier.value)'"),
            let interval = reader.interval(text)
          else { return }
          review.every.append((tier, interval))
        }
      case "last_review": review.lastReview = reader.scalarString(value, for: "'last_review'")
      case "triggers":
        guard case .sequence(let items) = value else {
          reader.wrongShape(value, expected: "a list", for: "'triggers'")
          return
        }
        for item in items { review.triggers.append(reader.readTrigger(item)) }
      default: break
      }
    }
    return review
  }

  // MARK: - Calendars

  mutating func readCalendars(_ node: Node) -> [CalendarSyntax] {
    var calendars: [CalendarSyntax] = []
    forEachNamedEntry(node, of: "'calendars'") { reader, name, value in
      calendars.append(reader.readCalendar(value, name: name, allowsFile: true))
    }
    return calendars
  }

  /// One calendar's keys; `file:` only in a policy (a calendar file names no other file).
  mutating func readCalendar(_ value: Node, name: Located<String>, allowsFile: Bool) -> CalendarSyntax {
    var calendar = CalendarSyntax(name: name)
    let what = "calendar '\(name.value)'"
    let keys = allowsFile ? PolicyReader.calendarKeys : PolicyReader.calendarKeys.filter { $0 != "file" }
    forEachKnownKey(value, of: what, allowed: keys) { reader, key, keySpan, value in
      switch key {
      case "file": calendar.file = reader.scalarString(value, for: "'file'")
      case "time_zone": calendar.timeZone = reader.scalarString(value, for: "'time_zone'")
      case "description": calendar.description = reader.scalarString(value, for: "'description'")
      case "hours":
        calendar.hoursSpan = keySpan
        reader.forEachScalarKey(value, of: "'hours' of \(what)", expected: "a mapping of days to hours") {
          reader, days, value in
          calendar.hours.append((days, reader.stretches(value, for: "the hours of '\(days.value)'")))
        }
      case "holidays":
        calendar.holidays = reader.scalarList(value, for: "'holidays'", example: "[2024-01-01, 2024-02-10]")
      case "working_days":
        calendar.workingDays = reader.scalarList(value, for: "'working_days'", example: "[2024-02-04]")
      case "working_day_hours":
        calendar.workingDayHours = reader.stretches(value, for: "'working_day_hours'")
      default: break
      }
    }
    if let file = calendar.file, case .mapping(let mapping) = value, mapping.count > 1 {
      report(
        Diagnostic(
          .invalidCalendar, "calendar '\(name.value)' names a file and has keys of its own", at: file.span,
          help: "keep the whole calendar in the file, or write it here without 'file:'"))
    }
    return calendar
  }

  mutating func readServiceLevels(_ node: Node, keySpan: SourceSpan) -> ServiceLevelsSyntax {
    var levels = ServiceLevelsSyntax(keySpan: keySpan)
    forEachKnownKey(node, of: "'service_levels'", allowed: PolicyReader.serviceLevelKeys) {
      reader, key, _, value in
      switch key {
      case "at_risk": levels.atRisk = reader.scalarString(value, for: "'at_risk'")
      case "calendar": levels.calendar = reader.expression(value, for: "calendar of the service levels")
      case "targets":
        reader.forEachNamedEntry(value, of: "'targets'") { reader, name, value in
          var target = ServiceTargetSyntax(name: name)
          let what = "target '\(name.value)'"
          reader.forEachKnownKey(value, of: what, allowed: PolicyReader.serviceTargetKeys) {
            reader, key, _, value in
            switch key {
            case "label": target.label = reader.scalarString(value, for: "the label of \(what)")
            case "when": target.when = reader.expression(value, for: "condition of \(what)")
            case "from": target.from = reader.expression(value, for: "start of \(what)")
            case "within": target.within = reader.expression(value, for: "time of \(what)")
            case "calendar": target.calendar = reader.expression(value, for: "calendar of \(what)")
            case "met_at": target.metAt = reader.expression(value, for: "'met_at' of \(what)")
            case "at_risk": target.atRisk = reader.scalarString(value, for: "'at_risk' of \(what)")
            default: break
            }
          }
          levels.targets.append(target)
        }
      default: break
      }
    }
    return levels
  }

  /// Working hours as written: `09:00-18:00`, `09:00-12:00, 13:00-18:00`, a list of those, or
  /// `closed`; one text per stretch.
  mutating func stretches(_ node: Node, for what: String) -> [Located<String>] {
    if case .sequence = node { return scalarList(node, for: what, example: "[09:00-12:00, 13:00-18:00]") }
    guard let text = scalarString(node, for: what) else { return [] }
    // Split at commas, keeping each piece's own span.
    var pieces: [Located<String>] = []
    var offset = 0
    for piece in text.value.split(separator: ",", omittingEmptySubsequences: false) {
      let leading = piece.prefix { $0 == " " }.utf8.count
      let trimmed = piece.trimmingCharacters(in: .whitespaces)
      let start = Int(text.span.start) + offset + leading
      let span =
        text.span.end - text.span.start == UInt32(text.value.utf8.count)
        ? file.span(start, start + trimmed.utf8.count) : text.span
      pieces.append(Located(trimmed, at: span))
      offset += piece.utf8.count + 1
    }
    return pieces
  }

  /// A list of single values, e.g. dates.
  mutating func scalarList(_ node: Node, for what: String, example: String) -> [Located<String>] {
    guard case .sequence(let items) = node else {
      wrongShape(node, expected: "a list", for: what, help: "write \(example)")
      return []
    }
    return items.compactMap { scalarString($0, for: "an entry of \(what)") }
  }

  // MARK: - Lifecycle

  mutating func readLifecycle(_ node: Node, keySpan: SourceSpan) -> LifecycleSyntax {
    var lifecycle = LifecycleSyntax(keySpan: keySpan)
    forEachKnownKey(node, of: "'lifecycle'", allowed: PolicyReader.lifecycleKeys) { reader, key, _, value in
      if key == "approval" {
        reader.forEachKnownKey(value, of: "'approval'", allowed: PolicyReader.approvalKeys) {
          reader, key, _, value in
          guard case .sequence(let items) = value else {
            reader.wrongShape(
              value, expected: "a list of tier ids", for: "'\(key)'", help: "write \(key): [vip]")
            return
          }
          let tiers = items.compactMap { reader.scalarString($0, for: "a tier id") }
          if key == "downgrades_from" {
            lifecycle.approvalDowngradesFrom = tiers
          } else {
            lifecycle.approvalUpgradesTo = tiers
          }
        }
        return
      }
      guard let text = reader.scalarString(value, for: "'\(key)'") else { return }
      switch key {
      case "upgrades":
        lifecycle.upgrades = reader.choice(text, of: LifecycleTiming.self, for: key)
      case "downgrades":
        lifecycle.downgrades = reader.choice(text, of: LifecycleTiming.self, for: key)
      case "downgrade_by":
        lifecycle.downgradeBy = reader.choice(text, of: DowngradeStep.self, for: key)
      case "grace_reviews":
        guard let count = Int(text.value), (0...12).contains(count) else {
          reader.report(
            Diagnostic(
              .invalidValue, "'grace_reviews' must be a whole number from 0 to 12, not '\(text.value)'",
              at: text.span,
              help: "the number of reviews a customer may stay below its tier before the downgrade, e.g. 1"))
          return
        }
        lifecycle.graceReviews = Located(count, at: text.span)
      case "minimum_stay":
        guard let duration = LadderDuration(parsing: text.value), duration.amount > 0 else {
          reader.report(
            Diagnostic(
              .invalidValue, "'\(text.value)' is not a minimum stay", at: text.span,
              help: "write a duration such as '3 months', '90d' or '1 year'"))
          return
        }
        lifecycle.minimumStay = Located(duration, at: text.span)
      default: break
      }
    }
    return lifecycle
  }

  /// One of an enumeration's values as written, or a diagnostic naming them.
  /// `help` replaces the "did you mean" where the key's meaning needs saying instead.
  mutating func choice<Choice: RawRepresentable & CaseIterable>(
    _ text: Located<String>, of _: Choice.Type, for key: String, help: String? = nil
  ) -> Located<Choice>? where Choice.RawValue == String {
    if let value = Choice(rawValue: text.value) { return Located(value, at: text.span) }
    let values = Choice.allCases.map(\.rawValue)
    report(
      Diagnostic(
        .invalidValue,
        "'\(key)' must be \(values.map { "'\($0)'" }.joined(separator: " or ")), not '\(text.value)'",
        at: text.span,
        help: help ?? Suggestions.help(for: text.value, candidates: values, kind: "the choices")))
    return nil
  }

  mutating func interval(_ text: Located<String>) -> Located<LadderDuration>? {
    guard let duration = LadderDuration(parsing: text.value), duration.amount > 0 else {
      report(
        Diagnostic(
          .invalidValue, "'\(text.value)' is not a review interval", at: text.span,
          help: "write an interval such as '3 months', '6mo', '1 year' or '90d'"))
      return nil
    }
    return Located(duration, at: text.span)
  }

  mutating func readTrigger(_ node: Node) -> TriggerSyntax {
    var trigger = TriggerSyntax(itemSpan: span(of: node))
    forEachKnownKey(node, of: "a trigger", allowed: PolicyReader.triggerKeys) { reader, key, _, value in
      switch key {
      case "id":
        if let id = reader.scalarString(value, for: "a trigger id"),
          reader.checkIdentifier(id, kind: "trigger ids")
        {
          trigger.id = id
        }
      case "when":
        trigger.when = reader.expression(value, for: "condition of trigger '\(trigger.id?.value ?? "?")'")
      case "because": trigger.because = reader.scalarString(value, for: "'because'")
      case "then":
        guard let text = reader.scalarString(value, for: "'then'") else { return }
        guard let action = TriggerAction(rawValue: text.value) else {
          let actions = TriggerAction.allCases.map(\.rawValue)
          reader.report(
            Diagnostic(
              .invalidValue, "unknown trigger action '\(text.value)'", at: text.span,
              help: Suggestions.help(for: text.value, candidates: actions, kind: "the actions")))
          return
        }
        trigger.action = Located(action, at: text.span)
      default: break
      }
    }
    if case .mapping = node {
      let name = trigger.id?.value ?? "?"
      for (key, present) in [
        ("id", trigger.id != nil), ("when", trigger.when != nil), ("then", trigger.action != nil),
        ("because", trigger.because != nil),
      ]
      where !present
        && !diagnostics.diagnostics.contains(where: {
          $0.span.map { trigger.itemSpan.start <= $0.start && $0.end <= trigger.itemSpan.end } ?? false
        })
      {
        let help =
          key == "because" ? "say in words why the trigger fires; auditors read it" : "add '\(key): …'"
        report(
          Diagnostic(
            .missingKey, "trigger '\(name)' has no '\(key)'", at: trigger.id?.span ?? trigger.itemSpan,
            help: help))
      }
    }
    return trigger
  }
}
