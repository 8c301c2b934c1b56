/// The tables a statement reads and writes, each once, in order of first appearance.
/// A table both read and written (`INSERT INTO t SELECT … FROM t`) is in both lists.
public struct TableReferences: Hashable, Sendable {
    public var read: [TableName] = []
    public var written: [TableName] = []

    public init(read: [TableName] = [], written: [TableName] = []) {
        self.read = read
        self.written = written
    }
}
