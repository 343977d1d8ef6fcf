import ArgumentParser
import Ladder

/// `ladder schema`: prints the JSON Schema of the policy format, for editors.
struct Schema: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "schema",
    abstract: "Print the JSON Schema of the policy format (for the YAML language server in editors).")

  func run() throws {
    try StandardOutput.write(PolicySchema.json)
  }
}
