import SQLText

/// Which statements read and wrote each table, and the rows they wrote, by who ran them: step 5
/// of the root-cause walk ("which query filled this table?").
struct TableFamilies {
    static let families: [MetricFamily] = [.tableReads, .tableWrites, .tableRowsWritten]

    private var reads: GuardedFamily<ValueStore>
    private var writes: GuardedFamily<ValueStore>
    private var rowsWritten: GuardedFamily<ValueStore>
    private let readContext: [LabelPolicy.Dimension]
    private let writeContext: [LabelPolicy.Dimension]

    /// A table and operation of ``RowsWritten``.
    struct RowsKey: Hashable {
        var table: TableName
        var operation: String
    }

    /// Who ran a statement, as the table families label it, and the slots of the tables it touched.
    struct Slots {
        let read: [String]
        let write: [String]
        var reads: [TableName: (slot: Int, folds: [Int])] = [:]
        var writes: [TableName: (slot: Int, folds: [Int])] = [:]
        var rowsWritten: [RowsKey: (slot: Int, folds: [Int])] = [:]
    }

    init(policy: LabelPolicy) {
        reads = GuardedFamily(.tableReads, policy: policy)
        writes = GuardedFamily(.tableWrites, policy: policy)
        rowsWritten = GuardedFamily(.tableRowsWritten, policy: policy)
        readContext = MetricFamily.tableReads.dimensions(policy.dimensions)
        writeContext = MetricFamily.tableWrites.dimensions(policy.dimensions)
    }

    func resolve(_ attribution: Attribution, _ labels: LabelValues) -> Slots {
        Slots(read: labels.values(readContext, attribution), write: labels.values(writeContext, attribution))
    }

    /// One count per table the statement read and per table it wrote, and the rows it wrote.
    mutating func observe(
        warehouse: String, operation: String, read: [TableName], written: [TableName], rows: [RowsWritten], _ slots: inout Slots,
        _ labels: LabelValues, now: Double, overflow: inout OverflowCounter, exemplar: Exemplar? = nil
    ) {
        // Each count's exemplar is the statement, with the count it added.
        var exemplar = exemplar
        exemplar?.value = 1
        for table in read {
            let (slot, folds) = slots.reads[table] ?? {
                var folds: [Int] = []
                let slot = reads.slot([warehouse] + labels.values(table) + slots.read, now: now, overflow: &overflow, folds: &folds)
                slots.reads[table] = (slot, folds)
                return (slot, folds)
            }()
            reads.store.add(1, slot: slot, now: now, exemplar: exemplar)
            overflow.count(folds, now: now)
        }
        for table in written {
            let (slot, folds) = slots.writes[table] ?? {
                var folds: [Int] = []
                let values = [warehouse] + labels.values(table) + [labels.clean(operation)] + slots.write
                let slot = writes.slot(values, now: now, overflow: &overflow, folds: &folds)
                slots.writes[table] = (slot, folds)
                return (slot, folds)
            }()
            writes.store.add(1, slot: slot, now: now, exemplar: exemplar)
            overflow.count(folds, now: now)
        }
        for written in rows {
            let key = RowsKey(table: written.table, operation: written.operation)
            let (slot, folds) = slots.rowsWritten[key] ?? {
                var folds: [Int] = []
                let values = [warehouse] + labels.values(written.table) + [labels.clean(written.operation)] + slots.write
                let slot = rowsWritten.slot(values, now: now, overflow: &overflow, folds: &folds)
                slots.rowsWritten[key] = (slot, folds)
                return (slot, folds)
            }()
            exemplar?.value = written.rows
            rowsWritten.store.add(written.rows, slot: slot, now: now, exemplar: exemplar)
            overflow.count(folds, now: now)
        }
    }

    /// Rows written to a table by no one in particular (the server's table statistics), with the
    /// context labels empty.
    mutating func observe(_ written: RowsWritten, warehouse: String, _ labels: LabelValues, now: Double, overflow: inout OverflowCounter) {
        let values = [warehouse] + labels.values(written.table) + [labels.clean(written.operation)] + writeContext.map { _ in "" }
        rowsWritten.add(written.rows, values, now: now, overflow: &overflow)
    }

    mutating func expire(_ sweep: SeriesSweep) {
        reads.expire(sweep)
        writes.expire(sweep)
        rowsWritten.expire(sweep)
    }

    var stores: [any RenderedStore] { [reads.store, writes.store, rowsWritten.store] }
}
