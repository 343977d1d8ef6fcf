import ArgumentParser
import Ladder

@main
struct LadderCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "ladder", abstract: "Customer tiering policies.")
}
