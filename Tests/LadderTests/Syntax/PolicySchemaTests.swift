import Foundation
import Ladder
import LadderTestSupport
import Testing

@Suite struct PolicySchemaTests {
  /// The committed schema is the one the checker's tables generate: editing either alone fails.
  @Test func committedSchemaMatchesTheReader() {
    if let problem = Golden.compare(
      PolicySchema.json, toFileAt: RepositoryPaths.path("schema/ladder-policy.schema.json"))
    {
      Issue.record(
        Comment(
          rawValue: problem + "\nregenerate with: swift run ladder schema > schema/ladder-policy.schema.json")
      )
    }
  }

  @Test func schemaListsEveryKeyTheReaderAccepts() throws {
    let document = PolicySchema.document
    let properties = try #require(document["properties"] as? [String: Any])
    #expect(Set(properties.keys) == Set(PolicyReader.topLevelKeys))
    #expect(document["required"] as? [String] == ["ladder", "policy", "inputs", "tiers"])
  }
}
