import Foundation
import LadderTestSupport
import Testing

@testable import Ladder

/// The registry of built-ins, and the two added through it alone: `lookup` and `days_since`.
@Suite struct BuiltinTests {
  @Test func everyBuiltinHasOneEntryAndARowInTheLanguageReference() throws {
    let names = Builtin.all.map(\.name)
    #expect(Set(names).count == names.count, "a built-in is declared twice")
    let reference = try String(contentsOfFile: RepositoryPaths.path("docs/language.md"), encoding: .utf8)
    for name in names {
      #expect(reference.contains("`\(name)("), "docs/language.md does not document \(name)")
    }
    // Only population functions and the clocks of service levels (instants and calendars have no
    // registers) may lack a kernel: everything else runs on both backends.
    for builtin in Builtin.all where builtin.kernel == nil {
      #expect(
        builtin.isPopulation || Builtin.calendarFunctions.contains(builtin.name),
        "\(builtin.name) has no kernel")
    }
  }

  // MARK: - lookup: checking

  static let graded = "grade: { type: enum, values: [low, medium, high] }"

  @Test func lookupKeysMustBeValuesOfTheEnum() {
    let outcome = checkPolicy(
      policyText(inputs: Self.graded, body: "let:\n  points: lookup(grade, \"low\", 10, \"hihg\", 90, 0)\n"))
    expectOne(outcome, .unknownEnumValue, underlining: "\"hihg\"", helpContains: "did you mean 'high'?")
  }

  @Test func lookupNamesEachKeyOnce() {
    let outcome = checkPolicy(
      policyText(inputs: Self.graded, body: "let:\n  points: lookup(grade, \"low\", 10, \"low\", 90, 0)\n"))
    expectOne(outcome, .badCall, underlining: "\"low\"", helpContains: "one result")
  }

  @Test func lookupResultsAreNumbersWrittenOut() {
    let outcome = checkPolicy(
      policyText(
        inputs: Self.graded + "\nbase: { type: int }",
        body: "let:\n  points: lookup(grade, \"low\", base, \"high\", 90, 0)\n"))
    expectOne(outcome, .badCall, underlining: "base", helpContains: "lookup(grade")
  }

  @Test func lookupTakesAnEnumOrAString() {
    let outcome = checkPolicy(
      policyText(inputs: "n: { type: int }", body: "let:\n  points: lookup(n, \"1\", 10, 0)\n"))
    expectOne(outcome, .badCall, underlining: "lookup(n, \"1\", 10, 0)")
  }

  @Test func lookupMayBeMissingOnlyWhenSomeValueHasNoResult() throws {
    func type(_ expression: String) throws -> LadderType {
      let outcome = checkPolicy(policyText(inputs: Self.graded, body: "let:\n  points: \(expression)\n"))
      let policy = try #require(outcome.policy, "\(outcome.renderedText)")
      return try #require(policy.lets.first).expression.type
    }
    #expect(try type("lookup(grade, \"low\", 10, \"high\", 90)") == LadderType(.int, optional: true))
    #expect(try type("lookup(grade, \"low\", 10, \"high\", 90, 0)") == LadderType(.int))
    #expect(try type("lookup(grade, \"low\", 10, \"medium\", 50, \"high\", 90)") == LadderType(.int))
    #expect(try type("lookup(grade, \"low\", 1.5, \"high\", 9)") == LadderType(.decimal, optional: true))
    #expect(try type("lookup(grade, \"low\", 5%, \"high\", 10%, 0%)") == LadderType(.percent))
  }

  // MARK: - Lists whose elements are known to be there

  @Test func averagesAndExtremesOfListsThatAlwaysHoldValuesAreNeverMissing() throws {
    func type(_ expression: String) throws -> LadderType {
      let inputs = """
        fixed: { type: list of decimal, length: 6 }
        atLeastTwo: { type: list of int, min_length: 2 }
        open: { type: list of decimal }
        maybe: { type: decimal, optional: true }
        """
      let outcome = checkPolicy(policyText(inputs: inputs, body: "let:\n  x: \(expression)\n"))
      let policy = try #require(outcome.policy, "\(outcome.renderedText)")
      return try #require(policy.lets.first).expression.type
    }
    // A list input of a declared (minimum) length: the reader rejects empty elements.
    #expect(try type("avg(fixed)") == LadderType(.decimal))
    #expect(try type("max(fixed)") == LadderType(.decimal))
    #expect(try type("min(atLeastTwo)") == LadderType(.int))
    #expect(try type("avg(atLeastTwo)") == LadderType(.decimal))
    // A list literal (its elements can never be missing: L0305 sees to that).
    #expect(try type("max([maybe ?? 0, 2])") == LadderType(.decimal))
    // A list that may be empty.
    #expect(try type("avg(open)") == LadderType(.decimal, optional: true))
    #expect(try type("min(open)") == LadderType(.decimal, optional: true))
  }

  // MARK: - Evaluation, on both backends

  /// A scorecard on an enum, as the B2B sheet's industry outlook (high / medium / low) needs.
  static let outlookPolicy = """
    ladder: 1
    policy: outlook
    inputs:
      id: { type: string, key: true }
      outlook: { type: enum, values: [high, medium, low, unknown], optional: true }
      last_purchase: { type: date }
    let:
      industry_points: lookup(outlook, "high", 100, "medium", 60.5, "low", 20) ?? 0.0
      open_points: lookup(outlook, "high", 1, "medium", 2, 3)
      recency_days: days_since(last_purchase)
    tiers:
      - { id: strong, label: Strong, when: industry_points >= 60 and recency_days <= 90 }
      - { id: rest, label: Rest, otherwise: true }
    output: [industry_points, open_points, recency_days]
    """

  static let outlookRecords = """
    id,outlook,last_purchase
    C1,high,2024-01-31
    C2,medium,2023-11-01
    C3,low,2024-02-29
    C4,,2024-03-01
    C5,unknown,2024-03-10

    """

  @Test func lookupAndDaysSinceGiveTheirNumbersOnBothBackends() throws {
    let policy = try #require(compilePolicy(Self.outlookPolicy, path: "outlook.yaml"))
    #expect(ColumnarProgram(policy, asOf: try #require(CivilDate(parsing: "2024-03-01"))) != nil)
    let records = Array(Self.outlookRecords.utf8)
    let reference = try ColumnarDifferentialTests.transcript(policy, records, columnar: false).text
    #expect(
      reference == """
        C1,,strong,,100.0,1,30,2024-03-01,outlook,,\(policy.sha256)
        C2,,rest,,60.5,2,121,2024-03-01,outlook,,\(policy.sha256)
        C3,,rest,,20.0,3,1,2024-03-01,outlook,,\(policy.sha256)
        C4,,rest,,0.0,,0,2024-03-01,outlook,,\(policy.sha256)
        C5,,rest,,0.0,3,-9,2024-03-01,outlook,,\(policy.sha256)

        """)
    let decided = try ColumnarDifferentialTests.expectSameBytes(policy, records, blockSizes: [5, 1 << 20])
    #expect(decided == 5, "every record decided by kernels")
    #expect(try ColumnarDifferentialTests.expectSameBytes(policy, records, traced: true) == 5)
  }

  /// `average_class` decides exactly against the mean: 50.00 is below the mean 50.00333… of
  /// 100.00, 50.00 and 0.01 (the mean rounded to 2 decimals, 50.00, would say "at"), and 2
  /// orders is at the mean of 3, 2, 1 and 2.
  @Test func averageClassIsExactOnBothBackends() throws {
    let policy = try #require(
      compilePolicy(
        """
        ladder: 1
        policy: averages
        inputs:
          id: { type: string, key: true }
          spend: { type: decimal, scale: 2, optional: true }
          orders: { type: int }
        let:
          m: average_class(spend)
          f: average_class(orders)
        tiers:
          - { id: high, label: High, when: (m ?? "below") == "above" }
          - { id: rest, label: Rest, otherwise: true }
        output: [m, f]
        """, path: "averages.yaml"))
    let records = Array("id,spend,orders\nA,100.00,3\nB,50.00,2\nC,,1\nD,0.01,2\n".utf8)
    let reference = try ColumnarDifferentialTests.transcript(policy, records, columnar: false).text
    #expect(
      reference == """
        A,,high,,above,above,2024-03-01,averages,,\(policy.sha256)
        B,,rest,,below,at,2024-03-01,averages,,\(policy.sha256)
        C,,rest,,,below,2024-03-01,averages,,\(policy.sha256)
        D,,rest,,below,at,2024-03-01,averages,,\(policy.sha256)

        """)
    #expect(try ColumnarDifferentialTests.expectSameBytes(policy, records) == 4)
    #expect(try ColumnarDifferentialTests.expectSameBytes(policy, records, traced: true) == 4)
    let traced = evaluate(policy, csv: String(decoding: records, as: UTF8.self), trace: true)
    let notes = try #require(traced[1].decision?.trace?.population.map(\.explanation))
    #expect(
      notes == [
        "spend 50.00 is below the average 50.003333333333 of the 3 records that have one",
        "orders 2 is at the average 2 of the 4 records that have one",
      ])
  }

  /// A quotient shows the decimals it needs, not the 12 the division works to (issue 11:
  /// averages printed as `20.000000000000`), on both backends, in CSV and in traces.
  @Test func quotientsShowTheDecimalsTheyNeed() throws {
    let text = """
      ladder: 1
      policy: quotients
      inputs:
        id: { type: string, key: true }
        monthly: { type: list of decimal, length: 3, scale: 2 }
        n: { type: int }
      let:
        mean: avg(monthly)
        third: n / 3
        half: n / 2
        share: 1.50 / n
      tiers:
        - { id: a, when: mean > 10 and third > 1 and half > 1 and share > 0 }
        - { id: b, otherwise: true }
      output: [mean, third, half, share]
      """
    let policy = try #require(compilePolicy(text, path: "quotients.yaml"))
    let records = Array("id,monthly,n\nx,10.00;20.00;30.00,6\ny,10.00;20.00;31.00,7\nz,1;2;3,3\n".utf8)
    let reference = try ColumnarDifferentialTests.transcript(policy, records, columnar: false).text
    let identity = "quotients,,\(policy.sha256)"
    #expect(
      reference == """
        x,,a,,20.00,2,3,0.25,2024-03-01,\(identity)
        y,,a,,20.333333333333,2.333333333333,3.5,0.214285714286,2024-03-01,\(identity)
        z,,b,,2.00,1,1.5,0.50,2024-03-01,\(identity)

        """)
    // The kernels decide every record, CSV and traced, with the same bytes.
    #expect(try ColumnarDifferentialTests.expectSameBytes(policy, records) == 3)
    #expect(try ColumnarDifferentialTests.expectSameBytes(policy, records, traced: true) == 3)
  }
}
