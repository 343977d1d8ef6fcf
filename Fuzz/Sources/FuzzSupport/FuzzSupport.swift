import Ladder

/// What the record fuzz targets share: one policy that uses every input type, compiled once.
public enum FuzzSupport {
  public static let policyText = """
    ladder: 1
    policy: fuzz
    version: "1"
    inputs:
      id:       { type: string, key: true }
      name:     { type: string, personal: true, optional: true }
      region:   { type: enum, values: [north, south, east] }
      active:   { type: bool }
      joined:   { type: date, optional: true }
      balance:  { type: decimal, scale: 2, min: -1000000 }
      rate:     { type: percent, optional: true }
      visits:   { type: int, optional: true }
      history:  { type: list of decimal, length: 3, scale: 1 }
    let:
      tenure: months_between(joined, as_of) ?? 0
      per_visit: balance / (visits ?? 1)
      mean: avg(history)
      capped: clamp(round(per_visit, 1), -50, 500)
      rounded: round(per_visit, 1)
    score:
      round: 1
      components:
        money: { weight: 50%, of: balance, bands: [">= 10_000.5: 100", ">= 1_000: 60", "> 0: 20", "else: 0"] }
        habit: { weight: 30%, points: floor(abs(mean ?? 0)) }
        rate:  { weight: 20%, points: (rate ?? 10%) * 100 }
    tiers:
      - { id: gold, when: score >= 60 and active and tenure between 6 and 120 }
      - { id: silver, when: score >= 30 or (rate ?? 0%) > 50% }
      - { id: bronze, when: not active or region != "north" }
      - { id: none, otherwise: true }
    review:
      triggers:
        - { id: low_rate, when: (rate ?? 100%) < 5%, then: flag, because: low }
    output: [rounded, tenure]
    """

  public static let policy: CompiledPolicy? = {
    var diagnostics = DiagnosticBag()
    let file = SourceRegistry().add(path: "fuzz.yaml", text: policyText)
    return PolicyCompiler.compile(file, into: &diagnostics)
  }()

  public static let asOf = CivilDate(daysSinceEpoch: 19_783)

  /// The bytes libFuzzer hands over.
  public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
  }

  /// Every outcome of evaluating `bytes`, row by row, as comparable text.
  public static func rowTranscript(_ evaluator: BatchEvaluator, _ bytes: [UInt8], format: RecordFormat)
    -> String
  {
    var text = ""
    do {
      let reference = BatchEvaluator(policy: evaluator.policy, asOf: evaluator.asOf, backend: .scalar)
      try reference.evaluate(
        .bytes(bytes, format: format), into: OutcomeCallback { text += describe($0, evaluator) })
    } catch {
      return "header: \(error)"
    }
    return text
  }

  public static func describe(_ outcome: RecordOutcome, _ evaluator: BatchEvaluator) -> String {
    switch outcome {
    case .decided(_, let decision):
      return DecisionCSV.render(decision, policy: evaluator.policy, asOf: evaluator.asOf, withErrors: false)
        + "\n"
    case .rejected(let problem):
      return "rejected \(problem.line) \(problem.key ?? "-") \(problem.field ?? "-"): \(problem.reason)\n"
    }
  }
}

/// libFuzzer's driver, for a `main` of our own: SwiftPM links every executable with
/// `--defsym main=<Module>_main`, which `-parse-as-library` (needed so that libFuzzer's `main`
/// is not replaced by top-level code) never emits. So each target defines `<Module>_main` and
/// hands its input function to the driver, as libFuzzer's own `main` does.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
  _ argc: UnsafeMutablePointer<Int32>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

extension FuzzSupport {
  public static func run(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
  ) -> Int32 {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, test)
  }
}
