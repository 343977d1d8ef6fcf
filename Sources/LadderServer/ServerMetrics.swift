import Foundation
import HTTPTypes
import Hummingbird
import Prometheus
import Synchronization

/// What `GET /metrics` exposes, in Prometheus' text format: requests and their latency per
/// route, decisions per policy and tier, rejected records, reloads, the policies served.
public final class ServerMetrics: Sendable {
  let registry = PrometheusCollectorRegistry()
  /// Latency buckets, from a single decision (about a millisecond) to a large batch.
  static let buckets: [Duration] = [
    .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
    .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
    .milliseconds(2500), .seconds(5), .seconds(10),
  ]

  public init() {}

  func request(route: String, status: Int, duration: Duration) {
    let key = RouteStatus(route: route, status: status)
    if let kept = requestMetrics.withLock({ $0[key] }) {
      kept.requests.increment()
      kept.latency.record(duration)
      return
    }
    // Made once per route and status and kept: asking the registry built the labels and looked
    // them up under its lock, twice for every request of every route.
    let requests = registry.makeCounter(
      name: "ladder_http_requests_total", labels: [("route", route), ("status", String(status))],
      help: "HTTP requests answered, by route and status")
    let latency = registry.makeDurationHistogram(
      name: "ladder_http_request_duration_seconds", labels: [("route", route)], buckets: Self.buckets,
      help: "Time to answer a request, by route")
    requestMetrics.withLock { $0[key] = (requests, latency) }
    requests.increment()
    latency.record(duration)
  }

  private struct RouteStatus: Hashable {
    let route: String
    let status: Int
  }
  private let requestMetrics = Mutex<[RouteStatus: (requests: Counter, latency: DurationHistogram)]>([:])

  func decided(policy: String, tiers: [String: Int]) {
    for (tier, count) in tiers { decisions(policy: policy, tier: tier).increment(by: Int64(count)) }
  }

  /// One decision.
  func decided(policy: String, tier: String) {
    decisions(policy: policy, tier: tier).increment()
  }

  /// The counter of decisions of `tier` by `policy`, kept once made: asking the registry for it
  /// built its labels and looked them up under a lock, at every single decision.
  private func decisions(policy: String, tier: String) -> Counter {
    let key = PolicyTier(policy: policy, tier: tier)
    if let counter = decisionCounters.withLock({ $0[key] }) { return counter }
    let counter = registry.makeCounter(
      name: "ladder_decisions_total", labels: [("policy", policy), ("tier", tier)],
      help: "Records decided, by policy and tier (none: no tier matched)")
    decisionCounters.withLock { $0[key] = counter }
    return counter
  }

  private struct PolicyTier: Hashable {
    let policy: String
    let tier: String
  }
  private let decisionCounters = Mutex<[PolicyTier: Counter]>([:])

  func rejected(policy: String, count: Int) {
    guard count > 0 else { return }
    registry.makeCounter(
      name: "ladder_rejected_records_total", labels: [("policy", policy)], help: "Records rejected, by policy"
    ).increment(by: Int64(count))
  }

  public func reloaded(succeeded: Bool, policies: Int) {
    registry.makeCounter(
      name: "ladder_reloads_total", labels: [("outcome", succeeded ? "succeeded" : "refused")],
      help: "Reloads of the policy directory, by outcome"
    ).increment()
    registry.makeGauge(name: "ladder_policies", help: "Policies being served").set(Double(policies))
  }

  public var text: String { registry.emitToString() }

  /// The tier of each JSON Lines decision in `bytes`, counted: the first `,"tier":` of a line
  /// is the decision's own (a quote inside a JSON string is escaped, so the text cannot occur
  /// inside the key before it); error lines have none.
  static func tiers(in bytes: UnsafeRawBufferPointer) -> [String: Int] {
    // Few tiers over many lines: each line's tier is compared, as bytes, with those met so far,
    // and made a string once (a string per line was most of counting a batch's tiers).
    var met: [(name: [UInt8], count: Int)] = []
    var none = 0
    let buffer = bytes.bindMemory(to: UInt8.self)
    guard let base = buffer.baseAddress else { return [:] }
    var start = 0
    while start < buffer.count {
      // The line's end found by `memchr`: the tier is near the line's start, and looking for
      // the end byte by byte was most of counting.
      var end = buffer.count
      if let found = memchr(base + start, 0x0A, buffer.count - start) {
        end = UnsafeRawPointer(found) - UnsafeRawPointer(base)
      }
      let line = UnsafeBufferPointer(rebasing: buffer[start..<end])
      switch tierName(ofLine: line) {
      case .named(let range):
        let name = line[range]
        if let index = met.firstIndex(where: { $0.name.elementsEqual(name) }) {
          met[index].count += 1
        } else {
          met.append((Array(name), 1))
        }
      case .none: none += 1
      case .error: break
      }
      start = end + 1
    }
    var counts = [String: Int](met.map { (String(decoding: $0.name, as: UTF8.self), $0.count) }) { $0 + $1 }
    if none > 0 { counts["none", default: 0] += none }
    return counts
  }

  /// The tier of one JSON decision line (`none` when it has none); `nil` for an error line.
  static func tier(ofLine line: UnsafeBufferPointer<UInt8>) -> String? {
    switch tierName(ofLine: line) {
    case .named(let range): String(decoding: line[range], as: UTF8.self)
    case .none: "none"
    case .error: nil
    }
  }

  /// What a JSON decision line says of its tier.
  private enum LineTier {
    /// The tier's name, where the line holds it.
    case named(Range<Int>)
    /// A decision without a tier.
    case none
    /// An error line.
    case error
  }

  private static let tierKey = Array(#","tier":"#.utf8)

  private static func tierName(ofLine line: UnsafeBufferPointer<UInt8>) -> LineTier {
    let marker = tierKey
    var index = 0
    while index + marker.count <= line.count {
      if line[index] == marker[0], line[index..<(index + marker.count)].elementsEqual(marker) {
        let valueStart = index + marker.count
        guard valueStart < line.count, line[valueStart] == UInt8(ascii: "\"") else { return .none }
        var close = valueStart + 1
        while close < line.count, line[close] != UInt8(ascii: "\"") { close += 1 }
        return .named((valueStart + 1)..<close)
      }
      index += 1
    }
    return .error
  }
}

/// Records every request's route, status and time.
struct MetricsRecorder<Context: RequestContext>: RouterMiddleware {
  let metrics: ServerMetrics

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    async throws -> Response
  {
    let started = ContinuousClock.now
    do {
      let response = try await next(request, context)
      metrics.request(
        route: context.endpointPath ?? "unmatched", status: response.status.code,
        duration: ContinuousClock.now - started)
      return response
    } catch let error as HTTPError {
      metrics.request(
        route: context.endpointPath ?? "unmatched", status: error.status.code,
        duration: ContinuousClock.now - started)
      throw error
    } catch {
      metrics.request(
        route: context.endpointPath ?? "unmatched", status: 500, duration: ContinuousClock.now - started)
      throw error
    }
  }
}
