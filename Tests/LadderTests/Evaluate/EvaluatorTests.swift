import Foundation
import Ladder
import LadderTestSupport
import Testing

@Suite struct EvaluatorTests {
  static func b2bPolicy() throws -> CompiledPolicy {
    let text = try String(
      contentsOfFile: RepositoryPaths.path("policies/b2b-service-tiers.yaml"), encoding: .utf8)
    return try #require(compilePolicy(text, path: "policies/b2b-service-tiers.yaml"))
  }

  static let header =
    "customer_id,company_name,contact_phone,last_purchase,orders_12m,spend_12m,industry_growth,repurchase_rate,monthly_spend,last_review\n"

  /// The worked examples of the domain brief, assessed 2024-03-01, land on the brief's tiers.
  @Test func workedExamplesGetTheBriefsTiers() throws {
    let policy = try Self.b2bPolicy()
    let outcomes = evaluate(
      policy,
      csv: Self.header + """
        C2024001,A公司,138,2024-01-31,12,800000.00,15%,85%,1;1;1;1;1;1,
        C2024002,B公司,138,2024-01-01,6,300000.00,8%,60%,1;1;1;1;1;1,
        C2024003,C公司,,2023-11-02,2,80000.00,-3%,30%,1;1;1;1;1;1,
        """)
    let decisions = outcomes.compactMap(\.decision)
    #expect(decisions.map { $0.tier?.id } == ["vip", "key", "watch"])
    // The brief's own scores: A R 100×20% + F 100×15% + M 90×35% + P 90×15% + L 80×15% = 92,
    // B 80, 90, 70, 80, 60 = 75, C 60, 50, 60, 0, 30 = 45.
    #expect(decisions.map { $0.score?.description } == ["92.00", "75.00", "45.00"])
    #expect(decisions[2].firedTriggers.map(\.id) == ["churn-risk"])
    #expect(
      decisions[0].benefits.first { $0.name == "discount_budget" }?.value
        == .percent(FixedDecimal(units: 10, scale: 2)))
  }

  /// A score that is 90 on paper is 90: the vip threshold holds exactly at 90.
  @Test func scoreOfExactlyNinetyMeetsTheThreshold() throws {
    let policy = try #require(
      compilePolicy(
        policyText(
          inputs: "a: { type: int }\nb: { type: int }",
          body: """
            score:
              components:
                x: { weight: 35%, of: a, bands: [">= 1: 80", "else: 0"] }
                y: { weight: 15%, of: b, bands: [">= 1: 80", "else: 0"] }
                z: { weight: 50%, points: 100 }
            tiers:
              - { id: vip, label: VIP, when: score >= 90 }
              - { id: rest, label: Rest, otherwise: true }
            """)))
    // 35% × 80 + 15% × 80 + 50% × 100 = 28 + 12 + 50 = 90; in binary floating point 0.35 × 80
    // is 28.000000000000004.
    let decision = try #require(evaluate(policy, csv: "id,a,b\nr1,1,1\n").first?.decision)
    #expect(decision.score?.description == "90.00")
    #expect(decision.tier?.id == "vip")
  }

  @Test(arguments: [("half-up", "72.13"), ("half-even", "72.12"), ("down", "72.12"), ("up", "72.13")])
  func totalIsRoundedAsDeclared(_ mode: String, _ expected: String) throws {
    let policy = try #require(
      compilePolicy(
        policyText(
          inputs: "p: { type: decimal }",
          body: """
            score:
              round: 2
              rounding: \(mode)
              components:
                only: { weight: 100%, points: p }
            """)))
    let decision = try #require(evaluate(policy, csv: "id,p\nr1,72.125\n").first?.decision)
    #expect(decision.score?.description == expected)
  }

  @Test func missingValuesFollowTheDeclaredDefault() throws {
    let policy = try #require(
      compilePolicy(
        policyText(
          inputs: "last: { type: date, optional: true }",
          body: """
            let:
              recency: days_between(last, as_of) ?? 9999
            tiers:
              - { id: recent, label: Recent, when: recency <= 30 }
              - { id: lapsed, label: Lapsed, otherwise: true }
            """)))
    let decisions = evaluate(policy, csv: "id,last\na,2024-02-20\nb,\n").compactMap(\.decision)
    #expect(decisions.map { $0.tier?.id } == ["recent", "lapsed"])
  }

  @Test func divisionByZeroRejectsTheRecordWithItsLocation() throws {
    let policy = try #require(
      compilePolicy(
        policyText(
          inputs: "spend: { type: decimal }\norders: { type: int }",
          body: """
            let:
              average: spend / orders
            tiers:
              - { id: big, label: Big, when: average > 100 }
              - { id: small, label: Small, otherwise: true }
            """), path: "p.yaml"))
    let outcomes = evaluate(policy, csv: "id,spend,orders\na,500,2\nb,500,0\n")
    #expect(outcomes.first?.decision?.tier?.id == "big")
    let problem = try #require(outcomes.last?.problem)
    #expect(problem.line == 3 && problem.key == "b")
    #expect(problem.reason == "division by zero (at p.yaml:8:12)")
  }

  /// Differential: the traced program decides exactly as the plain one, on every example.
  @Test func tracedAndPlainEvaluationDecideAlike() throws {
    let policy = try Self.b2bPolicy()
    let bytes = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/b2b-service-tiers.csv"))))
    let plain = evaluate(policy, bytes: bytes, format: .csv)
    let traced = evaluate(policy, bytes: bytes, format: .csv, trace: true)
    #expect(plain.count == traced.count)
    for (a, b) in zip(plain, traced) {
      #expect(a.decision?.tier == b.decision?.tier)
      #expect(a.decision?.score == b.decision?.score)
      #expect(a.decision?.firedTriggers == b.decision?.firedTriggers)
      #expect(a.decision?.benefits == b.decision?.benefits)
      #expect(a.problem == b.problem)
      #expect(a.decision?.trace == nil)
      #expect(b.decision == nil || b.decision?.trace != nil)
    }
  }

  @Test func everyRecordIsDecidedOrRejected() throws {
    let policy = try Self.b2bPolicy()
    let bytes = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/b2b-service-tiers.csv"))))
    let outcomes = evaluate(policy, bytes: bytes, format: .csv)
    // 33 good rows and 8 bad ones, one outcome each, in file order.
    #expect(outcomes.count == 41)
    #expect(outcomes.compactMap(\.problem).count == 8)
    let lines = outcomes.map { outcome -> Int in
      switch outcome {
      case .decided(let line, _): line
      case .rejected(let problem): problem.line
      }
    }
    #expect(lines == Array(2...42))
  }

  @Test func personalDataNeverAppearsInTracesOrRejections() throws {
    let policy = try Self.b2bPolicy()
    let outcomes = evaluate(
      policy,
      csv: Self.header + """
        C1,A公司,13800138001,2024-01-31,12,800000.00,15%,85%,1;1;1;1;1;1,
        C2,B公司,13800138002,2024-01-31,-1,800000.00,15%,85%,1;1;1;1;1;1,
        """, trace: true)
    let trace = try #require(outcomes.first?.decision?.trace)
    #expect(!TraceJSON.render(trace).contains("13800138001"))
    #expect(!TraceText.render(trace).contains("13800138001"))
    #expect(trace.inputs.first { $0.name == "contact_phone" }?.value == "***")
    let personal = try #require(
      compilePolicy(policyText(inputs: "phone: { type: int, personal: true }", body: "")))
    let rejected = try #require(evaluate(personal, csv: "id,phone\nx,12ab\n").first?.problem)
    #expect(rejected.reason == "the value (personal data, not shown) is not a whole number")
  }

  @Test func reviewIsDueFromTheLastReviewAndTheTiersCadence() throws {
    let policy = try Self.b2bPolicy()
    let outcomes = evaluate(
      policy,
      csv: Self.header + """
        C1,A,,2024-01-31,12,800000.00,15%,85%,1;1;1;1;1;1,2023-12-01
        C2,B,,2024-01-01,6,300000.00,8%,60%,1;1;1;1;1;1,2023-10-15
        C3,B,,2024-01-01,6,300000.00,8%,60%,1;1;1;1;1;1,
        """)
    let reviews = outcomes.compactMap(\.decision?.review)
    // vip every 3 months: 2023-12-01 + 3 months is the as-of date itself, so due.
    #expect(reviews[0].nextReview?.description == "2024-03-01" && reviews[0].isDue)
    // key every 6 months: next 2024-04-15, not yet due.
    #expect(reviews[1].nextReview?.description == "2024-04-15" && !reviews[1].isDue)
    // Never reviewed: due.
    #expect(reviews[2].nextReview == nil && reviews[2].isDue)
  }

  @Test func outputIsByteIdenticalAcrossRuns() throws {
    let policy = try Self.b2bPolicy()
    let bytes = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/b2b-service-tiers.csv"))))
    func render() -> String {
      evaluate(policy, bytes: bytes, format: .csv, trace: true).compactMap(\.decision).map {
        DecisionJSON.render(
          $0, policy: policy, asOf: CivilDate(parsing: "2024-03-01") ?? CivilDate(daysSinceEpoch: 0))
      }.joined(separator: "\n")
    }
    #expect(render() == render())
  }
}

@Suite struct ConcurrencyTests {
  /// One compiled policy, evaluated from several threads at once, decides as it does alone.
  @Test func compiledPolicyIsSharedSafelyBetweenThreads() async throws {
    let policy = try EvaluatorTests.b2bPolicy()
    let bytes = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/b2b-service-tiers.csv"))))
    let expected = evaluate(policy, bytes: bytes, format: .csv).map { $0.decision?.score }
    let results = await withTaskGroup(of: [FixedDecimal?].self) { group in
      for _ in 0..<8 {
        group.addTask { evaluate(policy, bytes: bytes, format: .csv).map { $0.decision?.score } }
      }
      var all: [[FixedDecimal?]] = []
      for await result in group { all.append(result) }
      return all
    }
    #expect(results.count == 8)
    for result in results { #expect(result == expected) }
  }
}
