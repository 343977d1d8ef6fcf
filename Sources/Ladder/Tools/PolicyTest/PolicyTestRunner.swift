/// The result of one test case.
public struct PolicyTestResult: Sendable {
  public var name: String
  public var span: SourceSpan
  /// Each failed expectation, as "expected …, got …".
  public var failures: [String]
  /// The part of the trace that decided, for a failed case.
  public var explanation: String?
  public var passed: Bool { failures.isEmpty }
}

/// One thing a test suite can exercise: a tier, a band, a trigger firing or staying quiet, a
/// tier's benefit set.
public struct CoverageItem: Sendable, Hashable {
  public var description: String
  public var location: String
  public var isCovered: Bool
}

/// The outcome of running a suite against its policy.
public struct PolicyTestReport: Sendable {
  public var suitePath: String
  public var policy: String
  public var results: [PolicyTestResult]
  public var coverage: [CoverageItem]

  public var passedCount: Int { results.filter(\.passed).count }
  public var failedCount: Int { results.count - passedCount }

  /// Covered items over all items, in percent (100 when there is nothing to cover).
  public var coveragePercent: FixedDecimal {
    guard !coverage.isEmpty else { return .hundred }
    let covered = FixedDecimal(coverage.filter(\.isCovered).count * 100)
    return ((try? covered.divided(by: FixedDecimal(coverage.count))) ?? .zero).rounded(to: 1, .down)
  }
}

/// Runs policy unit tests: each case's record through the compiled policy, traced, checked
/// against its expectations; and what the cases exercised, for coverage.
public enum PolicyTestRunner {
  public static func run(_ suite: PolicyTestSuite, suitePath: String, policy: CompiledPolicy)
    -> PolicyTestReport
  {
    let validator = RecordValidator(policy: policy)
    var results: [PolicyTestResult] = []
    var tiersSeen: Set<String> = []
    var bandsSeen: Set<SourceSpan> = []
    var fired: Set<String> = []
    var quiet: Set<String> = []
    var benefitSetsChecked: Set<String> = []

    // Each case's record: the suite's defaults with the case's values on top, by input slot.
    let records = suite.cases.map { testCase in
      var values = [RawValue?](repeating: nil, count: policy.inputs.count)
      var unknown: [String] = []
      for (name, value) in suite.defaults + testCase.record {
        guard let field = policy.inputs.first(where: { $0.name == name.value }) else {
          unknown.append("unknown field '\(name.value)' in the record")
          continue
        }
        values[field.slot] = value
      }
      return (values: values, unknownFields: unknown)
    }

    // A policy with population functions is tested with its cases as one population, on the
    // suite's as-of date.
    var populationOutcomes: [RecordOutcome]?
    if !policy.populationSites.isEmpty, let asOf = suite.asOf?.value {
      let reads = records.enumerated().map { index, record in
        ReadRecord.success(RawRecord(line: index + 1, values: record.values))
      }
      var outcomes: [RecordOutcome] = []
      BatchEvaluator(policy: policy, asOf: asOf, trace: true).evaluate(reads: reads) { outcomes.append($0) }
      populationOutcomes = outcomes
    }

    for (caseIndex, testCase) in suite.cases.enumerated() {
      var failures = records[caseIndex].unknownFields
      guard let asOf = testCase.asOf ?? suite.asOf?.value else {
        results.append(
          PolicyTestResult(
            name: testCase.name, span: testCase.span,
            failures: ["no as_of: give the suite or the case an as_of date"],
            explanation: nil))
        continue
      }
      let record = RawRecord(line: 1, values: records[caseIndex].values)
      let frame = policy.makeFrame(asOf: asOf)
      if let clock = testCase.asOf != nil ? testCase.clock : suite.clock { frame.clock = clock }
      var rejection: String?
      var decision: Decision?
      if let outcomes = populationOutcomes, caseIndex < outcomes.count {
        if testCase.asOf != nil && testCase.asOf != suite.asOf?.value {
          failures.append(
            "a population policy evaluates all cases on the suite's as_of; remove the case's as_of")
        }
        switch outcomes[caseIndex] {
        case .decided(_, let populated): decision = populated
        case .rejected(let problem):
          rejection = problem.field.map { "field '\($0)': \(problem.reason)" } ?? problem.reason
        }
      } else if let problem = validator.load(record, into: frame) {
        rejection = problem.field.map { "field '\($0)': \(problem.reason)" } ?? problem.reason
      } else {
        do {
          decision = try policy.evaluate(frame, trace: true)
          rejection = nil
        } catch {
          rejection = error.message
        }
      }
      if let decision {
        if let tier = decision.tier?.id { tiersSeen.insert(tier) }
        for component in decision.components { if let span = component.bandSpan { bandsSeen.insert(span) } }
        let firedNow = Set(decision.firedTriggers.map(\.id))
        for trigger in policy.triggers {
          if firedNow.contains(trigger.id) { fired.insert(trigger.id) } else { quiet.insert(trigger.id) }
        }
        if let tier = decision.tier?.id, testCase.expectations.contains(where: \.isAboutBenefits) {
          benefitSetsChecked.insert(tier)
        }
      }
      failures += check(testCase.expectations, decision: decision, rejection: rejection, policy: policy)
      var explanation: String?
      if !failures.isEmpty, let trace = decision?.trace {
        explanation = TraceText.decidingPart(trace)
      }
      results.append(
        PolicyTestResult(
          name: testCase.name, span: testCase.span, failures: failures, explanation: explanation))
    }

    var coverage: [CoverageItem] = []
    for tier in policy.tiers {
      coverage.append(
        CoverageItem(
          description: "tier '\(tier.id)' assigned", location: policy.location(tier.span),
          isCovered: tiersSeen.contains(tier.id)))
    }
    for component in policy.components {
      for band in component.bands {
        coverage.append(
          CoverageItem(
            description: "band \"\(band.text)\" of '\(component.name)' matched",
            location: policy.location(band.span),
            isCovered: bandsSeen.contains(band.span)))
      }
    }
    for trigger in policy.triggers {
      coverage.append(
        CoverageItem(
          description: "trigger '\(trigger.id)' fires", location: policy.location(trigger.span),
          isCovered: fired.contains(trigger.id)))
      coverage.append(
        CoverageItem(
          description: "trigger '\(trigger.id)' stays quiet", location: policy.location(trigger.span),
          isCovered: quiet.contains(trigger.id)))
    }
    for (index, tier) in policy.tiers.enumerated() where !policy.checked.benefits[index].isEmpty {
      coverage.append(
        CoverageItem(
          description: "benefits of tier '\(tier.id)' checked", location: policy.location(tier.span),
          isCovered: benefitSetsChecked.contains(tier.id)))
    }
    return PolicyTestReport(suitePath: suitePath, policy: policy.path, results: results, coverage: coverage)
  }

  static func check(
    _ expectations: [PolicyExpectation], decision: Decision?, rejection: String?, policy: CompiledPolicy
  ) -> [String] {
    var failures: [String] = []
    let expectsRejection = expectations.contains { if case .rejected = $0 { true } else { false } }
    if let rejection, !expectsRejection {
      return ["the record was rejected: \(rejection)"]
    }
    for expectation in expectations {
      switch expectation {
      case .rejected(let reason, _):
        guard let rejection else {
          failures.append(
            "expected the record to be rejected, but it got tier '\(decision?.tier?.id ?? "none")'")
          continue
        }
        if let reason, !rejection.contains(reason) {
          failures.append("rejected for \"\(rejection)\", expected a reason containing \"\(reason)\"")
        }
      case .tier(let id, _):
        if decision?.tier?.id != id {
          failures.append("tier: expected '\(id)', got '\(decision?.tier?.id ?? "no tier")'")
        }
      case .notTier(let id, _):
        if decision?.tier?.id == id { failures.append("tier: expected anything but '\(id)', got '\(id)'") }
      case .score(let expected, _):
        if decision?.score != expected {
          failures.append("score: expected \(expected), got \(decision?.score?.description ?? "no score")")
        }
      case .benefit(let name, let value, _):
        let actual = decision?.benefits.first { $0.name == name }.map { CompiledPolicy.display($0.value) }
        if actual != value {
          failures.append("benefit '\(name)': expected \(value), got \(actual ?? "none")")
        }
      case .lacksBenefit(let name, _):
        if let benefit = decision?.benefits.first(where: { $0.name == name }) {
          failures.append("benefit '\(name)': expected none, got \(CompiledPolicy.display(benefit.value))")
        }
      case .serviceLevel(let target, let part, let value, _):
        guard let decision else { continue }
        guard let result = decision.serviceLevels.first(where: { $0.name == target }) else {
          let names = decision.serviceLevels.map(\.name)
          failures.append(
            "target '\(target)': the policy has no such target"
              + (names.isEmpty ? "" : " (its targets: \(names.joined(separator: ", ")))"))
          continue
        }
        let actual: String
        var same: Bool
        switch ServiceLevelPart(rawValue: part) {
        case .due:
          actual = result.due?.description ?? "missing"
          same = result.due.map { LadderInstant(parsing: value) == $0 } ?? (value == "missing")
        case .left, .late:
          let duration = part == "left" ? result.left : result.late
          actual = duration?.description ?? "missing"
          same =
            duration.map { found in LadderDuration(parsing: value).map { found.compare($0) == 0 } ?? false }
            ?? (value == "missing")
        default:
          actual = result.status.rawValue
          same = actual == value
        }
        if !same { failures.append("target '\(target)' \(part): expected \(value), got \(actual)") }
      case .output(let name, let value, _):
        guard let index = policy.checked.outputs.firstIndex(where: { $0.name == name }) else {
          let names = policy.checked.outputs.map(\.name)
          failures.append(
            "output '\(name)': the policy has no such output"
              + (names.isEmpty ? "" : " (its outputs: \(names.joined(separator: ", ")))"))
          continue
        }
        guard let decision else { continue }
        let actual = decision.outputs[index]
        let shown =
          actual.isMissing
          ? "missing" : CompiledPolicy.display(actual, as: policy.checked.outputs[index].type)
        if shown != value { failures.append("output '\(name)': expected \(value), got \(shown)") }
      case .fired(let id, _):
        if decision?.firedTriggers.contains(where: { $0.id == id }) != true {
          failures.append("trigger '\(id)': expected it to fire, it stayed quiet")
        }
      case .quiet(let id, _):
        if decision?.firedTriggers.contains(where: { $0.id == id }) == true {
          failures.append("trigger '\(id)': expected it to stay quiet, it fired")
        }
      case .reviewDue(let due, _):
        if decision?.review?.isDue != due {
          failures.append(
            "review due: expected \(due), got \(decision?.review.map { String($0.isDue) } ?? "no review")")
        }
      }
    }
    return failures
  }
}

extension TraceText {
  /// The score and tier part of a trace: what decided the tier.
  public static func decidingPart(_ trace: DecisionTrace) -> String {
    let full = render(trace).split(separator: "\n", omittingEmptySubsequences: false)
    guard
      let start = full.firstIndex(where: { $0.hasPrefix("score ") || $0.hasPrefix("tiers, first match wins") }
      ),
      let end = full.firstIndex(where: { $0.hasPrefix("→ ") })
    else { return "" }
    return full[start...end].joined(separator: "\n") + "\n"
  }
}

/// JUnit XML for CI systems: one test suite per test file, one test case per case.
public enum JUnitReport {
  public static func render(_ reports: [PolicyTestReport]) -> String {
    var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    let tests = reports.reduce(0) { $0 + $1.results.count }
    let failures = reports.reduce(0) { $0 + $1.failedCount }
    out += "<testsuites name=\"ladder test\" tests=\"\(tests)\" failures=\"\(failures)\">\n"
    for report in reports {
      out +=
        "  <testsuite name=\"\(MarkupText.escaped(report.suitePath))\" tests=\"\(report.results.count)\" failures=\"\(report.failedCount)\">\n"
      for result in report.results {
        out +=
          "    <testcase classname=\"\(MarkupText.escaped(report.policy))\" name=\"\(MarkupText.escaped(result.name))\""
        if result.passed {
          out += "/>\n"
        } else {
          let message = result.failures.joined(separator: "; ")
          out += ">\n      <failure message=\"\(MarkupText.escaped(message))\">"
          out += MarkupText.escaped(
            result.failures.joined(separator: "\n") + "\n" + (result.explanation ?? ""))
          out += "</failure>\n    </testcase>\n"
        }
      }
      out += "  </testsuite>\n"
    }
    return out + "</testsuites>\n"
  }
}
