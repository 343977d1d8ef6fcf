// swift-tools-version:6.0
// libFuzzer targets for Ladder's readers (issue 17). Not part of the main build: build and run
// them with `scripts/fuzz.sh TARGET SECONDS`, which passes `-sanitize=fuzzer,address`.
import PackageDescription

let package = Package(
  name: "LadderFuzz",
  platforms: [.macOS(.v15)],
  dependencies: [.package(name: "Ladder", path: "..")],
  targets: [
    .target(name: "FuzzSupport", dependencies: [.product(name: "Ladder", package: "Ladder")]),
    .executableTarget(name: "FuzzPolicy", dependencies: ["FuzzSupport"]),
    .executableTarget(name: "FuzzExpression", dependencies: ["FuzzSupport"]),
    .executableTarget(name: "FuzzCSV", dependencies: ["FuzzSupport"]),
    .executableTarget(name: "FuzzJSONL", dependencies: ["FuzzSupport"]),
  ]
)
