import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Ladder
import LadderLedger
import Logging

/// What one request may ask of the server.
public struct ServerLimits: Sendable {
  /// The largest request body, in bytes; larger is refused with 413.
  public var maxBodyBytes: Int
  /// The most records in one batch; more is refused with 413.
  public var maxBatchRecords: Int
  /// The longest a batch may take, in seconds; past it the evaluation stops and the answer is 503.
  public var batchSeconds: Double

  public init(maxBodyBytes: Int = 8 << 20, maxBatchRecords: Int = 100_000, batchSeconds: Double = 60) {
    self.maxBodyBytes = maxBodyBytes
    self.maxBatchRecords = maxBatchRecords
    self.batchSeconds = batchSeconds
  }
}

/// The HTTP API of `ladder serve` (docs/serve.md): decide one record or a batch with a loaded
/// policy, list the policies, health and readiness. Every route but health and readiness needs a
/// bearer token with the `decide` role.
public enum DecisionServer {
  public static func router(
    store: PolicyStore, tokens: TokenList, limits: ServerLimits, metrics: ServerMetrics,
    ledger: Ledger? = nil,
    logger: Logger
  ) -> Router<BasicRequestContext> {
    let router = Router()
    let deciders = Deciders()
    // A line per request at `debug` (`--log-level debug`): at thousands of requests a second,
    // writing them costs more than deciding.
    router.middlewares.add(LogRequestsMiddleware(.debug))
    router.middlewares.add(MetricsRecorder(metrics: metrics))
    router.get("/health") { _, _ in health(store) }
    // The cheapest answer the server can give: the ceiling a benchmark measures decisions against.
    router.get("/ping") { _, _ in "pong\n" }
    router.get("/metrics") { _, _ in
      var headers = HTTPFields()
      headers[.contentType] = "text/plain; version=0.0.4"
      return Response(
        status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.text)))
    }
    router.get("/ready") { _, _ in
      json(.ok, #"{"ready":true,"policies":\#(store.set.ids.count)}"#)
    }
    router.get("/v1/policies") { request, _ in
      if let refused = authorize(request, .decide, tokens) { return refused }
      return policies(store.set)
    }
    router.post("/v1/policies/:id/decide") { request, context in
      try await withPolicy(request, context, store: store, tokens: tokens, limits: limits) {
        policy, body, query in
        decide(body, policy: policy, query: query, deciders: deciders, metrics: metrics)
      }
    }
    router.post("/v1/policies/:id/batch") { request, context in
      try await withLoadedPolicy(request, context, store: store, tokens: tokens) { policy in
        try await batch(request, policy: policy, limits: limits, metrics: metrics)
      }
    }
    if let ledger { addLedgerRoutes(router, ledger: ledger, tokens: tokens) }
    return router
  }

  /// The server of `router`: HTTP/1.1 on `host:port` (port 0: any free port, handed to
  /// `running`), idle connections (and clients slow to send) closed after `idleSeconds`, at most
  /// `maxConnections` open at once.
  public static func application(
    router: Router<BasicRequestContext>, host: String, port: Int, idleSeconds: Double, maxConnections: Int,
    logger: Logger, running: @escaping @Sendable (Int) -> Void
  ) -> some ApplicationProtocol {
    Application(
      router: router,
      server: .http1(
        configuration: .init(
          additionalChannelHandlers: [ContinueHandler()],
          idleTimeout: .milliseconds(Int64(idleSeconds * 1000)))),
      configuration: .init(
        address: .hostname(host, port: port), serverName: "ladder",
        availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger)),
      onServerRunning: { channel in running(channel.localAddress?.port ?? 0) }, logger: logger)
  }

  // MARK: - Routes

  /// A decision route: the token may decide, the policy named is loaded (the set being served
  /// when the request came), the body is within the limit; then `body` answers.
  static func withPolicy(
    _ request: Request, _ context: BasicRequestContext, store: PolicyStore, tokens: TokenList,
    limits: ServerLimits,
    _ answer: (CompiledPolicy, [UInt8], FlatDictionary<Substring, Substring>) async -> Response
  ) async throws -> Response {
    try await withLoadedPolicy(request, context, store: store, tokens: tokens) { policy in
      var request = request
      let body = try await request.collectBody(upTo: limits.maxBodyBytes)
      return await answer(policy, Array(buffer: body), request.uri.queryParameters)
    }
  }

  /// The token may decide and the policy named is loaded (the set being served when the request
  /// came); then `answer` answers, the body still unread.
  static func withLoadedPolicy(
    _ request: Request, _ context: BasicRequestContext, store: PolicyStore, tokens: TokenList,
    _ answer: (CompiledPolicy) async throws -> Response
  ) async throws -> Response {
    if let refused = authorize(request, .decide, tokens) { return refused }
    guard let id = context.parameters.get("id"), let policy = store.set.policies[id] else {
      return problem(.notFound, "no policy '\(context.parameters.get("id") ?? "")' is loaded")
    }
    return try await answer(policy)
  }

  static func health(_ store: PolicyStore) -> Response {
    let reload = store.lastReload
    let writer = JSONWriter()
    writer.object {
      writer.field("status") { writer.string(reload.succeeded ? "serving" : "serving the previous policies") }
      writer.field("policies") { writer.number(store.set.ids.count) }
      writer.field("last_reload") {
        writer.object {
          writer.field("at") { writer.string(ISO8601DateFormatter().string(from: reload.at)) }
          writer.field("succeeded") { writer.bool(reload.succeeded) }
          writer.field("errors") { writer.array(reload.errors) { writer.string($0) } }
        }
      }
    }
    return json(.ok, writer.output)
  }

  static func policies(_ set: PolicySet) -> Response {
    let writer = JSONWriter()
    writer.object {
      writer.field("policies") {
        writer.array(set.ids) { id in
          let policy = set.policies[id]
          writer.object {
            writer.field("id") { writer.string(id) }
            writer.field("version") { writer.string(policy?.version ?? "") }
            writer.field("title") { writer.string(policy?.checked.title ?? "") }
            writer.field("sha256") { writer.string(policy?.sha256 ?? "") }
          }
        }
      }
    }
    return json(.ok, writer.output)
  }

  /// One record, a JSON object (line breaks allowed: they can only be white space in JSON).
  static func decide(
    _ body: [UInt8], policy: CompiledPolicy, query: some Sequence<(key: Substring, value: Substring)>,
    deciders: Deciders, metrics: ServerMetrics
  ) -> Response {
    let options: RequestOptions
    switch RequestOptions.parse(query) {
    case .success(let parsed): options = parsed
    case .failure(let refusal): return refusal.response
    }
    guard policy.populationSites.isEmpty else {
      return problem(
        .unprocessableContent,
        "policy '\(policy.id)' ranks records against each other (population functions); decide them together with /batch"
      )
    }
    // Line breaks can only be blanks between the tokens: read as spaces, the body is one JSON line.
    // (Most bodies end with one; mapped byte by byte into a new array, they were a tenth of the
    // time a decision took.)
    var line = body
    line.withUnsafeMutableBufferPointer { bytes in
      guard let base = bytes.baseAddress else { return }
      for lineBreak in [UInt8(ascii: "\n"), UInt8(ascii: "\r")] {
        var from = 0
        while from < bytes.count, let found = memchr(base + from, Int32(lineBreak), bytes.count - from) {
          from = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
          bytes[from] = UInt8(ascii: " ")
          from += 1
        }
      }
    }
    guard line.first(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) == UInt8(ascii: "{")
    else {
      return problem(.badRequest, "the body must be one JSON object: the record's fields")
    }
    let outcome: RecordOutcome
    let served = deciders.entry(for: policy, asOf: options.asOf)
    if !options.explain, let decider = served.decider, let decided = decider.decide(jsonLine: line) {
      switch decided {
      case .rendered(let decision):
        metrics.decided(
          policy: policy.id,
          tier: decision.withUnsafeBufferPointer { ServerMetrics.tier(ofLine: $0) } ?? "none")
        return json(.ok, bytes: decision, headers: served.identity)
      case .evaluated(let evaluated):
        outcome = evaluated
      }
    } else {
      line.append(UInt8(ascii: "\n"))
      let evaluator = BatchEvaluator(
        policy: policy, asOf: options.asOf, trace: options.explain, backend: .scalar, clock: options.clock)
      let (decided, records) = evaluator.decideOne(jsonLine: line)
      guard let decided else {
        return problem(
          .badRequest, "the body must be one JSON object, not \(records == 0 ? "none" : "several")")
      }
      outcome = decided
    }
    switch outcome {
    case .decided(_, let decision):
      metrics.decided(policy: policy.id, tier: decision.tier?.id ?? "none")
      return json(
        .ok, DecisionJSON.render(decision, policy: policy, asOf: options.asOf), headers: served.identity)
    case .rejected(let rejection):
      metrics.rejected(policy: policy.id, count: 1)
      return json(
        .unprocessableContent, DecisionJSON.renderError(rejection, policy: policy), headers: served.identity)
    }
  }

  /// What a single decision needs of a policy, per as-of date: the kernels' decider (`nil` for a
  /// policy the kernels do not take) and the headers naming the policy. Each is made at the first
  /// decision a policy is asked for on a date and kept while the table holds fewer than 64
  /// (dates and reloads add entries; a full table starts again). A policy is known by its
  /// object: an entry keeps it alive, so no other policy can come to have its identity.
  final class Deciders: @unchecked Sendable {
    struct Entry {
      let decider: RecordDecider?
      let identity: HTTPFields
    }
    private struct Key: Hashable {
      let policy: ObjectIdentifier
      let asOf: CivilDate
    }
    private let lock = NSLock()
    private var made: [Key: (policy: CompiledPolicy, entry: Entry)] = [:]

    func entry(for policy: CompiledPolicy, asOf: CivilDate) -> Entry {
      let key = Key(policy: ObjectIdentifier(policy), asOf: asOf)
      if let found = lock.withLock({ made[key] }) { return found.entry }
      // Made outside the lock: compiling the kernels takes a while, and other policies' requests
      // go on meanwhile (two requests may both make one; the second is kept).
      let entry = Entry(decider: RecordDecider(policy: policy, asOf: asOf), identity: identity(policy))
      lock.withLock {
        if made.count >= 64 { made.removeAll() }
        made[key] = (policy, entry)
      }
      return entry
    }
  }

  /// JSON Lines in, JSON Lines out: one line per record, in order, a rejected record's error in
  /// its place. Decided while the body arrives (the evaluation reads the blocks as they come, on
  /// a thread of its own, not the server's), answered once all of it is here and within the
  /// limits (413 otherwise, before any decision is sent), the rest of the answer streaming as the
  /// records are decided.
  static func batch(
    _ request: Request, policy: CompiledPolicy, limits: ServerLimits, metrics: ServerMetrics
  ) async throws -> Response {
    let options: RequestOptions
    switch RequestOptions.parse(request.uri.queryParameters) {
    case .success(let parsed): options = parsed
    case .failure(let refusal): return refusal.response
    }
    let deadline = Date().addingTimeInterval(limits.batchSeconds)
    let body = BodyBlocks()
    let (blocks, feed) = AsyncStream<ByteBuffer>.makeStream()
    let counts = BatchCounts()
    Thread.detachNewThread {
      let sink = BatchOutput(policy: policy, deadline: deadline, metrics: metrics, feed: feed)
      let evaluator = BatchEvaluator(
        policy: policy, asOf: options.asOf, trace: options.explain, clock: options.clock)
      do {
        try evaluator.evaluate(.jsonLines(countedBlocks: body.next), into: sink)
        if sink.isFinished {
          // The lines so far are sent; a last line says why the rest is not.
          sink.fail(
            .serviceUnavailable,
            "the batch took longer than \(limits.batchSeconds) s; the records after the \(sink.decided + sink.rejected) above were not decided; send fewer at a time"
          )
        }
      } catch {
        sink.fail(.badRequest, (error as? CSVRecordReader.HeaderError)?.message ?? "\(error)")
      }
      sink.flush()
      counts.set(decided: sink.decided, rejected: sink.rejected)
      feed.finish()
    }
    // Blocks of about a megabyte: the connection hands on tens of kilobytes at a time, and a line
    // cut between two blocks is copied once more.
    var received = 0
    var lines = 0
    var endsWithLineBreak = true
    var memory = BlockRecycler()
    var pending = memory.next()
    // The line feeds of `pending`, handed on with it: the evaluation does not count them again.
    var pendingLineFeeds = 0
    do {
      for try await buffer in request.body {
        received += buffer.readableBytes
        guard received <= limits.maxBodyBytes else { throw HTTPError(.contentTooLarge) }
        // Past the record limit the body is still read to its end and counted (the 413 says how
        // many records it held), but no more of it is decided.
        let deciding = lines <= limits.maxBatchRecords
        buffer.withUnsafeReadableBytes { raw in
          let lineFeeds = LineFeeds.count(in: raw)
          lines += lineFeeds
          if let last = raw.last { endsWithLineBreak = last == UInt8(ascii: "\n") }
          guard deciding else { return }
          // A full block is handed on before it would grow (grown, its bytes were copied again),
          // at most a megabyte: as large as the evaluation's blocks, whose line feeds it counted.
          if pending.count + raw.count > BlockRecycler.blockSize, !pending.isEmpty {
            body.put(InputBytes(bytes: pending, lineFeeds: pendingLineFeeds))
            pending = memory.next(after: pending)
            pendingLineFeeds = 0
          }
          pending.append(contentsOf: raw)
          pendingLineFeeds += lineFeeds
        }
        if deciding, lines > limits.maxBatchRecords { body.abandon() }
      }
    } catch {
      body.abandon()
      throw error
    }
    if !endsWithLineBreak { lines += 1 }
    guard lines <= limits.maxBatchRecords else {
      body.abandon()
      return problem(
        .contentTooLarge, "a batch holds at most \(limits.maxBatchRecords) records, not \(lines)")
    }
    body.put(InputBytes(bytes: pending, lineFeeds: pendingLineFeeds))
    body.finish()
    var headers = identity(policy)
    headers[.contentType] = "application/x-ndjson"
    return Response(
      status: .ok, headers: headers,
      body: ResponseBody { writer in
        for await block in blocks { try await writer.write(block) }
        var trailers = HTTPFields()
        if let name = HTTPField.Name("Ladder-Decided") { trailers[name] = String(counts.decided) }
        if let name = HTTPField.Name("Ladder-Rejected") { trailers[name] = String(counts.rejected) }
        try await writer.finish(trailers)
      })
  }

  /// The memory of a batch's body blocks, used again once the evaluation is done with a block:
  /// fresh megabytes are page-faulted in as they are filled (a few percent of the server's time
  /// in a batch). The evaluation often lags the upload and still holds the oldest block; that
  /// block then keeps its memory and the next is fresh, as before.
  struct BlockRecycler {
    static let blockSize = 1 << 20
    /// The blocks handed on most recently, oldest first.
    private var handedOn: [[UInt8]] = []

    /// An empty block.
    func next() -> [UInt8] {
      var block: [UInt8] = []
      block.reserveCapacity(Self.blockSize)
      return block
    }

    /// An empty block, once `block` has been handed on: the memory of the oldest block handed on
    /// when nothing else holds it any longer (emptied, an array shared with the evaluation gets
    /// memory of its own, leaving the evaluation's bytes as they are).
    mutating func next(after block: [UInt8]) -> [UInt8] {
      handedOn.append(block)
      guard handedOn.count > 4 else { return next() }
      var oldest = handedOn.removeFirst()
      oldest.removeAll(keepingCapacity: true)
      return oldest
    }
  }

  /// A request body's blocks, handed from the connection's task to the thread that evaluates
  /// them: `next` waits for the next block, and gives the empty block once the body is over (or
  /// abandoned: a body over its limits is read to its end, but decided no further).
  final class BodyBlocks: @unchecked Sendable {
    private let condition = NSCondition()
    private var blocks: [InputBytes] = []
    private var taken = 0
    private var ended = false

    func put(_ block: InputBytes) {
      guard !block.bytes.isEmpty else { return }
      condition.lock()
      if !ended { blocks.append(block) }
      condition.signal()
      condition.unlock()
    }

    func finish() {
      condition.lock()
      ended = true
      condition.signal()
      condition.unlock()
    }

    func abandon() {
      condition.lock()
      ended = true
      blocks = []
      taken = 0
      condition.signal()
      condition.unlock()
    }

    func next() -> InputBytes {
      condition.lock()
      defer { condition.unlock() }
      while taken == blocks.count && !ended { condition.wait() }
      guard taken < blocks.count else { return InputBytes(bytes: []) }
      let block = blocks[taken]
      blocks[taken] = InputBytes(bytes: [])
      taken += 1
      return block
    }
  }

  /// The counts of a batch, written by its evaluation thread before the stream ends and read by
  /// the response writer after.
  final class BatchCounts: @unchecked Sendable {
    private let lock = NSLock()
    private var values = (decided: 0, rejected: 0)

    func set(decided: Int, rejected: Int) {
      lock.lock()
      values = (decided, rejected)
      lock.unlock()
    }

    var decided: Int {
      lock.lock()
      defer { lock.unlock() }
      return values.decided
    }

    var rejected: Int {
      lock.lock()
      defer { lock.unlock() }
      return values.rejected
    }
  }

  struct EvaluationRefusal: Error {
    let message: String
    let status: HTTPResponse.Status
  }

  /// A batch's JSON Lines, a rejected record's error line in its place, handed on in blocks of
  /// about 256 KB; finished (the evaluation stops reading) once the deadline has passed.
  final class BatchOutput: DecisionSink {
    let policy: CompiledPolicy
    let deadline: Date
    let metrics: ServerMetrics
    let feed: AsyncStream<ByteBuffer>.Continuation
    /// The lines not handed on yet, written where the response sends them from (kept in an
    /// array, they were copied once more into a buffer for the connection).
    var output = BatchOutput.emptyBlock()
    var decided = 0
    var rejected = 0
    private var rejectedSinceFlush = 0

    init(
      policy: CompiledPolicy, deadline: Date, metrics: ServerMetrics,
      feed: AsyncStream<ByteBuffer>.Continuation
    ) {
      self.policy = policy
      self.deadline = deadline
      self.metrics = metrics
      self.feed = feed
    }

    var rendering: DecisionRendering { .jsonLines }
    var isFinished: Bool { Date() > deadline }

    func receive(rendered bytes: [UInt8], decisions count: Int) {
      decided += count
      output.writeBytes(bytes)
      if output.readableBytes >= Self.flushBytes { flush() }
    }

    func receive(_ outcome: RecordOutcome, rendered: String?) {
      switch outcome {
      case .decided:
        decided += 1
        output.writeString(rendered ?? "")
      case .rejected(let problem):
        rejected += 1
        rejectedSinceFlush += 1
        output.writeString(DecisionJSON.renderError(problem, policy: policy) + "\n")
      }
      if output.readableBytes >= Self.flushBytes { flush() }
    }

    /// How much output is sent at once.
    static let flushBytes = 256 << 10

    /// A block of output with room for a flush's worth and the line that crosses it (grown as it
    /// filled, it was copied on every doubling).
    static func emptyBlock() -> ByteBuffer {
      var block = ByteBuffer()
      block.reserveCapacity(flushBytes + flushBytes / 4)
      return block
    }

    /// A last line saying why the batch ends early.
    func fail(_ status: HTTPResponse.Status, _ message: String) {
      output.writeString(problemText(status, message) + "\n")
    }

    /// Hands on the lines so far, counted in the metrics.
    func flush() {
      guard output.readableBytes > 0 else { return }
      metrics.decided(
        policy: policy.id, tiers: output.withUnsafeReadableBytes { ServerMetrics.tiers(in: $0) })
      metrics.rejected(policy: policy.id, count: rejectedSinceFlush)
      rejectedSinceFlush = 0
      feed.yield(output)
      output = Self.emptyBlock()
    }
  }

  // MARK: - Parts

  /// `as_of` (a date, or a date and time with its offset; default: now) and `explain`.
  struct RequestOptions {
    var asOf: CivilDate
    var clock: LadderInstant?
    var explain = false

    struct Refusal: Error {
      let response: Response
    }

    static func parse(_ query: some Sequence<(key: Substring, value: Substring)>) -> Result<
      RequestOptions, Refusal
    > {
      let now = Date()
      var options = RequestOptions(
        asOf: CivilDate(utcDayOf: now),
        clock: LadderInstant(
          milliseconds: Int64((now.timeIntervalSince1970 * 1000).rounded(.down)), offsetSeconds: 0))
      for (key, value) in query {
        switch key {
        case "as_of":
          if let date = CivilDate(parsing: value) {
            options.asOf = date
            options.clock = nil
          } else if let instant = LadderInstant(parsing: value) {
            options.asOf = instant.localDate
            options.clock = instant
          } else {
            return .failure(
              Refusal(
                response: problem(
                  .badRequest,
                  "as_of '\(value)' is not a date (YYYY-MM-DD) or a date and time with its offset (2024-03-01T09:30+08:00)"
                )))
          }
        case "explain":
          guard value == "true" || value == "false" else {
            return .failure(
              Refusal(response: problem(.badRequest, "explain is true or false, not '\(value)'")))
          }
          options.explain = value == "true"
        default:
          return .failure(
            Refusal(
              response: problem(
                .badRequest, "unknown parameter '\(key)'; the parameters are as_of and explain")))
        }
      }
      return .success(options)
    }
  }

  /// A response naming the policy that decided.
  static func identity(_ policy: CompiledPolicy) -> HTTPFields {
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    if let name = HTTPField.Name("Ladder-Policy") { headers[name] = "\(policy.id)@\(policy.version)" }
    if let name = HTTPField.Name("Ladder-Policy-SHA256") { headers[name] = policy.sha256 }
    return headers
  }

  /// The refusal of a request without a token that may do `role`: 401 without a known token,
  /// 403 with one that lacks the role.
  static func authorize(_ request: Request, _ role: Role, _ tokens: TokenList) -> Response? {
    if case .refused(let response) = caller(request, may: [role], tokens) { return response }
    return nil
  }

  /// Who asks, when its token may do one of `roles`.
  enum Caller {
    case allowed(TokenList.Entry)
    case refused(Response)
  }

  /// The request's token entry when it has one of `roles`; else 401 without a known token, 403
  /// (naming the first role) with one that has none of them.
  static func caller(_ request: Request, may roles: [Role], _ tokens: TokenList) -> Caller {
    // The field found by walking the fields: the subscript joins every field of the name into a
    // new string, a twentieth of a single decision's time.
    guard let header = request.headers.first(where: { $0.name == .authorization })?.value,
      header.hasPrefix("Bearer "),
      let entry = tokens.entry(forToken: String(header.dropFirst("Bearer ".count)))
    else {
      var response = problem(.unauthorized, "a bearer token is needed: 'Authorization: Bearer TOKEN'")
      response.headers[.wwwAuthenticate] = "Bearer"
      return .refused(response)
    }
    guard roles.contains(where: entry.roles.contains) else {
      return .refused(
        problem(.forbidden, "token '\(entry.name)' lacks the role '\(roles.first?.rawValue ?? "")'"))
    }
    return .allowed(entry)
  }

  static func json(_ status: HTTPResponse.Status, _ text: String, headers: HTTPFields = HTTPFields())
    -> Response
  {
    json(status, bytes: Array(text.utf8), headers: headers)
  }

  /// A JSON answer of `bytes` and a line break.
  static func json(_ status: HTTPResponse.Status, bytes: [UInt8], headers: HTTPFields = HTTPFields())
    -> Response
  {
    var headers = headers
    if !headers.contains(where: { $0.name == .contentType }) { headers[.contentType] = "application/json" }
    var buffer = ByteBuffer()
    buffer.reserveCapacity(bytes.count + 1)
    buffer.writeBytes(bytes)
    buffer.writeInteger(UInt8(ascii: "\n"))
    return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
  }

  /// `{"error":{"status":…,"message":…}}`.
  static func problem(_ status: HTTPResponse.Status, _ message: String) -> Response {
    json(status, problemText(status, message))
  }

  /// The text of ``problem(_:_:)``.
  static func problemText(_ status: HTTPResponse.Status, _ message: String) -> String {
    let writer = JSONWriter()
    writer.object {
      writer.field("error") {
        writer.object {
          writer.field("status") { writer.number(status.code) }
          writer.field("message") { writer.string(message) }
        }
      }
    }
    return writer.output
  }
}
