import CSV
import Foundation
import Ladder
import SwiftCSV

// Usage: csv-readers POLICY CSV
// Reads the CSV with each reader, turning every field into a String (what Ladder's validation
// needs), and prints records per second. Timed after the file is in memory.
let arguments = CommandLine.arguments
guard arguments.count == 3, let data = FileManager.default.contents(atPath: arguments[2]) else {
  print("usage: csv-readers POLICY CSV")
  exit(64)
}
let sources = SourceRegistry()
var diagnostics = DiagnosticBag()
guard let policy = CompiledPolicy.load(path: arguments[1], sources: sources, diagnostics: &diagnostics) else {
  print("the policy does not check")
  exit(1)
}
let bytes = [UInt8](data)

func measure(_ name: String, _ body: () throws -> Int) {
  let start = Date()
  do {
    let records = try body()
    let seconds = Date().timeIntervalSince(start)
    let rate = seconds > 0 ? Int(Double(records) / seconds) : 0
    print(String(format: "%-26@ %10d records %8.2f s %12d rec/s", name as NSString, records, seconds, rate))
  } catch {
    print("\(name): failed: \(error)")
  }
}

measure("Ladder CSVRecordReader") {
  var reader = try CSVRecordReader(bytes: bytes, inputs: policy.inputs)
  var count = 0
  while let read = reader.next() {
    if case .success = read { count += 1 }
  }
  return count
}

measure("SwiftCSV 0.10 (eager)") {
  let text = String(decoding: bytes, as: UTF8.self)
  let csv = try EnumeratedCSV(string: text, delimiter: .comma, loadColumns: false)
  return csv.rows.count
}

measure("CSV.swift 2.5 (rows)") {
  let text = String(decoding: bytes, as: UTF8.self)
  let reader = try CSVReader(string: text, hasHeaderRow: true)
  var count = 0
  while reader.next() != nil { count += 1 }
  return count
}
