import Foundation
import LadderTestSupport
import Testing

@testable import Ladder

/// What it takes (issue 11): every change suggested for every example record really reaches the
/// next tier up (or drops the record below its tier), and the same change one step smaller —
/// a cent, a whole number, a percent point, a day — does not.
@Suite struct WhatItTakesTests {
  /// The records of an example file as text fields by input name (the CSV reader's cells).
  static func records(_ name: String, policy: CompiledPolicy) throws -> [(
    line: Int, fields: [String: String]
  )] {
    let bytes = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/\(name).csv"))))
    var reader = try CSVRecordReader(bytes: bytes, inputs: policy.inputs)
    var result: [(Int, [String: String])] = []
    while let read = reader.next() {
      guard case .success(let record) = read else { continue }
      var fields: [String: String] = [:]
      for field in policy.inputs {
        switch record.values[field.slot] {
        case .text(let text)?, .number(let text)?: fields[field.name] = text
        default: fields[field.name] = ""
        }
      }
      result.append((record.line, fields))
    }
    return result
  }

  /// `text` one step back towards `from`: the step the analysis moves the input by.
  static func oneStepBack(_ text: String, from: String, type: ValueType) -> String? {
    if type == .date {
      guard let date = CivilDate(parsing: text), let start = CivilDate(parsing: from) else { return nil }
      let back: Int32 = date > start ? -1 : 1
      return CivilDate(daysSinceEpoch: date.daysSinceEpoch + back).description
    }
    let percent = text.hasSuffix("%")
    let digits = percent ? String(text.dropLast()) : text
    let start = percent ? String(from.dropLast()) : from
    guard let value = FixedDecimal(parsing: digits), let origin = FixedDecimal(parsing: start) else {
      return nil
    }
    // The grid: whole numbers for ints and percents, the written decimals for decimals.
    let scale = percent || type == .int ? max(0, value.scale) : max(value.scale, origin.scale)
    let step = FixedDecimal(units: 1, scale: scale)
    guard let back = value > origin ? try? value.subtracting(step) : try? value.adding(step) else {
      return nil
    }
    return back.description + (percent ? "%" : "")
  }

  /// The values strictly between `from` and `to` for an int or a date input, when there are
  /// at most 300 of them; none otherwise.
  static func valuesBetween(_ from: String, _ to: String, type: ValueType) -> [String] {
    switch type {
    case .int:
      guard let a = Int(from), let b = Int(to), abs(b - a) <= 301 else { return [] }
      return stride(from: a, to: b, by: b > a ? 1 : -1).dropFirst().map(String.init)
    case .date:
      guard let a = CivilDate(parsing: from), let b = CivilDate(parsing: to) else { return [] }
      let (x, y) = (Int(a.daysSinceEpoch), Int(b.daysSinceEpoch))
      guard abs(y - x) <= 301 else { return [] }
      return stride(from: x, to: y, by: y > x ? 1 : -1).dropFirst().map {
        CivilDate(daysSinceEpoch: Int32($0)).description
      }
    default:
      return []
    }
  }

  /// Applies every change of `report` to `fields` (a record of `policy`): each must reach its
  /// goal, and the same change one step smaller must not. For enums and flags, every other
  /// value is tried: exactly those that reach the goal must be listed. Returns how many
  /// suggestions were checked that far.
  ///
  /// A policy with population functions decides the record in its population: `population`
  /// holds every record of the input (by line) and the changed record replaces its own.
  static func check(
    _ report: WhatItTakes, fields: [String: String], policy: CompiledPolicy, asOf: CivilDate, context: String,
    population: (line: Int, records: [(line: Int, fields: [String: String])])? = nil
  ) throws -> Int {
    func rank(of decision: Decision?) -> Int? {
      guard let decision else { return nil }
      guard let index = policy.checked.tiers.firstIndex(where: { $0.id == decision.tier?.id }) else {
        return policy.checked.tiers.count
      }
      return policy.checked.rank(ofTierAt: index)
    }
    func rank(_ fields: [String: String]) -> Int? {
      guard let population else { return rank(of: try? policy.decide(fields, asOf: asOf)) }
      let names = policy.inputs.map(\.name)
      func row(_ values: [String: String]) -> String {
        names.map { name in
          let value = values[name] ?? ""
          return value.contains(",") || value.contains("\"")
            ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
        }.joined(separator: ",")
      }
      let csv =
        ([names.joined(separator: ",")]
        + population.records.map {
          row($0.line == population.line ? fields : $0.fields)
        }).joined(separator: "\n") + "\n"
      let outcomes = evaluate(policy, csv: csv, asOf: asOf.description)
      let index = try? #require(population.records.firstIndex { $0.line == population.line })
      return index.flatMap { outcomes.indices.contains($0) ? rank(of: outcomes[$0].decision) : nil }
    }
    guard let current = rank(fields) else { return 0 }
    var checked = 0
    let choices = policy.inputs.filter {
      $0.isActionable && !$0.isKey && !$0.isPersonal && !$0.isInformational
        && !(fields[$0.name] ?? "").isEmpty
    }.flatMap { field -> [(String, String)] in
      switch field.type {
      case .enumeration(_, let values): values.filter { $0 != fields[field.name] }.map { (field.name, $0) }
      case .bool: [(field.name, ["true", "1"].contains(fields[field.name]) ? "false" : "true")]
      default: []
      }
    }
    for (changes, reaches) in [
      (report.toReachNextUp, { (r: Int) in r < current }), (report.toDropDown, { (r: Int) in r > current }),
    ] {
      var setsThatReach: Set<String> = []
      for (name, value) in choices {
        var moved = fields
        moved[name] = value
        if rank(moved).map(reaches) == true { setsThatReach.insert("\(name)=\(value)") }
      }
      let setsListed = changes.filter { $0.by == "set" }.map {
        "\($0.input)=\($0.to.trimmingCharacters(in: ["\""]))"
      }
      #expect(
        Set(setsListed) == setsThatReach && setsListed.count == setsThatReach.count,
        "\(context): listed \(setsListed.sorted()), reaching \(setsThatReach.sorted())")
      checked += setsListed.count
      for change in changes where change.by != "set" {
        let type = try #require(policy.inputs.first { $0.name == change.input }).type
        var moved = fields
        moved[change.input] = change.to
        #expect(rank(moved).map(reaches) == true, "\(context) \(change)")
        guard let back = oneStepBack(change.to, from: change.from, type: type), back != change.from else {
          continue
        }
        moved[change.input] = back
        #expect(rank(moved).map(reaches) != true, "\(context) \(change): \(back) is enough too")
        checked += 1
        // Whole numbers and days: every value between, when there are few, so that no smaller
        // change hides between the search's probes.
        for between in Self.valuesBetween(change.from, change.to, type: type) {
          moved[change.input] = between
          #expect(rank(moved).map(reaches) != true, "\(context) \(change): \(between) is enough too")
        }
      }
    }
    return checked
  }

  /// An example policy, an evaluator as of 2024-03-01 and the policy's example records.
  static func example(_ name: String) throws -> (CompiledPolicy, BatchEvaluator, [UInt8]) {
    let path = "policies/\(name).yaml"
    let policy = try #require(
      compilePolicy(try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8), path: path))
    let evaluator = BatchEvaluator(policy: policy, asOf: try #require(CivilDate(parsing: "2024-03-01")))
    let bytes = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/\(name).csv"))))
    return (policy, evaluator, bytes)
  }

  @Test(arguments: ["b2b-service-tiers", "fintech-risk-grades", "loyalty-tiers", "airline-status"])
  func everySuggestionWorksAndNoSmallerOneDoes(name: String) throws {
    let (policy, evaluator, bytes) = try Self.example(name)
    let asOf = evaluator.asOf
    var checked = 0
    for (line, fields) in try Self.records(name, policy: policy) {
      guard let report = evaluator.whatItTakes(bytes: bytes, format: .csv, line: line) else { continue }
      checked += try Self.check(
        report, fields: fields, policy: policy, asOf: asOf, context: "\(name):\(line)")
    }
    #expect(checked > 10, "\(checked) suggestions checked")
  }

  /// A policy with population functions: each change is decided with the rest of the customer
  /// base as it is, so it must work when the whole input is evaluated again with only that
  /// record changed (its quintiles, ABC and value classes recomputed), and one step less must not.
  @Test func populationPoliciesAnswerWithTheRestOfThePopulationAsItIs() throws {
    let name = "retail-rfm-abc"
    let (policy, evaluator, bytes) = try Self.example(name)
    let asOf = evaluator.asOf
    let records = try Self.records(name, policy: policy)
    var (checked, answered) = (0, 0)
    for (line, fields) in records {
      guard let report = evaluator.whatItTakes(bytes: bytes, format: .csv, line: line) else { continue }
      answered += 1
      checked += try Self.check(
        report, fields: fields, policy: policy, asOf: asOf, context: "\(name):\(line)",
        population: (line, records))
    }
    #expect(answered == 40 && checked > 20, "\(answered) answered, \(checked) suggestions checked")
  }

  /// The worked example C2024003 (watch, 45): the changes that reach standard, worked out by
  /// hand from the bands (each adds the points the score lacks, 5).
  @Test func theWorkedExampleCNeedsOneOfTheseToReachStandard() throws {
    let path = "policies/b2b-service-tiers.yaml"
    let policy = try #require(
      compilePolicy(try String(contentsOfFile: RepositoryPaths.path(path), encoding: .utf8), path: path))
    let asOf = try #require(CivilDate(parsing: "2024-03-01"))
    let bytes = [UInt8](
      try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("examples/b2b-service-tiers.csv"))))
    let report = try #require(
      BatchEvaluator(policy: policy, asOf: asOf).whatItTakes(bytes: bytes, format: .csv, line: 4))
    #expect(report.tier == "watch" && report.nextUp == "standard" && report.nextDown == nil)
    #expect(
      report.toReachNextUp.map { "\($0.input) \($0.from) → \($0.to)" } == [
        "last_purchase 2023-11-02 → 2024-01-31",  // 30 days: recency 60 → 100, +8 → 53
        "repurchase_rate 30% → 80%",  // loyalty 30 → 80, +7.5 → 52.5
        "orders_12m 2 → 6",  // frequency 50 → 90, +6 → 51
        "spend_12m 80000.00 → 500000.00",  // monetary 60 → 90, +10.5 → 55.5
      ])
    // Never suggested: the personal phone number, the informational company name, the key, and
    // industry growth, which the policy marks `actionable: false` (-3% → 0% would do it).
    #expect(
      !report.toReachNextUp.contains {
        ["contact_phone", "company_name", "customer_id", "industry_growth"].contains($0.input)
      })
  }

  /// The same on generated policies and records (the differential generator's), population
  /// functions included: every suggested change reaches its goal and the change one step
  /// smaller does not.
  @Test func generatedPoliciesAndRecords() throws {
    var checked = 0
    for seed in UInt64(1)...60 {
      let generated = PolicyGenerator.generate(seed: seed, records: 20)
      guard let policy = GeneratedDifferentialTests.compilePolicyQuietly(generated.policy) else { continue }
      let asOf = try #require(CivilDate(parsing: "2024-03-01"))
      let names = generated.header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      let bytes = Array(generated.csv.utf8)
      let evaluator = BatchEvaluator(policy: policy, asOf: asOf)
      let population = generated.records.enumerated().map { offset, record in
        (
          line: offset + 2,
          fields: Dictionary(
            uniqueKeysWithValues: zip(
              names, record.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        )
      }
      for (offset, record) in generated.records.enumerated() {
        let values = record.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard values.count == names.count,
          let report = evaluator.whatItTakes(bytes: bytes, format: .csv, line: offset + 2)
        else { continue }
        checked += try Self.check(
          report, fields: Dictionary(uniqueKeysWithValues: zip(names, values)), policy: policy, asOf: asOf,
          context: "seed \(seed) line \(offset + 2)",
          population: generated.usesPopulation ? (offset + 2, population) : nil)
      }
    }
    #expect(checked > 50, "\(checked) suggestions checked")
  }
}
