import FuzzSupport
import Ladder

/// Any bytes as a policy file: reading, checking, compiling, formatting and rendering the
/// diagnostics must end (no crash, no hang) whatever the file holds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPolicy(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = FuzzSupport.bytes(data, size)
  let sources = SourceRegistry()
  let file = sources.add(path: "fuzz.yaml", bytes: bytes)
  var diagnostics = DiagnosticBag()
  let compiled = PolicyCompiler.compile(file, into: &diagnostics)
  _ = TextDiagnosticRenderer(sources: sources).render(diagnostics.sorted)
  _ = JSONDiagnosticRenderer(sources: sources).render(diagnostics.sorted, files: ["fuzz.yaml"])
  if compiled != nil, let text = String(validating: bytes, as: UTF8.self),
    let formatted = try? PolicyFormatter.format(text)
  {
    _ = FormatSoundness.isSound(original: text, formatted: formatted)
  }
  return 0
}

@_cdecl("FuzzPolicy_main")
public func fuzzPolicyMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?)
  -> Int32
{
  FuzzSupport.run(argc, argv, fuzzPolicy)
}
