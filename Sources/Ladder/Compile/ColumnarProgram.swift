/// A policy compiled to kernels over columns (`../shared/STYLE.md` §8): every name is a register,
/// every constant is pre-scaled to the scale of what it meets, tier ids and strings are
/// dictionary codes, `as_of` is a constant day number.
///
/// It covers the constructs that batch evaluation needs fast: numbers, dates, booleans, enums,
/// fixed-length lists, bands, tiers and triggers, and population functions. A policy using
/// anything else (durations, free-text comparisons, lists of varying length, numbers whose
/// scale the output shows but the compiler cannot fix) has no program, and is evaluated record
/// by record. Either way the output is the same bytes; `ColumnarDifferentialTests` hold them to it.
struct ColumnarProgram: Sendable {
  /// How each input is read from text into its registers. Trivially copyable (an enum's texts
  /// are in ``enumerations``): it is read for every field of every record, and a plan holding
  /// arrays was retained and released each time, 3% of a per-record run.
  enum InputPlan: Sendable {
    /// Read and checked (UTF-8, required) but kept in no register: personal data, the key.
    case text
    case integer(register: Int, minimum: Int64?, maximum: Int64?)
    /// A decimal or percent at `scale` decimals; `percent` also accepts `85%`.
    /// `written`: the register for the decimals each record writes (traced programs display them).
    case decimal(register: Int, scale: Int, percent: Bool, minimum: Int64?, maximum: Int64?, written: Int?)
    case date(register: Int, minimum: Int64?, maximum: Int64?)
    case boolean(register: Int)
    /// An enum, whose allowed values and their codes are ``enumerations``[`table`].
    case enumeration(register: Int, table: Int)
    /// A list of decimals of fixed length, separated by `;`: element `i` in register `first + i`
    /// (and its decimals, traced, in `writtenFirst + i`).
    case decimalList(first: Int, count: Int, scale: Int, minimum: Int64?, maximum: Int64?, writtenFirst: Int?)

    /// The registers the input fills (not those of its decimals).
    var registers: Range<Int> {
      switch self {
      case .text: 0..<0
      case .integer(let register, _, _), .decimal(let register, _, _, _, _, _), .date(let register, _, _),
        .boolean(let register), .enumeration(let register, _):
        register..<(register + 1)
      case .decimalList(let first, let count, _, _, _, _): first..<(first + count)
      }
    }
  }

  /// An enum input's allowed values, in the order the policy lists them, and their codes.
  struct Enumeration: Sendable {
    let values: [[UInt8]]
    let codes: [Int64]
  }

  /// What an output column shows.
  enum Display: Sendable {
    /// A number at `scale` decimals, written with the decimals in `scaleRegister` (or `scale`).
    case number(register: Int, scale: Int, scaleRegister: Int?)
    case code(register: Int)
    case boolean(register: Int)
    case date(register: Int)
  }

  let inputs: [InputPlan]
  let enumerations: [Enumeration]
  /// The key input's slot and whether it is an integer (then read into `keyRegister`).
  let keySlot: Int
  let keyRegister: Int?
  /// Kernels needed by the population functions' arguments (the statistics pass), then the rest.
  let statisticsKernels: [Kernel]
  let kernels: [Kernel]
  let registerCount: Int
  /// The registers the inputs and the statistics kernels fill (the lowest ones) that anything
  /// after the statistics pass reads (the kernels, the outputs, the trace, the key): what the
  /// per-record pass of a population policy takes over from the statistics pass.
  let restoredRegisters: [Int]
  /// The score register (at `scoreScale` decimals), when the policy has a score.
  let score: Int?
  let scoreScale: Int
  let tier: Int
  let triggers: [Int]
  let outputs: [Display]
  /// Dictionary strings by code: enum values, string constants, tier ids.
  let strings: [String]
  /// Tier ids by dictionary code.
  let tierCodes: [Int64]
  /// One per population site of the compiled policy: where its argument is, and where its
  /// per-record value goes.
  let population: [PopulationPlan]
  /// What traces show, in a traced program.
  let trace: TracePlan?

  /// How a trace shows one value, as ``CompiledPolicy/display(_:as:)`` does. Plain values only
  /// (a list refers to ``TracePlan/listItems``): copying one per value shown costs no reference count.
  enum Shown: Sendable, Hashable {
    /// Shown as text that JSON never escapes (digits, signs, dates, `true`, `***`).
    var isPlainText: Bool {
      switch self {
      case .number, .date, .boolean, .masked, .missing: true
      case .code, .list, .text: false
      }
    }

    /// A number at `scale` decimals, shown with the decimals in `scaleRegister` (or `scale`).
    case number(register: Int, scale: Int, scaleRegister: Int?, percent: Bool)
    case code(register: Int)
    case boolean(register: Int)
    case date(register: Int)
    /// `count` elements from `first` in ``TracePlan/listItems``.
    case list(first: Int, count: Int)
    /// A text input, shown as the record has it.
    case text(slot: Int)
    /// Personal data: `***`.
    case masked
    case missing
  }

  // The trace's plan is read for every value of every traced record. What is read per record
  // is trivially copyable and kept in flat arrays: an array of classes (or of arrays) cost a
  // retain and a release at every read, a fifth of a compact-traced run.

  /// One comparison of a tier's or trigger's condition: where its operands and result are (its
  /// text is in ``TracePlan/atomTexts``).
  struct Atom: Sendable {
    let left: Shown
    let right: Shown?
    let result: Int
  }

  /// A comparison's operands that are literals, in the language's notation (as
  /// ``CompiledPolicy/notation(_:as:)`` shows them): the same text for every record.
  struct AtomLiterals: Sendable {
    var left: String?
    var right: String?
  }

  /// A comparison as lowered for traces: its text as written, where its values are, and its
  /// literal operands.
  typealias LoweredAtom = (text: String, atom: Atom, literals: AtomLiterals)

  struct ComponentTrace: Sendable {
    let subject: Shown?
    let bandIndex: Int?
    let points: Int
    let pointsScale: Int
    let contribution: Int
    let contributionScale: Int
    /// For points written as an if-chain: the number of the branch that applied (1-based), and
    /// how many branches there are (their conditions are in ``TracePlan/branchConditions``).
    let branch: Int?
    let branchCount: Int
  }

  final class TracePlan: Sendable {
    let inputs: [Shown]
    let derived: [Shown]
    let outputs: [Shown]
    let components: [ComponentTrace]
    /// Per component: an if-chain's conditions as written (`nil` last, for `else`); empty for
    /// other components.
    let branchConditions: [[String?]]
    /// The score before rounding: register and scale.
    let scoreSum: (register: Int, scale: Int)?
    /// The comparisons of every tier's condition, tier by tier, then every trigger's; empty
    /// unless the program is `explained`. `atomTexts` are their texts as written.
    let atoms: [Atom]
    let atomTexts: [String]
    /// Per comparison in `atoms`: its literal operands (the compact trace writes them once).
    let atomLiterals: [AtomLiterals]
    /// Where each tier's and each trigger's comparisons start in `atoms`, and, last, where they
    /// end.
    private let tierAtomStarts: [Int]
    private let triggerAtomStarts: [Int]
    let lastReview: Int?
    /// The elements of every list shown, one list after another.
    let listItems: [Shown]

    init(
      inputs: [Shown], derived: [Shown], outputs: [Shown], components: [ComponentTrace],
      branchConditions: [[String?]], scoreSum: (register: Int, scale: Int)?, tierAtoms: [[LoweredAtom]],
      triggerAtoms: [[LoweredAtom]], lastReview: Int?, listItems: [Shown]
    ) {
      self.inputs = inputs
      self.derived = derived
      self.outputs = outputs
      self.components = components
      self.branchConditions = branchConditions
      self.scoreSum = scoreSum
      var atoms: [Atom] = []
      var texts: [String] = []
      var literals: [AtomLiterals] = []
      func starts(_ groups: [[LoweredAtom]]) -> [Int] {
        var starts: [Int] = []
        for group in groups {
          starts.append(atoms.count)
          atoms += group.map(\.atom)
          texts += group.map(\.text)
          literals += group.map(\.literals)
        }
        return starts + [atoms.count]
      }
      tierAtomStarts = starts(tierAtoms)
      triggerAtomStarts = starts(triggerAtoms)
      self.atoms = atoms
      atomTexts = texts
      atomLiterals = literals
      self.lastReview = lastReview
      self.listItems = listItems
    }

    /// The comparisons of tier `tier`'s condition (none for a program not `explained`).
    func tierAtoms(_ tier: Int) -> Range<Int> {
      tier + 1 < tierAtomStarts.count ? tierAtomStarts[tier]..<tierAtomStarts[tier + 1] : 0..<0
    }

    func triggerAtoms(_ trigger: Int) -> Range<Int> {
      trigger + 1 < triggerAtomStarts.count
        ? triggerAtomStarts[trigger]..<triggerAtomStarts[trigger + 1] : 0..<0
    }

    /// Where comparison `index` of tier `tier`'s condition is in `atoms` and `atomTexts`.
    func atom(tier: Int, _ index: Int) -> Int { tierAtoms(tier).lowerBound + index }

    /// Where comparison `index` of trigger `trigger`'s condition is in `atoms` and `atomTexts`.
    func atom(trigger: Int, _ index: Int) -> Int { triggerAtoms(trigger).lowerBound + index }
  }

  /// Every integer from 0 up to `limit` that `values` hold, however deep: the registers they may
  /// read. Walked by reflection, once per program, so that no kind of kernel or trace part can be
  /// left out; an integer that is not a register (a scale, a shift) only keeps one more register.
  static func integers(in values: [Any], below limit: Int) -> [Int] {
    var found = Set<Int>()
    func visit(_ value: Any) {
      if let integer = value as? any BinaryInteger {
        if let number = Int(exactly: integer), (0..<limit).contains(number) { found.insert(number) }
        return
      }
      for child in Mirror(reflecting: value).children { visit(child.value) }
    }
    values.forEach(visit)
    return found.sorted()
  }

  struct PopulationPlan: Sendable {
    let argument: Int
    let argumentScale: Int
    let result: Int
    /// The scale of the result register: 2 for `percentile`, 0 for `ntile` and `rank`.
    let resultScale: Int
    /// True when the scalar backend's argument always has `argumentScale` decimals, so that a
    /// trace shows it as the register holds it.
    let argumentExact: Bool
  }

  /// The program for `policy` evaluated as of `asOf`, or `nil` when the policy uses something
  /// columns do not cover.
  /// - Parameters:
  ///   - traced: also track what JSON output shows (display scales, the band that held).
  ///   - explained: with `traced`, also every comparison of every condition, for full traces.
  init?(_ policy: CompiledPolicy, asOf: CivilDate, traced: Bool = false, explained: Bool = false) {
    // Service clocks (instants, calendars) have no kernels: such a policy runs on the scalar backend.
    guard policy.checked.serviceLevels == nil else { return nil }
    var lowering = ColumnarLowering(
      policy: policy.checked, asOf: asOf, sites: policy.populationSites, traced: traced, explained: explained)
    guard let program = lowering.program() else { return nil }
    self = program
  }

  fileprivate init(
    inputs: [InputPlan], enumerations: [Enumeration], keySlot: Int, keyRegister: Int?,
    statisticsKernels: [Kernel], kernels: [Kernel],
    registerCount: Int, loadedRegisterCount: Int, score: Int?, scoreScale: Int, tier: Int, triggers: [Int],
    outputs: [Display],
    strings: [String], tierCodes: [Int64], population: [PopulationPlan], trace: TracePlan?
  ) {
    self.trace = trace
    self.inputs = inputs
    self.enumerations = enumerations
    self.keySlot = keySlot
    self.keyRegister = keyRegister
    self.statisticsKernels = statisticsKernels
    self.kernels = kernels
    self.registerCount = registerCount
    // Only a policy with population functions has a statistics pass to take registers from.
    restoredRegisters =
      population.isEmpty
      ? []
      : Self.integers(
        in: [kernels, keyRegister as Any, score as Any, tier, triggers, outputs, population, trace as Any],
        below: loadedRegisterCount)
    self.score = score
    self.scoreScale = scoreScale
    self.tier = tier
    self.triggers = triggers
    self.outputs = outputs
    self.strings = strings
    self.tierCodes = tierCodes
    self.population = population
  }
}

/// Scales the compiler gives values whose scale the record decides (a percent, a decimal input
/// without `scale:`): a record with more decimals goes to the row evaluator.
private let openScale = 6

/// A lowered value: a register and what is in it.
struct KernelOperand {
  enum Kind: Equatable {
    case number, boolean, date, code
  }

  var register: Int
  var kind: Kind
  var scale: Int = 0
  /// True when the row evaluator's value always has exactly `scale` decimals, so that the
  /// register can be displayed as the row evaluator displays it.
  var exactScale: Bool = true
  /// The value, when it is the same for every row.
  var constant: Int64?
  /// True for a register that is missing in every row: its scale is never shown.
  var alwaysMissing = false
  /// In a traced program, the register holding each row's scale as the row evaluator has it,
  /// for a number whose scale is not exact.
  var scaleRegister: Int?

  /// True when either of two values, whichever a row takes, shows with the same decimals as the
  /// row evaluator's: a side that is always missing is never shown.
  static func displaySame(_ a: KernelOperand, _ b: KernelOperand) -> Bool {
    if a.alwaysMissing { return b.exactScale }
    if b.alwaysMissing { return a.exactScale }
    return a.exactScale && b.exactScale && a.scale == b.scale
  }
}

enum KernelValue {
  case scalar(KernelOperand)
  case list([KernelOperand])
  /// A value with no register (a missing constant, or a missing list element).
  case missing
}

/// Lowers a checked policy to a ``ColumnarProgram``; every `nil` means "not covered".
struct ColumnarLowering {
  let policy: CheckedPolicy
  let asOf: CivilDate
  let sites: [PopulationSite]
  /// Also track each number's display scale, for traces.
  let traced: Bool
  /// Track each value's display scale per row (``scaleSource(_:)``): for traces, and for CSV
  /// `output:` columns whose decimals depend on the record.
  let tracksScales: Bool
  /// Also lower each condition's comparisons on their own, for full traces.
  let explained: Bool
  var kernels: [Kernel] = []
  var constantScales: [Int: Int] = [:]
  var registerCount = 0
  var inputOperands: [Int: KernelValue] = [:]
  var inputPlans: [ColumnarProgram.InputPlan] = []
  var enumerations: [ColumnarProgram.Enumeration] = []
  var letOperands: [Int: KernelValue] = [:]
  var scoreOperand: KernelOperand?
  var tierOperand: KernelOperand?
  var strings: [String] = []
  var codeOfString: [String: Int64] = [:]
  var population: [ColumnarProgram.PopulationPlan?] = []
  var componentTraces: [ColumnarProgram.ComponentTrace] = []
  var branchConditions: [[String?]] = []
  var shownListItems: [ColumnarProgram.Shown] = []
  /// The score before rounding, and its scale.
  var scoreSum: (register: Int, scale: Int)?
  var populationSpans: [SourceSpan: Int] = [:]

  /// What traces show as `***`.
  let personal: PersonalData

  init(policy: CheckedPolicy, asOf: CivilDate, sites: [PopulationSite], traced: Bool, explained: Bool) {
    personal = PersonalData(policy)
    self.policy = policy
    self.traced = traced
    tracksScales = traced || !policy.outputs.isEmpty
    self.explained = explained
    self.asOf = asOf
    self.sites = sites
    population = Array(repeating: nil, count: sites.count)
  }

  mutating func program() -> ColumnarProgram? {
    // Inputs first, so that their registers and plans are fixed.
    var keyRegister: Int?
    for field in policy.inputs {
      guard let plan = inputPlan(field) else { return nil }
      inputPlans.append(plan)
      if field.isKey {
        switch field.type {
        case .string: break
        case .int:
          guard case .integer(let register, _, _) = plan else { return nil }
          keyRegister = register
        default: return nil
        }
      }
    }
    for tier in policy.tiers { _ = code(for: tier.id) }
    // The statistics pass needs the arguments of the population functions, computed before
    // anything reads a population value.
    guard lowerPopulationArguments() else { return nil }
    let statisticsKernels = kernels
    let loadedRegisterCount = registerCount
    kernels = []

    // Every let, used or not: the row evaluator computes them all, and one that fails (a division
    // by zero) rejects the record.
    for item in policy.lets {
      guard lowerLet(item.slot) != nil else { return nil }
    }
    var score: Int?
    if policy.score != nil {
      guard let lowered = lowerScore() else { return nil }
      score = lowered.register
    }
    guard let tier = lowerTier() else { return nil }
    var triggers: [Int] = []
    for trigger in policy.review.triggers {
      guard case .scalar(let condition) = lower(trigger.condition), condition.kind == .boolean else {
        return nil
      }
      triggers.append(condition.register)
    }
    var outputs: [ColumnarProgram.Display] = []
    for column in policy.outputs {
      let lowered: KernelValue?
      switch column.source {
      case .input(let slot): lowered = inputOperands[slot]
      case .letValue(let slot): lowered = lowerLet(slot)
      }
      guard case .scalar(let operand) = lowered else { return nil }
      switch operand.kind {
      case .number:
        // A value whose decimals depend on the record is written with its per-row scale.
        let scaleRegister = operand.exactScale ? nil : operand.scaleRegister
        guard operand.exactScale || scaleRegister != nil || traced else { return nil }
        outputs.append(
          .number(register: operand.register, scale: operand.scale, scaleRegister: scaleRegister))
      case .code: outputs.append(.code(register: operand.register))
      case .boolean: outputs.append(.boolean(register: operand.register))
      case .date: outputs.append(.date(register: operand.register))
      }
    }
    let plans = population.compactMap { $0 }
    guard plans.count == sites.count else { return nil }
    var trace: ColumnarProgram.TracePlan?
    if traced {
      guard let plan = tracePlan() else { return nil }
      trace = plan
    }
    return ColumnarProgram(
      inputs: inputPlans, enumerations: enumerations, keySlot: policy.keyInput, keyRegister: keyRegister,
      statisticsKernels: statisticsKernels, kernels: kernels, registerCount: registerCount,
      loadedRegisterCount: loadedRegisterCount, score: score,
      scoreScale: policy.score?.decimals ?? 0, tier: tier.register, triggers: triggers, outputs: outputs,
      strings: strings, tierCodes: policy.tiers.map { codeOfString[$0.id] ?? -1 }, population: plans,
      trace: trace)
  }

  // MARK: - Traces

  /// How a lowered value is shown, with the row evaluator's display scale.
  mutating func shown(_ lowered: KernelValue?, as type: ValueType) -> ColumnarProgram.Shown? {
    switch lowered {
    case .scalar(let operand):
      switch operand.kind {
      case .number:
        let scaleRegister = operand.exactScale ? nil : operand.scaleRegister
        guard operand.exactScale || scaleRegister != nil else { return nil }
        return .number(
          register: operand.register, scale: operand.scale, scaleRegister: scaleRegister,
          percent: type == .percent)
      case .code: return .code(register: operand.register)
      case .boolean: return .boolean(register: operand.register)
      case .date: return .date(register: operand.register)
      }
    case .list(let items):
      let element: ValueType
      if case .list(let inner) = type { element = inner } else { element = .unknown }
      var shownItems: [ColumnarProgram.Shown] = []
      for item in items {
        guard let itemShown = shown(.scalar(item), as: element) else { return nil }
        shownItems.append(itemShown)
      }
      shownListItems += shownItems
      return .list(first: shownListItems.count - shownItems.count, count: shownItems.count)
    case .missing: return .missing
    case nil: return nil
    }
  }

  /// The atoms of a condition (``CheckedExpr/atoms``), each lowered again on its own (traces
  /// evaluate them without short-circuit).
  mutating func atoms(_ expr: CheckedExpr) -> [ColumnarProgram.LoweredAtom]? {
    var lowered: [ColumnarProgram.LoweredAtom] = []
    for atom in expr.atoms {
      guard let one = self.atom(atom.condition, left: atom.left, right: atom.right) else { return nil }
      // A literal operand reads as the row evaluator shows the value (``ConditionAtom``).
      func literal(_ operand: CheckedExpr?) -> String? {
        operand?.constantValue.map { CompiledPolicy.notation($0, as: operand?.type.value) }
      }
      let literals =
        one.right == nil && one.left == .masked
        ? ColumnarProgram.AtomLiterals() : .init(left: literal(atom.left), right: literal(atom.right))
      lowered.append((ExprPrinter.print(atom.condition.syntax.ungrouped), one, literals))
    }
    return lowered
  }

  mutating func atom(_ expr: CheckedExpr, left: CheckedExpr, right: CheckedExpr?) -> ColumnarProgram.Atom? {
    guard case .scalar(let result) = lower(expr), result.kind == .boolean else { return nil }
    // Operands computed from personal data are not shown: the values read `***`.
    if personal.isPersonal(left) || right.map(personal.isPersonal) == true {
      return ColumnarProgram.Atom(left: .masked, right: nil, result: result.register)
    }
    guard let leftShown = shown(lower(left), as: left.type.value) else { return nil }
    var rightShown: ColumnarProgram.Shown?
    if let right {
      guard let value = shown(lower(right), as: right.type.value) else { return nil }
      rightShown = value
    }
    return ColumnarProgram.Atom(left: leftShown, right: rightShown, result: result.register)
  }

  mutating func tracePlan() -> ColumnarProgram.TracePlan? {
    var inputs: [ColumnarProgram.Shown] = []
    for field in policy.inputs {
      if policy.masks(field) {
        inputs.append(.masked)
      } else if field.type == .string {
        inputs.append(.text(slot: field.slot))
      } else {
        guard let value = shown(inputOperands[field.slot], as: field.type) else { return nil }
        inputs.append(value)
      }
    }
    var derived: [ColumnarProgram.Shown] = []
    for item in policy.lets {
      guard !personal.lets.contains(item.slot) else {
        derived.append(.masked)
        continue
      }
      guard let value = shown(lowerLet(item.slot), as: item.expression.type.value) else { return nil }
      derived.append(value)
    }
    var outputs: [ColumnarProgram.Shown] = []
    for column in policy.outputs {
      let lowered: KernelValue?
      switch column.source {
      case .input(let slot):
        guard let field = policy.inputs.first(where: { $0.slot == slot }), field.type != .string else {
          return nil
        }
        lowered = inputOperands[slot]
      case .letValue(let slot): lowered = lowerLet(slot)
      }
      guard let value = shown(lowered, as: column.type) else { return nil }
      outputs.append(value)
    }
    var tierAtoms: [[ColumnarProgram.LoweredAtom]] = []
    var triggerAtoms: [[ColumnarProgram.LoweredAtom]] = []
    for tier in policy.tiers where explained {
      guard let condition = tier.condition else {
        tierAtoms.append([])
        continue
      }
      guard let found = atoms(condition) else { return nil }
      tierAtoms.append(found)
    }
    for trigger in policy.review.triggers where explained {
      guard let found = atoms(trigger.condition) else { return nil }
      triggerAtoms.append(found)
    }
    var lastReview: Int?
    if let slot = policy.review.lastReviewInput {
      guard case .scalar(let operand) = inputOperands[slot], operand.kind == .date else { return nil }
      lastReview = operand.register
    }
    return ColumnarProgram.TracePlan(
      inputs: inputs, derived: derived, outputs: outputs, components: componentTraces,
      branchConditions: branchConditions, scoreSum: scoreSum,
      tierAtoms: tierAtoms, triggerAtoms: triggerAtoms,
      lastReview: lastReview, listItems: shownListItems)
  }

  // MARK: - Registers and constants

  mutating func newRegister() -> Int {
    registerCount += 1
    return registerCount - 1
  }

  mutating func emit(_ kernel: Kernel) { kernels.append(kernel) }

  mutating func code(for text: String) -> Int64 {
    if let code = codeOfString[text] { return code }
    strings.append(text)
    codeOfString[text] = Int64(strings.count - 1)
    return Int64(strings.count - 1)
  }

  mutating func constant(_ value: Int64, kind: KernelOperand.Kind, scale: Int = 0) -> KernelOperand {
    let register = newRegister()
    emit(.fill(destination: register, value: value, present: true))
    return KernelOperand(register: register, kind: kind, scale: scale, constant: value)
  }

  mutating func missingRegister(kind: KernelOperand.Kind, scale: Int = 0) -> KernelOperand {
    let register = newRegister()
    emit(.fill(destination: register, value: 0, present: false))
    var operand = KernelOperand(register: register, kind: kind, scale: scale)
    operand.alwaysMissing = true
    return operand
  }

  /// A number operand at `scale` decimals (≥ its own).
  mutating func rescaled(_ operand: KernelOperand, to scale: Int) -> KernelOperand? {
    guard operand.kind == .number, scale >= operand.scale, scale <= 18 else { return nil }
    if scale == operand.scale { return operand }
    if operand.alwaysMissing {
      var wider = operand
      wider.scale = scale
      return wider
    }
    let factor = FixedDecimal.int64PowerOfTen(scale - operand.scale)
    if let value = operand.constant {
      let (result, overflow) = value.multipliedReportingOverflow(by: factor)
      guard !overflow else { return nil }
      // The same constant, still shown with the decimals it was written with.
      var wide = constant(result, kind: .number, scale: scale)
      wide.exactScale = false
      wide.scaleRegister = scaleSource(operand)
      return wide
    }
    let register = newRegister()
    emit(.rescale(destination: register, source: operand.register, factor: factor))
    // The same value in another representation: its display scale is the operand's.
    return KernelOperand(
      register: register, kind: .number, scale: scale, exactScale: false, scaleRegister: scaleSource(operand))
  }

  // MARK: - Display scales (traced programs and CSV outputs)

  /// The register of `operand`'s per-row display scale; `nil` when the program tracks none.
  mutating func scaleSource(_ operand: KernelOperand) -> Int? {
    guard tracksScales, operand.kind == .number else { return nil }
    if let register = operand.scaleRegister { return register }
    if let register = constantScales[operand.scale] { return register }
    let register = newRegister()
    emit(.fill(destination: register, value: Int64(operand.scale), present: true))
    constantScales[operand.scale] = register
    return register
  }

  /// `operand` with its display scale given by `kernel(destination)` when it is not exact.
  mutating func withScale(_ operand: KernelOperand, _ kernel: (Int) -> Kernel?) -> KernelOperand? {
    var result = operand
    guard tracksScales, !operand.exactScale, operand.kind == .number else { return result }
    let register = newRegister()
    guard let scaleKernel = kernel(register) else { return nil }
    emit(scaleKernel)
    result.scaleRegister = register
    return result
  }

  /// Two operands of one kind, numbers brought to one scale.
  mutating func aligned(_ left: KernelOperand, _ right: KernelOperand) -> (KernelOperand, KernelOperand)? {
    guard left.kind == right.kind else { return nil }
    guard left.kind == .number else { return (left, right) }
    let scale = max(left.scale, right.scale)
    guard let a = rescaled(left, to: scale), let b = rescaled(right, to: scale) else { return nil }
    return (a, b)
  }

  // MARK: - Inputs

  static func bound(_ value: Value?, scale: Int, roundingUp: Bool) -> Int64?? {
    guard let value else { return .some(nil) }
    switch value {
    case .number(let number):
      // A bound between two representable values: the nearest inside the allowed range.
      let rounded = number.rounded(to: scale, roundingUp ? .ceiling : .floor).withScale(scale)
      guard let units = Int64(exactly: rounded.units) else { return nil }
      return .some(units)
    case .date(let date): return .some(Int64(date.daysSinceEpoch))
    default: return nil
    }
  }

  mutating func inputPlan(_ field: InputField) -> ColumnarProgram.InputPlan? {
    func bounds(_ scale: Int) -> (Int64?, Int64?)? {
      guard case .some(let low) = Self.bound(field.minimum, scale: scale, roundingUp: true),
        case .some(let high) = Self.bound(field.maximum, scale: scale, roundingUp: false)
      else { return nil }
      return (low, high)
    }
    switch field.type {
    case .string:
      return .text
    case .int:
      guard let (low, high) = bounds(0) else { return nil }
      let register = newRegister()
      inputOperands[field.slot] = .scalar(KernelOperand(register: register, kind: .number))
      return .integer(register: register, minimum: low, maximum: high)
    case .decimal, .percent:
      let scale = field.scale ?? openScale
      guard let (low, high) = bounds(scale) else { return nil }
      let register = newRegister()
      let exact = field.type == .decimal && field.scale != nil
      let written = tracksScales && !exact ? newRegister() : nil
      inputOperands[field.slot] = .scalar(
        KernelOperand(
          register: register, kind: .number, scale: scale, exactScale: exact, scaleRegister: written))
      return .decimal(
        register: register, scale: scale, percent: field.type == .percent, minimum: low, maximum: high,
        written: written)
    case .date:
      guard let (low, high) = bounds(0) else { return nil }
      let register = newRegister()
      inputOperands[field.slot] = .scalar(KernelOperand(register: register, kind: .date))
      return .date(register: register, minimum: low, maximum: high)
    case .bool:
      let register = newRegister()
      inputOperands[field.slot] = .scalar(KernelOperand(register: register, kind: .boolean))
      return .boolean(register: register)
    case .enumeration(_, let values):
      let register = newRegister()
      inputOperands[field.slot] = .scalar(KernelOperand(register: register, kind: .code))
      enumerations.append(.init(values: values.map { Array($0.utf8) }, codes: values.map { code(for: $0) }))
      return .enumeration(register: register, table: enumerations.count - 1)
    case .list(.decimal), .list(.int):
      guard let length = field.fixedLength, length > 0, length <= 64 else { return nil }
      let scale = field.type == .list(.int) ? 0 : (field.scale ?? openScale)
      guard field.type == .list(.decimal) || field.scale == nil, let (low, high) = bounds(scale) else {
        return nil
      }
      // Each element's register, then each one's decimals, one after another.
      let registers = registerCount..<(registerCount + length)
      for _ in registers { _ = newRegister() }
      let exact = field.scale != nil
      let written = tracksScales && !exact ? Array(registers.map { _ in newRegister() }) : nil
      inputOperands[field.slot] = .list(
        registers.enumerated().map { element, register in
          KernelOperand(
            register: register, kind: .number, scale: scale, exactScale: exact,
            scaleRegister: written?[element])
        })
      // An int list accepts no decimals: the row evaluator reads it as decimals, then checks.
      return field.type == .list(.int)
        ? nil
        : .decimalList(
          first: registers.lowerBound, count: length, scale: scale, minimum: low, maximum: high,
          writtenFirst: written?.first)
    default:
      return nil
    }
  }

  // MARK: - Population, score, tiers

  mutating func lowerPopulationArguments() -> Bool {
    for (index, site) in sites.enumerated() {
      guard let argument = site.argumentExpression,
        case .scalar(let operand) = lower(argument), operand.kind == .number
      else { return false }
      for name in site.function.classNames ?? [] { _ = code(for: name) }
      let resultScale = site.function.resultScale
      let result = newRegister()
      population[index] = ColumnarProgram.PopulationPlan(
        argument: operand.register, argumentScale: operand.scale, result: result, resultScale: resultScale,
        argumentExact: operand.exactScale)
      populationSpans[site.span] = index
    }
    return true
  }

  mutating func lowerScore() -> KernelOperand? {
    if let scoreOperand { return scoreOperand }
    guard let score = policy.score else { return nil }
    var contributions: [KernelOperand] = []
    for component in score.components {
      let points: KernelOperand
      var subjectShown: ColumnarProgram.Shown?
      var bandIndex: Int?
      var branch: (register: Int, conditions: [String?])?
      switch component.points {
      case .bands(let subjectExpression, let bands):
        guard case .scalar(var subject) = lower(subjectExpression),
          subject.kind == .number || subject.kind == .date
        else { return nil }
        let pointsScale = bands.map { $0.points.normalized.scale }.max() ?? 0
        if subject.kind == .number {
          let boundScale =
            bands.compactMap { band -> Int? in
              if case .number(let bound) = band.bound { return bound.normalized.scale }
              return nil
            }.max() ?? 0
          guard let wider = rescaled(subject, to: max(subject.scale, boundScale)) else { return nil }
          subject = wider
        }
        var lowered: [ColumnarBand] = []
        var otherwise: Int64 = 0
        var otherwiseIndex: Int64 = -1
        for (bandIndex, band) in bands.enumerated() {
          guard let bandPoints = band.points.scaledUnits(pointsScale) else { return nil }
          guard let comparison = band.comparison, let bound = band.bound else {
            otherwise = bandPoints
            otherwiseIndex = Int64(bandIndex)
            break
          }
          let boundValue: Int64
          switch bound {
          case .number(let number):
            guard subject.kind == .number, let value = number.scaledUnits(subject.scale) else {
              return nil
            }
            boundValue = value
          case .date(let date):
            guard subject.kind == .date else { return nil }
            boundValue = Int64(date.daysSinceEpoch)
          default: return nil
          }
          lowered.append(ColumnarBand(comparison: comparison, bound: boundValue, points: bandPoints))
        }
        let register = newRegister()
        let index = traced ? newRegister() : nil
        emit(
          .bands(
            destination: register, subject: subject.register, bands: lowered, otherwise: otherwise,
            index: index,
            otherwiseIndex: otherwiseIndex))
        points = KernelOperand(register: register, kind: .number, scale: pointsScale)
        subjectShown =
          personal.isPersonal(subjectExpression)
          ? .masked : shown(.scalar(subject), as: subjectExpression.type.value)
        bandIndex = index
      case .expression(let expression):
        guard case .scalar(let value) = lower(expression), value.kind == .number else { return nil }
        let register = newRegister()
        emit(.orZero(destination: register, source: value.register))
        points = KernelOperand(register: register, kind: .number, scale: value.scale)
        let chain = traced ? CompiledPolicy.ifChainConditions(expression) : []
        if !chain.isEmpty {
          // The first condition that holds, as the tier kernel finds the first tier.
          var conditions: [Int?] = []
          for condition in chain {
            guard let test = lowerScalar(condition), test.kind == .boolean else { return nil }
            conditions.append(test.register)
          }
          conditions.append(nil)
          let number = newRegister()
          emit(
            .tier(
              destination: number, conditions: conditions, codes: (1...conditions.count).map { Int64($0) }))
          branch = (
            number, chain.map { Optional(ExprPrinter.print($0.syntax.ungrouped)) } + [nil]
          )
        }
      }
      let weight = component.weight.normalized
      guard let weightUnits = Int64(exactly: weight.units), weight.scale + points.scale <= 18 else {
        return nil
      }
      let weightOperand = constant(weightUnits, kind: .number, scale: weight.scale)
      let register = newRegister()
      emit(
        .arithmetic(.multiply, destination: register, left: weightOperand.register, right: points.register))
      contributions.append(
        KernelOperand(register: register, kind: .number, scale: weight.scale + points.scale))
      componentTraces.append(
        ColumnarProgram.ComponentTrace(
          subject: subjectShown, bandIndex: bandIndex, points: points.register, pointsScale: points.scale,
          contribution: register, contributionScale: weight.scale + points.scale, branch: branch?.register,
          branchCount: branch?.conditions.count ?? 0))
      branchConditions.append(branch?.conditions ?? [])
    }
    let totalScale = max(contributions.map(\.scale).max() ?? 0, score.decimals)
    guard totalScale <= 18 else { return nil }
    var total = constant(0, kind: .number, scale: totalScale)
    for contribution in contributions {
      guard let aligned = rescaled(contribution, to: totalScale) else { return nil }
      let register = newRegister()
      emit(.arithmetic(.add, destination: register, left: total.register, right: aligned.register))
      total = KernelOperand(register: register, kind: .number, scale: totalScale)
    }
    scoreSum = (total.register, totalScale)
    let register = newRegister()
    if totalScale > score.decimals {
      emit(
        .round(
          destination: register, source: total.register,
          divisor: FixedDecimal.int64PowerOfTen(totalScale - score.decimals),
          mode: score.rounding))
    } else {
      emit(.rescale(destination: register, source: total.register, factor: 1))
    }
    let operand = KernelOperand(register: register, kind: .number, scale: score.decimals)
    scoreOperand = operand
    return operand
  }

  mutating func lowerTier() -> KernelOperand? {
    if let tierOperand { return tierOperand }
    var conditions: [Int?] = []
    for tier in policy.tiers {
      guard let condition = tier.condition else {
        conditions.append(nil)
        continue
      }
      guard case .scalar(let operand) = lower(condition), operand.kind == .boolean else { return nil }
      conditions.append(operand.register)
    }
    let register = newRegister()
    emit(
      .tier(
        destination: register, conditions: conditions, codes: policy.tiers.map { codeOfString[$0.id] ?? -1 }))
    let operand = KernelOperand(register: register, kind: .code)
    tierOperand = operand
    return operand
  }

  mutating func lowerLet(_ slot: Int) -> KernelValue? {
    if let lowered = letOperands[slot] { return lowered }
    guard let item = policy.lets.first(where: { $0.slot == slot }), let lowered = lower(item.expression)
    else {
      return nil
    }
    letOperands[slot] = lowered
    return lowered
  }

  // MARK: - Expressions

  mutating func lowerScalar(_ expr: CheckedExpr) -> KernelOperand? {
    switch lower(expr) {
    case .scalar(let operand): return operand
    case .missing:
      let kind: KernelOperand.Kind
      switch expr.type.value {
      case .bool: kind = .boolean
      case .date: kind = .date
      case .string, .enumeration, .tier: kind = .code
      case .int, .decimal, .percent: kind = .number
      default: return nil
      }
      return missingRegister(kind: kind)
    default: return nil
    }
  }

  mutating func lower(_ expr: CheckedExpr) -> KernelValue? {
    switch expr.kind {
    case .constant(let value):
      return lowerConstant(value)
    case .input(let slot):
      guard let lowered = inputOperands[slot] else { return nil }
      return lowered
    case .letValue(let slot):
      return lowerLet(slot)
    case .asOf:
      return .scalar(constant(Int64(asOf.daysSinceEpoch), kind: .date))
    case .score:
      return lowerScore().map { .scalar($0) }
    case .tier:
      return lowerTier().map { .scalar($0) }
    case .call(let builtin, let arguments):
      return lowerCall(builtin, arguments, expr)
    case .index(let base, let position):
      guard case .list(let items) = lower(base), case .constant(.number(let number)) = position.kind,
        let index = number.integerValue
      else { return nil }
      let resolved = index < 0 ? items.count + index : index
      return items.indices.contains(resolved) ? .scalar(items[resolved]) : .missing
    case .list(let elements):
      var operands: [KernelOperand] = []
      for element in elements {
        // `sum` and `avg` skip missing elements; columns keep lists whose elements are present.
        guard !element.type.isOptional, let operand = lowerScalar(element) else { return nil }
        operands.append(operand)
      }
      return .list(operands)
    case .invalid:
      return nil
    default:
      // An operator: its entry in Builtins/Operators.swift emits the kernels.
      guard let (op, operands) = expr.kind.operation else { return nil }
      return op.kernel(&self, operands)
    }
  }

  mutating func lowerConstant(_ value: Value) -> KernelValue? {
    switch value {
    case .missing: return .missing
    case .number(let number):
      guard let units = Int64(exactly: number.units) else { return nil }
      return .scalar(constant(units, kind: .number, scale: number.scale))
    case .bool(let flag): return .scalar(constant(flag ? 1 : 0, kind: .boolean))
    case .string(let text): return .scalar(constant(code(for: text), kind: .code))
    case .date(let date): return .scalar(constant(Int64(date.daysSinceEpoch), kind: .date))
    case .list(let items):
      var operands: [KernelOperand] = []
      for item in items {
        guard case .scalar(let operand) = lowerConstant(item) else { return nil }
        operands.append(operand)
      }
      return .list(operands)
    // Instants and calendars run on the scalar backend.
    case .duration, .datetime, .calendar: return nil
    }
  }

  /// A quotient held at 12 decimals, shown as ``FixedDecimal/quotient(by:)`` writes it: without
  /// the trailing zeros down to the operands' own decimals (a display scale per row).
  mutating func quotient(_ register: Int, of left: KernelOperand, by right: KernelOperand) -> KernelValue? {
    let target = FixedDecimal.divisionScale
    let (leftScale, rightScale) = (scaleSource(left), scaleSource(right))
    let result = KernelOperand(register: register, kind: .number, scale: target, exactScale: false)
    return withScale(result) { destination in
      guard let leftScale, let rightScale else { return nil }
      return .trimScale(
        destination: destination, value: register, scale: target, left: leftScale, right: rightScale)
    }.map { .scalar($0) }
  }

  /// A sum's display scale is the larger of its operands', a product's their sum.
  mutating func combinedScale(
    _ result: KernelOperand, _ left: KernelOperand, _ right: KernelOperand, sum: Bool
  ) -> KernelValue? {
    let (leftScale, rightScale) = (scaleSource(left), scaleSource(right))
    return withScale(result) { destination in
      guard let leftScale, let rightScale else { return nil }
      return .combineScales(isSum: sum, destination: destination, left: leftScale, right: rightScale)
    }.map { .scalar($0) }
  }

  mutating func lowerCall(_ builtin: Builtin, _ arguments: [CheckedExpr], _ expr: CheckedExpr) -> KernelValue?
  {
    if let function = builtin.population {
      guard let site = populationSpans[expr.span], let plan = population[site] else { return nil }
      switch function {
      case .topPercent: return .scalar(KernelOperand(register: plan.result, kind: .boolean))
      case .abcClass, .averageClass: return .scalar(KernelOperand(register: plan.result, kind: .code))
      default: return .scalar(KernelOperand(register: plan.result, kind: .number, scale: plan.resultScale))
      }
    }
    guard let kernel = builtin.kernel else { return nil }
    // A list argument (`sum(monthly_spend)`, `max(xs)`) is unfolded into its elements.
    var operands: [KernelOperand] = []
    var isListArgument = false
    for argument in arguments {
      switch lower(argument) {
      case .scalar(let operand): operands.append(operand)
      case .list(let items):
        guard arguments.count == 1 else { return nil }
        operands = items
        isListArgument = true
      case .missing:
        guard let operand = lowerScalar(argument) else { return nil }
        operands.append(operand)
      case nil: return nil
      }
    }
    return kernel(
      &self, KernelCall(operands: operands, isListArgument: isListArgument, arguments: arguments, call: expr))
  }
}
