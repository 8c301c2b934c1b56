@testable import Collectors
import Foundation
import Testing

/// The Redshift history cursor's page de-duplication (`QueryHistoryRead` over a
/// `QueryHistoryCursor`), driven with pages of (id, end time) rows: no database.
@Suite("Redshift history cursor")
struct QueryHistoryCursorTests {
    typealias Row = QueryHistoryRead.Row
    typealias Position = QueryHistoryCursor.Position

    /// A time on the day of the tests, `HH:MM:SS[.ffffff]`.
    static func at(_ time: String) -> RedshiftTimestamp {
        RedshiftTimestamp("2026-11-21 " + time)!
    }

    static func row(_ id: Int64, _ time: String) -> Row {
        Row(id: id, ended: at(time))
    }

    /// What the page SQL returns from `history`: the rows after `position` in (end time, id)
    /// order (`end >= $1 AND (end > $1 OR id > $2) ORDER BY end, id LIMIT $3`).
    static func page(_ history: [Row], after position: Position, limit: Int) -> [Row] {
        let after = history.filter { row in
            let ended = row.ended!
            return ended >= position.time && (ended > position.time || row.id > position.id)
        }
        return Array(after.sorted { ($0.ended!, $0.id) < ($1.ended!, $1.id) }.prefix(limit))
    }

    /// One read of `history` to its end, page after page, as `IncrementalReader` does it: the ids
    /// counted, in order, the cursor kept, and how many rows the pages held.
    static func poll(
        _ cursor: QueryHistoryCursor, _ history: [Row], overlap: Double = 600, pageSize: Int = 2, remembering: Int = HistoryWindow.defaultRemembered
    ) -> (counted: [Int64], cursor: QueryHistoryCursor, rowsRead: Int) {
        var read = QueryHistoryRead(cursor, overlap: overlap, pageSize: pageSize, remembering: remembering)
        var counted: [Int64] = []
        var rowsRead = 0
        var position: Position? = read.start
        var pages = 0
        while let after = position {
            pages += 1
            guard pages <= 1000 else {
                Issue.record("the read never ended")
                break
            }
            let rows = page(history, after: after, limit: pageSize)
            rowsRead += rows.count
            let taken = read.take(rows)
            counted += taken.fresh.map { rows[$0].id }
            read.handed()
            position = taken.next
        }
        return (counted, read.finished, rowsRead)
    }

    /// A cursor is saved with every page: its times are plain numbers, and a cursor saved with a
    /// time as `{"microseconds": N}` (before 2026-12-03) reads back the same.
    @Test func aCursorSavesItsTimesAsNumbersAndReadsTheOlderObjects() throws {
        let cursor = QueryHistoryCursor(high: Self.at("10:00:00.000001"), floor: Self.at("09:00:00"), seen: [42: Self.at("09:59:59.5")])
        let saved = try JSONEncoder().encode(cursor)
        let object = try #require(try JSONSerialization.jsonObject(with: saved) as? [String: Any])
        #expect((object["high"] as? NSNumber)?.int64Value == cursor.high.microseconds, "\(object)")
        #expect((object["seen"] as? [NSNumber])?.map(\.int64Value) == [42, Self.at("09:59:59.5").microseconds], "\(object)")
        #expect(try JSONDecoder().decode(QueryHistoryCursor.self, from: saved) == cursor)

        let older = Data(
            """
            {"high": {"microseconds": \(cursor.high.microseconds)}, "floor": {"microseconds": \(cursor.floor.microseconds)},
             "seen": [42, {"microseconds": \(Self.at("09:59:59.5").microseconds)}]}
            """.utf8)
        #expect(try JSONDecoder().decode(QueryHistoryCursor.self, from: older) == cursor)
        // A time that is neither is refused, naming what it found.
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(QueryHistoryCursor.self, from: Data(#"{"high": "soon", "floor": 0, "seen": []}"#.utf8)) }
    }

    @Test func aRowReadTwiceAcrossOverlappingPagesIsCountedOnce() {
        var read = QueryHistoryRead(QueryHistoryCursor(startingAt: Self.at("09:00:00")), overlap: 600, pageSize: 3)
        let first = read.take([Self.row(1, "10:00:00"), Self.row(2, "10:00:01"), Self.row(3, "10:00:02")])
        #expect(first.fresh == [0, 1, 2])
        read.handed()
        let second = read.take([Self.row(2, "10:00:01"), Self.row(3, "10:00:02"), Self.row(4, "10:00:03")])
        #expect(second.fresh == [2])
        #expect(read.working.seen == [1: Self.at("10:00:00"), 2: Self.at("10:00:01"), 3: Self.at("10:00:02"), 4: Self.at("10:00:03")])
        #expect(read.working.high == Self.at("10:00:03"))

        // Across polls: the next read starts an overlap window back, reads all four again, and
        // counts none of them.
        let history = [Self.row(1, "10:00:00"), Self.row(2, "10:00:01"), Self.row(3, "10:00:02"), Self.row(4, "10:00:03")]
        let once = Self.poll(QueryHistoryCursor(startingAt: Self.at("09:00:00")), history)
        #expect(once.counted == [1, 2, 3, 4])
        let again = Self.poll(once.cursor, history)
        #expect(again.rowsRead == 4)
        #expect(again.counted == [])
    }

    @Test func rowsEndingAtTheSameTimeAcrossAPageBoundaryAreEachCountedOnce() {
        let history = [
            Self.row(5, "10:00:00"), Self.row(6, "10:00:00"), Self.row(7, "10:00:00"), Self.row(8, "10:00:00"), Self.row(9, "10:00:01"),
        ]
        var read = QueryHistoryRead(QueryHistoryCursor(startingAt: Self.at("09:00:00")), overlap: 600, pageSize: 2)
        let first = read.take(Self.page(history, after: read.start, limit: 2))
        #expect(first.fresh == [0, 1])
        // The next page starts after the last row's end time and id, not after its end time alone.
        #expect(first.next == Position(time: Self.at("10:00:00"), id: 6))
        read.handed()
        let second = read.take(Self.page(history, after: Position(time: Self.at("10:00:00"), id: 6), limit: 2))
        #expect(second.fresh == [0, 1])
        #expect(second.next == Position(time: Self.at("10:00:00"), id: 8))
        read.handed()
        let third = read.take(Self.page(history, after: Position(time: Self.at("10:00:00"), id: 8), limit: 2))
        #expect(third.fresh == [0])
        #expect(third.next == nil)

        // A page that repeats the boundary row (same end time, same id) does not count it again.
        var repeated = QueryHistoryRead(QueryHistoryCursor(startingAt: Self.at("09:00:00")), overlap: 600, pageSize: 2)
        #expect(repeated.take([Self.row(5, "10:00:00"), Self.row(6, "10:00:00")]).fresh == [0, 1])
        #expect(repeated.take([Self.row(6, "10:00:00"), Self.row(7, "10:00:00")]).fresh == [1])

        #expect(Self.poll(QueryHistoryCursor(startingAt: Self.at("09:00:00")), history).counted == [5, 6, 7, 8, 9])
        #expect(Self.poll(QueryHistoryCursor(startingAt: Self.at("09:00:00")), history, pageSize: 1).counted == [5, 6, 7, 8, 9])
    }

    /// A window busier than the ids remembered keeps the newest, and the read moves past the
    /// others' end times: every row is counted once, the cursor stays bounded, and a late row is
    /// counted once if it ends after the newest forgotten end time, or missed, never counted twice.
    @Test func aBusyWindowKeepsTheNewestIdsAndCountsEachRowOnce() {
        // Ten queries a second for ten seconds, two of them ending at the same instant.
        var history: [Row] = []
        for index in 0..<100 {
            let time = String(format: "10:00:%02d.%06d", index / 10, (index % 10) * 100_000)
            history.append(Self.row(Int64(1_000 + index), time))
        }
        history.append(Self.row(2_000, "10:00:09.900000"))
        let first = Self.poll(QueryHistoryCursor(startingAt: Self.at("09:00:00")), history, pageSize: 7, remembering: 20)
        #expect(first.counted.count == 101 && Set(first.counted).count == 101)
        #expect(first.cursor.seen.count == 20)
        // The newest 20 end at 10:00:08.1 and later: the floor is the last forgotten end time.
        #expect(first.cursor.floor == Self.at("10:00:08.000000"))
        #expect(first.cursor.readStart(overlap: 600) == Position(time: Self.at("10:00:08.000000"), id: .max))

        let second = Self.poll(first.cursor, history, pageSize: 7, remembering: 20)
        #expect(second.counted.isEmpty, "nothing twice")
        #expect(second.rowsRead == 20, "only what the remembered ids span is read again")

        // Late rows: one after the floor is counted once; one at or before it is missed.
        history += [Self.row(3_000, "10:00:08.500000"), Self.row(3_001, "10:00:07.000000")]
        let third = Self.poll(second.cursor, history, pageSize: 7, remembering: 20)
        #expect(third.counted == [3_000])
        #expect(Self.poll(third.cursor, history, pageSize: 7, remembering: 20).counted.isEmpty)
    }

    @Test func aLateRowWithinTheOverlapWindowIsCountedOnce() {
        var history = [Self.row(10, "10:05:00"), Self.row(11, "10:05:00"), Self.row(12, "10:06:00")]
        let first = Self.poll(QueryHistoryCursor(startingAt: Self.at("09:00:00")), history)
        #expect(first.counted == [10, 11, 12])
        #expect(first.cursor.high == Self.at("10:06:00"))

        // Published late: 15 ended before the latest seen, within the 10 minutes; 16 before them.
        history += [Self.row(15, "10:04:00"), Self.row(16, "09:55:59")]
        let second = Self.poll(first.cursor, history)
        #expect(second.counted == [15])
        #expect(second.cursor.high == Self.at("10:06:00"), "a late row does not move the latest end time back")
        let third = Self.poll(second.cursor, history)
        #expect(third.counted == [])
        #expect(third.rowsRead == 4, "the window is read again: 15, 10, 11, 12")
    }

    @Test func rowsAtOrBeforeTheFloorAreNeverCounted() {
        let floor = Self.at("10:00:00")
        var history = [Self.row(1, "09:59:59"), Self.row(2, "10:00:00"), Self.row(3, "10:00:00.000001"), Self.row(4, "10:01:00")]
        let start = QueryHistoryCursor(startingAt: floor)
        #expect(QueryHistoryRead(start, overlap: 600, pageSize: 2).start == Position(time: floor, id: .max))
        let first = Self.poll(start, history)
        #expect(first.counted == [3, 4])
        #expect(first.cursor.floor == floor)

        // Late rows at or before the floor, while the window still reaches back past it.
        history += [Self.row(5, "09:59:30"), Self.row(6, "10:00:00"), Self.row(7, "10:02:00")]
        let second = Self.poll(first.cursor, history)
        #expect(second.counted == [7])
        #expect(QueryHistoryRead(second.cursor, overlap: 600, pageSize: 2).start == Position(time: floor, id: .max))

        // Once the window has passed the floor, it is where reading starts.
        history += [Self.row(8, "10:30:00")]
        let third = Self.poll(second.cursor, history)
        #expect(third.counted == [8])
        #expect(QueryHistoryRead(third.cursor, overlap: 600, pageSize: 2).start == Position(time: Self.at("10:20:00"), id: .min))
        #expect(Self.poll(third.cursor, history).counted == [])
    }

    @Test func pruningKeepsOnlyTheIdsWithinTheWindow() {
        // One query a minute for 100 minutes, read in one poll with a 10-minute window.
        let history = (0..<100).map { minute in
            Row(id: Int64(1000 + minute), ended: Self.at("08:00:00").adding(seconds: Double(minute * 60)))
        }
        var read = QueryHistoryRead(QueryHistoryCursor(startingAt: Self.at("07:00:00")), overlap: 600, pageSize: 100)
        #expect(read.take(history).fresh.count == 100)
        read.handed()
        // Each page handed over is saved, so what is kept is bounded to the window even in the
        // middle of a long read (pages after it start past the window's start).
        #expect(read.working.seen.count == 11)
        #expect(read.committed == read.working)
        let finished = read.finished
        // 09:39 is the last; the window reaches back to 09:29, which it includes.
        #expect(finished.high == Self.at("09:39:00"))
        #expect(Set(finished.seen.keys) == Set((1089...1099).map(Int64.init)))
        #expect(finished.seen[1089] == Self.at("09:29:00"))
        #expect(finished.floor == Self.at("07:00:00"))

        // The id at the window's edge is read again by the next poll: remembered, it is not counted.
        let next = Self.poll(finished, history, pageSize: 3)
        #expect(next.rowsRead == 11)
        #expect(next.counted == [])
        #expect(next.cursor.seen.count == 11)
    }

    @Test func theStartOfTheNextRead() {
        let floor = Self.at("10:00:00")
        func start(high: String, overlap: Double = 600) -> Position {
            QueryHistoryCursor(high: Self.at(high), floor: floor, seen: [:]).readStart(overlap: overlap)
        }
        // The window reaches the floor or past it: after everything that ended at the floor.
        #expect(start(high: "10:00:00") == Position(time: floor, id: .max))
        #expect(start(high: "10:10:00") == Position(time: floor, id: .max))
        // The window begins after the floor: everything that ended at its start or later.
        #expect(start(high: "10:10:00.000001") == Position(time: Self.at("10:00:00.000001"), id: .min))
        #expect(start(high: "11:00:00") == Position(time: Self.at("10:50:00"), id: .min))
        #expect(start(high: "11:00:00", overlap: 0) == Position(time: Self.at("11:00:00"), id: .min))

        // A read starts where its cursor says; each full page names the next page's start.
        var read = QueryHistoryRead(QueryHistoryCursor(high: Self.at("11:00:00"), floor: floor, seen: [:]), overlap: 600, pageSize: 3)
        #expect(read.start == Position(time: Self.at("10:50:00"), id: .min))
        #expect(read.take([Self.row(1, "10:55:00"), Self.row(2, "10:56:00"), Self.row(3, "10:56:00")]).next == Position(time: Self.at("10:56:00"), id: 3))
        #expect(read.take([Self.row(4, "10:57:00"), Self.row(5, "10:58:00")]).next == nil, "a short page is the last")
        // A row whose end time cannot be read is passed over: never counted, never a position.
        let unreadable = read.take([Self.row(6, "10:59:00"), Row(id: 7, ended: nil), Row(id: 8, ended: nil)])
        #expect(unreadable.fresh == [0])
        #expect(unreadable.next == Position(time: Self.at("10:59:00"), id: 6))
        #expect(read.take([Row(id: 9, ended: nil), Row(id: 10, ended: nil), Row(id: 11, ended: nil)]) == .init(fresh: [], next: nil))
        #expect(read.working.seen[7] == nil && read.working.seen[9] == nil)
        // The next poll starts an overlap window before the latest end time this one saw.
        #expect(read.take([Self.row(12, "11:05:00")]).next == nil)
        read.handed()
        #expect(QueryHistoryRead(read.finished, overlap: 600, pageSize: 3).start == Position(time: Self.at("10:55:00"), id: .min))
    }

    @Test func aPageThatWasNotHandedOverIsReadAgainAndTheHandedOnesAreNot() {
        var read = QueryHistoryRead(QueryHistoryCursor(startingAt: Self.at("09:00:00")), overlap: 600, pageSize: 2)
        #expect(read.take([Self.row(1, "10:00:00"), Self.row(2, "10:00:01")]).fresh == [0, 1])
        read.handed()
        #expect(read.take([Self.row(3, "10:00:02"), Self.row(4, "10:00:03")]).fresh == [0, 1])
        // Handing the second page over failed: what is kept is the first page's.
        #expect(read.committed.seen == [1: Self.at("10:00:00"), 2: Self.at("10:00:01")])
        #expect(read.committed.high == Self.at("10:00:01"))

        let history = [Self.row(1, "10:00:00"), Self.row(2, "10:00:01"), Self.row(3, "10:00:02"), Self.row(4, "10:00:03")]
        #expect(Self.poll(read.committed, history).counted == [3, 4])
    }
}
