import Foundation
import Yams

/// Reads a policy file into ``PolicySyntax``: YAML through Yams, every field with its span,
/// embedded expressions taken from the file's own text so that their positions are exact.
///
/// Reading never stops at the first problem: an unknown key, a wrong shape or a bad expression is
/// reported and the reader goes on with the rest of the file.
public enum PolicyReader {
  /// The format versions this build reads (`ladder: 1`).
  public static let supportedFormatVersions = [1]

  /// Policies are small; a YAML document that expands beyond this many nodes (through aliases)
  /// is refused before it is walked.
  public static let maximumNodeCount = 50_000

  public static let topLevelKeys = [
    "ladder", "policy", "version", "title", "description", "record", "time_zone", "calendars", "inputs",
    "let",
    "score", "tier_order", "tiers", "benefits", "entitlements", "review", "lifecycle", "service_levels",
    "output",
  ]
  public static let serviceLevelKeys = ["at_risk", "calendar", "targets"]
  public static let serviceTargetKeys = ["label", "when", "from", "within", "calendar", "met_at", "at_risk"]
  public static let calendarKeys = [
    "time_zone", "hours", "holidays", "working_days", "working_day_hours", "description", "file",
  ]
  /// Calendar files are small; anything larger is refused before it is parsed.
  public static let maximumCalendarFileSize = 1 << 20
  public static let entitlementKeys = ["better", "description"]
  public static let inputKeys = [
    "type", "optional", "key", "personal", "informational", "actionable", "min", "max", "length",
    "min_length",
    "max_length",
    "values", "scale", "description",
  ]
  public static let scoreKeys = ["round", "rounding", "components"]
  public static let componentKeys = ["weight", "of", "bands", "points", "description"]
  public static let tierKeys = ["id", "label", "when", "otherwise", "description"]
  public static let reviewKeys = ["every", "last_review", "triggers"]
  public static let lifecycleKeys = [
    "upgrades", "downgrades", "downgrade_by", "grace_reviews", "minimum_stay", "approval",
  ]
  public static let approvalKeys = ["downgrades_from", "upgrades_to"]
  public static let triggerKeys = ["id", "when", "then", "because"]
  public static let typeNames = [
    "string", "int", "decimal", "percent", "bool", "date", "datetime", "enum", "list of int",
    "list of decimal",
    "list of percent",
  ]

  /// Reads one policy file. Returns `nil` when the file is not YAML or not a mapping at all;
  /// every problem is in `diagnostics`.
  public static func read(_ file: SourceFile, into diagnostics: inout DiagnosticBag) -> PolicySyntax? {
    guard let root = loadYAML(file, what: "policy", into: &diagnostics) else { return nil }
    var reader = Reader(file: file)
    let syntax = reader.readPolicy(root)
    diagnostics.append(contentsOf: reader.diagnostics)
    return syntax
  }

  /// The single YAML document of a file, after the checks every Ladder file gets: valid UTF-8,
  /// no NUL bytes, no alias keys, one document, at most ``maximumNodeCount`` nodes.
  static func loadYAML(_ file: SourceFile, what: String, into diagnostics: inout DiagnosticBag) -> Node? {
    if let bad = file.firstInvalidUTF8Offset {
      diagnostics.add(
        Diagnostic(
          .unreadableFile, "the file is not valid UTF-8 (byte \(bad))", at: file.span(bad, bad + 1),
          help: "save the policy as UTF-8; Chinese labels are fine in UTF-8"))
      return nil
    }
    if file.bytes.contains(0) {
      let offset = file.bytes.firstIndex(of: 0) ?? 0
      diagnostics.add(
        Diagnostic(
          .unreadableFile, "the file contains a NUL byte", at: file.span(offset, offset + 1),
          help: "a policy is a text file; this looks like binary data"))
      return nil
    }
    if let refused = AliasGuard.check(file) {
      diagnostics.add(refused)
      return nil
    }
    let root: Node
    do {
      let parser = try Parser(yaml: file.text)
      guard let first = try parser.nextRoot() else {
        diagnostics.add(
          Diagnostic(
            .notAPolicy, "the file holds no \(what)", at: file.span(0, 0),
            help: "start with 'ladder: 1' and 'policy: <id>'; see docs/language.md"))
        return nil
      }
      if let second = try parser.nextRoot() {
        let offset = offset(of: second.mark, in: file)
        diagnostics.add(
          Diagnostic(
            .notAPolicy, "the file holds more than one YAML document", at: lineSpan(file, offset),
            help: "put each policy in a file of its own"))
        return nil
      }
      root = first
    } catch let error as YamlError {
      diagnostics.add(diagnostic(for: error, in: file))
      return nil
    } catch {
      diagnostics.add(Diagnostic(.yamlSyntax, "the YAML could not be read", at: file.span(0, 0)))
      return nil
    }
    if let overflow = nodeCountOverflow(root) {
      let (message, help) =
        overflow.throughAliases
        ? (
          "the YAML expands to more than \(maximumNodeCount) nodes",
          "aliases ('*name') multiply what they refer to; a policy never needs this much"
        )
        : (
          "the policy has more than \(maximumNodeCount) YAML nodes",
          "no policy needs this much; split it into several, or generate fewer entries"
        )
      diagnostics.add(
        Diagnostic(
          .documentTooComplex, message, at: lineSpan(file, offset(of: overflow.node.mark, in: file)),
          help: help))
      return nil
    }
    return root
  }

  /// Reads the calendar files a policy names (`calendars: { support_cn: { file: … } }`), each
  /// relative to the policy's directory, into `syntax`, and registers them in `sources` so that
  /// their diagnostics show their lines. Without `sources` (a policy held in memory) a calendar
  /// file cannot be read, and that is reported.
  public static func readCalendarFiles(
    _ syntax: inout PolicySyntax, policy: SourceFile, sources: SourceRegistry?,
    into diagnostics: inout DiagnosticBag
  ) {
    for index in syntax.calendars.indices {
      guard let named = syntax.calendars[index].file else { continue }
      let name = syntax.calendars[index].name
      guard let sources else {
        syntax.calendars[index].fileUnread = true
        diagnostics.add(
          Diagnostic(
            .unreadableFile, "calendar '\(name.value)' is in a file, which cannot be read here",
            at: named.span,
            help:
              "load the policy from its file (the ladder commands do), or write the calendar in the policy"))
        continue
      }
      let path =
        named.value.hasPrefix("/")
        ? named.value
        : URL(fileURLWithPath: policy.path).deletingLastPathComponent().appendingPathComponent(named.value)
          .path
      let shown = named.value.hasPrefix("/") ? named.value : relativePath(named.value, besides: policy.path)
      let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int ?? 0
      guard size <= maximumCalendarFileSize, let data = FileManager.default.contents(atPath: path) else {
        syntax.calendars[index].fileUnread = true
        diagnostics.add(
          Diagnostic(
            .unreadableFile,
            size > maximumCalendarFileSize
              ? "the calendar file '\(named.value)' is \(size) bytes; a calendar file is at most \(maximumCalendarFileSize)"
              : "cannot read the calendar file '\(named.value)'",
            at: named.span, help: "the path is taken relative to the policy file"))
        continue
      }
      let file = sources.add(path: shown, bytes: [UInt8](data))
      guard let root = loadYAML(file, what: "calendar", into: &diagnostics) else {
        syntax.calendars[index].fileUnread = true
        continue
      }
      var reader = Reader(file: file)
      var calendar = reader.readCalendar(root, name: name, allowsFile: false)
      diagnostics.append(contentsOf: reader.diagnostics)
      calendar.file = named
      syntax.calendars[index] = calendar
      syntax.includedFiles.append(file)
    }
  }

  /// `calendars/x.yaml` named by `policies/p.yaml` is `policies/calendars/x.yaml`.
  static func relativePath(_ path: String, besides policyPath: String) -> String {
    guard let slash = policyPath.lastIndex(of: "/") else { return path }
    return String(policyPath[...slash]) + path
  }

  /// Reads a policy held in memory (tests, editors).
  public static func read(
    text: String, path: String = "policy.yaml", sources: SourceRegistry, into diagnostics: inout DiagnosticBag
  ) -> PolicySyntax? {
    read(sources.add(path: path, text: text), into: &diagnostics)
  }

  // MARK: - YAML errors

  static func offset(of mark: Mark?, in file: SourceFile) -> Int {
    guard let mark else { return 0 }
    return file.offset(line: mark.line, column: mark.column)
  }

  /// The rest of the line from `offset`, trimmed, for underlining a construct as a whole.
  static func lineSpan(_ file: SourceFile, _ offset: Int) -> SourceSpan {
    let line = file.lineIndex(containing: offset)
    let bytes = file.lineBytes(line)
    // An offset past the line's text (on its line break) underlines the end of the line.
    let offset = min(max(offset, bytes.startIndex), bytes.endIndex)
    var end = bytes.endIndex
    while end > offset, end > bytes.startIndex, bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
    // A comment at the end of the line is not part of the construct.
    if let hash = bytes[offset..<max(offset, end)].firstIndex(of: UInt8(ascii: "#")), hash > offset,
      bytes[hash - 1] == UInt8(ascii: " ")
    {
      end = hash
      while end > offset && bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
    }
    return file.span(offset, max(end, min(offset + 1, bytes.endIndex)))
  }

  static func diagnostic(for error: YamlError, in file: SourceFile) -> Diagnostic {
    switch error {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      let offset = file.offset(line: mark.line, column: mark.column)
      let at = file.span(offset, min(file.bytes.count, offset + max(1, characterLength(file, offset))))
      if problem.contains("Maximum nesting level") || problem.contains("nesting") {
        return Diagnostic(
          .documentTooComplex, "the YAML nests too deeply", at: at,
          help: "a policy needs only a few levels of nesting; this file looks generated or corrupt")
      }
      var notes: [Diagnostic.Note] = []
      if let context, !context.text.isEmpty {
        let contextOffset = file.offset(line: context.mark.line, column: context.mark.column)
        notes.append(Diagnostic.Note(context.text, at: file.span(contextOffset, contextOffset + 1)))
      }
      return Diagnostic(
        .yamlSyntax, "invalid YAML: \(problem)", at: at, notes: notes,
        help: yamlHelp(problem, file: file, offset: offset))
    case .duplicatedKeysInMapping(let duplicates, let context):
      let name = duplicates.first ?? ""
      let firstOffset = file.offset(line: context.mark.line, column: context.mark.column)
      let second = secondOccurrence(of: name, after: firstOffset, in: file)
      var notes: [Diagnostic.Note] = []
      let primary: SourceSpan
      if let second {
        primary = file.span(second, second + name.utf8.count)
        notes.append(
          Diagnostic.Note("first written here", at: file.span(firstOffset, firstOffset + name.utf8.count)))
      } else {
        primary = file.span(firstOffset, firstOffset + name.utf8.count)
      }
      let others = duplicates.dropFirst().map { "'\($0)'" }
      if !others.isEmpty {
        notes.append(Diagnostic.Note("the same mapping also repeats \(others.joined(separator: ", "))"))
      }
      return Diagnostic(
        .duplicateKey, "key '\(name)' appears twice in the same mapping", at: primary,
        label: "written again here",
        notes: notes, help: "keep one '\(name)'; YAML would silently keep only one of the two values")
    case .reader(let problem, let offset, _, _):
      let at = offset.map { file.span($0, $0 + 1) } ?? file.span(0, 0)
      return Diagnostic(.unreadableFile, "the file cannot be read: \(problem)", at: at)
    case .dataCouldNotBeDecoded:
      return Diagnostic(.unreadableFile, "the file is not valid UTF-8", at: file.span(0, 0))
    default:
      return Diagnostic(.yamlSyntax, "invalid YAML: \(error)", at: file.span(0, 0))
    }
  }

  private static func lineText(_ file: SourceFile, _ offset: Int) -> String {
    String(
      decoding: file.lineBytes(file.lineIndex(containing: min(offset, max(0, file.bytes.count - 1)))),
      as: UTF8.self)
  }

  private static func characterLength(_ file: SourceFile, _ offset: Int) -> Int {
    guard offset < file.bytes.count else { return 0 }
    var end = offset + 1
    while end < file.bytes.count && file.bytes[end] & 0xC0 == 0x80 { end += 1 }
    return end - offset
  }

  private static func yamlHelp(_ problem: String, file: SourceFile, offset: Int) -> String? {
    let character = offset < file.bytes.count ? file.bytes[offset] : 0
    if character == UInt8(ascii: "\t") { return "YAML does not allow tabs for indentation; use spaces" }
    if problem.contains("mapping values are not allowed"), lineText(file, offset).contains("in: ") {
      return "name a clock's calendar without the colon, e.g. 'due(received_at, 8h, in support_cn)'"
    }
    if problem.contains("mapping values are not allowed") {
      return "a value containing ': ' must be quoted, e.g. \"<= 30: 100\""
    }
    if problem.contains("did not find expected key") || problem.contains("expected <block end>") {
      return "check the indentation of this line against the lines above"
    }
    if problem.contains("found character that cannot start any token") {
      return "quote a value that starts with '@', '`' or '%'"
    }
    if problem.contains("did not find expected ',' or") || problem.contains("did not find expected") {
      return "a bracket or quote may be left open above this point"
    }
    if problem.contains("undefined alias") { return "an alias '*name' needs an anchor '&name' before it" }
    return nil
  }

  /// Where a duplicated key is written the second time: the next line at the same column that
  /// starts with the key, or the next occurrence of `key:` on the same line (flow mappings).
  private static func secondOccurrence(of key: String, after first: Int, in file: SourceFile) -> Int? {
    let firstLocation = file.location(of: first)
    let keyBytes = Array(key.utf8)
    let startLine = firstLocation.line - 1
    // Same line (flow mapping).
    let line = file.lineBytes(startLine)
    var index = first + keyBytes.count
    while index + keyBytes.count <= line.endIndex {
      if Array(file.bytes[index..<(index + keyBytes.count)]) == keyBytes,
        index == line.startIndex
          || [UInt8(ascii: " "), UInt8(ascii: "{"), UInt8(ascii: ",")].contains(file.bytes[index - 1])
      {
        var after = index + keyBytes.count
        while after < line.endIndex && file.bytes[after] == UInt8(ascii: " ") { after += 1 }
        if after < line.endIndex && file.bytes[after] == UInt8(ascii: ":") { return index }
      }
      index += 1
    }
    // Later lines at the same column.
    for lineIndex in (startLine + 1)..<file.lineCount {
      let start = file.offset(line: lineIndex + 1, column: firstLocation.column)
      let bytes = file.lineBytes(lineIndex)
      let indentEnd = bytes.firstIndex { $0 != UInt8(ascii: " ") } ?? bytes.endIndex
      if indentEnd < start && indentEnd < bytes.endIndex
        && file.location(of: indentEnd).column < firstLocation.column
        && bytes[indentEnd] != UInt8(ascii: "#") && bytes[indentEnd] != UInt8(ascii: "-")
      {
        return nil
      }
      if start + keyBytes.count <= bytes.endIndex,
        Array(file.bytes[start..<(start + keyBytes.count)]) == keyBytes
      {
        var after = start + keyBytes.count
        while after < bytes.endIndex && file.bytes[after] == UInt8(ascii: " ") { after += 1 }
        if after < bytes.endIndex && file.bytes[after] == UInt8(ascii: ":") { return start }
      }
    }
    return nil
  }

  /// The first node at which a walk of the document (aliases expanded) passes
  /// ``maximumNodeCount``, if any, and whether aliases got the count there: a collection
  /// reached twice (the same start in the file) was copied by an alias.
  private static func nodeCountOverflow(_ root: Node) -> (node: Node, throughAliases: Bool)? {
    var stack = [root]
    var count = 0
    var collectionStarts: Set<Int> = []
    var throughAliases = false
    while let node = stack.popLast() {
      count += 1
      if count > maximumNodeCount { return (node, throughAliases) }
      switch node {
      case .scalar, .alias: continue
      case .sequence(let sequence): stack.append(contentsOf: sequence)
      case .mapping(let mapping):
        for (key, value) in mapping {
          stack.append(key)
          stack.append(value)
        }
      }
      if let mark = node.mark, !collectionStarts.insert(mark.line << 20 | mark.column).inserted {
        throughAliases = true
      }
    }
    return nil
  }
}
