import Testing
import WarehouseClient

@Suite("ConnectionInfo reads DSNs as libpq does")
struct ConnectionInfoTests {
    @Test func unparsableDSNNeverEchoesItsFragments() throws {
        let error = #expect(throws: WarehouseError.self) { try ConnectionInfo(parsing: "host=db password=hunter2 s3cretTail") }
        #expect(error?.kind == .configuration)
        #expect(error?.message.contains("s3cretTail") == false)
        #expect(error?.message.contains("hunter2") == false)
    }

    @Test func safeDescriptionLeavesThePasswordOut() throws {
        let keyValue = try ConnectionInfo(parsing: "host=db.internal port=5439 dbname=dev user=monitor password=hunter2")
        #expect(keyValue.safeDescription == "monitor@db.internal:5439/dev")
        let uri = try ConnectionInfo(parsing: "postgresql://monitor:hunter2@db.internal:5432/analytics?sslmode=require")
        #expect(uri.safeDescription == "monitor@db.internal:5432/analytics")
        #expect(uri.options["password"] == "hunter2")
        #expect(uri.options["sslmode"] == "require")
    }

    @Test func aBareWordIsADatabaseNameAsLibpqReadsIt() throws {
        #expect(try ConnectionInfo(parsing: "analytics").options == ["dbname": "analytics"])
        #expect(try ConnectionInfo(parsing: "").options.isEmpty)
    }
}
