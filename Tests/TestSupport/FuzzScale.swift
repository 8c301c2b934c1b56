import Foundation

/// How many cases a fuzz or property test tries: its base count in the suite, times
/// `WAREHOUSE_FUZZ_SCALE` when `scripts/fuzz` asks for a longer run.
public enum FuzzScale {
    public static func iterations(_ base: Int) -> Int {
        let scale = ProcessInfo.processInfo.environment["WAREHOUSE_FUZZ_SCALE"].flatMap(Int.init) ?? 1
        return base * max(scale, 1)
    }
}
