import Crypto
import Foundation

/// What a token may do.
public enum Role: String, Sendable, CaseIterable {
  /// Decide records and list the policies.
  case decide
  /// Read tiers in force and their history (with the ledger).
  case readHistory = "read-history"
  /// Request overrides (with the ledger).
  case override
  /// Approve or reject requests made with another token (with the ledger).
  case approve
}

/// The bearer tokens a server accepts, read from a file that holds only their SHA-256: a stolen
/// tokens file gives no access. One token per line:
///
/// ```
/// # name      sha256 of the token                                                   roles
/// crm-prod    sha256:2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b  decide
/// ```
public struct TokenList: Sendable {
  public struct Entry: Sendable {
    public let name: String
    let digest: [UInt8]
    public let roles: Set<Role>
  }

  public let entries: [Entry]

  /// Reads a tokens file; the error names the line that is wrong.
  public init(text: String) throws(TokenFileError) {
    var entries: [Entry] = []
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
      let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
      if words.isEmpty { continue }
      guard words.count == 3 else {
        throw TokenFileError(
          line: index + 1, reason: "a line is 'NAME sha256:HEX ROLES', not \(words.count) words")
      }
      guard words[1].hasPrefix("sha256:"), let digest = Self.hex(words[1].dropFirst(7)), digest.count == 32
      else {
        throw TokenFileError(
          line: index + 1,
          reason: "the token's hash is 'sha256:' and 64 hex digits (ladder token-hash prints it)")
      }
      var roles: Set<Role> = []
      for word in words[2].split(separator: ",") {
        guard let role = Role(rawValue: String(word)) else {
          let known = Role.allCases.map(\.rawValue).joined(separator: ", ")
          throw TokenFileError(line: index + 1, reason: "unknown role '\(word)'; the roles are \(known)")
        }
        roles.insert(role)
      }
      guard !entries.contains(where: { $0.name == words[0] }) else {
        throw TokenFileError(line: index + 1, reason: "the name '\(words[0])' is used twice")
      }
      entries.append(Entry(name: words[0], digest: digest, roles: roles))
    }
    self.entries = entries
  }

  /// The entry whose token this is.
  public func entry(forToken token: String) -> Entry? {
    var token = token
    // Hashed from the string's own bytes and compared in place: a `Data` and an array per
    // request were most of what checking a token cost.
    let digest = token.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
    return digest.withUnsafeBytes { digest in
      // Compare every entry in full, so that timing says nothing about which one matched.
      var found: Entry?
      for entry in entries {
        var difference: UInt8 = 0
        for (a, b) in zip(entry.digest, digest) { difference |= a ^ b }
        if difference == 0 { found = entry }
      }
      return found
    }
  }

  /// `sha256:HEX` of a token, as the tokens file holds it.
  public static func hashLine(_ token: String) -> String {
    "sha256:" + SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
  }

  private static func hex(_ text: Substring) -> [UInt8]? {
    guard text.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
      let next = text.index(index, offsetBy: 2)
      guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
      bytes.append(byte)
      index = next
    }
    return bytes
  }
}

/// A tokens file that cannot be used, and where.
public struct TokenFileError: Error, Sendable {
  public let line: Int
  public let reason: String
}
