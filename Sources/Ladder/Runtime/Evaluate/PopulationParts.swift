import Foundation

/// What the parts of one population contribute to its population functions, merged: what lets
/// each part be decided on its own (a Spark task, a process per file) with every percentile,
/// quantile and class of the whole population, byte for byte as one run over the parts joined
/// in name order decides them (`ladder stats`, `ladder stats --merge`, `ladder eval --stats`).
///
/// Per population site, the statistics hold every ranked entry of the population — argument
/// value, record key, part and place in the part — in the site's ranking order. Exact ranks with
/// ties broken by key need that much: the statistics grow with the population (about 24 bytes
/// an entry as text; docs/spark.md). Merging is associative and order-independent: parts are
/// kept in name order, entries in ranking order, whatever order the statistics are merged in.
public struct PopulationParts: Sendable, Equatable {
  public struct Part: Sendable, Equatable {
    public var name: String
    /// The records read from the part, rejected ones included.
    public var records: Int
  }

  /// One population site as the statistics name it.
  public struct Site: Sendable, Equatable {
    /// The call as the policy writes it, `abc_class(spend_12m)`.
    public var call: String
    var function: PopulationFunction
  }

  /// Which part of the population an evaluation's records are (``BatchEvaluator/partOfPopulation``).
  public struct Place: Sendable {
    public let statistics: PopulationParts
    /// The part's index in ``PopulationParts/parts``.
    public let part: Int
    /// The part's statistics pass, run to check the part: deciding it needs no second one.
    let pass: BatchEvaluator.PopulationPass?
  }

  public let policyID: String
  public let policyVersion: String
  public let policySHA256: String
  /// The evaluation date (and moment, for service clocks) the arguments were computed at.
  public let asOf: String
  /// Whether record keys rank as numbers (an `int` key) rather than as text.
  let numericKeys: Bool
  public let sites: [Site]
  /// In name order.
  public private(set) var parts: [Part]
  /// Per site, every entry of the population in ranking order; an entry's `record` is
  /// ``recordID(part:_:)`` of its part and its place in the part, so that ranking by it is
  /// ranking in the order of the parts joined by name.
  private(set) var ranked: [[PopulationStatistics.Entry]]

  /// An entry's `record`: its part's index in the high bits, its place in the part below.
  static func recordID(part: Int, _ position: Int) -> Int { part << placeBits | position }
  private static let placeBits = 40
  private static func part(of record: Int) -> Int { record >> placeBits }
  private static func place(of record: Int) -> Int { record & ((1 << placeBits) - 1) }

  /// The name a part's statistics give it unless told otherwise: the file's name without its
  /// folders (Spark's `part-00003.csv`).
  public static func defaultPartName(path: String) -> String {
    path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
  }

  /// The statistics of one part, whose records are `reads` (read in order), as `evaluator`
  /// decides them (its policy, as-of date and clock).
  public static func collect(_ evaluator: BatchEvaluator, reads: [ReadRecord], part name: String)
    -> PopulationParts
  {
    collectWithPass(evaluator, reads: reads, part: name).statistics
  }

  /// ``collect(_:reads:part:)``, and the statistics pass it ran (its entries and rejections),
  /// which deciding the part uses again.
  static func collectWithPass(_ evaluator: BatchEvaluator, reads: [ReadRecord], part name: String)
    -> (statistics: PopulationParts, pass: BatchEvaluator.PopulationPass)
  {
    let policy = evaluator.policy
    let pass = evaluator.populationEntries(reads, validator: RecordValidator(policy: policy))
    let sites = policy.populationSites
    // A key ranks as a number when the policy's key input is one (told by the policy, not by the
    // entries: a part may have none).
    let keyType = policy.inputs.first { $0.slot == policy.checked.keyInput }?.type
    let numericKeys = keyType == .int || keyType == .decimal || keyType == .percent
    let statistics = PopulationParts(
      policyID: policy.id, policyVersion: policy.version, policySHA256: policy.sha256,
      asOf: asOfText(evaluator), numericKeys: numericKeys,
      sites: sites.map { Site(call: $0.text, function: $0.function) },
      parts: [Part(name: name, records: reads.count)],
      ranked: zip(sites, pass.entries).map { site, entries in
        entries.map { entry in
          var entry = entry
          entry.record = recordID(part: 0, entry.record)
          return entry
        }.sorted(by: PopulationStatistics.order(site.function))
      })
    return (statistics, pass)
  }

  /// How the statistics name an evaluation's as-of date and clock.
  static func asOfText(_ evaluator: BatchEvaluator) -> String {
    let moment = evaluator.clock ?? evaluator.policy.checked.outputOptions.asOfTime
    return moment.map { "\(evaluator.asOf) \($0)" } ?? evaluator.asOf.description
  }

  public struct MergeError: Error, Equatable {
    public var message: String
  }

  /// The statistics of every part of `statistics`, as one: the same whatever order they come in
  /// and however they were merged before.
  public static func merge(_ statistics: [PopulationParts]) throws(MergeError) -> PopulationParts {
    guard let first = statistics.first else { throw MergeError(message: "nothing to merge") }
    for other in statistics.dropFirst() {
      guard other.policySHA256 == first.policySHA256 else {
        throw MergeError(
          message:
            "statistics of policy \(other.policyID) \(other.policyVersion) (sha256 \(other.policySHA256.prefix(12))) cannot join those of \(first.policyID) \(first.policyVersion) (sha256 \(first.policySHA256.prefix(12))): make every part's statistics with the same policy file"
        )
      }
      guard other.asOf == first.asOf else {
        throw MergeError(
          message:
            "statistics as of \(other.asOf) cannot join statistics as of \(first.asOf): make every part's statistics with the same --as-of"
        )
      }
      // The same policy file gives the same functions; a file edited by hand may not.
      guard other.sites == first.sites, other.numericKeys == first.numericKeys else {
        throw MergeError(
          message:
            "statistics naming other population functions (\(other.sites.map(\.call).joined(separator: ", "))) cannot join these (\(first.sites.map(\.call).joined(separator: ", ")))"
        )
      }
    }
    var seen: [String: Int] = [:]
    var parts: [Part] = []
    for part in statistics.flatMap(\.parts) {
      if seen.updateValue(parts.count, forKey: part.name) != nil {
        throw MergeError(
          message:
            "part '\(part.name)' is in the statistics twice: each part's statistics are merged once (name parts apart with --part)"
        )
      }
      parts.append(part)
    }
    let byName = parts.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    let newIndex = Dictionary(uniqueKeysWithValues: byName.enumerated().map { ($1.name, $0) })
    var ranked: [[PopulationStatistics.Entry]] = []
    for (site, definition) in first.sites.enumerated() {
      // Each source's entries are in ranking order, and stay so with their parts renumbered (the
      // parts keep their order by name): the sources' runs are joined, not sorted again.
      let runs = statistics.map { source in
        source.ranked[site].map { entry in
          var moved = entry
          let name = source.parts[part(of: entry.record)].name
          moved.record = recordID(part: newIndex[name] ?? 0, place(of: entry.record))
          return moved
        }
      }
      ranked.append(joined(runs, by: PopulationStatistics.order(definition.function)))
    }
    return PopulationParts(
      policyID: first.policyID, policyVersion: first.policyVersion, policySHA256: first.policySHA256,
      asOf: first.asOf, numericKeys: first.numericKeys, sites: first.sites, parts: byName, ranked: ranked)
  }

  /// Runs each in the order `less` gives, joined into one in that order: two at a time, in
  /// rounds, so that each entry is moved about log₂(runs) times.
  private static func joined(
    _ runs: [[PopulationStatistics.Entry]],
    by less: (PopulationStatistics.Entry, PopulationStatistics.Entry) -> Bool
  ) -> [PopulationStatistics.Entry] {
    var runs = runs.filter { !$0.isEmpty }
    while runs.count > 1 {
      var next: [[PopulationStatistics.Entry]] = []
      for index in stride(from: 0, to: runs.count, by: 2) {
        guard index + 1 < runs.count else {
          next.append(runs[index])
          continue
        }
        let (left, right) = (runs[index], runs[index + 1])
        var both: [PopulationStatistics.Entry] = []
        both.reserveCapacity(left.count + right.count)
        var (i, j) = (0, 0)
        while i < left.count && j < right.count {
          if less(right[j], left[i]) {
            both.append(right[j])
            j += 1
          } else {
            both.append(left[i])
            i += 1
          }
        }
        both += left[i...]
        both += right[j...]
        next.append(both)
      }
      runs = next
    }
    return runs.first ?? []
  }

  /// Where part `name`, whose records are `reads`, is in the statistics, checked: the statistics
  /// hold it, made with `evaluator`'s policy and date from these records; else why not.
  public func locate(part name: String, reads: [ReadRecord], evaluator: BatchEvaluator) -> Result<
    Place, MergeError
  > {
    let (local, pass) = Self.collectWithPass(evaluator, reads: reads, part: name)
    return locate(part: name, matching: local).map { Place(statistics: self, part: $0.part, pass: pass) }
  }

  /// Where part `name` is, if the statistics hold it and its records are still those they were
  /// made from (`local`: the part's own statistics, made now with the evaluation's policy and
  /// date); else why not.
  func locate(part name: String, matching local: PopulationParts) -> Result<Place, MergeError> {
    guard local.policySHA256 == policySHA256 else {
      return .failure(
        MergeError(
          message:
            "the statistics were made with policy \(policyID) \(policyVersion) (sha256 \(policySHA256.prefix(12))), not with this policy file (sha256 \(local.policySHA256.prefix(12)))"
        ))
    }
    guard local.asOf == asOf else {
      return .failure(
        MergeError(
          message: "the statistics were made as of \(asOf), not as of \(local.asOf): pass the same --as-of"))
    }
    guard local.sites == sites, local.numericKeys == numericKeys else {
      return .failure(
        MergeError(
          message:
            "the statistics name other population functions (\(sites.map(\.call).joined(separator: ", "))) than this policy (\(local.sites.map(\.call).joined(separator: ", ")))"
        ))
    }
    guard let index = parts.firstIndex(where: { $0.name == name }) else {
      let names = parts.map(\.name)
      let shown =
        names.count <= 5 ? names.joined(separator: ", ") : names.prefix(5).joined(separator: ", ") + ", …"
      return .failure(
        MergeError(
          message:
            "the statistics hold no part named '\(name)' (they hold \(parts.count): \(shown)); pass --part with the name the part's statistics were made under"
        ))
    }
    let again = "make the part's statistics again and merge them"
    let records = local.parts.first?.records ?? 0
    guard records == parts[index].records else {
      return .failure(
        MergeError(
          message:
            "part '\(name)' had \(parts[index].records) records when its statistics were made and has \(records) now: \(again)"
        ))
    }
    for site in sites.indices {
      let own = ranked[site].lazy.filter { Self.part(of: $0.record) == index }.map { entry in
        var entry = entry
        entry.record = Self.recordID(part: 0, Self.place(of: entry.record))
        return entry
      }
      guard own.elementsEqual(local.ranked[site]) else {
        return .failure(
          MergeError(
            message:
              "part '\(name)' holds other values of \(sites[site].call) than when its statistics were made: \(again)"
          ))
      }
    }
    return .success(Place(statistics: self, part: index, pass: nil))
  }

  /// Each site's value and note for each of the `count` records of part `part`: ranked in the
  /// whole population.
  func values(forPart part: Int, count: Int, sites definitions: [PopulationSite]) -> (
    values: [[Value]], notes: [[String]]
  ) {
    var values: [[Value]] = []
    var notes: [[String]] = []
    for (site, definition) in definitions.enumerated() {
      var siteValues = [Value](repeating: .missing, count: count)
      var siteNotes = [String](repeating: PopulationStatistics.missingNote(definition), count: count)
      PopulationStatistics.assign(
        definition, ranked: ranked[site], wanted: { Self.part(of: $0.record) == part }
      ) {
        entry, value, note in
        let place = Self.place(of: entry.record)
        guard place < count else { return }
        siteValues[place] = value
        siteNotes[place] = note
      }
      values.append(siteValues)
      notes.append(siteNotes)
    }
    return (values, notes)
  }

  /// How many entries the statistics hold, over every site.
  public var entryCount: Int { ranked.reduce(0) { $0 + $1.count } }
}

// MARK: - The statistics file

/// ```
/// ladder-population-statistics 1
/// {"policy":{…},"as_of":"2024-03-01","numeric_keys":false,"parts":[…],"sites":[…]}
/// 1234.50<TAB>0<TAB>17<TAB>C0000017
/// ```
/// A line naming the format, a JSON line describing the statistics, then every site's entries in
/// ranking order, one a line: argument value, part index, place in the part, key (with `\`, tab,
/// line feed and carriage return written `\\`, `\t`, `\n`, `\r`).
extension PopulationParts {
  static let formatLine = "ladder-population-statistics 1"

  public func encoded() -> [UInt8] {
    let header = JSONWriter()
    header.object {
      header.field("policy") {
        header.object {
          header.field("id") { header.string(policyID) }
          header.field("version") { header.string(policyVersion) }
          header.field("sha256") { header.string(policySHA256) }
        }
      }
      header.field("as_of") { header.string(asOf) }
      header.field("numeric_keys") { header.bool(numericKeys) }
      header.field("parts") {
        header.array(parts) { part in
          header.object {
            header.field("name") { header.string(part.name) }
            header.field("records") { header.number(part.records) }
          }
        }
      }
      header.field("sites") {
        header.array(Array(zip(sites, ranked))) { site, entries in
          header.object {
            header.field("call") { header.string(site.call) }
            header.field("function") { header.string(site.function.rawValue) }
            header.field("entries") { header.number(entries.count) }
          }
        }
      }
    }
    var bytes = Array((Self.formatLine + "\n").utf8)
    bytes += header.bytes
    bytes.append(UInt8(ascii: "\n"))
    for entries in ranked {
      for entry in entries {
        bytes += entry.value.description.utf8
        bytes.append(UInt8(ascii: "\t"))
        bytes += String(Self.part(of: entry.record)).utf8
        bytes.append(UInt8(ascii: "\t"))
        bytes += String(Self.place(of: entry.record)).utf8
        bytes.append(UInt8(ascii: "\t"))
        for byte in entry.key {
          switch byte {
          case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
          case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
          case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
          case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
          default: bytes.append(byte)
          }
        }
        bytes.append(UInt8(ascii: "\n"))
      }
    }
    return bytes
  }

  public struct DecodingError: Error, Equatable {
    /// The line of the file (1-based), 0 for the file as a whole.
    public var line: Int
    public var message: String
  }

  /// The statistics `bytes` hold, checked strictly: every line, count and index.
  public init(decoding bytes: [UInt8]) throws(DecodingError) {
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)[...]
    if lines.last?.isEmpty == true { lines.removeLast() }
    try self.init(lines: lines, firstLine: 1)
  }

  /// The statistics at the start of `bytes`, and where what follows them begins: a Spark task
  /// receives the whole population's statistics and then its part's records on one stream, so
  /// that no file has to reach the executors (`ladder eval --stats -`).
  public static func decodeLeading(_ bytes: [UInt8]) throws(DecodingError) -> (
    statistics: PopulationParts, end: Int
  ) {
    var end = 0
    func nextLine() -> ArraySlice<UInt8>? {
      guard end < bytes.count else { return nil }
      let stop = bytes[end...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
      defer { end = min(bytes.count, stop + 1) }
      return bytes[end..<stop]
    }
    var lines: [ArraySlice<UInt8>] = []
    while lines.count < 2, let line = nextLine() { lines.append(line) }
    let count = lineCount(lines[...])
    while lines.count < count, let line = nextLine() { lines.append(line) }
    return (try PopulationParts(lines: lines[...], firstLine: 1), end)
  }

  /// Every statistics `bytes` holds, one after another (as the parts' statistics of a Spark job
  /// arrive in one stream, to be merged).
  public static func decodeAll(_ bytes: [UInt8]) throws(DecodingError) -> [PopulationParts] {
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)[...]
    if lines.last?.isEmpty == true { lines.removeLast() }
    var all: [PopulationParts] = []
    var firstLine = 1
    repeat {
      let count = min(lines.count, lineCount(lines))
      all.append(try PopulationParts(lines: lines.prefix(count), firstLine: firstLine))
      lines = lines.dropFirst(count)
      firstLine += count
    } while !lines.isEmpty
    return all
  }

  /// How many lines the statistics starting at `lines` take, from their description; all the
  /// lines there are when the description does not say.
  private static func lineCount(_ lines: ArraySlice<ArraySlice<UInt8>>) -> Int {
    guard lines.count >= 2,
      let object = try? JSONSerialization.jsonObject(with: Data(lines[lines.startIndex + 1]))
        as? [String: Any],
      let sites = object["sites"] as? [[String: Any]]
    else { return lines.count }
    return 2 + sites.reduce(0) { $0 + max(0, ($1["entries"] as? Int) ?? 0) }
  }

  /// The statistics in `lines`, exactly: the format line, the description and its entries.
  /// `firstLine` is the number of the first of them, for messages.
  private init(lines: ArraySlice<ArraySlice<UInt8>>, firstLine: Int) throws(DecodingError) {
    let lines = Array(lines)
    guard let format = lines.first, String(decoding: format, as: UTF8.self) == Self.formatLine else {
      throw DecodingError(
        line: firstLine, message: "not a Ladder population statistics file (made by `ladder stats`)")
    }
    guard lines.count >= 2,
      let object = try? JSONSerialization.jsonObject(with: Data(lines[1])) as? [String: Any],
      let policy = object["policy"] as? [String: Any], let id = policy["id"] as? String,
      let version = policy["version"] as? String, let sha256 = policy["sha256"] as? String,
      let asOf = object["as_of"] as? String, let numericKeys = object["numeric_keys"] as? Bool,
      let partObjects = object["parts"] as? [[String: Any]],
      let siteObjects = object["sites"] as? [[String: Any]]
    else {
      throw DecodingError(
        line: firstLine + 1, message: "the description line is not as `ladder stats` writes it")
    }
    var parts: [Part] = []
    for part in partObjects {
      guard let name = part["name"] as? String, let records = part["records"] as? Int, records >= 0 else {
        throw DecodingError(line: firstLine + 1, message: "a part lacks its name or record count")
      }
      parts.append(Part(name: name, records: records))
    }
    var sites: [Site] = []
    var counts: [Int] = []
    for site in siteObjects {
      guard let call = site["call"] as? String, let name = site["function"] as? String,
        let function = PopulationFunction(rawValue: name), let count = site["entries"] as? Int, count >= 0
      else {
        throw DecodingError(line: firstLine + 1, message: "a site lacks its call, function or entry count")
      }
      sites.append(Site(call: call, function: function))
      counts.append(count)
    }
    guard lines.count == 2 + counts.reduce(0, +) else {
      throw DecodingError(
        line: 0,
        message:
          "the statistics have \(lines.count - 2) entry lines, not the \(counts.reduce(0, +)) their description counts"
      )
    }
    var ranked: [[PopulationStatistics.Entry]] = []
    var lineIndex = 2
    for (site, count) in counts.enumerated() {
      var entries: [PopulationStatistics.Entry] = []
      entries.reserveCapacity(count)
      for _ in 0..<count {
        guard
          let entry = Self.entry(
            lines[lineIndex], numericKey: numericKeys, parts: parts.count, placeLimit: 1 << Self.placeBits)
        else {
          throw DecodingError(
            line: firstLine + lineIndex,
            message: "not an entry (value, part, place and key, separated by tabs) of site \(site + 1)")
        }
        entries.append(entry)
        lineIndex += 1
      }
      let order = PopulationStatistics.order(sites[site].function)
      for index in entries.indices.dropFirst() where !order(entries[index - 1], entries[index]) {
        throw DecodingError(
          line: firstLine + lineIndex - count + index,
          message: "the entries of site \(site + 1) are not in ranking order")
      }
      ranked.append(entries)
    }
    self.init(
      policyID: id, policyVersion: version, policySHA256: sha256, asOf: asOf, numericKeys: numericKeys,
      sites: sites, parts: parts, ranked: ranked)
  }

  /// `digits`, not signed, as ``encoded()`` writes a part or a place (read from the bytes: making
  /// a string of every field was most of reading a million entries).
  private static func whole(_ bytes: ArraySlice<UInt8>) -> Int? {
    guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
    var value = 0
    for byte in bytes {
      let digit = byte &- UInt8(ascii: "0")
      guard digit < 10 else { return nil }
      value = value * 10 + Int(digit)
    }
    return value
  }

  /// `[-]digits[.digits]`, as `FixedDecimal.description` writes a value, at the decimals it is
  /// written with: read from the bytes by ``FieldParsing/decimal(_:_:_:scale:percent:)`` (making a
  /// string of every value was most of reading a million entries), or, past 18 digits, by
  /// ``FixedDecimal/init(parsing:)``.
  private static func decimal(_ bytes: ArraySlice<UInt8>) -> FixedDecimal? {
    let places = bytes.lastIndex(of: UInt8(ascii: ".")).map { bytes.endIndex - $0 - 1 } ?? 0
    let units = bytes.withUnsafeBufferPointer {
      FieldParsing.decimal($0, 0, $0.count, scale: places, percent: false)
    }
    if let units { return FixedDecimal(units: Int128(units), scale: places) }
    return FixedDecimal(parsing: String(decoding: bytes, as: UTF8.self))
  }

  /// One entry line; `nil` unless it is exactly as ``encoded()`` writes one.
  private static func entry(_ line: ArraySlice<UInt8>, numericKey: Bool, parts: Int, placeLimit: Int)
    -> PopulationStatistics.Entry?
  {
    let fields = line.split(separator: UInt8(ascii: "\t"), maxSplits: 3, omittingEmptySubsequences: false)
    guard fields.count == 4, let value = decimal(fields[0]),
      let part = whole(fields[1]), part < parts, let place = whole(fields[2]), place < placeLimit
    else { return nil }
    var key: [UInt8] = []
    var escaped = false
    for byte in fields[3] {
      if escaped {
        switch byte {
        case UInt8(ascii: "\\"): key.append(byte)
        case UInt8(ascii: "t"): key.append(UInt8(ascii: "\t"))
        case UInt8(ascii: "n"): key.append(UInt8(ascii: "\n"))
        case UInt8(ascii: "r"): key.append(UInt8(ascii: "\r"))
        default: return nil
        }
        escaped = false
      } else if byte == UInt8(ascii: "\\") {
        escaped = true
      } else {
        key.append(byte)
      }
    }
    guard !escaped else { return nil }
    var numeric: FixedDecimal?
    if numericKey {
      guard let number = FixedDecimal(parsing: String(decoding: key, as: UTF8.self)) else { return nil }
      numeric = number
    }
    return PopulationStatistics.Entry(
      value: value, key: key, numericKey: numeric, record: recordID(part: part, place))
  }
}
