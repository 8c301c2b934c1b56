import Collectors
import Foundation
import WarehouseClient

/// What `check-config` looks at outside the configuration file: the files it names. Each problem is
/// a sentence without the file's content, which may be a secret.
enum OutsideCheck {
    /// Why `serve` could not read the password from `path`, or nil when it can.
    static func passwordFileProblem(_ path: String) -> String? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return "\(path) does not exist" }
        if isFolder.boolValue { return "\(path) is a folder, not a file" }
        guard SecretFile.firstLine(atPath: path) != nil else { return "\(path) cannot be read as UTF-8 text" }
        return nil
    }

    /// Why `serve` would refuse the state file at `path` or never manage to write it, or nil when
    /// neither: an existing file must be a JSON object (an empty one is only a warning, as in
    /// `serve`), and its folder, where there is one, must be a folder that can be written. A folder
    /// that is not there yet is no problem: the configuration may be checked away from where it
    /// runs (a container's volume, a folder the service manager creates).
    static func stateFileProblem(_ path: String) -> String? {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            if isFolder.boolValue { return "the state file \(path) is a folder, not a file" }
            guard FileManager.default.isReadableFile(atPath: path) else { return "the state file \(path) cannot be read" }
            do {
                // The same reading as serve's, without the lock: check-config never writes.
                _ = try StateStore(path: path)
            } catch {
                return "\(error)"
            }
        }
        let folder = (path as NSString).deletingLastPathComponent
        let parent = folder.isEmpty ? FileManager.default.currentDirectoryPath : folder
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isFolder) else { return nil }
        guard isFolder.boolValue else { return "the state file's folder \(parent) is not a folder: the state could never be saved" }
        // Saved by writing a new file beside it and renaming it over the old one.
        guard FileManager.default.isWritableFile(atPath: parent) else {
            return "the state file's folder \(parent) cannot be written: the state could never be saved"
        }
        return nil
    }
}
