import ArgumentParser
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where an output goes: standard output, or a regular file that is replaced in one step.
///
/// Resolving a path refuses what Ladder must never replace: a directory (it would be deleted), a
/// device or a FIFO (it would become a regular file), a dangling link, or a path named twice.
enum OutputTarget: Equatable {
  case standardOutput
  /// A regular file; `mode` is the permission bits of the file it replaces, if it exists.
  case file(path: String, mode: mode_t?, identity: FileIdentity)

  /// Where the output lands, whatever the spelling of its path; nil for standard output.
  var place: FileIdentity? {
    guard case .file(_, _, let identity) = self else { return nil }
    return identity
  }

  /// Resolves `path` given to `option` (`-` is standard output).
  static func resolve(_ path: String, option: String) throws -> OutputTarget {
    if path == "-" { return .standardOutput }
    guard !path.isEmpty else { throw usage("\(option) needs a file name") }
    var status = stat()
    if lstat(path, &status) != 0 {
      guard errno == ENOENT else {
        throw usage("\(option) '\(path)': \(errnoText(errno))")
      }
      return try newFile(path, option: option)
    }
    var target = path
    if status.st_mode & S_IFMT == S_IFLNK {
      // A link to a regular file: the file it points to is replaced, the link stays.
      guard stat(path, &status) == 0, let resolved = realpath(path, nil) else {
        throw usage("\(option) '\(path)' is a symbolic link to nothing; name a file")
      }
      target = String(cString: resolved)
      free(resolved)
    }
    switch status.st_mode & S_IFMT {
    case S_IFREG:
      return .file(
        path: target, mode: status.st_mode & 0o7777,
        identity: .existing(device: UInt64(status.st_dev), inode: UInt64(status.st_ino)))
    case S_IFDIR:
      throw usage(
        "\(option) '\(path)' is a directory; name a file inside it, for example '\(path.hasSuffix("/") ? path : path + "/")decisions.jsonl'"
      )
    case S_IFCHR, S_IFBLK:
      throw usage(
        "\(option) '\(path)' is a device; Ladder writes only regular files (leave out \(option) and redirect standard output instead)"
      )
    case S_IFIFO:
      throw usage(
        "\(option) '\(path)' is a named pipe; Ladder writes only regular files (leave out \(option) and redirect standard output instead)"
      )
    default:
      throw usage("\(option) '\(path)' is not a regular file; name a file")
    }
  }

  /// A file that does not exist yet: its directory must.
  private static func newFile(_ path: String, option: String) throws -> OutputTarget {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    var status = stat()
    guard stat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR,
      let resolved = realpath(directory, nil)
    else {
      throw usage("\(option) '\(path)': the directory '\(directory)' does not exist")
    }
    let canonical = String(cString: resolved) + "/" + url.lastPathComponent
    free(resolved)
    return .file(path: path, mode: nil, identity: .new(canonicalPath: canonical))
  }

  /// Prints a usage error and returns the exit code (64) to throw.
  static func usage(_ message: String) -> ExitCode {
    StandardError.write("error: \(message)\n")
    return LadderExit.usage
  }

  /// Refuses two outputs that would land in the same place, and an output that would replace
  /// one of the command's own input files (a typo that would destroy the input).
  static func checkDistinct(
    _ outputs: [(option: String, target: OutputTarget)], inputs: [(role: String, path: String)]
  ) throws {
    for (index, output) in outputs.enumerated() {
      for other in outputs[..<index] where output.target.place == other.target.place {
        let place = output.target == .standardOutput ? "standard output" : "the same file"
        throw usage("\(other.option) and \(output.option) both name \(place); give each its own file")
      }
      guard case .file(let path, _, .existing(let device, let inode)) = output.target else { continue }
      for input in inputs where input.path != "-" {
        var status = stat()
        if stat(input.path, &status) == 0, UInt64(status.st_dev) == device, UInt64(status.st_ino) == inode {
          throw usage("\(output.option) '\(path)' is the \(input.role); writing it would destroy the input")
        }
      }
    }
  }
}

/// What makes two output paths the same place.
enum FileIdentity: Equatable {
  case existing(device: UInt64, inode: UInt64)
  case new(canonicalPath: String)
}

/// Writes output to standard output, or to a file as one atomic replacement: a temporary file
/// in the destination's directory, synced, renamed over the destination (never unlinked first),
/// the directory synced. The temporary file is removed on every failure path, on SIGINT, SIGTERM
/// and SIGHUP, and at exit. A failed write is remembered and reported once, by ``commit()``.
final class OutputSink {
  private let descriptor: Int32
  private let name: String
  private let temporary: String?
  private let destination: String?
  private var buffer: [UInt8] = []
  /// For a file: writes it past the page cache where the file system allows.
  private var direct: DirectFileWriter?
  private var failure: Int32?
  /// Bytes that may still be written before a simulated ENOSPC (LADDER_FAULT_WRITE_LIMIT).
  private var faultBudget: Int?

  init(_ target: OutputTarget) throws {
    switch target {
    case .standardOutput:
      descriptor = STDOUT_FILENO
      name = "standard output"
      temporary = nil
      destination = nil
    case .file(let path, let mode, _):
      let url = URL(fileURLWithPath: path)
      let directory = url.deletingLastPathComponent().path
      var opened: (descriptor: Int32, path: String)?
      for attempt in 0..<100 {
        let candidate =
          directory + "/.\(url.lastPathComponent).ladder-\(getpid())-\(OutputSink.counter + attempt).tmp"
        let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        if fd >= 0 {
          opened = (fd, candidate)
          OutputSink.counter += attempt + 1
          break
        }
        guard errno == EEXIST else {
          throw OutputTarget.usage("cannot write '\(path)': \(errnoText(errno))")
        }
      }
      guard let opened else { throw OutputTarget.usage("cannot create a temporary file beside '\(path)'") }
      TemporaryFiles.register(opened.path)
      // A replaced file keeps its permissions (fmt --write on a policy, a shared output).
      if let mode { _ = fchmod(opened.descriptor, mode) }
      descriptor = opened.descriptor
      name = "'\(path)'"
      temporary = opened.path
      destination = path
      faultBudget = FaultInjection.writeLimit
      direct = DirectFileWriter.make(descriptor: opened.descriptor)
    }
  }

  nonisolated(unsafe) private static var counter = 0

  /// True once a write failed: nothing more reaches the output.
  var hasFailed: Bool { failure != nil }

  func write(_ text: String) {
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= 1 << 16 { flush() }
  }

  func write(bytes: [UInt8]) {
    // Large runs (whole chunks of records) go out as they are, without a copy into the buffer.
    if bytes.count >= 1 << 16 {
      flush()
      send(bytes)
      return
    }
    buffer.append(contentsOf: bytes)
    if buffer.count >= 1 << 16 { flush() }
  }

  func flush() {
    guard !buffer.isEmpty else { return }
    send(buffer)
    buffer.removeAll(keepingCapacity: true)
  }

  private func send(_ bytes: [UInt8]) {
    guard failure == nil else { return }
    if let budget = faultBudget {
      guard budget >= bytes.count else {
        failure = ENOSPC
        return
      }
      faultBudget = budget - bytes.count
    }
    if let direct {
      failure = bytes.withUnsafeBytes { direct.append($0) }
    } else {
      failure = FileDescriptorIO.writeAll(bytes, to: descriptor)
    }
  }

  /// Makes the output visible: for a file, syncs it and renames it over the destination. On
  /// failure, reports it in one line, removes the temporary file and throws exit code 74; the
  /// destination is left as it was.
  func commit() throws {
    flush()
    guard let temporary, let destination else {
      if let failure { throw StandardOutput.failure(errno: failure) }
      return
    }
    if let direct {
      // Either way nothing is in flight when the descriptor is closed.
      if failure == nil { failure = direct.finish() } else { direct.abandon() }
    }
    if failure == nil, fsync(descriptor) != 0 { failure = errno }
    if close(descriptor) != 0, failure == nil { failure = errno }
    if failure == nil, rename(temporary, destination) != 0 { failure = errno }
    guard let failure else {
      TemporaryFiles.unregister(temporary)
      Self.syncDirectory(of: destination)
      return
    }
    unlink(temporary)
    TemporaryFiles.unregister(temporary)
    StandardError.write(
      "error: cannot write \(name): \(errnoText(failure)); \(name) was left as it was\n")
    throw LadderExit.ioError
  }

  /// Drops a partial output file (standard output keeps what was written).
  func abandon() {
    guard let temporary else {
      flush()
      return
    }
    direct?.abandon()
    close(descriptor)
    unlink(temporary)
    TemporaryFiles.unregister(temporary)
  }

  /// Makes the rename itself durable. A file system that cannot sync a directory is no error.
  private static func syncDirectory(of path: String) {
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    close(fd)
  }
}

/// The test hook for a full disk where a test cannot mount one: `LADDER_FAULT_WRITE_LIMIT=N`
/// makes every output file fail with ENOSPC after N bytes.
enum FaultInjection {
  static let writeLimit: Int? = ProcessInfo.processInfo.environment["LADDER_FAULT_WRITE_LIMIT"].flatMap {
    Int($0)
  }
}

/// Temporary output files that must not outlive the process. The signal handler may only call
/// async-signal-safe functions, so the paths live in a fixed table of C strings that is never
/// freed; removing a path clears its slot.
enum TemporaryFiles {
  private static let capacity = 16
  nonisolated(unsafe) private static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
    let table = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
    table.initialize(repeating: nil, count: capacity)
    return table
  }()
  nonisolated(unsafe) private static var installed = false

  static func register(_ path: String) {
    installHandlers()
    for index in 0..<capacity where slots[index] == nil {
      slots[index] = strdup(path)
      return
    }
  }

  static func unregister(_ path: String) {
    for index in 0..<capacity {
      if let slot = slots[index], String(cString: slot) == path {
        slots[index] = nil
        return
      }
    }
  }

  /// Unlinks every registered file; safe in a signal handler.
  static func removeAll() {
    for index in 0..<capacity {
      if let slot = slots[index] {
        unlink(slot)
        slots[index] = nil
      }
    }
  }

  private static func installHandlers() {
    guard !installed else { return }
    installed = true
    atexit { TemporaryFiles.removeAll() }
    // A parent may have started Ladder with these signals blocked (test runners do); then a
    // signal would wait for ever and the temporary file would stay. Take them again.
    var mask = sigset_t()
    sigemptyset(&mask)
    for signalNumber in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&mask, signalNumber) }
    pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
      signal(signalNumber) { received in
        TemporaryFiles.removeAll()
        // Die of the same signal, so the caller sees the usual status.
        signal(received, SIG_DFL)
        raise(received)
      }
    }
  }
}
