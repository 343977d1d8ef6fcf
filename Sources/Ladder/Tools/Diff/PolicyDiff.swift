/// One difference between two versions of a policy, in the domain's terms.
public struct PolicyChange: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable {
    case added, removed, changed
  }

  /// `header`, `inputs`, `let`, `score`, `tiers`, `benefits`, `review`, `triggers`, `lifecycle`,
  /// `calendars`, `service_levels`.
  public var section: String
  public var kind: Kind
  /// What changed, e.g. `tier 'vip'` or `band 1 of 'monetary'`.
  public var subject: String
  public var old: String?
  public var new: String?
}

/// Compares two checked policies section by section: thresholds, weights, bands, tiers,
/// benefits and triggers added, removed or changed — not a text diff.
public enum PolicyDiff {
  public static func changes(from old: CheckedPolicy, to new: CheckedPolicy) -> [PolicyChange] {
    var out: [PolicyChange] = []
    func changed(_ section: String, _ subject: String, _ a: String?, _ b: String?) {
      guard a != b else { return }
      let kind: PolicyChange.Kind = a == nil ? .added : b == nil ? .removed : .changed
      out.append(PolicyChange(section: section, kind: kind, subject: subject, old: a, new: b))
    }
    /// Entries by name, in the order of the old list, then new ones.
    func byName<T>(_ a: [T], _ b: [T], name: (T) -> String, _ each: (String, T?, T?) -> Void) {
      let oldNames = a.map(name)
      for item in a { each(name(item), item, b.first { name($0) == name(item) }) }
      for item in b where !oldNames.contains(name(item)) { each(name(item), nil, item) }
    }

    changed("header", "version", old.version, new.version)
    changed("header", "title", old.title, new.title)

    byName(old.inputs, new.inputs, name: \.name) { name, a, b in
      changed("inputs", "input '\(name)'", a.map(describe), b.map(describe))
    }
    byName(old.lets, new.lets, name: \.name) { name, a, b in
      changed(
        "let", "let '\(name)'", a.map { ExprPrinter.print($0.expression.syntax) },
        b.map { ExprPrinter.print($0.expression.syntax) })
    }

    if let a = old.score, let b = new.score {
      changed(
        "score", "rounding", "\(a.decimals) decimals, \(a.rounding.rawValue)",
        "\(b.decimals) decimals, \(b.rounding.rawValue)")
    } else {
      changed("score", "scorecard", old.score.map { _ in "present" }, new.score.map { _ in "present" })
    }
    byName(old.score?.components ?? [], new.score?.components ?? [], name: \.name) { name, a, b in
      guard let a, let b else {
        changed("score", "component '\(name)'", a.map(describe), b.map(describe))
        return
      }
      changed("score", "weight of '\(name)'", a.weight.percentDescription, b.weight.percentDescription)
      switch (a.points, b.points) {
      case (.bands(let ofA, let bandsA), .bands(let ofB, let bandsB)):
        changed("score", "value of '\(name)'", ExprPrinter.print(ofA.syntax), ExprPrinter.print(ofB.syntax))
        if bandsA.count == bandsB.count {
          for (index, (x, y)) in zip(bandsA, bandsB).enumerated() {
            changed("score", "band \(index + 1) of '\(name)'", x.text, y.text)
          }
        } else {
          changed(
            "score", "bands of '\(name)'", bandsA.map(\.text).joined(separator: ", "),
            bandsB.map(\.text).joined(separator: ", "))
        }
      default:
        changed("score", "points of '\(name)'", describe(a), describe(b))
      }
    }

    changed("tiers", "tier order", old.tierOrder.rawValue, new.tierOrder.rawValue)
    byName(old.tiers, new.tiers, name: \.id) { id, a, b in
      guard let a, let b else {
        changed("tiers", "tier '\(id)'", a.map(describe), b.map(describe))
        return
      }
      changed("tiers", "condition of tier '\(id)'", condition(a), condition(b))
      changed("tiers", "label of tier '\(id)'", a.label, b.label)
      if a.index != b.index {
        changed("tiers", "position of tier '\(id)'", "\(a.index + 1)", "\(b.index + 1)")
      }
    }

    for tier in new.tiers {
      guard let oldTier = old.tiers.first(where: { $0.id == tier.id }) else { continue }
      let a = old.benefits[oldTier.index]
      let b = new.benefits[tier.index]
      byName(a, b, name: \.name) { name, x, y in
        changed(
          "benefits", "\(name) of tier '\(tier.id)'", x.map { CompiledPolicy.display($0.value) },
          y.map { CompiledPolicy.display($0.value) })
      }
    }

    for tier in new.tiers {
      guard let oldTier = old.tiers.first(where: { $0.id == tier.id }) else { continue }
      changed(
        "review", "review cadence of tier '\(tier.id)'", old.review.intervals[oldTier.index]?.description,
        new.review.intervals[tier.index]?.description)
    }
    byName(old.review.triggers, new.review.triggers, name: \.id) { id, a, b in
      guard let a, let b else {
        changed("triggers", "trigger '\(id)'", a.map(describe), b.map(describe))
        return
      }
      changed(
        "triggers", "condition of trigger '\(id)'", ExprPrinter.print(a.condition.syntax),
        ExprPrinter.print(b.condition.syntax))
      changed("triggers", "action of trigger '\(id)'", a.action.rawValue, b.action.rawValue)
      changed("triggers", "reason of trigger '\(id)'", a.reason, b.reason)
    }
    let (oldRules, newRules) = (old.lifecycle.map(describe) ?? [:], new.lifecycle.map(describe) ?? [:])
    for rule in PolicyReader.lifecycleKeys { changed("lifecycle", rule, oldRules[rule], newRules[rule]) }

    // Calendars: the zone, each weekday's hours, each holiday and working day added or removed.
    changed("calendars", "time_zone", old.timeZone?.identifier, new.timeZone?.identifier)
    byName(old.calendars, new.calendars, name: \.name) { name, a, b in
      guard let a, let b else {
        changed("calendars", "calendar '\(name)'", a.map(describe), b.map(describe))
        return
      }
      changed("calendars", "time zone of '\(name)'", a.zone.identifier, b.zone.identifier)
      for (day, weekday) in BusinessCalendar.weekdayNames.enumerated() {
        changed(
          "calendars", "\(weekday) hours of '\(name)'", describe(a.weekly[day]), describe(b.weekly[day]))
      }
      changed(
        "calendars", "working-day hours of '\(name)'", describe(a.extraDayHours), describe(b.extraDayHours))
      for (kind, before, after) in [
        ("holiday", a.holidays, b.holidays), ("working day", a.extraWorkingDays, b.extraWorkingDays),
      ] {
        for date in Set(before).union(after).sorted() where before.contains(date) != after.contains(date) {
          changed(
            "calendars", "\(kind) \(date) of '\(name)'", before.contains(date) ? "listed" : nil,
            after.contains(date) ? "listed" : nil)
        }
      }
    }
    // Service levels: each target's rule, part by part.
    byName(old.serviceLevels?.targets ?? [], new.serviceLevels?.targets ?? [], name: \.name) { name, a, b in
      guard let a, let b else {
        changed("service_levels", "target '\(name)'", a.map(describe), b.map(describe))
        return
      }
      for (part, before, after) in [
        (
          "condition", a.condition.map { ExprPrinter.print($0.syntax) },
          b.condition.map { ExprPrinter.print($0.syntax) }
        ),
        ("start", ExprPrinter.print(a.from.syntax), ExprPrinter.print(b.from.syntax)),
        ("time", ExprPrinter.print(a.within.syntax), ExprPrinter.print(b.within.syntax)),
        ("calendar", ExprPrinter.print(a.calendar.syntax), ExprPrinter.print(b.calendar.syntax)),
        (
          "met_at", a.metAt.map { ExprPrinter.print($0.syntax) }, b.metAt.map { ExprPrinter.print($0.syntax) }
        ),
        ("at_risk", a.atRisk.percentDescription, b.atRisk.percentDescription),
      ] {
        changed("service_levels", "\(part) of target '\(name)'", before, after)
      }
    }
    return out
  }

  /// A day's hours as written: `09:00-12:00, 13:00-18:00`, or `closed`.
  static func describe(_ hours: [BusinessCalendar.Hours]) -> String {
    hours.isEmpty ? "closed" : hours.map(\.description).joined(separator: ", ")
  }

  static func describe(_ calendar: BusinessCalendar) -> String {
    "\(calendar.zone.identifier), \(calendar.holidays.count) holidays, \(calendar.extraWorkingDays.count) working days"
  }

  static func describe(_ target: CheckedServiceTarget) -> String {
    "\(ExprPrinter.print(target.within.syntax)) from \(ExprPrinter.print(target.from.syntax))"
  }

  /// Each rule of a lifecycle as written in a policy, defaults included.
  static func describe(_ lifecycle: CheckedLifecycle) -> [String: String] {
    let approval = [
      ("downgrades from", lifecycle.approvalDowngradesFrom), ("upgrades to", lifecycle.approvalUpgradesTo),
    ]
    .filter { !$0.1.isEmpty }.map { "\($0.0) \($0.1.sorted().joined(separator: ", "))" }
    return [
      "upgrades": lifecycle.upgrades.rawValue, "downgrades": lifecycle.downgrades.rawValue,
      "downgrade_by": lifecycle.downgradeBy.rawValue, "grace_reviews": String(lifecycle.graceReviews),
      "minimum_stay": lifecycle.minimumStay?.description ?? "none",
      "approval": approval.isEmpty ? "none" : approval.joined(separator: "; "),
    ]
  }

  static func describe(_ input: InputField) -> String {
    var parts = [input.type.description]
    if input.isOptional { parts.append("optional") }
    if input.isKey { parts.append("key") }
    if input.isPersonal { parts.append("personal") }
    if let minimum = input.minimum {
      parts.append("min \(CompiledPolicy.display(minimum, as: input.elementType))")
    }
    if let maximum = input.maximum {
      parts.append("max \(CompiledPolicy.display(maximum, as: input.elementType))")
    }
    return parts.joined(separator: ", ")
  }

  static func describe(_ component: CheckedComponent) -> String {
    switch component.points {
    case .bands(let value, let bands):
      "\(component.weight.percentDescription) of \(ExprPrinter.print(value.syntax)): \(bands.map(\.text).joined(separator: ", "))"
    case .expression(let points):
      "\(component.weight.percentDescription), points \(ExprPrinter.print(points.syntax))"
    }
  }

  static func condition(_ tier: CheckedTier) -> String {
    tier.condition.map { ExprPrinter.print($0.syntax) } ?? "otherwise"
  }

  static func describe(_ tier: CheckedTier) -> String { "\(tier.label): \(condition(tier))" }

  static func describe(_ trigger: CheckedTrigger) -> String {
    "\(trigger.action.rawValue) when \(ExprPrinter.print(trigger.condition.syntax))"
  }
}
