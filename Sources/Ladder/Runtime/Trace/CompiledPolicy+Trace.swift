extension CompiledPolicy {
  /// The location of a span in the policy file, `path:line:col`.
  func location(_ span: SourceSpan) -> String {
    locations[span] ?? Self.describe(span, in: source)
  }

  static func describe(_ span: SourceSpan, in source: SourceFile) -> String {
    let location = source.location(of: Int(span.start))
    return "\(source.path):\(location.line):\(location.column)"
  }

  /// Values as outputs and JSON show them: the language's notation, text without quotes.
  static func display(_ value: Value, as type: ValueType?) -> String {
    if case .string(let text) = value { return text }
    return ExprPrinter.print(value, as: type ?? .unknown)
  }

  /// A value for JSON: as ``display(_:as:)``, `nil` when missing.
  static func jsonValue(_ value: Value, as type: ValueType?) -> String? {
    value.isMissing ? nil : display(value, as: type)
  }

  /// A value as the text trace and comparisons show it: the language's notation, text quoted,
  /// `missing` for a missing value.
  static func notation(_ value: Value, as type: ValueType?) -> String {
    ExprPrinter.print(value, as: type ?? .unknown)
  }

  /// The policy a trace names, as of `asOf`.
  func traceHeader(asOf: CivilDate) -> DecisionTrace.Header {
    DecisionTrace.Header(
      policy: checked.id, version: checked.version, title: checked.title, file: path, sha256: sha256,
      asOf: asOf.description)
  }

  /// How the score is rounded, as a trace says it: `2 decimals, half-up`.
  var roundingDescription: String {
    "\(scoreDecimals) decimal\(scoreDecimals == 1 ? "" : "s"), \(scoreRounding.rawValue)"
  }

  /// A tier's benefits as a trace lists them: where each was declared, and whether inherited.
  func traceBenefits(_ benefits: [ResolvedBenefit], tierID: String?) -> [DecisionTrace.Benefit] {
    benefits.map { benefit in
      DecisionTrace.Benefit(
        name: benefit.name, value: Self.display(benefit.value), kind: benefit.value.kind,
        from: benefit.declaredBy, isInherited: benefit.declaredBy != tierID, location: location(benefit.span))
    }
  }

  /// Builds the trace of a decision. Evaluates every sub-condition of the tiers tried and of
  /// every trigger, with no short-circuit, so that each value that decided is on record.
  func makeTrace(_ decision: Decision, frame: EvaluationFrame, tiersTried: Int) throws(EvaluationError)
    -> DecisionTrace
  {
    let header = traceHeader(asOf: frame.asOf)
    let inputs = checked.inputs.map { field in
      let value = frame.inputs[field.slot]
      return DecisionTrace.InputValue(
        name: field.name, type: field.type.description,
        value: checked.masks(field) ? "***" : Self.jsonValue(value, as: field.type),
        notation: checked.masks(field) ? "***" : Self.notation(value, as: field.type),
        isPersonal: field.isPersonal)
    }
    let derived = lets.map { item in
      let value = frame.lets[item.slot]
      return DecisionTrace.Derived(
        name: item.name, value: item.isPersonal ? "***" : Self.jsonValue(value, as: item.type.value),
        notation: item.isPersonal ? "***" : Self.notation(value, as: item.type.value),
        location: location(item.span))
    }
    let components = zip(decision.components, self.components).map { result, component in
      var traced = DecisionTrace.Component(
        name: result.name,
        value: component.valueIsPersonal
          ? "***" : result.value.flatMap { Self.jsonValue($0, as: result.valueType) },
        notation: component.valueIsPersonal
          ? "***" : result.value.map { Self.notation($0, as: result.valueType) },
        pointsExpression: result.pointsExpression, band: result.band,
        bandLocation: result.bandSpan.map(location), points: result.points.normalized.description,
        weight: result.weight.percentDescription, contribution: result.contribution.normalized.description)
      traced.branch = branch(of: component, frame)
      return traced
    }
    var score: DecisionTrace.Score?
    if let total = decision.score {
      var sum = FixedDecimal.zero
      for result in decision.components { sum = (try? sum.adding(result.contribution)) ?? sum }
      score = DecisionTrace.Score(
        sum: sum.normalized.description, total: total.description,
        rounding: roundingDescription)
    }
    var steps: [DecisionTrace.TierStep] = []
    var story: [DecisionStory.Tried] = []
    for tier in tiers.prefix(tiersTried) {
      let held = decision.tier?.id == tier.id
      let (conditions, storySteps) = try conditions(tier.atoms, frame)
      steps.append(
        DecisionTrace.TierStep(
          id: tier.id, label: tier.label, condition: tier.conditionText, location: location(tier.span),
          held: held, conditions: conditions))
      story.append(
        DecisionStory.Tried(
          id: tier.id, label: tier.label, held: held, isOtherwise: tier.condition == nil, steps: storySteps))
    }
    let benefits = traceBenefits(decision.benefits, tierID: decision.tier?.id)
    var triggerSteps: [DecisionTrace.Trigger] = []
    for trigger in triggers {
      let held = decision.firedTriggers.contains { $0.id == trigger.id }
      triggerSteps.append(
        DecisionTrace.Trigger(
          id: trigger.id, action: trigger.action.rawValue, condition: trigger.conditionText, held: held,
          reason: trigger.reason, conditions: try conditions(trigger.atoms, frame).conditions,
          location: location(trigger.span)))
    }
    let review = decision.review.map { review in
      DecisionTrace.Review(
        interval: review.interval?.description,
        lastReview: checked.review.lastReviewInput == nil ? "not tracked" : review.lastReview?.description,
        nextReview: review.nextReview?.description, isDue: review.isDue)
    }
    var trace = DecisionTrace(
      header: header, recordName: checked.recordName, key: decision.key, origin: nil, inputs: inputs,
      derived: derived,
      components: components, score: score, tiers: steps, tier: decision.tier?.id,
      tierLabel: decision.tier?.label,
      benefits: benefits, triggers: triggerSteps, review: review, summary: DecisionStory.sentence(story))
    trace.serviceLevels = decision.serviceLevels.map { result in
      DecisionTrace.ServiceLevel(
        name: result.name, label: result.label, applies: result.applies, start: result.start?.description,
        within: result.within.map { LadderDuration.spoken(Int64($0.magnitude)) }, calendar: result.calendar,
        due: result.due?.description, metAt: result.metAt?.description, clock: frame.clock.description,
        status: result.status.rawValue, left: result.left.map { LadderDuration.spoken(Int64($0.magnitude)) },
        late: result.late.map { LadderDuration.spoken(Int64($0.magnitude)) }, steps: result.steps)
    }
    return trace
  }

  /// Which branch of an if-chain of points applied: the first whose condition holds.
  private func branch(of component: Component, _ frame: EvaluationFrame) -> DecisionTrace.Component.Branch? {
    guard !component.branches.isEmpty else { return nil }
    let count = component.branches.count + 1
    for (index, branch) in component.branches.enumerated() where (try? branch.condition(frame)) == .bool(true)
    {
      return .init(number: index + 1, count: count, condition: branch.text)
    }
    return .init(number: count, count: count, condition: nil)
  }

  private func conditions(_ atoms: [ConditionAtom], _ frame: EvaluationFrame) throws(EvaluationError)
    -> (conditions: [DecisionTrace.Condition], story: [DecisionStory.Step])
  {
    var result: [DecisionTrace.Condition] = []
    var story: [DecisionStory.Step] = []
    for atom in atoms {
      let left = try atom.left(frame)
      let outcome = try atom.result(frame)
      let held: Bool? = if case .bool(let flag) = outcome { flag } else { nil }
      let resultText = held.map { $0 ? "true" : "false" } ?? "missing"
      guard !atom.isPersonal else {
        result.append(DecisionTrace.Condition(text: atom.text, values: "***", result: resultText))
        story.append(DecisionStory.Step(atom: atom, left: nil, right: nil, result: held))
        continue
      }
      let leftNotation = Self.notation(left, as: atom.leftType)
      var values = leftNotation
      var rightNotation: String?
      if let right = atom.right {
        let rightValue = try right(frame)
        let shown = Self.notation(rightValue, as: atom.rightType)
        rightNotation = shown
        let relation: String
        if left.isMissing || rightValue.isMissing {
          relation = "vs"
        } else if case .list = rightValue {
          relation = "in"
        } else if left.isUnordered || rightValue.isUnordered {
          // Text, enums and booleans are equal or not; they have no order to show.
          relation = left == rightValue ? "=" : "≠"
        } else {
          switch ValueOperations.compare(left, rightValue) {
          case -1: relation = "<"
          case 0: relation = "="
          case 1: relation = ">"
          default: relation = "in"
          }
        }
        values += " \(relation) \(shown)"
      }
      result.append(DecisionTrace.Condition(text: atom.text, values: values, result: resultText))
      story.append(DecisionStory.Step(atom: atom, left: leftNotation, right: rightNotation, result: held))
    }
    return (result, story)
  }

  static func display(_ value: BenefitValue) -> String {
    switch value {
    case .duration(let duration): duration.description
    case .percent(let percent): percent.percentDescription
    case .number(let number): number.description
    case .bool(let flag): flag ? "true" : "false"
    case .cadence(let cadence): cadence.rawValue
    case .text(let text): text
    }
  }
}
