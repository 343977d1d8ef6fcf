// swift-tools-version:6.0
// Measures the CSV libraries available on this machine against Ladder's own reader, on the
// benchmark's data. Kept out of Ladder's package so that the library's users never resolve these
// packages. Benchmarks/run.sh links the repository to .build-bench/ladder before building.
import PackageDescription

let package = Package(
  name: "CSVReaders",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(path: "../../.build-bench/ladder"),
    .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
    .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
  ],
  targets: [
    .executableTarget(
      name: "csv-readers",
      dependencies: [
        .product(name: "Ladder", package: "ladder"),
        .product(name: "SwiftCSV", package: "SwiftCSV"),
        .product(name: "CSV", package: "CSV.swift"),
      ]
    )
  ]
)
