/// One comparison inside a tier or trigger condition, compiled separately so that a trace can
/// show its operands ("repurchase_rate 60% < 80%"). Only traced evaluation runs these; the
/// plain path never touches them.
struct ConditionAtom: Sendable {
  let text: String
  let left: CompiledExpression
  let leftType: ValueType
  let right: CompiledExpression?
  let rightType: ValueType?
  let result: CompiledExpression
  /// An operand is computed from personal data: the trace shows `***` for the values.
  let isPersonal: Bool
  /// For the plain sentence of a trace: the left operand as written, the comparison (if the atom
  /// is one) and the right operand as written when it is not a literal.
  let subject: String
  let comparison: BinaryOperator?
  let rightText: String?

  /// The atoms of a condition (``CheckedExpr/atoms``), each compiled on its own.
  static func atoms(_ expr: CheckedExpr, personal: PersonalData, registry: PopulationRegistry? = nil)
    -> [ConditionAtom]
  {
    expr.atoms.map { atom in
      ConditionAtom(
        text: atom.text,
        left: ExpressionCompiler.compile(atom.left, registry: registry),
        leftType: atom.left.type.value,
        right: atom.right.map { ExpressionCompiler.compile($0, registry: registry) },
        rightType: atom.right?.type.value,
        result: ExpressionCompiler.compile(atom.condition, registry: registry),
        isPersonal: personal.isPersonal(atom.left) || atom.right.map(personal.isPersonal) == true,
        subject: ExprPrinter.print(atom.left.syntax.ungrouped),
        comparison: {
          if case .comparison(let op, _, _) = atom.condition.kind { return op }
          return nil
        }(),
        rightText: atom.right.flatMap {
          $0.constantValue == nil ? ExprPrinter.print($0.syntax.ungrouped) : nil
        })
    }
  }
}
