#!/usr/bin/env python3
"""Appends PostgreSQL jsonlog lines of finished Looker queries to a file, as the server writes them,
for scripts/load: each line a statement with its duration, its time (now, UTC) and a Looker
annotation naming a user and a dashboard.

  querylog.py FILE COUNT RATE USERS DASHBOARDS [distinct]

COUNT lines at RATE a second (0: as fast as the disk takes them). Users and dashboards are drawn
at random from USERS and DASHBOARDS values; with `distinct`, line i has user i and dashboard i
(every line a new label value: the cardinality attack).
"""
import datetime
import json
import random
import sys
import time


def line(user, dashboard, now):
    sql = (
        "-- Looker Query Context '{\"user_id\":%d,\"dashboard_id\":%d,\"history_slug\":\"h%d\"}'\n"
        "SELECT orders.status, count(*) FROM marts.orders AS orders WHERE orders.region = 'r%d' GROUP BY 1"
        % (user, dashboard, user, dashboard % 50)
    )
    return json.dumps({
        "timestamp": now.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC",
        "user": "looker", "dbname": "analytics", "application_name": "looker", "error_severity": "LOG",
        "state_code": "00000",
        "message": "duration: %.3f ms  statement: %s" % (random.lognormvariate(4, 1.2), sql),
    }) + "\n"


def main():
    path, count, rate, users, dashboards = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    distinct = len(sys.argv) > 6 and sys.argv[6] == "distinct"
    batch = max(1, int(rate / 10)) if rate > 0 else 10_000
    started = time.monotonic()
    written = 0
    with open(path, "a", buffering=1 << 20) as out:
        while written < count:
            now = datetime.datetime.now(datetime.timezone.utc)
            lines = []
            for i in range(written, min(count, written + batch)):
                if distinct:
                    lines.append(line(i + 1, i + 1, now))
                else:
                    lines.append(line(random.randrange(users) + 1, random.randrange(dashboards) + 1, now))
            out.write("".join(lines))
            out.flush()
            written += len(lines)
            if rate > 0:
                pause = started + written / rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)


if __name__ == "__main__":
    main()
