import ArgumentParser
import Foundation
import Hummingbird
import Ladder
import LadderLedger
import LadderServer
import Logging

/// `ladder serve`: decisions over HTTP (docs/serve.md).
struct Serve: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Serve decisions over HTTP with the policies of a directory.",
    discussion: """
      Loads every policy of POLICY_DIR (*.yaml, not *.tests.yaml); a directory with any error is
      refused. On SIGHUP, and when a file of the directory changes, the policies are read again:
      a clean set replaces the running one, a set with errors is refused (the old one keeps
      serving; GET /health says why). SIGTERM and SIGINT stop the server after the requests in
      flight. See docs/serve.md for the endpoints.
      """)

  @Argument(help: "The directory of policy files.")
  var policyDirectory: String

  @Option(help: "The address to listen on.")
  var host = "127.0.0.1"

  @Option(help: "The port to listen on (0: any free port, printed when the server starts).")
  var port = 8080

  @Option(help: "The tokens file: one 'NAME sha256:HEX ROLES' per line (ladder token-hash prints the hash).")
  var tokens: String

  @Option(help: "The largest request body, in bytes.")
  var maxBody = 8 << 20

  @Option(help: "The most records in one batch.")
  var maxBatch = 100_000

  @Option(help: "Seconds between looks for changed policy files (0: only on SIGHUP).")
  var reloadInterval = 2.0

  @Option(help: "A ledger (ladder run) to answer for: tiers in force, history, overrides and approvals.")
  var ledger: String?

  @Option(help: "The longest a batch may take, in seconds (503 past it).")
  var batchSeconds = 60.0

  @Option(help: "The most connections open at once; more wait to be accepted.")
  var maxConnections = 256

  @Option(
    help: "Seconds a connection may stay idle (or a client take to send its request) before it is closed.")
  var idleTimeout = 30.0

  @Option(help: "Log level: info (start, reloads, errors) or debug (also a line per request).")
  var logLevel = "info"

  func run() throws {
    LoggingSystem.bootstrap(StreamLogHandler.standardError)
    guard let level = Logger.Level(rawValue: logLevel) else {
      throw ValidationError(
        "--log-level is one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    let logger = {
      var logger = Logger(label: "ladder.serve")
      logger.logLevel = level
      return logger
    }()
    let tokenList: TokenList
    do {
      tokenList = try TokenList(text: String(contentsOfFile: tokens, encoding: .utf8))
    } catch let error as TokenFileError {
      StandardError.write("error: \(tokens):\(error.line): \(error.reason)\n")
      throw LadderExit.usage
    } catch {
      StandardError.write("error: cannot read the tokens file '\(tokens)'\n")
      throw LadderExit.usage
    }
    let store: PolicyStore
    do {
      store = try PolicyStore(directory: policyDirectory)
    } catch {
      StandardError.write(error.messages.joined(separator: "\n") + "\n")
      StandardError.write(
        "error: the policies of '\(policyDirectory)' have errors; the server does not start\n")
      throw LadderExit.policyErrors
    }
    let limits = ServerLimits(maxBodyBytes: maxBody, maxBatchRecords: maxBatch, batchSeconds: batchSeconds)
    let metrics = ServerMetrics()
    metrics.reloaded(succeeded: true, policies: store.set.ids.count)
    var openedLedger: Ledger?
    if let ledger {
      do {
        openedLedger = try Ledger(path: ledger)
      } catch {
        StandardError.write("error: \(ledger): \(error)\n")
        throw LadderExit.ledgerRefused
      }
    }
    let router = DecisionServer.router(
      store: store, tokens: tokenList, limits: limits, metrics: metrics, ledger: openedLedger, logger: logger)
    let ids = store.set.ids.joined(separator: ", ")
    let app = DecisionServer.application(
      router: router, host: host, port: port, idleSeconds: idleTimeout, maxConnections: maxConnections,
      logger: logger
    ) { bound in
      logger.info("serving \(store.set.ids.count) policies (\(ids)) on http://\(host):\(bound)")
    }
    let watcher = PolicyWatcher(store: store, interval: reloadInterval, metrics: metrics, logger: logger)
    watcher.start()
    let finished = ServeOutcome()
    Task {
      do {
        try await app.runService()
      } catch {
        finished.failure = "\(error)"
      }
      finished.done.signal()
    }
    finished.done.wait()
    logger.info("stopped")
    if let failure = finished.failure {
      StandardError.write("error: the server stopped: \(failure)\n")
      throw LadderExit.internalError
    }
  }
}

/// How the server's run ended, for the waiting main thread.
private final class ServeOutcome: @unchecked Sendable {
  let done = DispatchSemaphore(value: 0)
  // Written once before `done` is signalled, read after.
  var failure: String?
}

/// Reloads the policies on SIGHUP and when a file of the directory changes.
private final class PolicyWatcher: @unchecked Sendable {
  let store: PolicyStore
  let interval: Double
  let metrics: ServerMetrics
  let logger: Logger
  private var sources: [any DispatchSourceProtocol] = []

  init(store: PolicyStore, interval: Double, metrics: ServerMetrics, logger: Logger) {
    self.store = store
    self.interval = interval
    self.metrics = metrics
    self.logger = logger
  }

  func start() {
    signal(SIGHUP, SIG_IGN)
    let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
    hangup.setEventHandler { [self] in report(store.reload(), why: "SIGHUP") }
    hangup.resume()
    sources.append(hangup)
    guard interval > 0 else { return }
    let timer = DispatchSource.makeTimerSource(queue: .global())
    timer.schedule(deadline: .now() + interval, repeating: interval)
    timer.setEventHandler { [self] in
      if let outcome = store.reloadIfChanged() { report(outcome, why: "a policy file changed") }
    }
    timer.resume()
    sources.append(timer)
  }

  private func report(_ outcome: PolicyStore.Reload, why: String) {
    metrics.reloaded(succeeded: outcome.succeeded, policies: store.set.ids.count)
    if outcome.succeeded {
      logger.info(
        "reloaded (\(why)): serving \(store.set.ids.count) policies (\(store.set.ids.joined(separator: ", ")))"
      )
    } else {
      logger.error(
        "reload refused (\(why)); the previous policies keep serving:\n\(outcome.errors.joined(separator: "\n"))"
      )
    }
  }
}

/// `ladder token-hash`: the line of a tokens file for a token read from standard input.
struct TokenHash: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "token-hash",
    abstract:
      "Print the 'sha256:HEX' of a token read from standard input, for the tokens file of ladder serve.")

  func run() throws {
    let token = (readLine(strippingNewline: true) ?? "").trimmingCharacters(in: .whitespaces)
    guard !token.isEmpty else {
      StandardError.write("error: give the token on standard input\n")
      throw LadderExit.usage
    }
    try StandardOutput.write(TokenList.hashLine(token) + "\n")
  }
}
