import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Writes a new file with `O_DIRECT`: bytes gather in a staging buffer of whole 4 KB blocks,
/// and each full buffer goes from there to the disk without a copy into the page cache.
///
/// Every output file is synced before it is renamed into place, so its bytes go to the disk in
/// any case; through the page cache they were also copied into fresh cache pages, which on this
/// project's machine cost about 2.5 s of kernel time per GB written (a million full traces are
/// 4 GB: the kernel's copy was half of `--explain`'s time). A full buffer is written by a thread
/// of its own while the next one fills.
///
/// Where the file system refuses `O_DIRECT` (tmpfs, some network file systems), or refuses a
/// direct write, the rest goes through the page cache as before. The last partial block is
/// always written that way, after the flag is cleared.
///
/// Unchecked `Sendable`: the writer thread touches the state only inside a write that the
/// owning thread waits for before it touches the state again.
final class DirectFileWriter: @unchecked Sendable {
  private static let block = 4096
  /// `O_DIRECT`, which Glibc's Swift overlay leaves out (it is a `_GNU_SOURCE` name); its value
  /// differs between architectures.
  #if os(Linux) && (arch(arm64) || arch(arm))
    private static let directFlag: Int32 = 0o200000
  #else
    private static let directFlag: Int32 = 0o40000
  #endif
  private static let capacity = 4 << 20

  private let descriptor: Int32
  /// Two staging buffers: one fills while the other is written.
  private var filling: UnsafeMutableRawPointer
  private var spare: UnsafeMutableRawPointer
  private var filled = 0
  private var isDirect = true
  private let writer = DispatchQueue(label: "ladder.output-writer")
  /// The write in flight, if any, and its outcome once it is done.
  private var inFlight: DispatchWorkItem?
  private var inFlightFailure: Int32?

  /// A writer for the empty file open at `descriptor`, or `nil` when the file system refuses
  /// `O_DIRECT` (then the caller writes as before).
  static func make(descriptor: Int32) -> DirectFileWriter? {
    #if os(Linux)
      let flags = fcntl(descriptor, F_GETFL)
      guard flags >= 0, fcntl(descriptor, F_SETFL, flags | Self.directFlag) == 0 else { return nil }
      return DirectFileWriter(descriptor: descriptor)
    #else
      return nil
    #endif
  }

  private init(descriptor: Int32) {
    self.descriptor = descriptor
    filling = .allocate(byteCount: Self.capacity, alignment: Self.block)
    spare = .allocate(byteCount: Self.capacity, alignment: Self.block)
  }

  deinit {
    inFlight?.wait()
    filling.deallocate()
    spare.deallocate()
  }

  /// Appends `bytes`; the `errno` of a failed write (this one or an earlier one in flight).
  func append(_ bytes: UnsafeRawBufferPointer) -> Int32? {
    guard var next = bytes.baseAddress else { return nil }
    var left = bytes.count
    while left > 0 {
      let taken = min(left, Self.capacity - filled)
      (filling + filled).copyMemory(from: next, byteCount: taken)
      filled += taken
      next += taken
      left -= taken
      if filled == Self.capacity, let failure = handOff() { return failure }
    }
    return nil
  }

  /// Writes everything appended; the `errno` of the first failure, or nil. The file is not
  /// synced here.
  func finish() -> Int32? {
    if let failure = waitForWrite() { return failure }
    let whole = filled / Self.block * Self.block
    if whole > 0, let failure = writeBlocks(filling, count: whole) { return failure }
    setDirect(false)
    return FileDescriptorIO.writeAll(
      UnsafeRawBufferPointer(start: filling + whole, count: filled - whole), to: descriptor)
  }

  /// Starts writing the full buffer on the writer thread, once the one before is written.
  private func handOff() -> Int32? {
    if let failure = waitForWrite() { return failure }
    swap(&filling, &spare)
    filled = 0
    let full = spare
    let item = DispatchWorkItem { [self] in
      inFlightFailure = writeBlocks(full, count: Self.capacity)
    }
    inFlight = item
    writer.async(execute: item)
    return nil
  }

  /// Waits for the write in flight, if any, and drops what is staged: the file is being given
  /// up, and its descriptor must not be closed while the writer thread still uses it (a number
  /// reused by the next open would receive the rest).
  func abandon() {
    _ = waitForWrite()
    filled = 0
  }

  private func waitForWrite() -> Int32? {
    guard let item = inFlight else { return nil }
    item.wait()
    inFlight = nil
    return inFlightFailure
  }

  /// Writes `count` bytes (whole blocks) from `start`; a direct write the file system refuses
  /// is done again through the page cache, and so is the rest of the file.
  private func writeBlocks(_ start: UnsafeMutableRawPointer, count: Int) -> Int32? {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard isDirect else { return FileDescriptorIO.writeAll(bytes, to: descriptor) }
    var done = 0
    while done < count {
      let written = write(descriptor, start + done, count - done)
      if written > 0 {
        done += written
        // A short direct write leaves the rest unaligned: it goes through the page cache.
        if done < count && done % Self.block != 0 { break }
        continue
      }
      if written < 0 && errno == EINTR { continue }
      if written == 0 || errno != EINVAL { return written == 0 ? EIO : errno }
      break
    }
    guard done < count else { return nil }
    setDirect(false)
    return FileDescriptorIO.writeAll(UnsafeRawBufferPointer(rebasing: bytes[done...]), to: descriptor)
  }

  private func setDirect(_ direct: Bool) {
    guard isDirect != direct else { return }
    isDirect = direct
    #if os(Linux)
      let flags = fcntl(descriptor, F_GETFL)
      if flags >= 0 {
        _ = fcntl(descriptor, F_SETFL, direct ? flags | Self.directFlag : flags & ~Self.directFlag)
      }
    #endif
  }
}
