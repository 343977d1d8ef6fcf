/// "Did you mean" suggestions by edit distance.
public enum Suggestions {
  /// The candidate nearest to `name`, if it is close enough to be a plausible misspelling.
  ///
  /// Close enough: at most a third of the name's length in edits (at least 1, at most 3),
  /// or the same letters ignoring case and `_`/`-`.
  public static func nearest(to name: String, in candidates: some Sequence<String>) -> String? {
    // Prepared at the first candidate: a record reader asks for every key it does not know,
    // mostly with no candidate at all, and folding the name then was most of reading a record.
    var query: Query?
    var best: (candidate: String, distance: Int)?
    for candidate in candidates where candidate != name {
      let name = query ?? Query(name)
      query = name
      if fold(candidate) == name.folded { return candidate }
      let other = Array(candidate.unicodeScalars)
      // The distance is at least the difference in length: too far to be chosen, and too far
      // to be the best of those that are close enough.
      guard abs(other.count - name.scalars.count) <= name.allowed else { continue }
      let distance = editDistance(name.scalars, other)
      if best == nil || distance < best?.distance ?? Int.max
        || (distance == best?.distance && candidate < best?.candidate ?? "")
      {
        best = (candidate, distance)
      }
    }
    guard let best, let query else { return nil }
    return best.distance <= query.allowed ? best.candidate : nil
  }

  /// The name asked about, as ``nearest(to:in:)`` compares it.
  private struct Query {
    let folded: String
    let scalars: [Unicode.Scalar]
    /// The most edits a plausible misspelling of it takes.
    let allowed: Int

    init(_ name: String) {
      folded = fold(name)
      scalars = Array(name.unicodeScalars)
      allowed = min(3, max(1, scalars.count / 3))
    }
  }

  private static func fold(_ name: String) -> String {
    String(name.lowercased().unicodeScalars.filter { $0 != "_" && $0 != "-" })
  }

  /// Damerau–Levenshtein distance (optimal string alignment): a swap of two neighbours is one
  /// edit, the commonest typo.
  static func editDistance(_ lhs: [Unicode.Scalar], _ rhs: [Unicode.Scalar]) -> Int {
    if lhs.isEmpty { return rhs.count }
    if rhs.isEmpty { return lhs.count }
    let width = rhs.count + 1
    var table = [Int](repeating: 0, count: (lhs.count + 1) * width)
    for column in 0...rhs.count { table[column] = column }
    for row in 1...lhs.count {
      table[row * width] = row
      for column in 1...rhs.count {
        let cost = lhs[row - 1] == rhs[column - 1] ? 0 : 1
        var value = min(
          table[(row - 1) * width + column] + 1, table[row * width + column - 1] + 1,
          table[(row - 1) * width + column - 1] + cost)
        if row > 1 && column > 1 && lhs[row - 1] == rhs[column - 2] && lhs[row - 2] == rhs[column - 1] {
          value = min(value, table[(row - 2) * width + column - 2] + 1)
        }
        table[row * width + column] = value
      }
    }
    return table[lhs.count * width + rhs.count]
  }

  /// `help:` text for a misspelt name, or a fallback listing what is allowed.
  static func help(for name: String, candidates: [String], kind: String) -> String? {
    if let nearest = nearest(to: name, in: candidates) {
      return "did you mean '\(nearest)'?"
    }
    guard !candidates.isEmpty else { return nil }
    let shown = candidates.prefix(12).map { "'\($0)'" }.joined(separator: ", ")
    let more = candidates.count > 12 ? ", …" : ""
    return "\(kind) are: \(shown)\(more)"
  }
}
