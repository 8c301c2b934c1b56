/// The families of the data checks: column profiles, freshness by content and custom checks.
/// docs/data-checks.md describes how each is computed.
public struct DataCheckFamilies: Sendable {
    /// Every scheduled check: custom checks by their name, profiles as `profile:schema.table`,
    /// freshness as `freshness:schema.table`.
    public let success: GaugeFamily
    public let duration: GaugeFamily
    /// Built-in check kinds: 1 when the data met the check's condition, else 0.
    public let passed: GaugeFamily
    /// Custom checks' value columns, labelled by `check`, `column` and the check's label columns.
    public let value: VariableLabelGaugeFamily

    public let columnMin: GaugeFamily
    public let columnMax: GaugeFamily
    public let columnMean: GaugeFamily
    public let columnNulls: GaugeFamily
    public let columnDistinct: GaugeFamily
    public let columnChars: GaugeFamily
    public let columnInfo: GaugeFamily
    public let profileRows: GaugeFamily

    public let newestRow: GaugeFamily
    public let freshnessObjective: GaugeFamily

    init(registry: MetricRegistry) {
        success = registry.gauge(.checkSuccess)
        duration = registry.gauge(.checkDuration)
        passed = registry.gauge(.checkPassed)
        value = registry.variableLabelGauge(.checkValue)
        columnMin = registry.gauge(.columnMin)
        columnMax = registry.gauge(.columnMax)
        columnMean = registry.gauge(.columnMean)
        columnNulls = registry.gauge(.columnNulls)
        columnDistinct = registry.gauge(.columnDistinct)
        columnChars = registry.gauge(.columnChars)
        columnInfo = registry.gauge(.columnInfo)
        profileRows = registry.gauge(.profileRows)
        newestRow = registry.gauge(.newestRow)
        freshnessObjective = registry.gauge(.freshnessObjective)
    }

    /// Removes every data check series of `warehouse`: its checks changed at a reload, and those
    /// still configured come back at their first run, which a restarted collector makes at once.
    public func removeSeries(warehouse: String) {
        let families: [any RenderedFamily] = [success, duration, passed, value, newestRow, freshnessObjective] + profile
        for family in families { family.removeSeries(warehouse: warehouse) }
    }

    /// The families a column profile of one table sets.
    public var profile: [GaugeFamily] {
        [profileRows, columnMin, columnMax, columnMean, columnNulls, columnDistinct, columnChars, columnInfo]
    }
}
