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
    var bytes = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < count {
      let got = bytes.withUnsafeMutableBytes { buffer in
        read(descriptor, buffer.baseAddress.map { $0 + filled }, count - filled)
      }
      if got < 0 {
        if errno == EINTR { continue }
        return .failure(Errno(code: errno))
      }
      if got == 0 { break }
      filled += got
    }
    bytes.removeSubrange(filled...)
    return .success(bytes)
  }

  /// An `errno` value that can travel in a `Result`.
  struct Errno: Error {
    let code: Int32
  }
}

/// Standard error. A failed write here has nowhere to be reported, so it is dropped.
enum StandardError {
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

  static func write(bytes: [UInt8]) throws {
    if let failed = FileDescriptorIO.writeAll(bytes, to: STDOUT_FILENO) {
      throw StandardOutput.failure(errno: failed)
    }
  }

  /// Reports the failure and returns the exit code to throw.
  static func failure(errno code: Int32) -> ExitCode {
    StandardError.write("error: cannot write standard output: \(errnoText(code))\n")
    return LadderExit.ioError
  }
}
