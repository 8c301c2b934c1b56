#if canImport(Glibc)
public import Glibc
#endif

/// Keeps a spawned program from inheriting the descriptors of the process that starts it.
///
/// A descriptor opened without close-on-exec (by Foundation, libcurl, a library's log file) is
/// otherwise inherited by every program started meanwhile: a password command would hold the
/// exporter's sockets and files open for as long as it runs, and a long-lived child would keep a
/// file busy or a pipe from ending long after its owner closed it.
public enum InheritedDescriptors {
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), looked up when first
    /// needed: Swift's Glibc module does not declare it; nil where the C library lacks it.
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: AddCloseFrom.self)
    }

    /// Adds to `actions` the closing, in the child, of every descriptor from `lowest` up; add it
    /// after the `dup2`s that give the child its standard ones. Returns false where the C library
    /// cannot, and then only close-on-exec descriptors are left out of the child.
    @discardableResult
    public static func close(from lowest: Int32 = 3, in actions: inout posix_spawn_file_actions_t) -> Bool {
        guard let addCloseFrom else { return false }
        return addCloseFrom(&actions, lowest) == 0
    }
}
