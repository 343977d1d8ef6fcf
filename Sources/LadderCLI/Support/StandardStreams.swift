import ArgumentParser
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The operating system's words for an `errno` value: "No space left on device".
func errnoText(_ code: Int32) -> String {
  String(cString: strerror(code))
}

/// Raw reads and writes on file descriptors. Foundation's `FileHandle.write(_:)` traps on a
/// write error (a full disk, a closed descriptor), so every byte Ladder writes goes through here.
enum FileDescriptorIO {
  /// Writes all of `bytes`, retrying interrupted and partial writes.
  static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32? {
    guard var next = bytes.baseAddress else { return nil }
    var left = bytes.count
    while left > 0 {
      let written = write(descriptor, next, left)
      if written < 0 {
        if errno == EINTR { continue }
        return errno
      }
      if written == 0 { return EIO }
      next += written
      left -= written
    }
    return nil
  }

  /// Writes all of `bytes`; the `errno` of the failure, or nil.
  static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Int32? {
    bytes.withUnsafeBytes { writeAll($0, to: descriptor) }
  }

  /// Reads up to `count` bytes; an empty array at the end of the input.
  static func readBlock(from descriptor: Int32, upTo count: Int) -> Result<[UInt8], Errno> {
    let (bytes, failure) = readFully(from: descriptor, upTo: count, after: [])
    if let failure { return .failure(Errno(code: failure)) }
    return .success(bytes)
  }

  /// `start`, then up to `count - start.count` bytes read from `descriptor`, read straight into
  /// the array's memory (zero-filling it first, or reading into blocks and joining them, showed
  /// in profiles), and the `errno` of a failed read.
  static func readFully(from descriptor: Int32, upTo count: Int, after start: [UInt8]) -> ([UInt8], Int32?) {
    var failure: Int32?
    let capacity = max(count, start.count)
    let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
      _ = UnsafeMutableBufferPointer(rebasing: buffer[0..<start.count]).initialize(from: start)
      var filled = start.count
      while filled < capacity, let base = buffer.baseAddress {
        let got = read(descriptor, base + filled, capacity - filled)
        if got < 0 {
          if errno == EINTR { continue }
          failure = errno
          break
        }
        if got == 0 { break }
        filled += got
      }
      initialized = filled
    }
    return (bytes, failure)
  }

  /// An `errno` value that can travel in a `Result`.
  struct Errno: Error {
    let code: Int32
  }
}

/// Standard error. A failed write here has nowhere to be reported, so it is dropped.
enum StandardError {
  /// Text from a record or a file, made safe for one line of standard error: control characters
  /// (line breaks, escape sequences) are written as `\n`, `\r`, `\t` or `\u{1B}`, and a backslash
  /// as `\\`, so a record can neither forge a line of its own nor drive the terminal.
  static func escaped(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: needsEscape) else { return text }
    var result = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case "\\": result += "\\\\"
      case _ where needsEscape(scalar): result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result
  }

  /// C0 and C1 controls, DEL, and the Unicode line and paragraph separators; a backslash too,
  /// so that an escaped text cannot be confused with one that holds the escape literally.
  private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028
      || scalar.value == 0x2029
      || scalar == "\\"
  }

  static func write(_ text: String) {
    var text = text
    _ = text.withUTF8 { FileDescriptorIO.writeAll(UnsafeRawBufferPointer($0), to: STDERR_FILENO) }
  }
}

/// Standard output. A failed write (closed, full) is reported in one line on standard error and
/// ends the command with exit code 74, never a trap.
enum StandardOutput {
  static func write(_ text: String) throws {
    var text = text
    let failed = text.withUTF8 { FileDescriptorIO.writeAll(UnsafeRawBufferPointer($0), to: STDOUT_FILENO) }
    if let failed { throw StandardOutput.failure(errno: failed) }
  }

  /// Reports the failure and returns the exit code to throw.
  static func failure(errno code: Int32) -> ExitCode {
    StandardError.write("error: cannot write standard output: \(errnoText(code))\n")
    return LadderExit.ioError
  }
}
