// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "Ladder",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "Ladder", targets: ["Ladder"]),
    .library(name: "LadderLedger", targets: ["LadderLedger"]),
    .executable(name: "ladder", targets: ["LadderCLI"]),
  ],
  dependencies: [
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    // The ledger's database (SQLite); only LadderLedger and the CLI depend on it.
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    // `ladder serve`: only LadderServer and the CLI depend on the web server.
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
  ],
  targets: [
    .target(
      name: "Ladder",
      dependencies: [
        .product(name: "Yams", package: "Yams"),
        // SHA-256 of the policy file, written into every trace.
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    // zlib from the system (zlib1g-dev): the ledger compresses the inputs it keeps for replay.
    .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
    .target(
      name: "LadderLedger",
      dependencies: [
        "Ladder",
        "CZlib",
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .target(
      name: "LadderServer",
      dependencies: [
        "Ladder",
        "LadderLedger",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .executableTarget(
      name: "LadderCLI",
      dependencies: [
        "Ladder",
        "LadderLedger",
        "LadderServer",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .target(
      name: "LadderTestSupport",
      dependencies: ["Ladder"],
      path: "Tests/LadderTestSupport"
    ),
    .testTarget(
      name: "LadderTests",
      dependencies: ["Ladder", "LadderTestSupport"],
      exclude: ["Golden"]
    ),
    .testTarget(
      name: "LadderCLITests",
      dependencies: ["LadderTestSupport"]
    ),
    .testTarget(
      name: "LadderLedgerTests",
      dependencies: ["Ladder", "LadderLedger", "LadderTestSupport"]
    ),
  ]
)
