import ArgumentParser
import Foundation

/// When to colour diagnostics.
enum ColorMode: String, ExpressibleByArgument, CaseIterable {
  case auto, always, never

  /// Colour only on a terminal in `auto` mode.
  func isEnabled(for handle: FileHandle) -> Bool {
    switch self {
    case .always: true
    case .never: false
    case .auto: isatty(handle.fileDescriptor) != 0
    }
  }
}

enum DiagnosticFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json, github
}
