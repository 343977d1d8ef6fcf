import ArgumentParser
import Foundation
import Ladder

/// `ladder fmt FILE...`: one canonical layout for policy files, comments kept.
struct Fmt: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fmt",
    abstract: "Format policy and policy test files into the canonical layout, keeping comments.",
    discussion: """
      Without options, prints the formatted text. --check prints a diff for each file that is not
      formatted and exits 1; --write rewrites the files in place (atomically). A file is only ever
      written when the formatted text reads back to the same policy.

      Exit codes: 0 formatted (or written), 1 not formatted (--check) or unreadable, 64 usage error,
      70 internal error (formatting would have changed the policy's meaning; nothing was written).
      """
  )

  @Argument(help: "Policy or test files.")
  var files: [String]

  @Flag(help: "Report files that are not formatted, with a diff; change nothing.")
  var check = false

  @Flag(help: "Rewrite the files in place.")
  var write = false

  @Option(help: "Output format for --check: text (a diff), json or github (workflow annotations).")
  var format: CheckFormat = .text

  enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, github
  }

  func validate() throws {
    if check && write { throw ValidationError("use either --check or --write") }
  }

  func run() throws {
    var unformatted: [String] = []
    var failed = false
    for path in files {
      guard let data = FileManager.default.contents(atPath: path),
        let original = String(data: data, encoding: .utf8)
      else {
        StandardError.write("error: cannot read '\(path)' as UTF-8 text\n")
        failed = true
        continue
      }
      let formatted: String
      do {
        formatted = try PolicyFormatter.format(original)
      } catch {
        StandardError.write(
          "error: \(path) cannot be formatted: it is not a YAML mapping Ladder can read; run 'ladder check \(path)' for details\n"
        )
        failed = true
        continue
      }
      guard FormatSoundness.isSound(original: original, formatted: formatted) else {
        StandardError.write(
          "internal error: formatting \(path) would change what it means; the file was left as it is. Please report this with the file.\n"
        )
        throw LadderExit.internalError
      }
      if check {
        if formatted != original {
          unformatted.append(path)
          switch format {
          case .text: try StandardOutput.write(LineDiff.unified(original, formatted, path: path))
          case .json: break
          case .github:
            let line = LineDiff.firstDifferentLine(original, formatted)
            try StandardOutput.write(
              "::error file=\(path),line=\(line),title=ladder fmt::\(path) is not formatted; run ladder fmt --write \(path)\n"
            )
          }
        }
      } else if write {
        if formatted != original {
          let sink = try OutputSink(OutputTarget.resolve(path, option: "--write"))
          sink.write(formatted)
          try sink.commit()
          StandardError.write("formatted \(path)\n")
        }
      } else {
        try StandardOutput.write(formatted)
      }
    }
    if check && format == .json {
      let writer = JSONWriter()
      writer.object {
        writer.field("version") { writer.number(1) }
        writer.field("files") {
          writer.array(files) { file in
            writer.object {
              writer.field("file") { writer.string(file) }
              writer.field("formatted") { writer.bool(!unformatted.contains(file)) }
            }
          }
        }
      }
      try StandardOutput.write(writer.output + "\n")
    } else if check {
      StandardError.write(
        unformatted.isEmpty
          ? "\(files.count) file\(files.count == 1 ? "" : "s") formatted\n"
          : "\(unformatted.count) of \(files.count) file\(files.count == 1 ? "" : "s") not formatted\n")
    }
    if failed || !unformatted.isEmpty { throw LadderExit.policyErrors }
  }
}

/// A minimal unified diff of two texts, line by line (longest common subsequence).
enum LineDiff {
  static func unified(_ old: String, _ new: String, path: String) -> String {
    let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in stride(from: a.count - 1, through: 0, by: -1) {
      for j in stride(from: b.count - 1, through: 0, by: -1) {
        table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
      }
    }
    var out = "--- \(path)\n+++ \(path) (formatted)\n"
    var i = 0
    var j = 0
    var hunk: [String] = []
    var hunkStart = (0, 0)
    var context: [String] = []
    func flush() {
      guard !hunk.isEmpty else { return }
      let oldCount = hunk.filter { !$0.hasPrefix("+") }.count
      let newCount = hunk.filter { !$0.hasPrefix("-") }.count
      out +=
        "@@ -\(hunkStart.0 + 1),\(oldCount) +\(hunkStart.1 + 1),\(newCount) @@\n"
        + hunk.joined(separator: "\n") + "\n"
      hunk = []
    }
    while i < a.count || j < b.count {
      if i < a.count && j < b.count && a[i] == b[j] {
        if !hunk.isEmpty {
          hunk.append(" " + a[i])
          if hunk.suffix(3).allSatisfy({ $0.hasPrefix(" ") }) { flush() }
        }
        context = Array((context + [" " + a[i]]).suffix(2))
        i += 1
        j += 1
      } else {
        if hunk.isEmpty {
          hunkStart = (max(0, i - context.count), max(0, j - context.count))
          hunk = context
        }
        // Deletions before insertions, as `diff -u` shows them.
        if i < a.count && (j == b.count || table[i + 1][j] >= table[i][j + 1]) {
          hunk.append("-" + a[i])
          i += 1
        } else {
          hunk.append("+" + b[j])
          j += 1
        }
        context = []
      }
    }
    flush()
    return out
  }

  static func firstDifferentLine(_ old: String, _ new: String) -> Int {
    let a = old.split(separator: "\n", omittingEmptySubsequences: false)
    let b = new.split(separator: "\n", omittingEmptySubsequences: false)
    for index in 0..<min(a.count, b.count) where a[index] != b[index] { return index + 1 }
    return min(a.count, b.count) + 1
  }
}
