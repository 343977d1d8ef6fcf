import Foundation

/// Work shared out over the cores, results kept in input order: the one parallel loop of the
/// runtime, for the row evaluator's chunks, the kernels' chunks and the statistics pass.
enum Parallel {
  /// `body(state, index)` for every index below `count`. The indices are shared out among the
  /// `states` (a frame, a worker's registers), each state used by one thread; the results come
  /// back in index order.
  static func map<State, Result>(
    _ count: Int, states: [State], _ body: (State, Int) -> Result
  ) -> [Result] {
    guard count > 0, !states.isEmpty else { return [] }
    let parts = min(states.count, count)
    return [Result](unsafeUninitializedCapacity: count) { buffer, initialized in
      // Each part initializes only its own indices, each exactly once.
      nonisolated(unsafe) let output = buffer
      nonisolated(unsafe) let states = states
      withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: parts) { part in
          for index in stride(from: part, to: count, by: parts) {
            output.initializeElement(at: index, to: body(states[part], index))
          }
        }
      }
      initialized = count
    }
  }
}

/// Work started on another thread now, its result taken later: how a run's next block is
/// evaluated, and a block of stored inputs compressed, while the caller goes on writing.
public final class BackgroundResult<Value: Sendable>: @unchecked Sendable {
  // Written once by the work's thread before it signals `done`; read by the caller after.
  private var result: Value?
  // The caller's alone.
  private var received = false
  private let done = DispatchSemaphore(value: 0)

  public init(_ work: @escaping @Sendable () -> Value) {
    DispatchQueue.global().async {
      self.result = work()
      self.done.signal()
    }
  }

  /// Whether the work is done, without waiting for it.
  public var isReady: Bool {
    if !received, done.wait(timeout: .now()) == .success { received = true }
    return received
  }

  /// The work's result, waiting for it if need be.
  public var value: Value? {
    if !received {
      done.wait()
      received = true
    }
    return result
  }
}
