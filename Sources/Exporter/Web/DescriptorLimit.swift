#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's file descriptor limit (`RLIMIT_NOFILE`), which the HTTP connections and the
/// collectors (connections, log files, the state file) share.
enum DescriptorLimit {
    /// Raises the soft limit to the hard one, as far as it goes, and returns the soft limit in
    /// force; nil when it cannot be read or is unlimited.
    static func raise() -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        // Unlimited (RLIM_INFINITY) reads as a huge number.
        return limit.rlim_cur > rlim_t(Int32.max) ? nil : Int(limit.rlim_cur)
    }
}
