/// One call of a population function in a policy, found at compile time. Its value for every
/// record is computed in the statistics pass and read from ``EvaluationFrame/population``.
public struct PopulationSite: Sendable {
  public var function: PopulationFunction
  /// The per-record value the function ranks.
  let argument: CompiledExpression
  /// The argument as checked, for the columnar compiler.
  let argumentExpression: CheckedExpr?
  /// Where the call is written: one site per call.
  let span: SourceSpan
  public var argumentType: ValueType
  /// `ntile`'s group count, `top_percent`'s share, `abc_class`'s cut-offs.
  public var parameters: [FixedDecimal]
  /// The call as written, e.g. `abc_class(spend_12m)`.
  public var text: String
  public var argumentText: String
  /// The ranked value is computed from personal data: notes show `***` for it and the class
  /// boundaries (other records' values).
  public var argumentIsPersonal = false

  /// The function's value for one record as a trace's population note shows it: `***` when the
  /// ranked value is personal (a rank says much about it).
  func shownResult(_ value: Value) -> String {
    argumentIsPersonal
      ? "***" : CompiledPolicy.display(value, as: function.classNames != nil ? .string : .decimal)
  }

  /// A ranked value as a note shows it.
  func show(_ value: FixedDecimal) -> String {
    argumentIsPersonal ? "***" : CompiledPolicy.display(.number(value), as: argumentType)
  }
}

/// Collects population sites while a policy is compiled; a call met twice (a condition and its
/// trace atoms) is one site.
final class PopulationRegistry {
  private(set) var sites: [PopulationSite] = []
  private var indexBySpan: [SourceSpan: Int] = [:]
  private let personal: PersonalData?

  init(personal: PersonalData? = nil) { self.personal = personal }

  func site(for call: CheckedExpr, _ function: PopulationFunction, _ arguments: [CheckedExpr]) -> Int {
    if let index = indexBySpan[call.span] { return index }
    let parameters = arguments.dropFirst().compactMap { argument -> FixedDecimal? in
      if case .constant(.number(let value)) = argument.kind { return value }
      return nil
    }
    let argument = arguments.first
    let missing: CompiledExpression = { _ in .missing }
    sites.append(
      PopulationSite(
        function: function, argument: argument.map { ExpressionCompiler.compile($0) } ?? missing,
        argumentExpression: argument, span: call.span,
        argumentType: argument?.type.value ?? .decimal, parameters: parameters,
        text: ExprPrinter.print(call.syntax.ungrouped),
        argumentText: argument.map { ExprPrinter.print($0.syntax.ungrouped) } ?? "",
        argumentIsPersonal: argument.map { personal?.isPersonal($0) == true } ?? false))
    indexBySpan[call.span] = sites.count - 1
    return sites.count - 1
  }
}
