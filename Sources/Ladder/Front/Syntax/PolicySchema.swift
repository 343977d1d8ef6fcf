import Foundation

/// A JSON Schema (draft 2020-12) of the policy format, for editors with the YAML language server.
///
/// Generated from the reader's own tables (``PolicyReader/topLevelKeys`` and the key lists of
/// every section, the type names, the rounding modes, the trigger actions), so that the schema
/// and the checker accept the same keys; a test compares it with `schema/ladder-policy.schema.json`.
/// The schema checks structure; expressions and cross-references are `ladder check`'s job.
public enum PolicySchema {
  static var identifier: [String: Any] { ["type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_-]{0,63}$"] }
  static var text: [String: Any] { ["type": "string"] }
  static var expression: [String: Any] {
    ["type": "string", "description": "An expression of the Ladder language (docs/language.md#expressions)."]
  }
  static var flag: [String: Any] { ["type": "boolean"] }

  static func object(
    _ keys: [String], _ properties: [String: Any], required: [String] = [], description: String? = nil
  )
    -> [String: Any]
  {
    // Every key the reader accepts, and only those: a key missing here is a schema bug.
    precondition(Set(keys) == Set(properties.keys), "schema keys differ from the reader's: \(keys)")
    var schema: [String: Any] = ["type": "object", "properties": properties, "additionalProperties": false]
    if !required.isEmpty { schema["required"] = required }
    if let description { schema["description"] = description }
    return schema
  }

  static func named(_ value: [String: Any]) -> [String: Any] {
    ["type": "object", "propertyNames": identifier, "additionalProperties": value]
  }

  /// The schema as a dictionary.
  public static var document: [String: Any] {
    let typeNames: [String: Any] = ["enum": PolicyReader.typeNames]
    let input = object(
      PolicyReader.inputKeys,
      [
        "type": typeNames, "optional": flag, "key": flag, "personal": flag, "informational": flag,
        "actionable": flag,
        "min": ["type": ["number", "string"]], "max": ["type": ["number", "string"]],
        "length": ["type": "integer", "minimum": 1], "min_length": ["type": "integer", "minimum": 0],
        "max_length": ["type": "integer", "minimum": 1],
        "values": ["type": "array", "items": ["type": "string"]],
        "scale": ["type": "integer", "minimum": 0, "maximum": FixedDecimal.maximumScale], "description": text,
      ], required: ["type"])
    let band: [String: Any] = [
      "type": "string", "pattern": "^\\s*(else|<=|>=|==|<|>)[^:]*:.+$",
      "description": "A band: \"<op> <value>: <points>\" or \"else: <points>\".",
    ]
    let component = object(
      PolicyReader.componentKeys,
      [
        "weight": ["type": "string", "pattern": "^\\s*[0-9_.]+%\\s*$"], "of": expression,
        "bands": ["type": "array", "items": band], "points": ["type": ["string", "number"]],
        "description": text,
      ], required: ["weight"])
    let score = object(
      PolicyReader.scoreKeys,
      [
        "round": ["type": "integer", "minimum": 0, "maximum": 6],
        "rounding": ["enum": FixedDecimal.RoundingMode.allCases.map(\.rawValue)],
        "components": named(component),
      ], required: ["components"])
    let tier = object(
      PolicyReader.tierKeys,
      [
        "id": identifier, "label": ["type": ["string", "number"]], "when": expression, "otherwise": flag,
        "description": text,
      ],
      required: ["id"])
    let trigger = object(
      PolicyReader.triggerKeys,
      [
        "id": identifier, "when": expression, "then": ["enum": TriggerAction.allCases.map(\.rawValue)],
        "because": text,
      ], required: ["id", "when", "then", "because"])
    let review = object(
      PolicyReader.reviewKeys,
      [
        "every": [
          "oneOf": [["type": "string"], ["type": "object", "additionalProperties": ["type": "string"]]]
        ],
        "last_review": identifier, "triggers": ["type": "array", "items": trigger],
      ])
    let lifecycle = object(
      PolicyReader.lifecycleKeys,
      [
        "upgrades": ["enum": LifecycleTiming.allCases.map(\.rawValue)],
        "downgrades": ["enum": LifecycleTiming.allCases.map(\.rawValue)],
        "downgrade_by": ["enum": DowngradeStep.allCases.map(\.rawValue)],
        "grace_reviews": ["type": "integer", "minimum": 0, "maximum": 12], "minimum_stay": text,
        "approval": object(
          PolicyReader.approvalKeys,
          [
            "downgrades_from": ["type": "array", "items": identifier],
            "upgrades_to": ["type": "array", "items": identifier],
          ]),
      ])
    let stretches: [String: Any] = [
      "oneOf": [
        ["type": "string", "description": "HH:MM-HH:MM, several separated by commas, or closed"],
        ["type": "array", "items": ["type": "string"]],
      ]
    ]
    let dates: [String: Any] = ["type": "array", "items": ["type": "string", "format": "date"]]
    let calendar = object(
      PolicyReader.calendarKeys,
      [
        "time_zone": text, "hours": ["type": "object", "additionalProperties": stretches], "holidays": dates,
        "working_days": dates, "working_day_hours": stretches, "description": text,
        "file": [
          "type": "string", "description": "The calendar's file, relative to the policy; then no other key.",
        ],
      ])
    let share: [String: Any] = ["type": "string", "pattern": "^\\s*[0-9_.]+%\\s*$"]
    let target = object(
      PolicyReader.serviceTargetKeys,
      [
        "label": ["type": ["string", "number"]], "when": expression, "from": expression, "within": expression,
        "calendar": expression,
        "met_at": expression, "at_risk": share,
      ], required: ["from", "within"])
    let serviceLevels = object(
      PolicyReader.serviceLevelKeys,
      ["at_risk": share, "calendar": expression, "targets": named(target)], required: ["targets"])
    let benefitValue: [String: Any] = ["type": ["string", "number", "boolean"]]
    let entitlement = object(
      PolicyReader.entitlementKeys,
      ["better": ["enum": EntitlementSyntax.Direction.allCases.map(\.rawValue)], "description": text])
    var root = object(
      PolicyReader.topLevelKeys,
      [
        "ladder": ["enum": PolicyReader.supportedFormatVersions], "policy": identifier,
        "version": ["type": ["string", "number"]], "title": ["type": ["string", "number"]],
        "description": text,
        "record": identifier, "inputs": named(["oneOf": [typeNames, input]]), "let": named(expression),
        "score": score, "tier_order": ["enum": TierOrder.allCases.map(\.rawValue)],
        "tiers": ["type": "array", "items": tier, "minItems": 1],
        "benefits": named(["type": "object", "additionalProperties": benefitValue]),
        "entitlements": named(entitlement),
        "review": review, "lifecycle": lifecycle, "output": ["type": "array", "items": identifier],
        "time_zone": text, "calendars": named(calendar), "service_levels": serviceLevels,
      ], required: ["ladder", "policy", "inputs", "tiers"],
      description: "A Ladder tiering policy (docs/language.md).")
    root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    root["$id"] = "https://ladder.invalid/schema/ladder-policy.schema.json"
    root["title"] = "Ladder policy, format version 1"
    return root
  }

  /// The schema as pretty-printed JSON with sorted keys, ending in a line break.
  public static var json: String {
    let data =
      (try? JSONSerialization.data(
        withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}
