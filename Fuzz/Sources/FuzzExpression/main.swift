import FuzzSupport
import Ladder

/// Any text as an expression: the parser must end with an expression or diagnostics, and what
/// it parses must print and parse again to the same text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpression(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let text = String(decoding: FuzzSupport.bytes(data, size), as: UTF8.self)
  let file = SourceRegistry().add(path: "fuzz.yaml", text: text)
  let (expression, diagnostics) = ExpressionParser.parse(
    ExpressionSource(verbatim: text, file: file.id, base: 0))
  guard diagnostics.isEmpty else { return 0 }
  let printed = ExprPrinter.print(expression)
  let (again, problems) = ExpressionParser.parse(ExpressionSource(verbatim: printed, file: file.id, base: 0))
  if !problems.isEmpty || ExprPrinter.print(again) != printed {
    preconditionFailure("printing '\(text)' gives '\(printed)', which does not parse back to itself")
  }
  return 0
}

@_cdecl("FuzzExpression_main")
public func fuzzExpressionMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?)
  -> Int32
{
  FuzzSupport.run(argc, argv, fuzzExpression)
}
