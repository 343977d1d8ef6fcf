import Foundation
import HTTPTypes
import Hummingbird
import Ladder
import LadderLedger

/// The ledger over HTTP (`ladder serve --ledger FILE`): the tier in force for a key and its
/// history (`read-history`), override requests (`override`), and their approval or rejection
/// (`approve`). The token's name is the acting user, so maker-checker holds through the API: the
/// token that requested an override cannot approve it.
extension DecisionServer {
  static func addLedgerRoutes(_ router: Router<BasicRequestContext>, ledger: Ledger, tokens: TokenList) {
    router.get("/v1/ledger/keys/:key") { request, context in
      if let refused = authorize(request, .readHistory, tokens) { return refused }
      let key = context.parameters.get("key") ?? ""
      var asOf = CivilDate(utcDayOf: Date())
      var trace = false
      for (name, value) in request.uri.queryParameters {
        switch name {
        case "as_of":
          guard let date = CivilDate(parsing: value) else {
            return problem(.badRequest, "as_of '\(value)' is not a date (YYYY-MM-DD)")
          }
          asOf = date
        case "explain": trace = value == "true"
        default:
          return problem(.badRequest, "unknown parameter '\(name)'; the parameters are as_of and explain")
        }
      }
      return answer { () throws(LedgerError) in
        guard let decision = try ledger.show(key: key, asOf: asOf, trace: trace) else {
          return problem(.notFound, "the ledger has no decision for '\(key)' on or before \(asOf)")
        }
        return json(.ok, LedgerJSON.decision(decision))
      }
    }
    router.get("/v1/ledger/keys/:key/history") { request, context in
      if let refused = authorize(request, .readHistory, tokens) { return refused }
      let key = context.parameters.get("key") ?? ""
      return answer { () throws(LedgerError) in
        let decisions = try ledger.history(key: key)
        guard !decisions.isEmpty else { return problem(.notFound, "the ledger has no decision for '\(key)'") }
        return json(
          .ok, #"{"decisions":["# + decisions.map(LedgerJSON.decision).joined(separator: ",") + "]}")
      }
    }
    router.get("/v1/ledger/overrides") { request, _ in
      if let refused = authorize(request, .readHistory, tokens) { return refused }
      let query = request.uri.queryParameters
      let pending = query.get("pending") == "true"
      let key = query.get("key").map { String($0) }
      return answer { () throws(LedgerError) in
        let overrides = try ledger.overrides(key: key, pendingOnly: pending)
        let writer = JSONWriter()
        writer.object {
          writer.field("overrides") { writer.array(overrides) { LedgerJSON.write($0, into: writer) } }
        }
        return json(.ok, writer.output)
      }
    }
    router.post("/v1/ledger/overrides") { request, context in
      let entry: TokenList.Entry
      switch caller(request, may: [.override], tokens) {
      case .allowed(let allowed): entry = allowed
      case .refused(let response): return response
      }
      var request = request
      let body = try await request.collectBody(upTo: 64 << 10)
      guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
        let key = object["key"] as? String, let tier = object["tier"] as? String,
        let reason = object["reason"] as? String
      else {
        return problem(
          .badRequest, #"the body is {"key":…,"tier":…,"reason":…} and optionally "until": "YYYY-MM-DD""#)
      }
      var until: CivilDate?
      if let text = object["until"] as? String {
        guard let date = CivilDate(parsing: text) else {
          return problem(.badRequest, "until '\(text)' is not a date")
        }
        until = date
      }
      return answer { () throws(LedgerError) in
        let override = try ledger.requestOverride(
          key: key, tier: tier, reason: reason, until: until, by: entry.name)
        let writer = JSONWriter()
        LedgerJSON.write(override, into: writer)
        return json(.created, writer.output)
      }
    }
    for (action, approve) in [("approve", true), ("reject", false)] {
      router.post("/v1/ledger/overrides/:id/\(action)") { request, context in
        // Approving takes the approve role; rejecting either role, so that a requester can withdraw
        // (the ledger lets any such token reject any pending request).
        let entry: TokenList.Entry
        switch caller(request, may: approve ? [.approve] : [.override, .approve], tokens) {
        case .allowed(let allowed): entry = allowed
        case .refused(let response): return response
        }
        guard let id = context.parameters.get("id", as: Int64.self) else {
          return problem(.badRequest, "an override is named by its number")
        }
        var request = request
        let body = try await request.collectBody(upTo: 64 << 10)
        let reason =
          (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])?["reason"]
          as? String
        return answer { () throws(LedgerError) in
          let decided = try ledger.decide(override: id, approve: approve, by: entry.name, reason: reason)
          let writer = JSONWriter()
          LedgerJSON.write(decided, into: writer)
          return json(.ok, writer.output)
        }
      }
    }
  }

  /// The ledger's answer, or its refusal as 409 (a rule of the ledger: maker-checker, an unknown
  /// key or tier, a decided override).
  static func answer(_ body: () throws(LedgerError) -> Response) -> Response {
    do {
      return try body()
    } catch {
      return problem(.conflict, error.description)
    }
  }
}
