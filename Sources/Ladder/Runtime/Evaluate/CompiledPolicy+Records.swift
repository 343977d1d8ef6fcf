extension CompiledPolicy {
  /// Evaluates one record given as field names and text values, as a CRM or ticketing system
  /// holds them.
  ///
  /// ```swift
  /// let decision = try policy.decide(["customer_id": "C1", "orders_12m": "12", …], asOf: date)
  /// print(decision.tier?.label ?? "no tier")
  /// ```
  ///
  /// Values are read exactly as in a CSV file (docs/cli.md); an empty string is a missing value.
  ///
  /// - Parameters:
  ///   - fields: The record's fields by input name. A name the policy does not declare is an error.
  ///   - asOf: The evaluation date.
  ///   - trace: Also build the explanation.
  /// - Throws: ``RecordProblem`` when the record does not satisfy the policy's inputs or its
  ///   arithmetic fails.
  public func decide(_ fields: [String: String], asOf: CivilDate, trace: Bool = false) throws(RecordProblem)
    -> Decision
  {
    guard populationSites.isEmpty else {
      let calls = populationSites.map(\.text).joined(separator: ", ")
      throw RecordProblem(
        line: 1,
        reason:
          "the policy uses population functions (\(calls)); evaluate the whole input with BatchEvaluator")
    }
    var values = [RawValue?](repeating: nil, count: inputs.count)
    for (name, text) in fields.sorted(by: { $0.key < $1.key }) {
      guard let field = inputs.first(where: { $0.name == name }) else {
        let suggestion =
          Suggestions.nearest(to: name, in: inputs.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
        throw RecordProblem(line: 1, field: name, reason: "unknown field '\(name)'\(suggestion)")
      }
      values[field.slot] = text.isEmpty ? .null : .text(text)
    }
    let frame = makeFrame(asOf: asOf)
    let record = RawRecord(line: 1, values: values)
    let validator = RecordValidator(policy: self)
    if let problem = validator.load(record, into: frame) { throw problem }
    do {
      return try evaluate(frame, trace: trace)
    } catch {
      throw rejection(error, line: 1, key: validator.keyText(record))
    }
  }

  /// The rejection of a record whose evaluation failed, naming where in the policy it failed.
  func rejection(_ error: EvaluationError, line: Int, key: String?) -> RecordProblem {
    RecordProblem(line: line, key: key, reason: "\(error.message) (at \(location(error.span)))")
  }

  /// The name of the input that identifies a record (`customer_id`).
  public var keyName: String { checked.inputs[checked.keyInput].name }

  /// Loads, checks and compiles the policy file at `path`.
  ///
  /// - Returns: the compiled policy, or `nil` with the findings in `diagnostics`.
  public static func load(path: String, sources: SourceRegistry, diagnostics: inout DiagnosticBag)
    -> CompiledPolicy?
  {
    do {
      let file = try sources.load(path: path)
      return PolicyCompiler.compile(file, into: &diagnostics)
    } catch {
      diagnostics.add(Diagnostic(.unreadableFile, "cannot read '\(path)'", at: nil))
      return nil
    }
  }
}
