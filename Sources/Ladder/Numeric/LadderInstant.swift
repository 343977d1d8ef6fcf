import Foundation

/// A moment in time, exact to the millisecond, with the UTC offset it is shown with:
/// `2024-02-20T17:40+08:00`.
///
/// Two instants are equal when they are the same moment, whatever their offsets: `09:40Z` and
/// `17:40+08:00` compare equal. The offset only decides how the instant prints, so that a request
/// received in Shanghai is shown in Shanghai's time.
public struct LadderInstant: Sendable, Comparable, Hashable, CustomStringConvertible {
  /// Milliseconds since 1970-01-01T00:00Z.
  public let milliseconds: Int64
  /// The offset from UTC it is shown with, in seconds (east positive).
  public let offsetSeconds: Int32

  public init(milliseconds: Int64, offsetSeconds: Int32) {
    self.milliseconds = milliseconds
    self.offsetSeconds = offsetSeconds
  }

  public static func == (lhs: LadderInstant, rhs: LadderInstant) -> Bool {
    lhs.milliseconds == rhs.milliseconds
  }
  public static func < (lhs: LadderInstant, rhs: LadderInstant) -> Bool {
    lhs.milliseconds < rhs.milliseconds
  }
  public func hash(into hasher: inout Hasher) { hasher.combine(milliseconds) }

  static let millisecondsPerDay: Int64 = 86_400_000

  /// The same moment shown with another offset.
  public func shown(withOffset offset: Int32) -> LadderInstant {
    LadderInstant(milliseconds: milliseconds, offsetSeconds: offset)
  }

  /// The moment `milliseconds` later (earlier when negative), shown with the same offset; `nil`
  /// past the years 1–9999.
  public func adding(milliseconds delta: Int64) -> LadderInstant? {
    let (sum, overflow) = milliseconds.addingReportingOverflow(delta)
    guard !overflow, Self.supportedRange.contains(sum) else { return nil }
    return LadderInstant(milliseconds: sum, offsetSeconds: offsetSeconds)
  }

  /// 0001-01-01T00:00Z up to the end of 9999 (with a day's margin for offsets).
  static let supportedRange: ClosedRange<Int64> =
    (Int64(-719_162) * millisecondsPerDay)...(Int64(2_932_896) * millisecondsPerDay)

  /// Milliseconds since 1970 of the wall time, as if the offset were zero.
  var localMilliseconds: Int64 { milliseconds + Int64(offsetSeconds) * 1000 }

  /// The date of the wall time this instant is shown with.
  public var localDate: CivilDate {
    CivilDate(daysSinceEpoch: Int32(Self.floorDivide(localMilliseconds, Self.millisecondsPerDay)))
  }

  static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    let quotient = value / divisor
    return value % divisor < 0 ? quotient - 1 : quotient
  }

  /// `YYYY-MM-DDTHH:MM`, then `:SS` and `.mmm` only when they are not zero, then the offset
  /// (`Z` for UTC).
  public var description: String { ValueText.string { ValueText.appendInstant(self, to: &$0) } }

  /// Parses ISO 8601: `2024-02-20T17:40`, `…:05`, `…:05.250`, a space instead of `T`, then `Z`,
  /// `+08:00`, `+0800` or `+08`. Without an offset the wall time is read in `zone`; without an
  /// offset and a zone, `nil`.
  public init?(parsing text: some StringProtocol, zone: TimeZone? = nil) {
    guard let parsed = Self.parse(Array(text.utf8)) else { return nil }
    if let offset = parsed.offsetSeconds {
      let local = parsed.localMilliseconds
      let utc = local - Int64(offset) * 1000
      guard Self.supportedRange.contains(utc) else { return nil }
      self.init(milliseconds: utc, offsetSeconds: offset)
    } else {
      guard let zone, let instant = Self.resolve(localMilliseconds: parsed.localMilliseconds, in: zone) else {
        return nil
      }
      self = instant
    }
  }

  /// True when `text` is a well-formed date-time that carries no offset.
  static func lacksOffset(_ text: some StringProtocol) -> Bool {
    guard let parsed = parse(Array(text.utf8)) else { return false }
    return parsed.offsetSeconds == nil
  }

  /// The moment a wall time in `zone` names. A wall time skipped by a daylight-saving change
  /// (02:30 on the night clocks go from 02:00 to 03:00) is read with the offset before the change,
  /// so it lands as far after the change as it was after 02:00 (03:30); a wall time that occurs
  /// twice (when clocks go back) is its first occurrence. These are java.time's rules.
  public static func resolve(localMilliseconds local: Int64, in zone: TimeZone) -> LadderInstant? {
    guard supportedRange.contains(local) else { return nil }
    func offset(atUTC milliseconds: Int64) -> Int32 {
      Int32(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(milliseconds) / 1000)))
    }
    // The offsets in force a day either side cover every change near this wall time.
    let before = offset(atUTC: local - millisecondsPerDay)
    let after = offset(atUTC: local + millisecondsPerDay)
    var valid: [LadderInstant] = []
    for candidate in Set([before, after]) {
      let utc = local - Int64(candidate) * 1000
      if offset(atUTC: utc) == candidate {
        valid.append(LadderInstant(milliseconds: utc, offsetSeconds: candidate))
      }
    }
    if let first = valid.min() { return first }
    // In a gap: the offset before the change.
    let utc = local - Int64(before) * 1000
    return LadderInstant(milliseconds: utc, offsetSeconds: offset(atUTC: utc))
  }

  /// The moment shown in `zone`'s offset at that moment.
  public func shown(in zone: TimeZone) -> LadderInstant {
    let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    return shown(withOffset: Int32(offset))
  }

  private struct Parsed {
    var localMilliseconds: Int64
    var offsetSeconds: Int32?
  }

  private static func parse(_ bytes: [UInt8]) -> Parsed? {
    // YYYY-MM-DD, then T or a space, then HH:MM.
    guard bytes.count >= 16, let date = CivilDate(parsing: String(decoding: bytes[0..<10], as: UTF8.self)),
      bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "t")
    else { return nil }
    var index = 11
    func digits(_ count: Int) -> Int? {
      guard index + count <= bytes.count else { return nil }
      var value = 0
      for offset in 0..<count {
        let byte = bytes[index + offset]
        guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
        value = value * 10 + Int(byte - UInt8(ascii: "0"))
      }
      index += count
      return value
    }
    func skip(_ character: Unicode.Scalar) -> Bool {
      guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
      index += 1
      return true
    }
    guard let hour = digits(2), skip(":"), let minute = digits(2), hour <= 23, minute <= 59 else {
      return nil
    }
    var second = 0
    var millisecond = 0
    if skip(":") {
      guard let value = digits(2), value <= 59 else { return nil }
      second = value
      if skip(".") || skip(",") {
        // One to nine digits; past the millisecond they must be zeros (no rounding).
        var fraction: [Int] = []
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
          fraction.append(Int(bytes[index] - UInt8(ascii: "0")))
          index += 1
        }
        guard (1...9).contains(fraction.count), fraction.dropFirst(3).allSatisfy({ $0 == 0 }) else {
          return nil
        }
        for position in 0..<3 {
          millisecond = millisecond * 10 + (position < fraction.count ? fraction[position] : 0)
        }
      }
    }
    let local =
      Int64(date.daysSinceEpoch) * millisecondsPerDay
      + Int64(hour * 3_600_000 + minute * 60_000 + second * 1000)
      + Int64(millisecond)
    if index == bytes.count { return Parsed(localMilliseconds: local, offsetSeconds: nil) }
    if skip("Z") || skip("z") {
      return index == bytes.count ? Parsed(localMilliseconds: local, offsetSeconds: 0) : nil
    }
    let sign: Int
    if skip("+") {
      sign = 1
    } else if skip("-") {
      sign = -1
    } else {
      return nil
    }
    guard let offsetHours = digits(2), offsetHours <= 18 else { return nil }
    var offsetMinutes = 0
    if index < bytes.count {
      _ = skip(":")
      guard let value = digits(2), value <= 59 else { return nil }
      offsetMinutes = value
    }
    guard index == bytes.count else { return nil }
    return Parsed(
      localMilliseconds: local, offsetSeconds: Int32(sign * (offsetHours * 3600 + offsetMinutes * 60)))
  }
}

extension ValueText {
  /// `2024-02-20T17:40+08:00`; seconds and milliseconds only when not zero; `Z` for UTC.
  static func appendInstant(_ instant: LadderInstant, to output: inout [UInt8]) {
    let local = instant.localMilliseconds
    let day = LadderInstant.floorDivide(local, LadderInstant.millisecondsPerDay)
    let inDay = Int(local - day * LadderInstant.millisecondsPerDay)
    appendDate(CivilDate(daysSinceEpoch: Int32(day)), to: &output)
    func two(_ value: Int) {
      output.append(UInt8(ascii: "0") + UInt8(value / 10))
      output.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
    output.append(UInt8(ascii: "T"))
    two(inDay / 3_600_000)
    output.append(UInt8(ascii: ":"))
    two(inDay / 60_000 % 60)
    let second = inDay / 1000 % 60
    let millisecond = inDay % 1000
    if second != 0 || millisecond != 0 {
      output.append(UInt8(ascii: ":"))
      two(second)
      if millisecond != 0 {
        output.append(UInt8(ascii: "."))
        output.append(UInt8(ascii: "0") + UInt8(millisecond / 100))
        two(millisecond % 100)
      }
    }
    let offset = Int(instant.offsetSeconds)
    if offset == 0 {
      output.append(UInt8(ascii: "Z"))
      return
    }
    output.append(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
    two(abs(offset) / 3600)
    output.append(UInt8(ascii: ":"))
    two(abs(offset) / 60 % 60)
  }
}
