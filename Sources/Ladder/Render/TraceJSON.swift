/// The canonical JSON form of a ``DecisionTrace``: keys in a fixed order, every value a string
/// in the policy language's notation, so that the same decision always gives the same bytes.
public enum TraceJSON {
  public static func render(_ trace: DecisionTrace) -> String {
    let writer = JSONWriter()
    write(trace, into: writer)
    return writer.output
  }

  static func write(_ trace: DecisionTrace, into writer: JSONWriter) {
    writer.object {
      writer.field("policy") { writePolicy(trace.header, into: writer) }
      writer.field("as_of") { writer.string(trace.header.asOf) }
      writer.field("record") {
        writer.object {
          writer.field("kind") { writer.string(trace.recordName) }
          writer.field("key") { writer.string(trace.key) }
          writer.field("origin") { writer.optionalString(trace.origin) }
        }
      }
      writer.field("inputs") {
        writer.array(trace.inputs) { input in
          writer.object {
            writer.field("name") { writer.string(input.name) }
            writer.field("type") { writer.string(input.type) }
            writer.field("value") { writer.string(input.value) }
            writer.field("personal") { writer.bool(input.isPersonal) }
          }
        }
      }
      writer.field("derived") {
        writer.array(trace.derived) { item in
          writer.object {
            writer.field("name") { writer.string(item.name) }
            writer.field("value") { writer.string(item.value) }
            writer.field("at") { writer.string(item.location) }
          }
        }
      }
      writer.field("population") { writePopulation(trace.population, into: writer) }
      writer.field("score") {
        guard let score = trace.score else {
          writer.null()
          return
        }
        writer.object {
          writer.field("total") { writer.string(score.total) }
          writer.field("sum") { writer.string(score.sum) }
          writer.field("rounding") { writer.string(score.rounding) }
          writer.field("components") {
            writer.array(trace.components) { component in
              writer.object {
                writer.field("name") { writer.string(component.name) }
                writer.field("value") { writer.optionalString(component.value) }
                writer.field("band") { writer.optionalString(component.band) }
                writer.field("points_expression") { writer.optionalString(component.pointsExpression) }
                writer.field("at") { writer.optionalString(component.bandLocation) }
                writer.field("points") { writer.string(component.points) }
                writer.field("weight") { writer.string(component.weight) }
                writer.field("contribution") { writer.string(component.contribution) }
              }
            }
          }
        }
      }
      writer.field("tiers") {
        writer.array(trace.tiers) { step in
          writer.object {
            writer.field("id") { writer.string(step.id) }
            writer.field("label") { writer.string(step.label) }
            writer.field("when") { writer.optionalString(step.condition) }
            writer.field("at") { writer.string(step.location) }
            writer.field("held") { writer.bool(step.held) }
            writer.field("conditions") { conditions(step.conditions, writer) }
          }
        }
      }
      writer.field("tier") { writer.optionalString(trace.tier) }
      writer.field("label") { writer.optionalString(trace.tierLabel) }
      writer.field("benefits") { writeBenefits(trace.benefits, into: writer) }
      writer.field("triggers") {
        writer.array(trace.triggers) { trigger in
          writer.object {
            writer.field("id") { writer.string(trigger.id) }
            writer.field("action") { writer.string(trigger.action) }
            writer.field("when") { writer.string(trigger.condition) }
            writer.field("at") { writer.string(trigger.location) }
            writer.field("fired") { writer.bool(trigger.held) }
            writer.field("because") { writer.string(trigger.reason) }
            writer.field("conditions") { conditions(trigger.conditions, writer) }
          }
        }
      }
      writer.field("review") {
        guard let review = trace.review else {
          writer.null()
          return
        }
        writer.object {
          writer.field("every") { writer.optionalString(review.interval) }
          writer.field("last") { writer.optionalString(review.lastReview) }
          writer.field("next") { writer.optionalString(review.nextReview) }
          writer.field("due") { writer.bool(review.isDue) }
        }
      }
    }
  }

  /// The `policy` object: id, version, title, file and hash.
  static func writePolicy(_ header: DecisionTrace.Header, into writer: JSONWriter) {
    writer.object {
      writer.field("id") { writer.string(header.policy) }
      writer.field("version") { writer.string(header.version) }
      writer.field("title") { writer.string(header.title) }
      writer.field("file") { writer.string(header.file) }
      writer.field("sha256") { writer.string(header.sha256) }
    }
  }

  /// The `population` array of a trace: each population function's value and how it came about.
  static func writePopulation(_ notes: [DecisionTrace.PopulationNote], into writer: JSONWriter) {
    writer.array(notes) { note in
      writer.object {
        writer.field("call") { writer.string(note.call) }
        writer.field("value") { writer.string(note.value) }
        writer.field("explanation") { writer.string(note.explanation) }
      }
    }
  }

  /// The `benefits` array of a trace.
  static func writeBenefits(_ benefits: [DecisionTrace.Benefit], into writer: JSONWriter) {
    writer.array(benefits) { benefit in
      writer.object {
        writer.field("name") { writer.string(benefit.name) }
        writer.field("value") { writer.string(benefit.value) }
        writer.field("kind") { writer.string(benefit.kind) }
        writer.field("from") { writer.string(benefit.from) }
        writer.field("inherited") { writer.bool(benefit.isInherited) }
        writer.field("at") { writer.string(benefit.location) }
      }
    }
  }

  private static func conditions(_ items: [DecisionTrace.Condition], _ writer: JSONWriter) {
    writer.array(items) { condition in
      writer.object {
        writer.field("condition") { writer.string(condition.text) }
        writer.field("values") { writer.string(condition.values) }
        writer.field("result") { writer.string(condition.result) }
      }
    }
  }
}
