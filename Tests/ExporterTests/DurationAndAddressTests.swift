import Exporter
import Testing

@Suite("Durations and listen addresses")
struct DurationAndAddressTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("5m", .seconds(300)), ("1h30m", .seconds(5400)),
        ("2d", .seconds(172_800)), ("1w", .seconds(604_800)), ("1m500ms", .milliseconds(60_500)),
    ])
    func parsesPrometheusDurations(_ text: String, _ expected: Duration) {
        #expect(DurationParser.parse(text) == expected)
    }

    @Test(arguments: ["", "30", "s", "5 m", "1.5s", "-1s", "10x", "999999999999999y", "1h30"])
    func rejectsWhatIsNotADuration(_ text: String) {
        #expect(DurationParser.parse(text) == nil)
    }

    @Test func formatsTheShortestForm() {
        #expect(DurationParser.format(.seconds(90)) == "1m30s")
        #expect(DurationParser.format(.milliseconds(1500)) == "1s500ms")
        #expect(DurationParser.format(.seconds(86_400)) == "1d")
    }

    @Test func readsListenAddresses() {
        #expect(ListenAddress(":10150") == ListenAddress(host: "", port: 10150))
        #expect(["::", "0.0.0.0"].contains(ListenAddress(":10150")?.bindHost), "every interface, dual-stack where IPv6 exists")
        #expect(ListenAddress("127.0.0.1:9999")?.bindHost == "127.0.0.1")
        #expect(ListenAddress("127.0.0.1:9999") == ListenAddress(host: "127.0.0.1", port: 9999))
        #expect(ListenAddress("[::1]:80") == ListenAddress(host: "::1", port: 80))
        #expect(ListenAddress("localhost:0")?.port == 0)
        #expect(ListenAddress("::1:80") == nil)
        #expect(ListenAddress("host") == nil)
        #expect(ListenAddress(":70000") == nil)
    }
}
