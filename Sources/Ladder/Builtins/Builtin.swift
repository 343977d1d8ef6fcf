/// A built-in function of the expression language, declared once: its name, its type rule, its
/// exact implementation and (optionally) its kernel sit side by side in one entry of
/// ``Builtin/all``, the way cel-go declares a function with its overloads and bindings together.
///
/// The checker reads `typeRule`, the scalar backend (row evaluator, traces of one record and
/// every fallback) calls `scalar`, and the columnar backend calls `kernel` to emit kernels. A
/// built-in without a kernel is never an error: a policy that uses it runs on the scalar backend.
public struct Builtin: Sendable, Hashable, CustomStringConvertible {
  /// The name a policy calls it by.
  public let name: String
  /// How to call it, shown in diagnostics and the language reference.
  public let usage: String
  /// Set for functions whose value depends on every record of the input; they are computed by
  /// the statistics pass (``PopulationFunction``), never per record.
  public let population: PopulationFunction?
  /// The result type for the checked arguments, or the problem with them.
  let typeRule: @Sendable (BuiltinCall) -> Result<LadderType, CallProblem>
  /// The exact value for one record. Arguments are never missing: a call with a missing
  /// argument is missing before this runs.
  let scalar: @Sendable (ScalarCall) throws(EvaluationError) -> Value
  /// Emits the kernels computing the call for a batch; `nil` when there are none, or when the
  /// closure returns `nil` for these operands: the policy then runs on the scalar backend.
  let kernel: (@Sendable (inout ColumnarLowering, KernelCall) -> KernelValue?)?

  init(
    name: String, usage: String, population: PopulationFunction? = nil,
    typeRule: @escaping @Sendable (BuiltinCall) -> Result<LadderType, CallProblem>,
    scalar: @escaping @Sendable (ScalarCall) throws(EvaluationError) -> Value,
    kernel: (@Sendable (inout ColumnarLowering, KernelCall) -> KernelValue?)?
  ) {
    self.name = name
    self.usage = usage
    self.population = population
    self.typeRule = typeRule
    self.scalar = scalar
    self.kernel = kernel
  }

  public var isPopulation: Bool { population != nil }
  public var description: String { name }

  public static func == (lhs: Builtin, rhs: Builtin) -> Bool { lhs.name == rhs.name }
  public func hash(into hasher: inout Hasher) { hasher.combine(name) }

  /// The built-in called `name`, if there is one.
  public static func named(_ name: String) -> Builtin? { byName[name] }

  private static let byName = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
}

/// A call as the checker sees it: the arguments checked, their types known.
struct BuiltinCall {
  var name: String
  var arguments: [CheckedExpr]
  /// The whole call, where a problem is reported unless it names a span of its own.
  var span: SourceSpan
  /// Per argument, how many elements of a list are there in every record: a list input's
  /// declared minimum length (the reader rejects empty elements), a list literal's length (its
  /// elements are never missing, L0305); 0 for any other list and any other argument.
  var presentElements: [Int] = []

  var types: [ValueType] { arguments.map(\.type.value) }
  /// True when an argument may be missing (the result then may be too).
  var isOptional: Bool { arguments.contains { $0.type.isOptional } }

  /// `type`, missing when an argument may be.
  func result(_ type: ValueType, optional: Bool = false) -> Result<LadderType, CallProblem> {
    .success(LadderType(type, optional: isOptional || optional))
  }

  /// A problem with the call, reported at the call with `help` (by default, its usage).
  func problem(_ message: String, help: String? = nil) -> Result<LadderType, CallProblem> {
    .failure(CallProblem(message: message, help: help ?? Builtin.named(name)?.usage))
  }

  /// The common type of numeric values: `int` and `decimal` mix, a percent only with percents.
  static func numericJoin(_ lhs: ValueType, _ rhs: ValueType) -> ValueType? {
    if lhs == rhs { return lhs }
    if lhs.isNumber && rhs.isNumber { return .decimal }
    return nil
  }
}

/// Why a call does not type: the checker turns it into a diagnostic.
struct CallProblem: Error {
  var code: DiagnosticCode = .badCall
  var message: String
  var help: String?
  /// Where to point; the whole call when `nil`.
  var span: SourceSpan?
}

/// A call on the scalar backend: the argument values of one record (none missing).
struct ScalarCall {
  var arguments: [Value]
  var asOf: CivilDate
  /// The call, for errors.
  var span: SourceSpan

  /// Argument `index` as a number, if it is one.
  func number(_ index: Int) -> FixedDecimal? {
    if case .number(let value) = arguments[index] { return value }
    return nil
  }

  func date(_ index: Int) -> CivilDate? {
    if case .date(let value) = arguments[index] { return value }
    return nil
  }

  func instant(_ index: Int) -> LadderInstant? {
    if case .datetime(let value) = arguments[index] { return value }
    return nil
  }

  func duration(_ index: Int) -> LadderDuration? {
    if case .duration(let value) = arguments[index] { return value }
    return nil
  }

  func calendar(_ index: Int) -> BusinessCalendar? {
    if case .calendar(let value) = arguments[index] { return value }
    return nil
  }
}

/// A call on the columnar backend: the arguments already lowered to registers.
struct KernelCall {
  /// One operand per argument, or the elements of the single list argument.
  var operands: [KernelOperand]
  /// True when `operands` are the elements of one list argument (`sum(monthly_spend)`).
  var isListArgument: Bool
  /// The arguments as checked (constants such as `round`'s decimals are read from here).
  var arguments: [CheckedExpr]
  var call: CheckedExpr
}
