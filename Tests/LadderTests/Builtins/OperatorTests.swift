import Foundation
import LadderTestSupport
import Testing

@testable import Ladder

/// The registry of operators (`Builtins/Operators.swift`): every operator the parser knows has
/// one entry, the entry builds the expression it is found from again, and the language
/// reference lists it.
@Suite struct OperatorTests {
  @Test func everyBinaryOperatorHasAnEntryThatRoundTrips() throws {
    let a = try checkedExpression("x")
    let b = try checkedExpression("y")
    for op in BinaryOperator.allCases {
      let entry = Operator.binary(op)
      #expect(entry.symbol == op.rawValue, "the entry for \(op) is \(entry.symbol)")
      let (found, operands) = try #require(entry.build([a, b]).operation)
      #expect(found.symbol == entry.symbol)
      #expect(operands.count == 2)
    }
    let unaryAndMixfix: [(Operator, Int)] = [
      (.negate, 1), (.not, 1), (.isMissing(negated: false), 1), (.isMissing(negated: true), 1),
      (.between(negated: false), 3), (.between(negated: true), 3), (.conditional, 3),
    ]
    for (entry, arity) in unaryAndMixfix {
      let (found, operands) = try #require(entry.build(Array(repeating: a, count: arity)).operation)
      #expect(found.symbol == entry.symbol)
      #expect(operands.count == arity)
    }
  }

  @Test func theLanguageReferenceListsEveryOperator() throws {
    let reference = try String(contentsOfFile: RepositoryPaths.path("docs/language.md"), encoding: .utf8)
    let symbols =
      BinaryOperator.allCases.map { Operator.binary($0).symbol }
      + ["not", "-", "between", "not between", "is missing", "is not missing", "if"]
    for symbol in symbols {
      #expect(reference.contains("`\(symbol)"), "docs/language.md does not list `\(symbol)`")
    }
  }

  /// A checked expression over two decimal inputs, x and y.
  private func checkedExpression(_ text: String) throws -> CheckedExpr {
    let outcome = checkPolicy(
      policyText(inputs: "x: { type: decimal }\ny: { type: decimal }", body: "let:\n  value: \(text)\n"))
    return try #require(outcome.policy?.lets.first?.expression)
  }
}
