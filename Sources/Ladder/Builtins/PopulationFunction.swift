/// The functions whose value for one record depends on every record of the input. Each is
/// computed by the statistics pass after the per-record values are known.
public enum PopulationFunction: String, Sendable, Hashable {
  case percentile
  case ntile
  case rank
  case topPercent = "top_percent"
  case abcClass = "abc_class"
}
